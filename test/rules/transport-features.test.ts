import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unknownReason } from '../../src/profile/facts.js';
import { transportFeatures } from '../../src/rules/builtin/transport-features.js';
import { device } from '../helpers/devices.js';
import { codes, run } from '../helpers/rules.js';

// Real devices only. The simulator offers VERSION_1 and ACCESS_PLATFORM (known
// once virtio_net negotiated them; unknown on an idle vhost device). The
// vp_vdpa parents sit on virtio-pci devices without iommu_platform, so
// ACCESS_PLATFORM is known absent on every one of them.
const NEGOTIATED = 'profiles/vdpasim/k6.12-negotiated';
const VIRTIO_BOUND = 'k6.12-virtio-bound';
const K61_NEGOTIATED = 'k6.1-negotiated';
const VHOST = 'profiles/vdpasim/k6.12-vhost';
const VP_A_NEGOTIATED = 'profiles/vp_vdpa/k6.12-A-negotiated';
const VP_B_NEGOTIATED = 'vp-k6.12-B-negotiated';

describe('transport-features', () => {
  describe('valid', () => {
    it('passes when both devices are known to offer VERSION_1 and ACCESS_PLATFORM', async () => {
      assert.deepEqual(codes(run(transportFeatures, await device(NEGOTIATED), await device(VIRTIO_BOUND))), []);
    });
    it('passes across kernels (6.1 source, 6.12 target)', async () => {
      assert.deepEqual(codes(run(transportFeatures, await device(K61_NEGOTIATED), await device(NEGOTIATED))), []);
    });
  });

  describe('invalid', () => {
    it('fails when the target does not offer ACCESS_PLATFORM', async () => {
      const findings = run(transportFeatures, await device(NEGOTIATED), await device(VP_A_NEGOTIATED));
      assert.deepEqual(codes(findings), ['transport-features/targetMissing']);
      const [f] = findings;
      assert.equal(f?.severity, 'error');
      assert.equal(f?.unverified, false);
      assert.equal(f?.path, '/features/offered');
      assert.equal(f?.source, null);
      assert.equal(f?.target, 'ACCESS_PLATFORM (bit 33)');
      assert.deepEqual(f?.data, { device: 'vdpa0', features: 'ACCESS_PLATFORM (bit 33)' });
    });
    it('fails when the source does not offer ACCESS_PLATFORM, whatever the target', async () => {
      const findings = run(transportFeatures, await device(VP_A_NEGOTIATED), await device(VIRTIO_BOUND));
      assert.deepEqual(codes(findings), ['transport-features/sourceMissing']);
      assert.equal(findings[0]?.severity, 'error');
      assert.equal(findings[0]?.source, 'ACCESS_PLATFORM (bit 33)');
      assert.equal(findings[0]?.target, null);
      assert.equal(findings[0]?.data['features'], 'ACCESS_PLATFORM (bit 33)');
    });
    it('reports both sides between two vp_vdpa devices (B negotiated to A negotiated)', async () => {
      const findings = run(transportFeatures, await device(VP_B_NEGOTIATED), await device(VP_A_NEGOTIATED));
      assert.deepEqual(codes(findings), ['transport-features/sourceMissing', 'transport-features/targetMissing']);
    });
    it('warns, unverified, when the target offered transport bits are unknown; --strict makes it an error', async () => {
      const target = await device(VHOST);
      const lax = run(transportFeatures, await device(NEGOTIATED), target);
      assert.deepEqual(codes(lax), ['transport-features/unverified']);
      assert.equal(lax[0]?.severity, 'warning');
      assert.equal(lax[0]?.unverified, true);
      assert.equal(lax[0]?.path, '/features/offered');
      assert.equal(lax[0]?.source, null);
      assert.equal(lax[0]?.target, 'VERSION_1 (bit 32), ACCESS_PLATFORM (bit 33)');
      assert.equal(lax[0]?.data['side'], 'target');
      assert.equal(lax[0]?.data['why'], unknownReason(target.doc, '/features/offered'));
      const strict = run(transportFeatures, await device(NEGOTIATED), target, true);
      assert.deepEqual(codes(strict), ['transport-features/unverified']);
      assert.equal(strict[0]?.severity, 'error');
    });
    it('warns, unverified, about the source side too', async () => {
      const lax = run(transportFeatures, await device(VHOST), await device(NEGOTIATED));
      assert.deepEqual(codes(lax), ['transport-features/unverified']);
      assert.equal(lax[0]?.data['side'], 'source');
      assert.equal(lax[0]?.source, 'VERSION_1 (bit 32), ACCESS_PLATFORM (bit 33)');
      assert.equal(lax[0]?.target, null);
      assert.equal(run(transportFeatures, await device(VHOST), await device(NEGOTIATED), true)[0]?.severity, 'error');
    });
    it('reports a known-absent and an unknown bit on the same idle vp_vdpa target separately', async () => {
      // Parent A idle: ACCESS_PLATFORM known absent, VERSION_1 unknown.
      const findings = run(transportFeatures, await device(NEGOTIATED), await device('profiles/vp_vdpa/k6.12-three-vhost', 'vdpa0'));
      assert.deepEqual(codes(findings), ['transport-features/targetMissing', 'transport-features/unverified']);
      assert.equal(findings[0]?.target, 'ACCESS_PLATFORM (bit 33)');
      assert.equal(findings[1]?.target, 'VERSION_1 (bit 32)');
    });
  });
});
