import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unknownReason } from '../../src/profile/facts.js';
import { NET } from '../../src/profile/feature-bits.js';
import { negotiatedFeaturesOffered } from '../../src/rules/builtin/negotiated-features-offered.js';
import { device } from '../helpers/devices.js';
import { codes, run } from '../helpers/rules.js';

// Real devices only: every case below is a pair of captured devices.
// - NEGOTIATED: 6.12 simulator, virtio_net negotiated MTU MAC STATUS CTRL_VQ
//   CTRL_MAC_ADDR VERSION_1 ACCESS_PLATFORM.
// - VIRTIO_BOUND: the same simulator negotiated again (every bit but ANY_LAYOUT known).
// - K61_NEGOTIATED / K61_UNBOUND: 6.1 simulator, whose parent cannot offer STATUS.
// - NO_MTU: 6.12 simulator provisioned without F_MTU (MTU known absent, parent can offer it).
// - VHOST: 6.12 simulator bound to vhost_vdpa, nothing negotiated (CTRL_VQ,
//   CTRL_MAC_ADDR, ANY_LAYOUT, VERSION_1, ACCESS_PLATFORM unknown).
// - VP_A_NEGOTIATED / VP_THREE: vp_vdpa parents A (4 pairs, MTU, RSS, HASH_REPORT),
//   B (2 pairs, no MTU, TSO4, MRG_RXBUF, RSS, HASH_REPORT) and C (no MQ).
// - K61_CONFIG_STOPS: kernel 6.1 whose config dump is empty (negotiated unknown).
const NEGOTIATED = 'profiles/vdpasim/k6.12-negotiated';
const VIRTIO_BOUND = 'k6.12-virtio-bound';
const K61_NEGOTIATED = 'k6.1-negotiated';
const K61_UNBOUND = 'k6.1-default-unbound';
const NO_MTU = 'profiles/vdpasim/k6.12-no-mtu';
const VHOST = 'profiles/vdpasim/k6.12-vhost';
const VP_A_NEGOTIATED = 'profiles/vp_vdpa/k6.12-A-negotiated';
const VP_THREE = 'profiles/vp_vdpa/k6.12-three-vhost';
const K61_CONFIG_STOPS = 'k6.1-config-dump-stops-at-blk';

