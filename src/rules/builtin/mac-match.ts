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
      fix: 'Re-create the target with `vdpa dev add name {target} mgmtdev {mgmtdev} mac {sourceMac}`, or on kernel >= 6.12 with iproute2 >= 6.13 run `vdpa dev set name {target} mac {sourceMac}`.',
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
    if (source.cls !== 'net') return;
    if (!inPlay(source, NET.MAC)) {
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
    if (sourceMac === null || targetMac === null || sourceMac === targetMac) return;
    const data = { target: target.name, mgmtdev: target.doc.mgmtdev, sourceMac, targetMac };
    const place = { path: '/config/mac', source: sourceMac, target: targetMac };
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
