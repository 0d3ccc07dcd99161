import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NET } from '../../src/profile/feature-bits.js';
import { maxVqPairs } from '../../src/rules/builtin/max-vq-pairs.js';
import { device, edits } from '../helpers/devices.js';
import { codes, run, status } from '../helpers/rules.js';

// Real devices (raw netlink, kernel 6.12, the e2e run): vp_vdpa A (MQ, 4 pairs, negotiated),
// B (MQ, 2), C (no MQ), D (MQ, 2, negotiated), E (MQ, 4); the simulator offers no MQ (1 pair).
const VP = 'e2e/k6.12/vp2-netlink';
const SIM = 'e2e/k6.12/sim-netlink';
const at = (version: string | null) => (name: string, dump = VP) => device(dump, name, undefined, version);

describe('max-vq-pairs', () => {
  describe('valid', () => {
    it('passes devices that expose the same count: both without MQ, both with 4 pairs', async () => {
      const q = at('10.0.2');
      assert.deepEqual(codes(run(maxVqPairs, await q('src', SIM), await q('same', SIM))), []);
      assert.deepEqual(codes(run(maxVqPairs, await q('vpa'), await q('vpe'))), []);
    });
    it('passes under QEMU 5.2, which makes one queue pair of every vhost-vdpa device', async () => {
      const q = at('5.2.0');
      assert.deepEqual(codes(run(maxVqPairs, await q('vpd'), await q('vpe'))), []);
    });
    it('is not applicable to block devices', async () => {
      assert.equal(status(maxVqPairs, await device(SIM, 'blk'), await device(SIM, 'blk')), 'not-applicable');
    });
  });

  describe('invalid', () => {
    it('fails more pairs on the target than on the source (D: 2 → E: 4): the stream carries max_queue_pairs with an equality check', async () => {
      for (const version of ['7.2.22', '10.0.2', null]) {
        const findings = run(maxVqPairs, await at(version)('vpd'), await at(version)('vpe'));
        assert.deepEqual(codes(findings), ['max-vq-pairs/differ'], String(version));
        assert.deepEqual([findings[0]?.severity, findings[0]?.remedy, findings[0]?.source, findings[0]?.target], ['error', 'reprovision-target', 2, 4]);
      }
    });
    it('fails fewer pairs, and a device without MQ (1 pair) against one with it', async () => {
      const q = at('10.0.2');
      assert.deepEqual(run(maxVqPairs, await q('vpa'), await q('vpb')).map((f) => [f.code, f.source, f.target]), [['max-vq-pairs/differ', 4, 2]]);
      assert.deepEqual(run(maxVqPairs, await q('vpb'), await q('vpc')).map((f) => [f.code, f.source, f.target]), [['max-vq-pairs/differ', 2, 1]]);
    });
    it('warns, unverified, when whether the target offers MQ is unknown; --strict makes it an error', async () => {
      const target = await device(VP, 'vpe', (d) => {
        d.config.maxVqPairs = null;
        edits.forget(d, NET.MQ);
      }, '10.0.2');
      const findings = run(maxVqPairs, await at('10.0.2')('vpd'), target);
      assert.deepEqual([codes(findings), findings[0]?.unverified], [['max-vq-pairs/unverified'], true]);
      assert.equal(run(maxVqPairs, await at('10.0.2')('vpd'), target, true)[0]?.severity, 'error');
    });
  });
});
