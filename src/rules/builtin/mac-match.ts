/**
 * The guest's MAC must be the target device's MAC after migration, or the
 * device filters the guest's unicast traffic away (vdpa_sim drops frames to
 * other MACs; lab). Two things set the target's MAC before the guest runs
 * there: QEMU writes the domain's mac= into the device config when it starts
 * (hw/net/virtio-net.c virtio_net_device_realize, every version), which a
 * parent that honours config writes takes (vdpa_sim: measured) and others
 * ignore (mlx5, octep, VDUSE: no-op set_config); and, when the guest
 * negotiated CTRL_MAC_ADDR, QEMU replays the guest's MAC through the control
 * queue, but only if it shadows the target's CVQ (x-svq, or from 8.2 a
 * parent that isolates the CVQ and an SVQ-valid offered set:
 * net/vhost-vdpa.c vhost_vdpa_net_cvq_start, vhost_vdpa_net_cvq_load).
 * MAC (bit 5) itself is QEMU's feature, never asked of the device.
 */
import { answersOf } from '../../knowledge/qemu.js';
import { NET, hasBit } from '../../profile/feature-bits.js';
import { offeredState, unknownReason } from '../../profile/facts.js';
import type { Side } from '../context.js';
import { defineRule } from '../define.js';
import { cvqReplayed, describeOutcomes } from '../vmm.js';

