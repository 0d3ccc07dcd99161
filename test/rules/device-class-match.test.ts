import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { DeviceDoc } from '../../src/profile/types.js';
import { deviceClassMatch } from '../../src/rules/builtin/device-class-match.js';
import { device } from '../helpers/devices.js';
import { cases } from '../helpers/rules.js';

// Real devices: the 6.12 simulator host with a net device (vdpa0) and a block
// device (vdpa1) bound to vhost_vdpa, a 6.12 host with the same pair bound to
// virtio_vdpa, and a 6.1 vp_vdpa host.
const VHOST = 'profiles/vdpasim/k6.12-vhost';
const VIRTIO_BOUND = 'k6.12-virtio-bound';
const NEGOTIATED = 'profiles/vdpasim/k6.12-negotiated';
const VP_K61 = 'vp-k6.1-three-vhost';

/**
 * The one edit: no capture has a device type iproute2 does not name (every
 * dump is "network" or "block"), so this is what the normalizer produces for
 * any other type (class other, no virtio id).
 */
function unknownType(d: DeviceDoc): void {
  d.class = 'other';
  d.virtioDeviceId = null;
}

describe('device-class-match', () => {
  describe('valid', () => {
    cases(deviceClassMatch, [
      { shows: 'passes net to net (simulator to simulator)', source: () => device(NEGOTIATED), target: () => device(VHOST), codes: [] },
      { shows: 'passes net to net across parent kinds (simulator to vp_vdpa)', source: () => device(VHOST), target: () => device(VP_K61, 'vdpa1'), codes: [] },
      { shows: 'passes block to block', source: () => device(VHOST, 'vdpa1'), target: () => device(VIRTIO_BOUND, 'vdpa1'), codes: [] },
    ]);
  });

  describe('invalid', () => {
    cases(deviceClassMatch, [
      {
        shows: 'fails a net source with a block target',
        source: () => device(VHOST, 'vdpa0'),
        target: () => device(VHOST, 'vdpa1'),
        codes: ['device-class-match/mismatch'],
        and: ([f]) => {
          assert.equal(f?.severity, 'error');
          assert.equal(f?.unverified, false);
          assert.equal(f?.path, '/virtioDeviceId');
          assert.equal(f?.source, 1);
          assert.equal(f?.target, 2);
          assert.deepEqual(f?.data, { source: 'vdpa0', target: 'vdpa1', sourceClass: 'net', targetClass: 'blk', sourceId: 1, targetId: 2 });
        },
      },
      {
        shows: 'fails a block source with a net target',
        source: () => device(VIRTIO_BOUND, 'vdpa1'),
        target: () => device(VHOST, 'vdpa0'),
        codes: ['device-class-match/mismatch'],
        and: ([f]) => {
          assert.deepEqual([f?.source, f?.target], [2, 1]);
          assert.deepEqual([f?.data['sourceClass'], f?.data['targetClass']], ['blk', 'net']);
        },
      },
      {
        shows: 'warns, unverified, when the target class is unknown (edit: a device type iproute2 does not name)',
        source: () => device(NEGOTIATED),
        target: () => device(VHOST, 'vdpa0', unknownType),
        codes: ['device-class-match/unknownClass'],
        and: ([f]) => {
          assert.equal(f?.severity, 'warning');
          assert.equal(f?.unverified, true);
          assert.equal(f?.path, '/virtioDeviceId');
          assert.equal(f?.target, null);
          assert.deepEqual(f?.data, { side: 'target', device: 'vdpa0' });
        },
      },
      {
        shows: 'reports each side whose class is unknown, and no mismatch (edit: both types unnamed)',
        source: () => device(VHOST, 'vdpa1', unknownType),
        target: () => device(VHOST, 'vdpa0', unknownType),
        codes: ['device-class-match/unknownClass', 'device-class-match/unknownClass'],
        and: (findings) =>
          assert.deepEqual(
            findings.map((f) => [f.data['side'], f.data['device']]),
            [
              ['source', 'vdpa1'],
              ['target', 'vdpa0'],
            ],
          ),
      },
    ]);
  });
});
