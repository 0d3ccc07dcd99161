import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { deviceFingerprint } from '../../src/profile/fingerprint.js';
import { UsageError } from '../../src/errors.js';
import { NET, TRANSPORT, bitMask } from '../../src/profile/feature-bits.js';
import { profileSchemaProblems } from '../../src/profile/schema.js';
import { consistencyProblems } from '../../src/profile/load.js';
import { dumpPath } from '../helpers/paths.js';
import { editedDump, json, scratchDir } from '../collect/edit-dump.js';

const profile = async (dump: string, device?: string) => (await collect({ from: dumpPath(dump), ...(device ? { device } : {}) })).profile;
const has = (bits: string, bit: number) => (BigInt(bits) & bitMask(bit)) !== 0n;

describe('normalize', () => {
  it('builds a schema-valid, self-consistent profile from every sample and test dump', async () => {
    for (const dump of [
      'profiles/vdpasim/k6.12-negotiated',
      'profiles/vdpasim/k6.12-vhost',
      'profiles/vdpasim/k6.12-no-mtu',
      'profiles/vdpasim/k6.12-mtu9000',
      'profiles/vp_vdpa/k6.12-A-negotiated',
      'profiles/vp_vdpa/k6.12-three-vhost',
      'k6.1-config-dump-stops-at-blk',
      'k6.1-negotiated',
      'k6.1-default-unbound',
      'k6.12-virtio-bound',
      'vp-k6.1-three-vhost',
      'vp-k6.12-B-negotiated',
    ]) {
      const p = await profile(dump);
      assert.deepEqual(await profileSchemaProblems(p), [], dump);
      assert.deepEqual(consistencyProblems(p), [], dump);
    }
  });

  it('keeps the three feature sets apart (vp_vdpa parent A negotiated by virtio_net)', async () => {
    const [a] = (await profile('profiles/vp_vdpa/k6.12-A-negotiated')).devices;
    assert.ok(a);
    const { negotiated, offered, provisionable } = a.features;
    assert.ok(negotiated && has(negotiated.bits, NET.MQ) && has(negotiated.bits, NET.RSS));
    assert.ok(!has(negotiated.bits, 40), 'virtio_net did not negotiate RING_RESET');
    assert.ok(provisionable && has(provisionable.bits, 40), 'the parent supports RING_RESET');
    assert.ok(has(offered.present.bits, NET.MQ));
    assert.ok(has(offered.absent.bits, TRANSPORT.ACCESS_PLATFORM), 'no vp_vdpa parent offers ACCESS_PLATFORM');
    assert.equal(a.config.maxVqPairs, 4);
    assert.equal(a.maxVqs, 9);
    assert.equal(a.driver, 'virtio_vdpa');
    assert.equal(a.charDev, null);
  });

  it('records binding, char device and PCI identity from sysfs', async () => {
    const p = await profile('profiles/vp_vdpa/k6.12-three-vhost');
    assert.deepEqual(
      p.devices.map((d) => [d.name, d.driver, d.charDev]),
      [
        ['vdpa0', 'vhost_vdpa', '/dev/vhost-vdpa-0'],
        ['vdpa1', 'vhost_vdpa', '/dev/vhost-vdpa-1'],
        ['vdpa2', 'vhost_vdpa', '/dev/vhost-vdpa-2'],
      ],
    );
    const c = p.mgmtdevs.find((m) => m.handle === 'pci/0000:00:07.0');
    assert.equal(c?.driver, 'vp-vdpa');
    assert.equal(c?.pci?.device, '0x1000');
  });

  it('marks config and negotiated features unknown when the 6.1 config dump stopped at a block device', async () => {
    const p = await profile('k6.1-config-dump-stops-at-blk');
    for (const d of p.devices) {
      assert.deepEqual(d.config, { mac: null, mtu: null, maxVqPairs: null, linkUp: null, announce: null });
      assert.match(d.unknown.find((u) => u.fact === '/config')?.reason ?? '', /block device/);
      assert.ok(d.unknown.some((u) => u.fact === '/features/negotiated'));
    }
  });

  it('treats an empty dev_features (vdpasim_blk) as unreported, not as "supports nothing"', async () => {
    const p = await profile('profiles/vdpasim/k6.12-vhost');
    const blk = p.devices.find((d) => d.class === 'blk');
    assert.equal(blk?.features.provisionable, null);
    assert.equal(blk?.features.offered.absent.bits, '0x0000000000000000');
    assert.ok(blk?.unknown.some((u) => u.fact === '/features/provisionable'));
  });

  it('knows nothing was negotiated on an idle net device (no unknown entry)', async () => {
    const [d] = (await profile('k6.1-default-unbound')).devices;
    assert.equal(d?.features.negotiated, null);
    assert.ok(!d?.unknown.some((u) => u.fact === '/features/negotiated'));
    assert.equal(d?.driver, 'none');
  });

  it('keeps only the device asked for, and names the devices when it is not there', async () => {
    const p = await profile('profiles/vp_vdpa/k6.12-three-vhost', 'vdpa1');
    assert.deepEqual(
      p.devices.map((d) => d.name),
      ['vdpa1'],
    );
    assert.equal(p.mgmtdevs.length, 3);
    await assert.rejects(profile('profiles/vp_vdpa/k6.12-three-vhost', 'vdpa7'), (e: unknown) => e instanceof UsageError && e.code === 'UNKNOWN_DEVICE' && /vdpa0, vdpa1, vdpa2/.test(e.message));
  });
});

