/**
 * virtio-net's `max_queue_pairs` is in the migration stream with an equality
 * check (hw/net/virtio-net.c vmstate_virtio_net_device, vmstate_info_uint16_equal,
 * sent only when > 1, so 1 against more desyncs the stream too), and QEMU
 * sets it from the device: max_virtqueue_pairs whenever the device *offers*
 * MQ, else 1, whatever the guest negotiated or the `mq` property says
 * (net/vhost-vdpa.c vhost_vdpa_get_max_queue_pairs; 7.2, 10.x). So the two
 * devices must expose the same count. QEMU 5.2 makes one queue pair of every
 * vhost-vdpa device.
 */
import { decide, releaseList, type QemuRelease } from '../../knowledge/qemu.js';
import { NET } from '../../profile/feature-bits.js';
import { offeredState, unknownReason } from '../../profile/facts.js';
import type { Side } from '../context.js';
import { defineRule } from '../define.js';
import { migratable } from '../vmm.js';

const UNVERIFIED = ['unverified'] as const;
const DIFFER = ['differ'] as const;

/** The max_queue_pairs QEMU gives the guest for this device under a release, or why it is unknown. */
function exposed(side: Side, release: QemuRelease): number | string {
  if (!release.facts.multiqueue.value) return 1;
  const mq = offeredState(side, NET.MQ);
  if (mq === 'absent') return 1;
  if (mq === 'unknown') return `whether ${side.name} offers MQ is unknown (${unknownReason(side.doc, '/features/offered') ?? 'not read'})`;
  return side.doc.config.maxVqPairs ?? `${side.name} offers MQ but its max_vq_pairs is unknown (${unknownReason(side.doc, '/config') ?? 'not shown'})`;
}

export const maxVqPairs = defineRule({
  id: 'max-vq-pairs',
  summary: 'Both devices expose the same number of queue pairs to QEMU',
  appliesTo: ['net'],
  messages: {
    differ: {
      severity: 'error',
      remedy: 'reprovision-target',
      text: 'QEMU gives the guest {sourcePairs} queue pair(s) on source {source} and {targetPairs} on target {target}: the destination refuses the stream, which carries max_queue_pairs with an equality check (QEMU {releases})',
      fix: 'Give the target {sourcePairs} queue pair(s): `vdpa dev del {target}` then `vdpa dev add name {target} mgmtdev {mgmtdev} max_vqp {sourcePairs}` where the parent accepts max_vqp (mlx5, pds); vp_vdpa takes it from the virtio-net-pci under it (queues=, mq=on); a device that does not offer MQ counts as 1 pair.',
    },
    unverified: {
      severity: 'warning',
      unverified: true,
      remedy: 'collect-more-facts',
      text: 'could not compare the queue pairs QEMU exposes: {why}',
      fix: 'Collect both hosts live with raw netlink (`collect --source netlink`): it reads the offered MQ bit, and the kernel prints max_vq_pairs whenever MQ is offered.',
    },
  },
  fast: {
    // The pairs each side exposes, or null when check would say why it does not know.
    prepare(side) {
      const pairs = decide(migratable(side.qemu), (r) => exposed(side, r));
      return pairs.agreed && typeof pairs.value === 'number' ? pairs.value : null;
    },
    decide: (s, t) => (s === null || t === null ? UNVERIFIED : s !== t ? DIFFER : null),
  },
  check({ source, target, report }) {
    const pairs = decide(migratable(source.qemu), (r) => exposed(source, r));
    const targetPairs = decide(migratable(target.qemu), (r) => exposed(target, r));
    const place = { path: '/config/maxVqPairs', source: source.doc.config.maxVqPairs, target: target.doc.config.maxVqPairs };
    // Every release from 7.2 exposes the same count; 5.2 (one pair) is left only when it is the one candidate.
    const sourceValue = pairs.agreed ? pairs.value : `the source QEMU's multiqueue support is not known`;
    const targetValue = targetPairs.agreed ? targetPairs.value : `the target QEMU's multiqueue support is not known`;
    if (typeof sourceValue === 'string' || typeof targetValue === 'string') {
      report('unverified', { why: [sourceValue, targetValue].filter((v) => typeof v === 'string').join('; ') }, place);
      return;
    }
    if (sourceValue !== targetValue) {
      report(
        'differ',
        { source: source.name, target: target.name, mgmtdev: target.doc.mgmtdev, sourcePairs: sourceValue, targetPairs: targetValue, releases: releaseList(migratable(target.qemu).candidates) },
        { ...place, source: sourceValue, target: targetValue },
      );
    }
  },
});
