/**
 * QEMU migrates a vhost-vdpa net device by switching its queues to shadow
 * virtqueues (SVQ), and checks the features the device *offers* (not the
 * negotiated ones) against what SVQ handles: device bits from a per-version
 * list, transport bits 28..END refused except EVENT_IDX, VERSION_1 and
 * ACCESS_PLATFORM required (hw/virtio/vhost-shadow-virtqueue.c
 * vhost_svq_valid_features, net/vhost-vdpa.c vdpa_svq_device_features). On
 * the source a failure is a migration blocker (QEMU ≥ 8.0) or a netdev that
 * never starts (7.2 with x-svq): no target can fix it. On the target the
 * incoming migration is accepted (blockers are checked for outgoing
 * migrations only), but the VM then runs on a device it cannot migrate away
 * from, and with x-svq the destination's netdev fails to start.
 * Every vp_vdpa parent over a default virtio-net-pci offers such bits
 * (GUEST_ANNOUNCE, INDIRECT_DESC, RING_RESET, CTRL_RX…).
 */
import { QEMU_MESSAGES, releaseList, type QemuRelease } from '../../knowledge/qemu.js';
import { bitMask, describeBits, formatMask, TRANSPORT } from '../../profile/feature-bits.js';
import { unknownReason } from '../../profile/facts.js';
import type { Side, VmConfig } from '../context.js';
import { defineRule } from '../define.js';
import { svqVerdict } from '../vmm.js';

/**
 * Per side: bits refused by every candidate release that checks them, by
 * some, and required bits absent or unknown. A release checks the offered set
 * when its shadow virtqueue guards migration (8.0 on: a blocker), or when
 * x-svq is on (7.2: the netdev does not start); 7.2 without x-svq never
 * shadows, and its LOG_ALL blocker is hypervisor-blockers' finding.
 */
function analyse(side: Side, vm: VmConfig) {
  const releases = side.qemu.candidates.filter((r) => r.facts.svq.value !== null && (r.facts.svqOfferedCheck.value === 'blocker' || (vm.xSvq.value && r.facts.xSvq.value)));
  const verdicts = releases.map((r) => ({ release: r, verdict: svqVerdict(side, r) }));
  let always = ~0n;
  let some = 0n;
  let missing = ~0n;
  let unknown = 0n;
  for (const { verdict } of verdicts) {
    if (verdict === null) continue;
    always &= verdict.refused;
    some |= verdict.refused;
    missing &= verdict.missingRequired;
    unknown |= verdict.unknown;
  }
  if (verdicts.length === 0) return null;
  const byBit = (mask: bigint): QemuRelease[] => verdicts.filter(({ verdict }) => verdict !== null && (verdict.refused & mask) !== 0n).map((v) => v.release);
  return { releases, always, some: some & ~always, missing, unknown, byBit };
}

/** VERSION_1 and ACCESS_PLATFORM: required by every shadow virtqueue. */
const REQUIRED = bitMask(TRANSPORT.VERSION_1) | bitMask(TRANSPORT.ACCESS_PLATFORM);

const FIX_TARGET =
  'Re-create the target without them: `vdpa dev del {target}` then `vdpa dev add name {target} mgmtdev {mgmtdev} device_features {suggested}` (iproute2 >= 6.2, a parent that accepts device_features); a vp_vdpa parent takes them from the virtio-net-pci under it (indirect_desc=off, queue_reset=off, guest_announce=off, iommu_platform=on, …).';
const FIX_SOURCE = 'No target can fix this. Restart the guest on a source device that offers none of them (`vdpa dev add … device_features {suggested}`), or use a QEMU whose shadow virtqueue handles them.';

