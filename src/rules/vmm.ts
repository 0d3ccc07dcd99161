/**
 * Questions several rules ask of the QEMU knowledge about one side: which
 * bits its shadow virtqueue refuses, which bits it lets the device control,
 * whether the control queue is shadowed (and so replayed) on the target. Each
 * is answered per candidate release (see knowledge/qemu.ts `decide`).
 */
import { bitsOfNames, decide, releaseList, type Decision, type QemuRelease, type QemuView, type SvqRules } from '../knowledge/qemu.js';
import { ALL_BITS, bitMask, hasBit, NET } from '../profile/feature-bits.js';
import { offeredUnknown } from '../profile/facts.js';
import type { Side, VmConfig } from './context.js';

const maskCache = new WeakMap<object, bigint>();

/** A list of pack feature names as a mask (cached per list). */
export function maskOf(names: readonly string[]): bigint {
  let mask = maskCache.get(names);
  if (mask === undefined) {
    mask = bitsOfNames(names).reduce((m, b) => m | bitMask(b), 0n);
    maskCache.set(names, mask);
  }
  return mask;
}

/** The bits a shadow virtqueue accepts in a device's offered set (hw/virtio/vhost-shadow-virtqueue.c vhost_svq_valid_features, net/vhost-vdpa.c). */
export function svqAllowedMask(svq: SvqRules): bigint {
  // Bits 28..END are the transport loop's: only the allowed and required ones may be offered.
  let transport = 0n;
  for (let bit = 28; bit <= svq.transportEnd; bit++) transport |= bitMask(bit);
  return (maskOf(svq.deviceBits) & ~transport) | maskOf(svq.transportAllowed) | maskOf(svq.transportRequired);
}

/** What a release's shadow virtqueue says about an offered set: bits it refuses, required bits absent, and bits that matter but are unknown. */
export interface SvqVerdict {
  refused: bigint;
  missingRequired: bigint;
  unknown: bigint;
}

/** The SVQ verdict of one side's offered set under one release (null: the release has no SVQ). */
export function svqVerdict(side: Side, release: QemuRelease): SvqVerdict | null {
  const svq = release.facts.svq.value;
  if (svq === null) return null;
  const allowed = svqAllowedMask(svq);
  const required = maskOf(svq.transportRequired);
  return {
    refused: side.offeredPresent & ~allowed,
    missingRequired: required & side.offeredAbsent,
    unknown: offeredUnknown(side) & ((ALL_BITS & ~allowed) | required),
  };
}

/**
 * The candidate releases a migration can run between: those that do not
 * refuse every vhost-vdpa migration (5.2 has no LOG_ALL and no SVQ). When
 * every candidate refuses, they all stay (hypervisor-blockers says so).
 */
export function migratable(view: QemuView): QemuView {
  const releases = view.candidates.filter((r) => r.facts.logAllBlocker.value !== 'always');
  return releases.length === 0 || releases.length === view.candidates.length ? view : { ...view, candidates: releases };
}

/** The bits a release lets the device control (net/vhost-vdpa.c vdpa_feature_bits). */
export function deviceControlledMask(release: QemuRelease): bigint {
  return maskOf(release.facts.deviceControlled.value);
}

/**
 * Whether the target's CVQ is shadowed, and QEMU therefore replays the
 * guest's control-queue state (MAC_ADDR_SET, VQ_PAIRS_SET, RX mode, VLANs,
 * RSS) into the target device: with x-svq always; without it, from 8.2, only
 * when the parent isolates the CVQ and the offered set passes the SVQ check
 * (net/vhost-vdpa.c vhost_vdpa_net_cvq_start; destinations never shadow the
 * data queues). 'unknown' carries why.
 */
export function cvqReplayed(target: Side, vm: VmConfig): Decision<{ replayed: boolean | 'unknown'; why: string }> {
  return decide(
    migratable(target.qemu),
    (release) => {
      if (vm.xSvq.value && release.facts.xSvq.value) return { replayed: true, why: 'x-svq=on shadows every queue' };
      if (release.facts.cvqIsolation.value === 'x-svq-only') return { replayed: false, why: 'the CVQ is shadowed only with x-svq' };
      const svq = svqVerdict(target, release);
      if (svq !== null && (svq.refused !== 0n || svq.missingRequired !== 0n)) return { replayed: false, why: 'the target offers bits the shadow virtqueue refuses, or lacks VERSION_1 or ACCESS_PLATFORM' };
      const isolation = target.parent.fact('cvqIsolation');
      if (!isolation.known) return { replayed: 'unknown', why: isolation.why };
      if (!isolation.value) return { replayed: false, why: `${target.parent.name} cannot isolate the CVQ in an address space of its own` };
      if (svq !== null && svq.unknown !== 0n) return { replayed: 'unknown', why: 'whether the target offers only bits the shadow virtqueue handles is unknown' };
      return { replayed: true, why: `${target.parent.name} isolates the CVQ, so QEMU shadows it` };
      // Releases are grouped by answer and reason both: each reason is said for the releases it holds for.
    },
    (v) => `${String(v.replayed)}: ${v.why}`,
  );
}

/** Whether the guest uses (negotiated) or may use (offered, before negotiation) CTRL_VQ. */
export function usesCvq(source: Side): boolean {
  return source.negotiated !== null ? hasBit(source.negotiated, NET.CTRL_VQ) : !hasBit(source.offeredAbsent, NET.CTRL_VQ);
}

/** "blocked on 5.2 and 7.2; fine on 8.2 and later": one clause per outcome, for messages. */
export function describeOutcomes<T>(decision: Decision<T>, describe: (value: T) => string): string {
  if (decision.agreed) return `${describe(decision.value)} on ${releaseList(decision.releases)}`;
  return decision.outcomes.map((o) => `${describe(o.value)} on ${releaseList(o.releases)}`).join('; ');
}
