import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { NET } from '../../src/profile/feature-bits.js';
import type { DeviceDoc } from '../../src/profile/types.js';
import { maxVqPairs } from '../../src/rules/builtin/max-vq-pairs.js';
import { device, edits } from '../helpers/devices.js';
import { cases, type Case } from '../helpers/rules.js';

// Real devices (raw netlink, kernel 6.12, the e2e run): vp_vdpa A (MQ, 4 pairs, negotiated),
// B (MQ, 2), C (no MQ), D (MQ, 2, negotiated), E (MQ, 4); the simulator offers no MQ (1 pair).
const VP = 'e2e/k6.12/vp2-netlink';
const SIM = 'e2e/k6.12/sim-netlink';
const at =
  (version: string | null) =>
  (name: string, dump = VP, edit?: (doc: DeviceDoc) => void) =>
    device(dump, name, edit, version);

/** Edit: whether the device offers MQ forgotten, and with it its max_vq_pairs. */
function mqUnknown(d: DeviceDoc): void {
  d.config.maxVqPairs = null;
  edits.forget(d, NET.MQ);
}

describe('max-vq-pairs', () => {
  describe('valid', () => {
    const q = at('10.0.2');
    cases(maxVqPairs, [
      { shows: 'passes devices that expose the same count: both without MQ (simulator)', source: () => q('src', SIM), target: () => q('same', SIM), codes: [] },
      { shows: 'passes devices that expose the same count: both with 4 pairs (vp_vdpa A → E)', source: () => q('vpa'), target: () => q('vpe'), codes: [] },
      { shows: 'passes under QEMU 5.2, which makes one queue pair of every vhost-vdpa device (D: 2 → E: 4)', source: () => at('5.2.0')('vpd'), target: () => at('5.2.0')('vpe'), codes: [] },
      { shows: 'is not applicable to block devices', source: () => device(SIM, 'blk'), target: () => device(SIM, 'blk'), codes: [], status: 'not-applicable' },
    ]);
  });

  describe('invalid', () => {
    const q = at('10.0.2');
    cases(maxVqPairs, [
      ...['7.2.22', '10.0.2', null].map((version): Case => ({
        shows: `fails more pairs on the target than on the source (D: 2 → E: 4) on QEMU ${version ?? 'unknown'}: the stream carries max_queue_pairs with an equality check`,
        source: () => at(version)('vpd'),
        target: () => at(version)('vpe'),
        codes: ['max-vq-pairs/differ'],
        and: ([f]) => assert.deepEqual([f?.severity, f?.remedy, f?.source, f?.target], ['error', 'reprovision-target', 2, 4]),
      })),
      { shows: 'fails fewer pairs (A: 4 → B: 2)', source: () => q('vpa'), target: () => q('vpb'), codes: ['max-vq-pairs/differ'], and: ([f]) => assert.deepEqual([f?.source, f?.target], [4, 2]) },
      { shows: 'fails a device without MQ (1 pair) against one with it (B: 2 → C)', source: () => q('vpb'), target: () => q('vpc'), codes: ['max-vq-pairs/differ'], and: ([f]) => assert.deepEqual([f?.source, f?.target], [2, 1]) },
      {
        shows: "warns, unverified, when whether the target offers MQ is unknown (edit: E's MQ and max_vq_pairs forgotten)",
        source: () => q('vpd'),
        target: () => q('vpe', VP, mqUnknown),
        codes: ['max-vq-pairs/unverified'],
        and: ([f]) => assert.equal(f?.unverified, true),
      },
    ]);
  });
});
