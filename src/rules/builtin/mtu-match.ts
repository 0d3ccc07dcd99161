/**
 * With VIRTIO_NET_F_MTU the guest read the MTU from config space and sized
 * its buffers and link MTU by it; the spec says it must not change (reference
 * virtio-features.md §3.1, R5). The target must present the same value.
 */
import { NET } from '../../profile/feature-bits.js';
import { offeredState, unknownReason } from '../../profile/facts.js';
import { defineRule } from '../define.js';
import { inPlay } from '../in-play.js';

export const mtuMatch = defineRule({
  id: 'mtu-match',
  summary: 'MTU is equal when VIRTIO_NET_F_MTU is in play',
  messages: {
    mismatch: {
      severity: 'error',
      text: 'target {target} has MTU {targetMtu}, the source has {sourceMtu}; the guest cached {sourceMtu} (F_MTU)',
      fix: 'Re-create the target with `vdpa dev del {target}` then `vdpa dev add name {target} mgmtdev {mgmtdev} mtu {sourceMtu}` (parents that refuse mtu, like vp_vdpa, take the MTU from the underlying device instead).',
    },
    unverified: {
      severity: 'warning',
      unverified: true,
      text: 'could not compare MTU: the {side} MTU is unknown ({why})',
      fix: 'Collect the {side} host live, or with a kernel and iproute2 that print `vdpa dev config show`.',
    },
    targetHasNoMtu: {
      severity: 'info',
      text: 'target {target} offers no MTU field (F_MTU not offered); negotiated-features-offered reports it if the guest needs it',
    },
    notInPlay: {
      severity: 'info',
      text: 'F_MTU is not in play on the source; MTU is not compared',
    },
  },
  check({ source, target, report }) {
    if (source.cls !== 'net' || target.cls !== 'net') return;
    if (!inPlay(source, NET.MTU)) {
      report('notInPlay', {}, { path: '/features/negotiated' });
      return;
    }
    const sourceMtu = source.doc.config.mtu;
    const targetMtu = target.doc.config.mtu;
    if (sourceMtu === null) {
      report('unverified', { side: 'source', why: unknownReason(source.doc, '/config/mtu') ?? 'not shown' }, { path: '/config/mtu', source: null, target: targetMtu });
      return;
    }
    if (targetMtu === null) {
      if (offeredState(target, NET.MTU) === 'absent') {
        report('targetHasNoMtu', { target: target.name }, { path: '/config/mtu', source: sourceMtu, target: null });
      } else {
        report('unverified', { side: 'target', why: unknownReason(target.doc, '/config/mtu') ?? 'not shown' }, { path: '/config/mtu', source: sourceMtu, target: null });
      }
      return;
    }
    if (sourceMtu !== targetMtu) {
      report('mismatch', { target: target.name, mgmtdev: target.doc.mgmtdev, sourceMtu, targetMtu }, { path: '/config/mtu', source: sourceMtu, target: targetMtu });
    }
  },
});
