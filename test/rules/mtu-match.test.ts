import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NET } from '../../src/profile/feature-bits.js';
import { mtuMatch } from '../../src/rules/builtin/mtu-match.js';
import { device, edits } from '../helpers/devices.js';
import { codes, run, status, vmWith } from '../helpers/rules.js';

// Real devices: a 6.12 simulator device negotiated by virtio_net (MTU 1500, F_MTU negotiated), the
// same parent provisioned with mtu 9000, one provisioned without F_MTU (no mtu key), and idle ones.
// The lab migrated 1500 → 9000 and a guest with F_MTU to a target without it (host_mtu set): both worked.
const NEGOTIATED = 'profiles/vdpasim/k6.12-negotiated';
const MTU9000 = 'profiles/vdpasim/k6.12-mtu9000';
const NO_MTU = 'profiles/vdpasim/k6.12-no-mtu';
const VHOST = 'profiles/vdpasim/k6.12-vhost';
const SIM = 'e2e/k6.12/sim-netlink';

describe('mtu-match', () => {
  describe('valid', () => {
    it('passes equal MTUs', async () => {
      assert.deepEqual(codes(run(mtuMatch, await device(NEGOTIATED), await device(VHOST))), []);
    });
    it('notes a larger target MTU: the guest keeps its own (measured: 1500 → 9000 migrated and worked)', async () => {
      const findings = run(mtuMatch, await device(NEGOTIATED), await device(MTU9000));
      assert.deepEqual(codes(findings), ['mtu-match/targetLarger']);
      assert.deepEqual([findings[0]?.severity, findings[0]?.data['guestMtu'], findings[0]?.data['targetMtu']], ['info', 1500, 9000]);
    });
    it('notes a target without an MTU field; with host_mtu QEMU offers F_MTU itself', async () => {
      const plain = run(mtuMatch, await device(NEGOTIATED), await device(NO_MTU));
      assert.deepEqual(codes(plain), ['mtu-match/targetHasNoMtu']);
      const withHostMtu = run(mtuMatch, await device(NEGOTIATED), await device(NO_MTU), false, vmWith({ hostMtu: 1500 }));
      assert.match(String(withHostMtu[0]?.data['hostMtuNote']), /host_mtu 1500/);
    });
    it('does not compare when neither F_MTU nor host_mtu is in play', async () => {
      const source = await device(NEGOTIATED, 'vdpa0', (d) => {
        edits.negotiated(d, [NET.MAC, 32, 33]);
        edits.withhold(d, NET.MTU);
      });
      assert.deepEqual(codes(run(mtuMatch, source, await device(MTU9000))), ['mtu-match/notInPlay']);
    });
    it('is not applicable to block devices', async () => {
      assert.equal(status(mtuMatch, await device(SIM, 'blk'), await device(SIM, 'blk')), 'not-applicable');
    });
  });

  describe('invalid', () => {
    it('fails a target MTU below the guest\'s (idle 9000 source, before negotiation)', async () => {
      const findings = run(mtuMatch, await device(MTU9000), await device(VHOST));
      assert.deepEqual(codes(findings), ['mtu-match/targetSmaller']);
      assert.deepEqual([findings[0]?.severity, findings[0]?.remedy, findings[0]?.path, findings[0]?.source, findings[0]?.target], ['error', 'reprovision-target', '/config/mtu', 9000, 1500]);
    });
    it('with host_mtu and a source without an MTU field, cannot tell the guest MTU: the guest reads the device\'s config bytes', async () => {
      const findings = run(mtuMatch, await device(NO_MTU), await device(VHOST), false, vmWith({ hostMtu: 9000 }));
      assert.deepEqual([codes(findings), findings[0]?.data['side'], findings[0]?.unverified], [['mtu-match/unverified'], 'source', true]);
    });
    it('warns, unverified, for a smaller target when nothing bounds whether the idle source offers F_MTU', async () => {
      // The edit: the idle 9000 source's offered F_MTU forgotten, and its management device's dev_features
      // removed with the device's provisionable set (as a parent that lists none, like vdpasim_blk, shows):
      // F_MTU may or may not be offered.
      const source = await device(MTU9000, 'vdpa0', (d, profile) => {
        edits.forget(d, NET.MTU);
        d.features.provisionable = null;
        for (const m of profile.mgmtdevs) if (m.handle === d.mgmtdev) m.supportedFeatures = null;
      });
      const findings = run(mtuMatch, source, await device(VHOST));
      assert.deepEqual([codes(findings), findings[0]?.severity, findings[0]?.unverified], [['mtu-match/inPlayUnknown'], 'warning', true]);
      // The same source with dev_features that lack MTU: F_MTU cannot be offered, nothing to compare.
      const bounded = await device(MTU9000, 'vdpa0', (d, profile) => {
        edits.forget(d, NET.MTU);
        d.features.provisionable = { bits: '0x0000000300000000', names: ['VERSION_1', 'ACCESS_PLATFORM'] };
        for (const m of profile.mgmtdevs) if (m.handle === d.mgmtdev) m.supportedFeatures = d.features.provisionable;
      });
      assert.deepEqual(codes(run(mtuMatch, bounded, await device(VHOST))), ['mtu-match/notInPlay']);
    });
    it('warns, unverified, when the target MTU is unknown; --strict makes it an error', async () => {
      const target = await device(VHOST, 'vdpa0', (d) => {
        d.config.mtu = null;
        d.unknown.push({ fact: '/config', reason: 'test: config not shown' });
        edits.forget(d, NET.MTU);
      });
      const lax = run(mtuMatch, await device(NEGOTIATED), target);
      assert.deepEqual([codes(lax), lax[0]?.data['side'], lax[0]?.unverified], [['mtu-match/unverified'], 'target', true]);
      assert.equal(run(mtuMatch, await device(NEGOTIATED), target, true)[0]?.severity, 'error');
    });
  });
});