describe('normalize: who holds the char device', () => {
  /** vp_vdpa, kernel 6.12: vdpa0..2 bound to vhost_vdpa; its sysfs.json predates holders. */
  const THREE = 'profiles/vp_vdpa/k6.12-three-vhost';
  let scratch: string;
  before(async () => {
    scratch = await scratchDir('normalize-holders');
  });
  /** THREE with holders recorded in sysfs.json as the sysfs source writes them. */
  const withHolders = (change: (devices: Record<string, { vhostVdpa: Record<string, unknown> }>) => void) =>
    editedDump(scratch, dumpPath(THREE), { 'sysfs.json': json((doc) => (change(doc.devices), doc)) })
      .then((dir) => collect({ from: dir }))
      .then((r) => r.profile);

  it('lists the holders, [] for none, and keeps them out of the fingerprint', async () => {
    const p = await withHolders((devices) => {
      devices['vdpa0']!.vhostVdpa['holders'] = [{ pid: 4242, comm: 'qemu-system-x86' }];
      devices['vdpa1']!.vhostVdpa['holders'] = [];
      Object.assign(devices['vdpa2']!.vhostVdpa, { holders: null, holdersMissing: 'could not read /proc/9/fd: EACCES (collect as root)' });
    });
    const [d0, d1, d2] = p.devices;
    assert.deepEqual(d0?.holders, [{ pid: 4242, comm: 'qemu-system-x86' }]);
    assert.deepEqual(d1?.holders, []);
    assert.equal(d2?.holders, null);
    assert.ok(!d0?.unknown.some((u) => u.fact === '/holders') && !d1?.unknown.some((u) => u.fact === '/holders'), 'known holders are not unknown');
    assert.deepEqual(
      d2?.unknown.filter((u) => u.fact === '/holders'),
      [{ fact: '/holders', reason: 'could not read /proc/9/fd: EACCES (collect as root)' }],
    );
    assert.deepEqual(await profileSchemaProblems(p), []);
    // The same device held and not: current use, not capability.
    const unheld = (await profile(THREE)).devices[0];
    assert.ok(unheld && d0);
    assert.equal(d0.fingerprint, unheld.fingerprint);
    assert.equal(deviceFingerprint({ ...d0, holders: [{ pid: 1, comm: 'x' }] }), d0.fingerprint);
  });

  it('says holders are unknown for a snapshot that predates them, and where sysfs is missing', async () => {
    for (const d of (await profile(THREE)).devices) {
      assert.equal(d.holders, null, d.name);
      assert.match(d.unknown.find((u) => u.fact === '/holders')?.reason ?? '', /records no holders/, d.name);
    }
    // No sysfs.json: binding, char device and holders unknown for the same reason.
    const [blind] = (await profile('k6.1-config-dump-stops-at-blk')).devices;
    assert.equal(blind?.holders, null);
    const reasons = new Map(blind?.unknown.map((u) => [u.fact, u.reason]));
    assert.ok(reasons.has('/holders'));
    assert.equal(reasons.get('/holders'), reasons.get('/charDev'));
  });

  it('has no holders fact on a device without a char device', async () => {
    const p = await profile('k6.12-virtio-bound');
    for (const d of p.devices) {
      assert.equal(d.driver, 'virtio_vdpa');
      assert.ok(!('holders' in d), d.name);
      assert.ok(!d.unknown.some((u) => u.fact === '/holders'), d.name);
    }
  });
});
