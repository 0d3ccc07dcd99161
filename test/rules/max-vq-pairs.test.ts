import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NET } from '../../src/profile/feature-bits.js';
import { maxVqPairs } from '../../src/rules/builtin/max-vq-pairs.js';
import { device, edits } from '../helpers/devices.js';
import { codes, run } from '../helpers/rules.js';

// Real devices: vp_vdpa parent A (max_vq_pairs 4) negotiated with MQ and RSS,
// parent B (max_vq_pairs 2) negotiated with MQ, and the three idle vhost
// devices A (4 pairs), B (2 pairs) and C (no MQ, no RSS: one pair). The
// simulator negotiates neither MQ nor RSS.
const VP_A_NEGOTIATED = 'profiles/vp_vdpa/k6.12-A-negotiated';
const VP_B_NEGOTIATED = 'vp-k6.12-B-negotiated';
const VP_THREE = 'profiles/vp_vdpa/k6.12-three-vhost';
const NEGOTIATED = 'profiles/vdpasim/k6.12-negotiated';
const VHOST = 'profiles/vdpasim/k6.12-vhost';
const VIRTIO_BOUND = 'k6.12-virtio-bound';

describe('max-vq-pairs', () => {
  describe('valid', () => {
    it('passes equal pair counts (A negotiated to idle A)', async () => {
      assert.deepEqual(codes(run(maxVqPairs, await device(VP_A_NEGOTIATED), await device(VP_THREE, 'vdpa0'))), []);
    });
    it('passes equal pair counts (B negotiated to idle B)', async () => {
      assert.deepEqual(codes(run(maxVqPairs, await device(VP_B_NEGOTIATED), await device(VP_THREE, 'vdpa1'))), []);
    });
    it('only notes a single queue pair when the guest negotiated neither MQ nor RSS', async () => {
      // Parent C has one pair; the guest uses one, so nothing is compared.
      const findings = run(maxVqPairs, await device(NEGOTIATED), await device(VP_THREE, 'vdpa2'));
      assert.deepEqual(codes(findings), ['max-vq-pairs/singleQueue']);
      assert.equal(findings[0]?.severity, 'info');
      assert.equal(findings[0]?.unverified, false);
      assert.equal(findings[0]?.path, '/features/negotiated');
    });
    it('passes two idle devices that both have one pair (MQ and RSS known absent)', async () => {
      assert.deepEqual(codes(run(maxVqPairs, await device(VHOST), await device(VP_THREE, 'vdpa2'))), []);
    });
    it('does not look at block devices', async () => {
      assert.deepEqual(codes(run(maxVqPairs, await device(VHOST, 'vdpa1'), await device(VIRTIO_BOUND, 'vdpa1'))), []);
    });
  });

  describe('invalid', () => {
    it('fails when the target has fewer pairs than the guest may use (A to B)', async () => {
      const findings = run(maxVqPairs, await device(VP_A_NEGOTIATED), await device(VP_THREE, 'vdpa1'));
      assert.deepEqual(codes(findings), ['max-vq-pairs/tooFew']);
      const [f] = findings;
      assert.equal(f?.severity, 'error');
      assert.equal(f?.unverified, false);
      assert.equal(f?.path, '/config/maxVqPairs');
      assert.equal(f?.source, 4);
      assert.equal(f?.target, 2);
      assert.deepEqual(f?.data, { target: 'vdpa1', mgmtdev: 'pci/0000:00:06.0', sourcePairs: 4, targetPairs: 2 });
    });
    it('counts one pair on a target without MQ and RSS (A to C)', async () => {
      const findings = run(maxVqPairs, await device(VP_A_NEGOTIATED), await device(VP_THREE, 'vdpa2'));
      assert.deepEqual(codes(findings), ['max-vq-pairs/tooFew']);
      assert.deepEqual([findings[0]?.source, findings[0]?.target], [4, 1]);
    });
    it('compares before negotiation too (idle A to idle B on one host)', async () => {
      const findings = run(maxVqPairs, await device(VP_THREE, 'vdpa0'), await device(VP_THREE, 'vdpa1'));
      assert.deepEqual(codes(findings), ['max-vq-pairs/tooFew']);
      assert.deepEqual([findings[0]?.source, findings[0]?.target], [4, 2]);
    });
    it('warns when the target has more pairs than the source (B to A)', async () => {
      const findings = run(maxVqPairs, await device(VP_B_NEGOTIATED), await device(VP_THREE, 'vdpa0'));
      assert.deepEqual(codes(findings), ['max-vq-pairs/more']);
      assert.equal(findings[0]?.severity, 'warning');
      assert.equal(findings[0]?.unverified, false);
      assert.deepEqual([findings[0]?.source, findings[0]?.target], [2, 4]);
      assert.deepEqual([findings[0]?.data['sourcePairs'], findings[0]?.data['targetPairs']], [2, 4]);
      // Not an "unverified" message: --strict leaves it a warning.
      assert.equal(run(maxVqPairs, await device(VP_B_NEGOTIATED), await device(VP_THREE, 'vdpa0'), true)[0]?.severity, 'warning');
    });
    // Every captured net device either shows max_vq_pairs or has MQ and RSS
    // known absent, so an unknown count is an edit: B's device as a dump
    // without its config would show it (no max_vq_pairs, MQ/RSS unknown).
    it('warns, unverified, when the target pair count is unknown; --strict makes it an error', async () => {
      const target = await device(VP_THREE, 'vdpa1', (d) => {
        d.config.maxVqPairs = null;
        d.unknown.push({ fact: '/config', reason: 'test: config not shown' });
        edits.forget(d, NET.MQ, NET.RSS);
      });
      const lax = run(maxVqPairs, await device(VP_A_NEGOTIATED), target);
      assert.deepEqual(codes(lax), ['max-vq-pairs/unverified']);
      assert.equal(lax[0]?.severity, 'warning');
      assert.equal(lax[0]?.unverified, true);
      assert.equal(lax[0]?.path, '/config/maxVqPairs');
      assert.deepEqual([lax[0]?.source, lax[0]?.target], [4, null]);
      assert.equal(lax[0]?.data['side'], 'target');
      assert.equal(lax[0]?.data['why'], 'test: config not shown');
      assert.equal(run(maxVqPairs, await device(VP_A_NEGOTIATED), target, true)[0]?.severity, 'error');
    });
    it('warns, unverified, when the source pair count is unknown', async () => {
      // Edit, as above, on the source side.
      const source = await device(VP_B_NEGOTIATED, 'vdpa0', (d) => {
        d.config.maxVqPairs = null;
        d.unknown.push({ fact: '/config', reason: 'test: config not shown' });
      });
      const lax = run(maxVqPairs, source, await device(VP_THREE, 'vdpa1'));
      assert.deepEqual(codes(lax), ['max-vq-pairs/unverified']);
      assert.equal(lax[0]?.data['side'], 'source');
      assert.deepEqual([lax[0]?.source, lax[0]?.target], [null, 2]);
    });
  });
});
