import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findParent, PARENTS, parentView } from '../../src/knowledge/parents.js';
import { profileOf } from '../helpers/devices.js';

// packs/parents.yaml as the rules see it: parents recognised by their management devices in real
// profiles, facts per kernel range, and unknown where the pack does not say.
describe('packs/parents.yaml', () => {
  it('recognises the simulator and vp_vdpa parents of real profiles', async () => {
    const profile = await profileOf('e2e/k6.12/vp2-netlink');
    const ids = profile.mgmtdevs.map((m) => [m.handle, findParent(m)?.id ?? null]);
    assert.deepEqual(ids, [
      ['vdpasim_net', 'vdpa_sim_net'],
      ['vdpasim_blk', 'vdpa_sim_blk'],
      ['pci/0000:00:05.0', 'vp_vdpa'],
      ['pci/0000:00:06.0', 'vp_vdpa'],
      ['pci/0000:00:07.0', 'vp_vdpa'],
      ['pci/0000:00:08.0', 'vp_vdpa'],
      ['pci/0000:00:09.0', 'vp_vdpa'],
    ]);
  });

  it('answers a fact for the kernel, and says unknown for a kernel or a parent it does not cover', () => {
    const sim = PARENTS.find((p) => p.id === 'vdpa_sim_net');
    assert.ok(sim);
    const mgmtdev = { handle: 'vdpasim_net', bus: null, name: 'vdpasim_net', classes: ['net'], maxSupportedVqs: 3, supportedFeatures: null, driver: null, pci: null, unknown: [] };
    const on612 = parentView(mgmtdev, 'vdpasim_net', '6.12.117+deb13-amd64');
    assert.deepEqual(
      [on612.fact('setConfig'), on612.fact('resume')].map((f) => f.known && f.value),
      ['writes', true],
    );
    const check = on612.kernelFact('vringNumAboveMax');
    assert.deepEqual([check.known && check.value, check.known && check.verified], ['refuses', true]);
    assert.match(check.known ? check.source : '', /vhost_vdpa_vring_ioctl/);
    // Debian 12 names its ABI (6.1.0-56), not its patch level: 6.1.y agrees on both facts anyway.
    const on61 = parentView(mgmtdev, 'vdpasim_net', '6.1.0-56-amd64');
    assert.deepEqual(
      [on61.fact('resume'), on61.kernelFact('vringNumAboveMax')].map((f) => f.known && f.value),
      [false, 'accepts'],
    );
    // 6.12.0-N without its patch level: the fix came in 6.12.111.
    assert.equal(parentView(mgmtdev, 'vdpasim_net', '6.12.0-1-amd64').kernelFact('vringNumAboveMax').known, false);
    assert.equal(parentView(mgmtdev, 'vdpasim_net', '6.6.30').kernelFact('vringNumAboveMax').known, false);
    const unknown = parentView({ ...mgmtdev, handle: 'pci/0000:00:0a.0', bus: 'pci', name: '0000:00:0a.0', driver: 'acme_vdpa' }, 'pci/0000:00:0a.0', '6.12.117');
    assert.deepEqual([unknown.id, unknown.fact('setConfig').known], [null, false]);
  });

  it('covers every parent driver the issue names, and says which ones netlink never shows', () => {
    const ids = PARENTS.map((p) => p.id).sort();
    for (const id of ['vdpa_sim_net', 'vdpa_sim_blk', 'vp_vdpa', 'mlx5_vdpa', 'pds_vdpa', 'ifcvf', 'octep_vdpa', 'vduse', 'eni_vdpa', 'snet_vdpa', 'sfc_ef100']) assert.ok(ids.includes(id), id);
    // eni_vdpa and snet_vdpa register no management device: their devices never reach a profile.
    for (const id of ['eni_vdpa', 'snet_vdpa']) assert.match(PARENTS.find((p) => p.id === id)?.note ?? '', /No management device/);
  });
});