describe('negotiated-features-offered', () => {
  describe('valid', () => {
    it('passes when the target is known to offer every negotiated feature', async () => {
      assert.deepEqual(codes(run(negotiatedFeaturesOffered, await device(NEGOTIATED), await device(VIRTIO_BOUND))), []);
    });
    it('passes a 6.1 guest moving to a 6.12 target that offers a superset', async () => {
      assert.deepEqual(codes(run(negotiatedFeaturesOffered, await device(K61_NEGOTIATED), await device(VIRTIO_BOUND))), []);
    });
  });

  describe('invalid', () => {
    it('fails when the target does not offer a negotiated feature its parent could offer', async () => {
      const findings = run(negotiatedFeaturesOffered, await device(NEGOTIATED), await device(NO_MTU));
      assert.deepEqual(codes(findings), ['negotiated-features-offered/missing', 'negotiated-features-offered/unverified']);
      const [missing] = findings;
      assert.equal(missing?.severity, 'error');
      assert.equal(missing?.unverified, false);
      assert.equal(missing?.path, '/features/offered');
      assert.equal(missing?.source, 'MTU');
      assert.equal(missing?.target, null);
      assert.equal(missing?.data['feature'], 'MTU');
      assert.equal(missing?.data['bit'], NET.MTU);
      assert.equal(missing?.data['target'], 'vdpa0');
      assert.equal(missing?.data['mgmtdev'], 'vdpasim_net');
      // The suggested device_features restores the guest's set, MTU included.
      assert.equal(missing?.data['deviceFeatures'], '0x0000000300830028');
    });
    it('fails with notSupported when the target parent cannot offer the feature (6.12 guest to a 6.1 simulator)', async () => {
      const findings = run(negotiatedFeaturesOffered, await device(NEGOTIATED), await device(K61_UNBOUND));
      assert.deepEqual(codes(findings), ['negotiated-features-offered/notSupported', 'negotiated-features-offered/unverified']);
      assert.equal(findings[0]?.severity, 'error');
      assert.equal(findings[0]?.unverified, false);
      assert.equal(findings[0]?.source, 'STATUS');
      assert.deepEqual([findings[0]?.data['feature'], findings[0]?.data['bit']], ['STATUS', NET.STATUS]);
    });
    it('lists every negotiated feature a vp_vdpa target parent lacks (A negotiated, B as target)', async () => {
      const findings = run(negotiatedFeaturesOffered, await device(VP_A_NEGOTIATED), await device(VP_THREE, 'vdpa1'));
      const notSupported = findings.filter((f) => f.code === 'negotiated-features-offered/notSupported');
      assert.deepEqual(
        notSupported.map((f) => [f.source, f.data['bit']]),
        [
          ['MTU', 3],
          ['GUEST_TSO4', 7],
          ['HOST_TSO4', 11],
          ['MRG_RXBUF', 15],
          ['HASH_REPORT', 57],
          ['RSS', 60],
        ],
      );
      assert.ok(notSupported.every((f) => f.severity === 'error' && f.data['mgmtdev'] === 'pci/0000:00:06.0'));
      assert.deepEqual(codes(findings).slice(notSupported.length), ['negotiated-features-offered/unverified']);
    });
    it('warns, unverified, when the target may or may not offer negotiated features; --strict makes it an error', async () => {
      const target = await device(VHOST);
      const lax = run(negotiatedFeaturesOffered, await device(NEGOTIATED), target);
      assert.deepEqual(codes(lax), ['negotiated-features-offered/unverified']);
      assert.equal(lax[0]?.severity, 'warning');
      assert.equal(lax[0]?.unverified, true);
      assert.equal(lax[0]?.path, '/features/offered');
      assert.deepEqual(lax[0]?.source, ['CTRL_VQ', 'CTRL_MAC_ADDR', 'VERSION_1', 'ACCESS_PLATFORM']);
      assert.equal(lax[0]?.target, null);
      assert.equal(lax[0]?.data['why'], unknownReason(target.doc, '/features/offered'));
      const strict = run(negotiatedFeaturesOffered, await device(NEGOTIATED), target, true);
      assert.deepEqual(codes(strict), ['negotiated-features-offered/unverified']);
      assert.equal(strict[0]?.severity, 'error');
    });
    it('compares offered features when nothing is negotiated, and warns about features the target lacks that the source may offer', async () => {
      // Same host, idle devices: parent A may offer TSO4, MRG_RXBUF, HASH_REPORT
      // and RSS (unknown on the device); parent B cannot offer them at all.
      const lax = run(negotiatedFeaturesOffered, await device(VP_THREE, 'vdpa0'), await device(VP_THREE, 'vdpa1'));
      assert.deepEqual(codes(lax), [
        'negotiated-features-offered/comparedOffered',
        'negotiated-features-offered/notSupported',
        'negotiated-features-offered/unverified',
        'negotiated-features-offered/possiblyMissing',
      ]);
      const [compared, notSupported, , possibly] = lax;
      assert.equal(compared?.severity, 'info');
      assert.equal(compared?.unverified, false);
      assert.equal(compared?.path, '/features/negotiated');
      assert.equal(compared?.source, null);
      assert.equal(notSupported?.source, 'MTU');
      assert.equal(possibly?.severity, 'warning');
      assert.equal(possibly?.unverified, true);
      assert.equal(possibly?.path, '/features/offered');
      assert.deepEqual(possibly?.source, ['GUEST_TSO4', 'HOST_TSO4', 'MRG_RXBUF', 'HASH_REPORT', 'RSS']);
      assert.equal(possibly?.target, null);
      assert.equal(possibly?.data['target'], 'vdpa1');
      assert.equal(possibly?.data['targetFeatures'], '0x0000010130ff7727');
      const strict = run(negotiatedFeaturesOffered, await device(VP_THREE, 'vdpa0'), await device(VP_THREE, 'vdpa1'), true);
      assert.equal(strict.find((f) => f.code === 'negotiated-features-offered/possiblyMissing')?.severity, 'error');
      assert.equal(strict.find((f) => f.code === 'negotiated-features-offered/comparedOffered')?.severity, 'info');
    });
    it('says why it compared offered features when the source negotiated set is unknown (6.1 config dump)', async () => {
      const source = await device(K61_CONFIG_STOPS, 'vdpa0');
      const findings = run(negotiatedFeaturesOffered, source, await device(VIRTIO_BOUND));
      assert.equal(codes(findings)[0], 'negotiated-features-offered/comparedOffered');
      assert.equal(findings[0]?.data['why'], unknownReason(source.doc, '/features/negotiated'));
      // Nothing is known offered on the source, so nothing can be missing for sure.
      assert.ok(!codes(findings).includes('negotiated-features-offered/missing'));
      assert.ok(!codes(findings).includes('negotiated-features-offered/notSupported'));
    });
    it('warns, unverified, that a block source\'s features cannot be known at all, without listing 64 bits', async () => {
      // Real pair: simulator block devices; iproute2 prints no block features and vdpasim_blk lists no dev_features.
      const findings = run(negotiatedFeaturesOffered, await device(VHOST, 'vdpa1'), await device(VIRTIO_BOUND, 'vdpa1'));
      assert.deepEqual(codes(findings), ['negotiated-features-offered/comparedOffered', 'negotiated-features-offered/sourceUnknown']);
      assert.equal(findings[1]?.severity, 'warning');
      assert.equal(findings[1]?.unverified, true);
      assert.equal(run(negotiatedFeaturesOffered, await device(VHOST, 'vdpa1'), await device(VIRTIO_BOUND, 'vdpa1'), true)[1]?.severity, 'error');
    });
    it('leaves a net source and a block target to device-class-match: their bits mean different things', async () => {
      assert.deepEqual(codes(run(negotiatedFeaturesOffered, await device(VHOST, 'vdpa0'), await device(VHOST, 'vdpa1'))), []);
    });
  });
});
