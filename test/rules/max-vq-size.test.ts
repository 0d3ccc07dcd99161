import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxVqSize } from '../../src/rules/builtin/max-vq-size.js';
import { device } from '../helpers/devices.js';
import { codes, run } from '../helpers/rules.js';

// Every captured device (simulator net and block, vp_vdpa A, B and C, kernels
// 6.1 and 6.12) reports max_vq_size 256, so real pairs only show the passing
// case; smaller, larger and unknown sizes are edits of real devices.
const NEGOTIATED = 'profiles/vdpasim/k6.12-negotiated';
const VHOST = 'profiles/vdpasim/k6.12-vhost';
const VP_A_NEGOTIATED = 'profiles/vp_vdpa/k6.12-A-negotiated';
const VP_K61_THREE = 'vp-k6.1-three-vhost';
const VIRTIO_BOUND = 'k6.12-virtio-bound';

describe('max-vq-size', () => {
  describe('valid', () => {
    it('passes equal ring sizes (simulator to simulator)', async () => {
      assert.deepEqual(codes(run(maxVqSize, await device(NEGOTIATED), await device(VHOST))), []);
    });
    it('passes equal ring sizes (vp_vdpa 6.12 to vp_vdpa 6.1)', async () => {
      assert.deepEqual(codes(run(maxVqSize, await device(VP_A_NEGOTIATED), await device(VP_K61_THREE, 'vdpa0'))), []);
    });
    it('passes block devices too', async () => {
      assert.deepEqual(codes(run(maxVqSize, await device(VHOST, 'vdpa1'), await device(VIRTIO_BOUND, 'vdpa1'))), []);
    });
    it('passes a target that accepts larger rings', async () => {
      // Edit: no captured device has a max_vq_size other than 256.
      const target = await device(VHOST, 'vdpa0', (d) => {
        d.maxVqSize = 1024;
      });
      assert.deepEqual(codes(run(maxVqSize, await device(NEGOTIATED), target)), []);
    });
  });

  describe('invalid', () => {
    it('fails when the target accepts only smaller rings', async () => {
      // Edit: no captured device has a max_vq_size other than 256.
      const target = await device(VHOST, 'vdpa0', (d) => {
        d.maxVqSize = 128;
      });
      const findings = run(maxVqSize, await device(NEGOTIATED), target);
      assert.deepEqual(codes(findings), ['max-vq-size/tooSmall']);
      const [f] = findings;
      assert.equal(f?.severity, 'error');
      assert.equal(f?.unverified, false);
      assert.equal(f?.path, '/maxVqSize');
      assert.equal(f?.source, 256);
      assert.equal(f?.target, 128);
      assert.deepEqual(f?.data, { target: 'vdpa0', sourceSize: 256, targetSize: 128 });
    });
    it('fails when the target cannot even take QEMU\'s default 256-entry rings', async () => {
      // Edit: no captured device has a max_vq_size other than 256.
      const target = await device(VP_K61_THREE, 'vdpa0', (d) => {
        d.maxVqSize = 128;
      });
      const findings = run(maxVqSize, await device(VP_A_NEGOTIATED, 'vdpa0'), target);
      assert.deepEqual(codes(findings), ['max-vq-size/tooSmall']);
      assert.deepEqual([findings[0]?.source, findings[0]?.target], [256, 128]);
      assert.equal(findings[0]?.severity, 'error');
    });
    it('warns, unverified, when the target takes 256-entry rings but not the source\'s largest', async () => {
      // Edit: no captured device has a max_vq_size other than 256.
      const source = await device(VP_A_NEGOTIATED, 'vdpa0', (d) => {
        d.maxVqSize = 1024;
      });
      const findings = run(maxVqSize, source, await device(VP_K61_THREE, 'vdpa0'));
      assert.deepEqual(codes(findings), ['max-vq-size/possiblyTooSmall']);
      assert.deepEqual([findings[0]?.source, findings[0]?.target], [1024, 256]);
      assert.equal(findings[0]?.severity, 'warning');
      assert.equal(findings[0]?.unverified, true);
      assert.equal(run(maxVqSize, source, await device(VP_K61_THREE, 'vdpa0'), true)[0]?.severity, 'error');
    });
    it('warns, unverified, when the target max_vq_size is unknown; --strict makes it an error', async () => {
      // Edit: every captured `dev show` prints max_vq_size.
      const target = await device(VHOST, 'vdpa0', (d) => {
        d.maxVqSize = null;
      });
      const lax = run(maxVqSize, await device(NEGOTIATED), target);
      assert.deepEqual(codes(lax), ['max-vq-size/unverified']);
      assert.equal(lax[0]?.severity, 'warning');
      assert.equal(lax[0]?.unverified, true);
      assert.equal(lax[0]?.path, '/maxVqSize');
      assert.deepEqual([lax[0]?.source, lax[0]?.target], [256, null]);
      assert.deepEqual(lax[0]?.data, { side: 'target' });
      const strict = run(maxVqSize, await device(NEGOTIATED), target, true);
      assert.deepEqual(codes(strict), ['max-vq-size/unverified']);
      assert.equal(strict[0]?.severity, 'error');
    });
    it('warns, unverified, when the source max_vq_size is unknown', async () => {
      // Edit: every captured `dev show` prints max_vq_size.
      const source = await device(NEGOTIATED, 'vdpa0', (d) => {
        d.maxVqSize = null;
      });
      const lax = run(maxVqSize, source, await device(VHOST));
      assert.deepEqual(codes(lax), ['max-vq-size/unverified']);
      assert.deepEqual([lax[0]?.source, lax[0]?.target], [null, 256]);
      assert.deepEqual(lax[0]?.data, { side: 'source' });
    });
  });
});
