/**
 * The guest read the MAC from config space at probe. QEMU replays the guest's
 * current MAC to the target through the control virtqueue only when
 * CTRL_MAC_ADDR was negotiated (reference §3.4, R6); otherwise the target
 * must present the same MAC.
 */
import { NET, hasBit } from '../../profile/feature-bits.js';
import { offeredState, unknownReason } from '../../profile/facts.js';
import { defineRule } from '../define.js';
import { inPlay } from '../in-play.js';

export const macMatch = defineRule({
  id: 'mac-match',
  summary: 'MAC is equal unless QEMU replays it (CTRL_MAC_ADDR negotiated)',
  messages: {
    mismatch: {
      severity: 'error',
      text: 'target {target} has MAC {targetMac}, the source has {sourceMac}, and CTRL_MAC_ADDR {why}, so QEMU cannot set the guest MAC on the target',
      fix: 'Re-create the target with `vdpa dev del {target}` then `vdpa dev add name {target} mgmtdev {mgmtdev} mac {sourceMac}` (parents that refuse mac, like vp_vdpa, take it from the underlying device), or run `vdpa dev set name {target} mac {sourceMac}` (iproute2 >= 6.13, kernel >= 6.12, and a parent that implements it).',
    },
    mismatchBeforeNegotiation: {
      severity: 'warning',
      text: 'target {target} has MAC {targetMac}, the source has {sourceMac}; this only works if the guest negotiates CTRL_MAC_ADDR (Linux virtio-net does), nothing is negotiated yet',
      fix: 'Give the target the source MAC (`vdpa dev add … mac {sourceMac}` or `vdpa dev set name {target} mac {sourceMac}`) to be safe with any guest.',
    },
    unverified: {
      severity: 'warning',
      unverified: true,
      text: 'could not compare MAC: the {side} MAC is unknown ({why})',
      fix: 'Collect the {side} host live, or with a kernel and iproute2 that print `vdpa dev config show`.',
    },
    targetNoMac: {
      severity: 'error',
      text: 'target {target} offers no MAC (F_MAC), the guest uses {sourceMac} from the source, and CTRL_MAC_ADDR {why}',
      fix: 'Re-create the target on a parent that offers MAC, with `vdpa dev add name {target} mgmtdev {mgmtdev} mac {sourceMac}`.',
    },
    replayed: {
      severity: 'info',
      text: 'CTRL_MAC_ADDR is negotiated: QEMU sets the guest MAC on the target through the control virtqueue',
    },
    notInPlay: {
      severity: 'info',
      text: 'F_MAC is not in play on the source; the guest chose its own MAC and QEMU migrates it',
    },
  },
  check({ source, target, report }) {
    if (source.cls !== 'net' || target.cls !== 'net') return;
    // QEMU drives F_MAC from its own virtio-net model and leaves it out of what it acks to the device
    // (reference §2), so a MAC shown in the source's config puts it in play even if not negotiated.
    if (!inPlay(source, NET.MAC) && source.doc.config.mac === null) {
      report('notInPlay', {}, { path: '/features/negotiated' });
      return;
    }
    if (source.negotiated !== null && hasBit(source.negotiated, NET.CTRL_MAC_ADDR)) {
      report('replayed', {}, { path: '/features/negotiated', source: 'CTRL_MAC_ADDR' });
      return;
    }
    const sourceMac = source.doc.config.mac;
    const targetMac = target.doc.config.mac;
    for (const [side, facts, value] of [['source', source, sourceMac], ['target', target, targetMac]] as const) {
      // A target without F_MAC is negotiated-features-offered's finding, not an unknown.
      if (value === null && !(side === 'target' && offeredState(facts, NET.MAC) === 'absent')) {
        report('unverified', { side, why: unknownReason(facts.doc, '/config/mac') ?? 'not shown' }, { path: '/config/mac', source: sourceMac, target: targetMac });
        return;
      }
    }
    if (sourceMac === null || sourceMac === targetMac) return;
    const data = { target: target.name, mgmtdev: target.doc.mgmtdev, sourceMac, targetMac };
    const place = { path: '/config/mac', source: sourceMac, target: targetMac };
    if (targetMac === null) {
      report('targetNoMac', { ...data, why: source.negotiated !== null ? 'is not negotiated' : 'may not be negotiated' }, place);
      return;
    }
    if (source.negotiated !== null) {
      report('mismatch', { ...data, why: 'is not negotiated' }, place);
    } else if (offeredState(source, NET.CTRL_MAC_ADDR) === 'absent') {
      report('mismatch', { ...data, why: 'is not offered by the source' }, place);
    } else if (offeredState(target, NET.CTRL_MAC_ADDR) === 'absent') {
      report('mismatch', { ...data, why: 'is not offered by the target' }, place);
    } else {
      report('mismatchBeforeNegotiation', data, place);
    }
  },
});