export const macMatch = defineRule({
  id: 'mac-match',
  summary: "Target's MAC after QEMU starts is the guest's",
  appliesTo: ['net'],
  messages: {
    mismatch: {
      severity: 'error',
      remedy: 'reprovision-target',
      text: "target {target} has MAC {targetMac}, the guest uses {guestMac}, and nothing sets it: {parent} ignores QEMU's config write{replayWhy}",
      fix: 'Re-create the target with `vdpa dev del {target}` then `vdpa dev add name {target} mgmtdev {mgmtdev} mac {guestMac}`, or run `vdpa dev set name {target} mac {guestMac}` (iproute2 >= 6.13, kernel >= 6.12; mlx5 and the simulator implement it).',
    },
    parentUnknown: {
      severity: 'warning',
      unverified: true,
      remedy: 'reprovision-target',
      text: 'target {target} has MAC {targetMac}, the guest uses {guestMac}: QEMU writes {domainMac} into the device at start, and whether {parent} takes the write is unknown ({why}){replayWhy}',
      fix: 'Give the target the guest MAC to be safe: `vdpa dev add … mac {guestMac}`, or `vdpa dev set name {target} mac {guestMac}`; then `vdpa dev config show {target}` after the destination QEMU starts shows which MAC the device uses.',
    },
    unverified: {
      severity: 'warning',
      unverified: true,
      remedy: 'collect-more-facts',
      text: 'could not compare MAC: the {side} MAC is unknown ({why})',
      fix: 'Collect the {side} host live, or with a kernel and iproute2 that print `vdpa dev config show`.',
    },
    replayUncertain: {
      severity: 'warning',
      unverified: true,
      remedy: 'reprovision-target',
      text: "target {target} will have MAC {targetMac}, the guest uses {guestMac}{replayWhy}: if the replay does not happen, the target device filters the guest's traffic away",
      fix: 'Re-create the target with the guest MAC (`vdpa dev add name {target} mgmtdev {mgmtdev} mac {guestMac}`, or `vdpa dev set name {target} mac {guestMac}`), or pass --target-qemu VERSION so the replay is known.',
    },
    replayed: {
      severity: 'info',
      remedy: 'none',
      text: "CTRL_MAC_ADDR is negotiated and QEMU shadows the target's CVQ ({why}): it sets the guest MAC on the target through the control queue",
    },
    domainMacDiffers: {
      severity: 'error',
      remedy: 'change-vm-config',
      text: "the guest uses {guestMac} (source {source}'s config) but the destination QEMU writes the domain's MAC {domainMac} into target {target}, and {parent} takes the write",
      fix: "Migrate to a target whose parent keeps its own MAC (mlx5, octep) provisioned with {guestMac} (`vdpa dev add … mac {guestMac}`); the domain's MAC cannot change during a migration (libvirt compares it), so aligning it means restarting the guest with <mac address='{guestMac}'/>.",
    },
    writtenByQemu: {
      severity: 'info',
      remedy: 'none',
      text: "target {target} has MAC {targetMac}, but {parent} takes QEMU's config write: the destination QEMU sets it to {domainMac} at start (measured on vdpa_sim)",
    },
  },
  fast: {
    prepare(side, vm) {
      const replay = cvqReplayed(side, vm);
      const outcomes = answersOf(replay);
      return {
        mac: side.doc.config.mac,
        write: setConfig(side),
        // As a source: whether the guest set its MAC through the CVQ; as a target: whether QEMU replays it.
        ctrlMacAddr: side.negotiated !== null && hasBit(side.negotiated, NET.CTRL_MAC_ADDR),
        replayed: outcomes.every((o) => o.replayed === true),
        replayMaybe: outcomes.some((o) => o.replayed !== false),
      };
    },
    decide(s, t, vm) {
      const domainMac = vm.mac.value ?? (s.mac !== null && s.mac !== ZERO_MAC ? s.mac : DOMAIN_MAC);
      const guest = macsAfterStart(s.write, s.mac, domainMac);
      if (guest === null) return 'unverified';
      const after = macsAfterStart(t.write, t.mac, domainMac);
      const guestMac = guest.values[0] ?? '';
      if (after !== null && guest.values.length === 1 && after.values.length === 1 && after.values[0] === guestMac && t.mac === guestMac) return null;
      let replayMaybe = false;
      if (s.ctrlMacAddr) {
        if (t.replayed) return 'replayed';
        replayMaybe = t.replayMaybe;
      }
      if (after === null) return 'unverified';
      const all = new Set([...guest.values, ...after.values]);
      if (all.size === 1) return 'writtenByQemu';
      if (all.has(DOMAIN_MAC)) return 'parentUnknown';
      if (guest.known && after.known) return replayMaybe ? 'replayUncertain' : after.byWrite && domainMac !== guestMac ? 'domainMacDiffers' : 'mismatch';
      return 'parentUnknown';
    },
  },
  check({ source, target, vm, report }) {
    // The domain's MAC (QEMU's mac=); without the domain XML, taken to be the source device's.
    const sourceMac = source.doc.config.mac;
    const domainMac = vm.mac.value ?? (sourceMac !== null && sourceMac !== ZERO_MAC ? sourceMac : DOMAIN_MAC);
    const guest = macsAfterStart(setConfig(source), sourceMac, domainMac);
    if (guest === null) {
      report('unverified', { side: 'source', why: unknownReason(source.doc, '/config/mac') ?? 'not shown' }, { path: '/config/mac', source: null, target: target.doc.config.mac });
      return;
    }
    const targetMac = target.doc.config.mac;
    const after = macsAfterStart(setConfig(target), targetMac, domainMac);
    const guestMac = guest.values[0] ?? '';
    const place = { path: '/config/mac', source: guestMac, target: targetMac };
    // One MAC on both sides, whatever the parents do with QEMU's write: nothing to replay or fix.
    if (after !== null && guest.values.length === 1 && after.values.length === 1 && after.values[0] === guestMac && targetMac === guestMac) return;

    let replayWhy = '';
    // Whether the replay may still set the guest's MAC: then two different MACs are not certain to stay.
    let replayMaybe = false;
    if (source.negotiated !== null && hasBit(source.negotiated, NET.CTRL_MAC_ADDR)) {
      const replay = cvqReplayed(target, vm);
      const outcomes = answersOf(replay);
      if (outcomes.every((o) => o.replayed === true)) {
        report('replayed', { why: describeOutcomes(replay, (o) => o.why) }, { path: '/features/negotiated', source: 'CTRL_MAC_ADDR' });
        return;
      }
      replayMaybe = outcomes.some((o) => o.replayed !== false);
      replayWhy = replayMaybe
        ? `, and whether QEMU replays CTRL_MAC_ADDR into the target is not certain (${describeOutcomes(replay, (o) => (o.replayed === true ? 'replayed' : o.replayed === false ? `not replayed: ${o.why}` : `unknown: ${o.why}`))})`
        : `, and the CTRL_MAC_ADDR replay does not happen (${describeOutcomes(replay, (o) => o.why)})`;
    }

    const data = { source: source.name, target: target.name, mgmtdev: target.doc.mgmtdev, parent: target.parent.name, guestMac, targetMac: targetMac ?? '(none shown)', domainMac, replayWhy };
    if (after === null) {
      const shown = unknownReason(target.doc, '/config/mac') ?? (offeredState(target, NET.MAC) === 'absent' ? 'F_MAC not offered' : `whether it offers F_MAC is unknown: ${unknownReason(target.doc, '/features/offered') ?? 'not read'}`);
      const write = target.parent.fact('setConfig');
      const why =
        write.known && write.value === 'no-op'
          ? `${target.parent.name} ignores config writes and the target shows no MAC (${shown})`
          : `the target shows no MAC (${shown}) and ${target.parent.name} ${write.known ? `forwards QEMU's config write to the device (${write.source}), which may or may not take it` : `may or may not take QEMU's config write (${write.why})`}`;
      report('unverified', { side: 'target', why }, place);
      return;
    }
    const all = new Set([...guest.values, ...after.values]);
    if (all.size === 1) {
      report('writtenByQemu', data, place);
      return;
    }
    if (all.has(DOMAIN_MAC)) {
      report('parentUnknown', { ...data, why: "the domain's MAC is not known (the hook reads it from the domain XML)" }, place);
      return;
    }
    if (guest.known && after.known) {
      // Known parents on both sides and still two MACs: the guest's and the one the target ends with,
      // unless a replay that may happen sets the guest's.
      if (replayMaybe) report('replayUncertain', data, place);
      else if (after.byWrite && domainMac !== guestMac) report('domainMacDiffers', data, place);
      else report('mismatch', data, place);
      return;
    }
    const write = (guest.known ? target : source).parent.fact('setConfig');
    report('parentUnknown', { ...data, why: write.known ? `it forwards the write to the device (${write.source})` : write.why }, place);
  },
});

