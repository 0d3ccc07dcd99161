import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readHostFacts, readSysfs } from '../../src/collect/sysfs.js';
import { repoPath } from '../helpers/paths.js';

// Trees under test/fixtures/sysfs reproduce the layouts captured from real
// kernels (README there names the capture of each).
const tree = (name: string) => repoPath(`test/fixtures/sysfs/${name}`);
const SIM = [
  { handle: 'vdpasim_net', bus: null, name: 'vdpasim_net' },
  { handle: 'vdpasim_blk', bus: null, name: 'vdpasim_blk' },
];

describe('sysfs source', () => {
  it('finds vhost_vdpa binding and the char device of each simulator device', async () => {
    const snapshot = await readSysfs(tree('sim-vhost-bound'), ['vdpa0', 'vdpa1'], SIM);
    assert.deepEqual(snapshot.devices['vdpa0'], { path: '/sys/devices/vdpa0', driver: 'vhost_vdpa', vhostVdpa: { name: 'vhost-vdpa-0', dev: '245:0' } });
    assert.equal(snapshot.devices['vdpa1']?.vhostVdpa?.name, 'vhost-vdpa-1');
    // The maps have no prototype (a device may be named __proto__): compare their entries.
    assert.deepEqual({ ...snapshot.mgmtdevs }, {}, 'bus-less parents have no sysfs bus entry');
  });

  it('sees virtio_vdpa binding and no char device', async () => {
    const snapshot = await readSysfs(tree('sim-virtio-bound'), ['vdpa0'], SIM);
    assert.equal(snapshot.devices['vdpa0']?.driver, 'virtio_vdpa');
    assert.equal(snapshot.devices['vdpa0']?.vhostVdpa, null);
  });

  it('reports an unbound device as driver null', async () => {
    const snapshot = await readSysfs(tree('sim-unbound'), ['vdpa0'], SIM);
    assert.equal(snapshot.devices['vdpa0']?.driver, null);
  });

  it('reads the PCI function behind a vp_vdpa management device', async () => {
    const parents = ['0000:00:05.0', '0000:00:07.0'].map((bdf) => ({ handle: `pci/${bdf}`, bus: 'pci', name: bdf }));
    const snapshot = await readSysfs(tree('vp-vhost-bound'), ['vdpa0', 'vdpa2'], parents);
    assert.equal(snapshot.devices['vdpa0']?.path, '/sys/devices/pci0000:00/0000:00:05.0/vdpa0');
    assert.equal(snapshot.devices['vdpa2']?.vhostVdpa?.dev, '245:2');
    assert.deepEqual(snapshot.mgmtdevs['pci/0000:00:07.0'], {
      path: '/sys/devices/pci0000:00/0000:00:07.0',
      driver: 'vp-vdpa',
      pci: { address: '0000:00:07.0', vendor: '0x1af4', device: '0x1000', subsystemVendor: '0x1af4', subsystemDevice: '0x0001', class: '0x020000', revision: '0x00' },
    });
  });

  it('leaves out devices sysfs does not have and names that are not path components', async () => {
    const snapshot = await readSysfs(tree('sim-vhost-bound'), ['vdpa9', '../../etc', '..'], [{ handle: 'pci/../../x', bus: 'pci', name: '../../x' }]);
    assert.deepEqual({ ...snapshot, devices: { ...snapshot.devices }, mgmtdevs: { ...snapshot.mgmtdevs } }, { format: 'vdpa-compat-sysfs/1', devices: {}, mgmtdevs: {} });
  });

  it('reads kernel release and host name from procfs, absent when missing', async () => {
    assert.deepEqual(await readHostFacts(tree('vp-vhost-bound')), { kernelRelease: '6.12.117+deb13-amd64', hostname: '(none)' });
    const empty = await mkdtemp(join(tmpdir(), 'vdpa-compat-sysfs-'));
    assert.deepEqual(await readHostFacts(empty), { kernelRelease: null, hostname: null });
  });
});
