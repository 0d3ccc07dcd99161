/**
 * With VIRTIO_NET_F_MTU the guest read the MTU once, from the device's config
 * (QEMU copies a vhost-vdpa device's whole config over its own, so the
 * device's MTU wins over host_mtu: hw/net/virtio-net.c virtio_net_get_config,
 * 5.2–10.2.2), and sized its buffers and link by it. MTU is not in the
 * migration stream: the guest keeps its value and the target device shows
 * its own. A target with a larger MTU migrates and works (lab, QEMU 10.0.2);
 * one with a smaller MTU drops what the guest sends above it. Whether the
 * target must offer F_MTU at all is negotiated-features-offered's question
 * (with host_mtu, F_MTU is QEMU's own).
 */
import { NET } from '../../profile/feature-bits.js';
import { offeredState, unknownReason } from '../../profile/facts.js';
import { defineRule } from '../define.js';
import { inPlay } from '../in-play.js';

export const mtuMatch = defineRule({
  id: 'mtu-match',
  summary: "Target MTU is not below the guest's when F_MTU is in play",
  appliesTo: ['net'],
  messages: {
    targetSmaller: {
      severity: 'error',
      remedy: 'reprovision-target',
      text: "target {target} has MTU {targetMtu}, below the guest's {guestMtu} ({guestOrigin}): the guest keeps {guestMtu} after migration (MTU is not in the migration stream), and what the target does with frames above {targetMtu} is not known",
      fix: 'Re-create the target with `vdpa dev del {target}` then `vdpa dev add name {target} mgmtdev {mgmtdev} mtu {guestMtu}` (parents that refuse mtu, like vp_vdpa, take the MTU from the underlying device: host_mtu on its virtio-net-pci).',
    },
    targetLarger: {
      severity: 'info',
      remedy: 'none',
      text: "target {target} has MTU {targetMtu}, above the guest's {guestMtu}: the guest keeps {guestMtu} (measured: such a migration works)",
    },
    unverified: {
      severity: 'warning',
      unverified: true,
      remedy: 'collect-more-facts',
      text: 'could not compare MTU: the {side} MTU is unknown ({why})',
      fix: 'Collect the {side} host live, or with a kernel and iproute2 that print `vdpa dev config show`.',
    },
    targetHasNoMtu: {
      severity: 'info',
      remedy: 'none',
      text: 'target {target} has no MTU field (F_MTU not offered); the guest keeps {guestMtu}{hostMtuNote}',
    },
    inPlayUnknown: {
      severity: 'warning',
      unverified: true,
      remedy: 'collect-more-facts',
      text: "target {target} has MTU {targetMtu}, below the guest's {guestMtu} ({guestOrigin}), and whether the source offers F_MTU is unknown ({why}): a guest that negotiated it keeps {guestMtu} after migration",
      fix: 'Collect the source with raw netlink (`collect --source netlink`), which reads the offered features, or re-create the target with `mtu {guestMtu}`.',
    },
    notInPlay: {
      severity: 'info',
      remedy: 'none',
      text: 'F_MTU is not in play on the source and host_mtu is not set: the guest did not read an MTU, so none is compared',
    },
  },
  fast: {
    prepare: (side) => ({ play: inPlay(side, NET.MTU), mtu: side.doc.config.mtu, absent: offeredState(side, NET.MTU) === 'absent' }),
    decide(s, t, vm) {
      const hostMtu = vm.hostMtu.value;
      if (s.play === false && hostMtu === null) return 'notInPlay';
      if (s.mtu === null) return 'unverified';
      if (t.mtu === null) return t.absent ? 'targetHasNoMtu' : 'unverified';
      if (t.mtu < s.mtu) return s.play === 'unknown' && hostMtu === null ? 'inPlayUnknown' : 'targetSmaller';
      return t.mtu > s.mtu ? 'targetLarger' : null;
    },
  },
  check({ source, target, vm, report }) {
    const hostMtu = vm.hostMtu.value;
    const play = inPlay(source, NET.MTU);
    if (play === false && hostMtu === null) {
      report('notInPlay', {}, { path: '/features/negotiated' });
      return;
    }
    // The device's MTU when it has one, else host_mtu (QEMU's own config).
    const guestMtu = source.doc.config.mtu;
    const guestOrigin = `source ${source.name}'s config`;
    if (guestMtu === null) {
      // Without F_MTU on the device, host_mtu offers F_MTU but the guest reads the device's config bytes
      // (virtio_net_get_config copies a vhost-vdpa device's whole config over QEMU's): their value is not known.
      const why = offeredState(source, NET.MTU) === 'absent' ? `the source device has no MTU field, and with host_mtu the guest reads whatever its config holds at that offset` : (unknownReason(source.doc, '/config/mtu') ?? 'not shown');
      report('unverified', { side: 'source', why }, { path: '/config/mtu', source: null, target: target.doc.config.mtu });
      return;
    }
    const targetMtu = target.doc.config.mtu;
    const place = { path: '/config/mtu', source: guestMtu, target: targetMtu };
    if (targetMtu === null) {
      if (offeredState(target, NET.MTU) === 'absent') {
        const hostMtuNote = hostMtu !== null ? ` and QEMU offers F_MTU itself from host_mtu ${hostMtu}` : '';
        report('targetHasNoMtu', { target: target.name, guestMtu, hostMtuNote }, place);
      } else {
        report('unverified', { side: 'target', why: unknownReason(target.doc, '/config/mtu') ?? 'not shown' }, place);
      }
      return;
    }
    const data = { target: target.name, mgmtdev: target.doc.mgmtdev, guestMtu, guestOrigin, targetMtu };
    // Not known to be in play: a smaller target MTU matters only if the guest took F_MTU.
    if (targetMtu < guestMtu && play === 'unknown' && hostMtu === null) report('inPlayUnknown', { ...data, why: unknownReason(source.doc, '/features/offered') ?? 'not known' }, place);
    else if (targetMtu < guestMtu) report('targetSmaller', data, place);
    else if (targetMtu > guestMtu) report('targetLarger', data, place);
  },
});