/** QEMU replaces a device's all-zero MAC with its own (hw/net/virtio-net.c virtio_net_get_config, 10.x). */
const ZERO_MAC = '00:00:00:00:00:00';

/** The domain's MAC when it is not known: the same on both sides, whatever it is. */
const DOMAIN_MAC = "the domain's MAC";

/**
 * The MAC a device has once QEMU has started on it and written the domain's
 * MAC (virtio_net_device_realize): the domain's on a parent that takes config
 * writes, its own on one that ignores them (the domain's if its own is all
 * zeroes), either on a parent that forwards the write to hardware or that the
 * pack does not know. null when nothing can be said: no MAC shown on a
 * parent that may keep its own.
 */
/** Whether the side's parent passes QEMU's config write (its mac=) to the device. */
const setConfig = (side: Side) => side.parent.fact('setConfig');

function macsAfterStart(write: ReturnType<typeof setConfig>, own: string | null, domainMac: string): { values: string[]; known: boolean; byWrite: boolean } | null {
  const effective = own !== null && own !== ZERO_MAC ? own : own === ZERO_MAC ? domainMac : null;
  if (write.known && write.value === 'writes') return { values: [domainMac], known: true, byWrite: true };
  // No MAC shown, and a parent that may keep its own: what the device ends with is unknown.
  if (effective === null) return null;
  if (write.known && write.value === 'no-op') return { values: [effective], known: true, byWrite: false };
  return { values: [...new Set([effective, domainMac])], known: false, byWrite: false };
}
