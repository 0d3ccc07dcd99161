import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeviceDoc } from '../../src/profile/types.js';
import { deviceClassMatch } from '../../src/rules/builtin/device-class-match.js';
import { device } from '../helpers/devices.js';
import { codes, run } from '../helpers/rules.js';

// Real devices: the 6.12 simulator host with a net device (vdpa0) and a block
// device (vdpa1) bound to vhost_vdpa, a 6.12 host with the same pair bound to
// virtio_vdpa, and a 6.1 vp_vdpa host.
const VHOST = 'profiles/vdpasim/k6.12-vhost';
const VIRTIO_BOUND = 'k6.12-virtio-bound';
const NEGOTIATED = 'profiles/vdpasim/k6.12-negotiated';
const VP_K61 = 'vp-k6.1-three-vhost';

describe('device-class-match', () => {
  describe('valid', () => {
    it('passes net to net (simulator to simulator)', async () => {
      assert.deepEqual(codes(run(deviceClassMatch, await device(NEGOTIATED), await device(VHOST))), []);
    });
    it('passes net to net across parent kinds (simulator to vp_vdpa)', async () => {
      assert.deepEqual(codes(run(deviceClassMatch, await device(VHOST), await device(VP_K61, 'vdpa1'))), []);
    });
    it('passes block to block', async () => {
      assert.deepEqual(codes(run(deviceClassMatch, await device(VHOST, 'vdpa1'), await device(VIRTIO_BOUND, 'vdpa1'))), []);
    });
  });

  describe('invalid', () => {
    it('fails a net source with a block target', async () => {
      const findings = run(deviceClassMatch, await device(VHOST, 'vdpa0'), await device(VHOST, 'vdpa1'));
      assert.deepEqual(codes(findings), ['device-class-match/mismatch']);
      const [f] = findings;
      assert.equal(f?.severity, 'error');
      assert.equal(f?.unverified, false);
      assert.equal(f?.path, '/virtioDeviceId');
      assert.equal(f?.source, 1);
      assert.equal(f?.target, 2);
      assert.deepEqual(f?.data, { source: 'vdpa0', target: 'vdpa1', sourceClass: 'net', targetClass: 'blk', sourceId: 1, targetId: 2 });
    });
    it('fails a block source with a net target', async () => {
      const findings = run(deviceClassMatch, await device(VIRTIO_BOUND, 'vdpa1'), await device(VHOST, 'vdpa0'));
      assert.deepEqual(codes(findings), ['device-class-match/mismatch']);
      assert.deepEqual([findings[0]?.source, findings[0]?.target], [2, 1]);
      assert.deepEqual([findings[0]?.data['sourceClass'], findings[0]?.data['targetClass']], ['blk', 'net']);
    });
    // No capture has a device type iproute2 does not name (every dump is
    // "network" or "block"), so the unknown class is an edit: what the
    // normalizer produces for any other type (class other, no virtio id).
    it('warns, unverified, when the target class is unknown; --strict makes it an error', async () => {
      const target = await device(VHOST, 'vdpa0', (d) => {
        d.class = 'other';
        d.virtioDeviceId = null;
      });
      const lax = run(deviceClassMatch, await device(NEGOTIATED), target);
      assert.deepEqual(codes(lax), ['device-class-match/unknownClass']);
      assert.equal(lax[0]?.severity, 'warning');
      assert.equal(lax[0]?.unverified, true);
      assert.equal(lax[0]?.path, '/virtioDeviceId');
      assert.equal(lax[0]?.target, null);
      assert.deepEqual(lax[0]?.data, { side: 'target', device: 'vdpa0' });
      const strict = run(deviceClassMatch, await device(NEGOTIATED), target, true);
      assert.deepEqual(codes(strict), ['device-class-match/unknownClass']);
      assert.equal(strict[0]?.severity, 'error');
    });
    it('reports each side whose class is unknown, and no mismatch', async () => {
      const unknown = (d: DeviceDoc) => {
        d.class = 'other';
        d.virtioDeviceId = null;
      };
      const findings = run(deviceClassMatch, await device(VHOST, 'vdpa1', unknown), await device(VHOST, 'vdpa0', unknown));
      assert.deepEqual(codes(findings), ['device-class-match/unknownClass', 'device-class-match/unknownClass']);
      assert.deepEqual(
        findings.map((f) => [f.data['side'], f.data['device']]),
        [
          ['source', 'vdpa1'],
          ['target', 'vdpa0'],
        ],
      );
    });
  });
});
