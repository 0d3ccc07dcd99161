/**
 * The guest may use up to the source's max_virtqueue_pairs and QEMU restores
 * its current pair count on the target through the control virtqueue, so the
 * target needs at least as many pairs (reference §4 R3; virtio-net config
 * `max_virtqueue_pairs`). Equal is the safe configuration.
 */
import { NET, hasBit } from '../../profile/feature-bits.js';
import { queuePairs, unknownReason } from '../../profile/facts.js';
import { defineRule } from '../define.js';

export const maxVqPairs = defineRule({
  id: 'max-vq-pairs',
  summary: 'Target has at least the queue pairs of the source',
  messages: {
    tooFew: {
      severity: 'error',
      text: 'target {target} has {targetPairs} queue pair(s), the source has {sourcePairs}; the guest may use all {sourcePairs}',
      fix: 'Pick a target with {sourcePairs} queue pairs, or re-create it with `vdpa dev del {target}` then `vdpa dev add name {target} mgmtdev {mgmtdev} max_vqp {sourcePairs}` where the parent accepts max_vqp (mlx5 does; the simulator and vp_vdpa refuse it).',
    },
    more: {
      severity: 'warning',
      text: 'target {target} has {targetPairs} queue pairs, the source {sourcePairs}; the guest keeps its pairs, but equal counts are the configuration QEMU is known to migrate',
      fix: 'Create the target with `max_vqp {sourcePairs}` if its parent accepts max_vqp.',
    },
    unverified: {
      severity: 'warning',
      unverified: true,
      text: 'could not compare queue pairs: the {side} count is unknown ({why})',
      fix: 'Collect the {side} host live with a kernel >= 6.1 (it prints max_vq_pairs whenever MQ or RSS is offered).',
    },
    singleQueue: {
      severity: 'info',
      text: 'the guest negotiated neither MQ nor RSS: it uses one queue pair',
    },
  },
  check({ source, target, report }) {
    if (source.cls !== 'net' || target.cls !== 'net') return;
    const n = source.negotiated;
    if (n !== null && !hasBit(n, NET.MQ) && !hasBit(n, NET.RSS)) {
      report('singleQueue', {}, { path: '/features/negotiated' });
      return;
    }
    const sourcePairs = queuePairs(source);
    const targetPairs = queuePairs(target);
    const place = { path: '/config/maxVqPairs', source: sourcePairs, target: targetPairs };
    if (sourcePairs === null || targetPairs === null) {
      const [side, facts] = sourcePairs === null ? (['source', source] as const) : (['target', target] as const);
      report('unverified', { side, why: unknownReason(facts.doc, '/config') ?? 'max_vq_pairs not shown and MQ/RSS not known to be absent' }, place);
      return;
    }
    const data = { target: target.name, mgmtdev: target.doc.mgmtdev, sourcePairs, targetPairs };
    if (targetPairs < sourcePairs) report('tooFew', data, place);
    else if (targetPairs > sourcePairs) report('more', data, place);
  },
});