export const svqOfferedFeatures = defineRule({
  id: 'svq-offered-features',
  summary: "Both devices offer only features QEMU's shadow virtqueue handles",
  appliesTo: ['net'],
  messages: {
    sourceOffers: {
      severity: 'error',
      blocker: true,
      remedy: 'change-vm-config',
      text: 'source {source} offers {features}, which the shadow virtqueue of QEMU {releases} refuses: {consequence}',
      fix: FIX_SOURCE,
    },
    targetOffers: {
      severity: 'error',
      remedy: 'reprovision-target',
      text: 'target {target} offers {features}, which the shadow virtqueue of QEMU {releases} refuses: with x-svq its netdev fails to start, without it the VM could never migrate away from the target',
      fix: FIX_TARGET,
    },
    sourceMissing: {
      severity: 'error',
      blocker: true,
      remedy: 'change-vm-config',
      text: 'source {source} does not offer {features}, which the shadow virtqueue requires: {consequence}',
      fix: 'No target can fix this. Restart the guest on a device that offers them (a vp_vdpa parent needs iommu_platform=on on the virtio-net-pci under it for ACCESS_PLATFORM).',
    },
    targetMissing: {
      severity: 'error',
      remedy: 'reprovision-target',
      text: 'target {target} does not offer {features}, which the shadow virtqueue requires: the VM could never migrate away from it',
      fix: 'Re-create the target with them in device_features, or use a parent that offers them (a vp_vdpa parent needs iommu_platform=on on the virtio-net-pci under it for ACCESS_PLATFORM).',
    },
    sourceDependsOnVersion: {
      severity: 'warning',
      unverified: true,
      failsSafe: true,
      remedy: 'collect-more-facts',
      text: 'source {source} offers {features}: refused by the shadow virtqueue of QEMU {refusing}, accepted by {accepting}; the source QEMU version is unknown ({why}). If it refuses, QEMU blocks the migration at the source',
      fix: 'Pass --source-qemu VERSION (`qemu-system-x86_64 --version` on the source), or collect the source profile on the host (collect records the QEMU binaries).',
    },
    targetDependsOnVersion: {
      severity: 'warning',
      unverified: true,
      remedy: 'collect-more-facts',
      text: 'target {target} offers {features}: refused by the shadow virtqueue of QEMU {refusing}, accepted by {accepting}; the target QEMU version is unknown ({why})',
      fix: 'Pass --target-qemu VERSION, or collect the target profile on the host; or re-create the target without them (`device_features {suggested}`).',
    },
    sourceUnverified: {
      severity: 'warning',
      unverified: true,
      failsSafe: true,
      remedy: 'collect-more-facts',
      text: 'could not verify that source {source} offers what the shadow virtqueue needs: whether it offers {features} is unknown ({why}). If it offers one the shadow virtqueue refuses, or lacks VERSION_1 or ACCESS_PLATFORM, QEMU blocks the migration at the source',
      fix: 'Collect the source with raw netlink (`collect --source netlink`), which reads the offered set; iproute2 never prints it.',
    },
    targetUnverified: {
      severity: 'warning',
      unverified: true,
      remedy: 'collect-more-facts',
      text: 'could not verify that target {target} offers what the shadow virtqueue needs: whether it offers {features} is unknown ({why})',
      fix: 'Collect the target with raw netlink (`collect --source netlink`), or re-create it with `device_features {suggested}` so it offers exactly those.',
    },
    noShadowVirtqueue: {
      severity: 'info',
      remedy: 'none',
      text: 'QEMU {releases} does not check the offered features against a shadow virtqueue here (no SVQ, or 7.2 without x-svq): hypervisor-blockers reports what that means for migration',
    },
  },
  // Each side's half reads that side alone.
  reads: { separable: ['targetOffers', 'targetDependsOnVersion', 'targetMissing', 'targetUnverified'] },
  check({ source, target, vm, report }) {
    for (const [side, facts] of [
      ['source', source],
      ['target', target],
    ] as const) {
      const a = analyse(facts, vm);
      if (a === null) {
        if (side === 'source') report('noShadowVirtqueue', { releases: releaseList(facts.qemu.candidates) }, { path: '/features/offered' });
        continue;
      }
      const names = (mask: bigint) => describeBits(mask, 'net');
      // A device_features value that keeps what the device offers and the SVQ takes, plus the required bits.
      const suggested = formatMask((facts.offeredPresent & ~(a.always | a.some)) | ((facts.provisionable ?? 0n) & REQUIRED));
      const common = { [side]: facts.name, mgmtdev: facts.doc.mgmtdev, suggested };
      // 8.0 on: a migration blocker; 7.2 with x-svq: the netdev does not start at all.
      const consequence = (message: string): string => {
        const starts = a.releases.filter((r) => r.facts.svqOfferedCheck.value === 'netdev-start');
        const blocks = a.releases.filter((r) => r.facts.svqOfferedCheck.value === 'blocker');
        const said = [
          ...(blocks.length > 0 ? [`QEMU ${releaseList(blocks)} blocks migrating this VM${message === '' ? '' : ` (${message})`}`] : []),
          ...(starts.length > 0 ? [`with x-svq=on the netdev of QEMU ${releaseList(starts)} does not start`] : []),
        ];
        return said.join('; ');
      };
      if (a.always !== 0n) {
        const releases = releaseList(a.releases);
        // QEMU words the refusal of transport bits (28 and up) and device bits differently.
        const transport = (a.always & ~((1n << 28n) - 1n)) !== 0n;
        const message = QEMU_MESSAGES[transport ? 'svqTransport' : 'svqDevice'] ?? '';
        report(side === 'source' ? 'sourceOffers' : 'targetOffers', { ...common, features: names(a.always), releases, message, consequence: consequence(message) }, { path: '/features/offered', [side]: names(a.always) });
      }
      if (a.some !== 0n) {
        const refusing = a.byBit(a.some);
        const accepting = a.releases.filter((r) => !refusing.includes(r));
        const data = { ...common, features: names(a.some), refusing: releaseList(refusing), accepting: releaseList(accepting), why: facts.qemu.why ?? 'unknown' };
        // The version is known: the one candidate refuses it (always), so `some` only arises when it is not.
        report(side === 'source' ? 'sourceDependsOnVersion' : 'targetDependsOnVersion', data, { path: '/features/offered', [side]: names(a.some) });
      }
      if (a.missing !== 0n) {
        report(side === 'source' ? 'sourceMissing' : 'targetMissing', { ...common, features: names(a.missing), consequence: consequence('') }, { path: '/features/offered', [side]: names(a.missing) });
      }
      if (a.unknown !== 0n) {
        const why = unknownReason(facts.doc, '/features/offered') ?? 'unknown';
        report(side === 'source' ? 'sourceUnverified' : 'targetUnverified', { ...common, features: names(a.unknown), why }, { path: '/features/offered', [side]: names(a.unknown) });
      }
    }
  },
});
