/**
 * QEMU migrates vhost-vdpa net devices through shadow virtqueues, which
 * require VIRTIO_F_VERSION_1 and VIRTIO_F_ACCESS_PLATFORM to be offered; a
 * device without them gets a migration blocker (reference §3.1, R10).
 */
import { TRANSPORT, bitMask, describeBits } from '../../profile/feature-bits.js';
import { offeredUnknown, unknownReason } from '../../profile/facts.js';
import { defineRule } from '../define.js';

const REQUIRED = bitMask(TRANSPORT.VERSION_1) | bitMask(TRANSPORT.ACCESS_PLATFORM);

export const transportFeatures = defineRule({
  id: 'transport-features',
  summary: 'VERSION_1 and ACCESS_PLATFORM are offered (QEMU shadow virtqueues need them)',
  messages: {
    targetMissing: {
      severity: 'error',
      text: 'target {device} does not offer {features}; QEMU cannot shadow its virtqueues, which live migration of vhost-vdpa needs',
      fix: 'Re-create the target with them in device_features, or use a parent that offers them (a virtio-pci parent of vp_vdpa needs iommu_platform=on for ACCESS_PLATFORM).',
    },
    sourceMissing: {
      severity: 'error',
      text: 'source {device} does not offer {features}; QEMU blocks migration of this device before it starts',
      fix: 'Restart the guest on a source device that offers {features}; no target can fix this.',
    },
    unverified: {
      severity: 'warning',
      unverified: true,
      text: 'could not verify that {side} {device} offers {features} ({why})',
      fix: 'Collect with raw netlink (`collect --source netlink`, the optional netlink package), which reads the offered set; iproute2 never prints it. Or re-create the device with {features} in device_features to be sure.',
    },
  },
  check({ source, target, report }) {
    // Shadow virtqueues are the vhost-vdpa net backend's migration path (reference §3.1).
    if (source.cls !== 'net' || target.cls !== 'net') return;
    for (const [side, facts] of [['source', source], ['target', target]] as const) {
      const absent = REQUIRED & facts.offeredAbsent;
      const unknown = REQUIRED & offeredUnknown(facts);
      if (absent !== 0n) {
        const features = describeBits(absent, 'other');
        report(side === 'target' ? 'targetMissing' : 'sourceMissing', { device: facts.name, features }, { path: '/features/offered', [side]: features });
      }
      if (unknown !== 0n) {
        const features = describeBits(unknown, 'other');
        report('unverified', { side, device: facts.name, features, why: unknownReason(facts.doc, '/features/offered') ?? 'unknown' }, { path: '/features/offered', [side]: features });
      }
    }
  },
});
