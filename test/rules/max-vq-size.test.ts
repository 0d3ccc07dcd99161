import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxVqSize } from '../../src/rules/builtin/max-vq-size.js';
import type { Profile } from '../../src/profile/types.js';
import { device } from '../helpers/devices.js';
import { codes, run, vmWith } from '../helpers/rules.js';

// Real devices: simulator devices (max_vq_size 256) on kernel 6.12.117, which refuses rings above
// the device's maximum (VHOST_SET_VRING_NUM, from 6.12.111), and on Debian 12's 6.1 (6.1.0-56), which
// accepts them. The lab saw QEMU 10.0.13 start every ring at 1024 and vhost fail on 6.12.117.
const K612 = 'e2e/k6.12/sim-netlink';
const K61 = 'e2e/k6.1/sim-netlink';
const at = (dump: string, name: string, version: string | null) => device(dump, name, undefined, version);
const onKernel = (release: string) => (_doc: unknown, profile: Profile) => (profile.host.kernel = release);

describe('max-vq-size', () => {
  describe('valid', () => {
    it("passes QEMU's default 256-entry rings on a 256-entry device", async () => {
      for (const version of ['7.2.22', '10.0.2', '10.2.2']) assert.deepEqual(codes(run(maxVqSize, await at(K612, 'src', version), await at(K612, 'same', version))), [], version);
    });
    it('passes a target that accepts 1024-entry rings whatever the source QEMU: no QEMU makes a larger ring', async () => {
      // The edit: the target's max_vq_size raised from 256 to 1024 (VIRTQUEUE_MAX_SIZE), as mlx5 and vp_vdpa show.
      const target = await device(K612, 'same', (d) => (d.maxVqSize = 1024), null);
      for (const version of [null, '10.1.0', '10.0.13']) assert.deepEqual(codes(run(maxVqSize, await at(K612, 'src', version), target)), [], String(version));
    });
    it('passes a 10.0.2 source into a 10.0.13 destination: the ring size comes from the stream (measured)', async () => {
      assert.deepEqual(codes(run(maxVqSize, await at(K612, 'src', '10.0.2'), await at(K612, 'same', '10.0.13'))), []);
    });
  });

  describe('invalid', () => {
    it('fails the rings QEMU 10.0.13 forces to 1024 on a kernel that refuses them (lab: vhost never started)', async () => {
      const findings = run(maxVqSize, await at(K612, 'src', '10.0.13'), await at(K612, 'same', '10.0.13'));
      assert.deepEqual(codes(findings), ['max-vq-size/forcedRings']);
      assert.deepEqual([findings[0]?.severity, findings[0]?.remedy, findings[0]?.data['ring'], findings[0]?.data['targetSize'], findings[0]?.data['kernel']], ['error', 'change-vmm', 1024, 256, '6.12.117+deb13-amd64']);
    });
    it('fails rx_queue_size 1024 the same way, and only warns where the kernel accepts the ring (6.1)', async () => {
      const vm = vmWith({ rxQueueSize: 1024 });
      assert.deepEqual(codes(run(maxVqSize, await at(K612, 'src', '10.0.2'), await at(K612, 'same', '10.0.2'), false, vm)), ['max-vq-size/tooSmall']);
      const on61 = run(maxVqSize, await at(K61, 'src', '10.0.2'), await at(K61, 'same', '10.0.2'), false, vm);
      assert.deepEqual([codes(on61), on61[0]?.unverified, on61[0]?.data['kernelSays']], [['max-vq-size/aboveMax'], true, 'accepts it']);
    });
    it('warns that an unknown kernel may refuse (6.6: the fix arrived in an unknown 6.6.N)', async () => {
      const target = await device(K612, 'same', onKernel('6.6.30-generic'), '10.0.13');
      const findings = run(maxVqSize, await at(K612, 'src', '10.0.13'), target);
      assert.deepEqual(codes(findings), ['max-vq-size/aboveMax']);
      assert.match(String(findings[0]?.data['kernelSays']), /^may refuse it/);
    });
    it('warns, unverified, when the source QEMU and so its ring size is unknown, naming 10.0.13', async () => {
      const findings = run(maxVqSize, await at(K612, 'src', null), await at(K612, 'same', null));
      assert.deepEqual(codes(findings), ['max-vq-size/ringUnknown']);
      assert.match(String(findings[0]?.data['outcomes']), /1024 entries on 10\.0\.13\+/);
      assert.match(String(findings[0]?.message), /depends on the source QEMU, whose version is unknown/);
      // 10.1.x may or may not have taken the 10.0.13 change: known version, unknown ring.
      const on101 = run(maxVqSize, await at(K612, 'src', '10.1.0'), await at(K612, 'same', '10.1.0'));
      assert.deepEqual(codes(on101), ['max-vq-size/ringUnknown']);
      assert.match(String(on101[0]?.message), /packs\/qemu\.yaml does not know which ring size QEMU 10\.1 uses/);
      assert.doesNotMatch(String(on101[0]?.message), /version is unknown/);
    });
    it('warns, unverified, when the target max_vq_size is unknown; --strict makes it an error', async () => {
      const target = await device(K612, 'same', (d) => (d.maxVqSize = null), '10.0.2');
      assert.deepEqual(codes(run(maxVqSize, await at(K612, 'src', '10.0.2'), target)), ['max-vq-size/unverified']);
      assert.equal(run(maxVqSize, await at(K612, 'src', '10.0.2'), target, true)[0]?.severity, 'error');
    });
  });
});
