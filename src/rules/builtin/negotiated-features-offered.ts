/**
 * The destination QEMU re-negotiates the guest's features with the target
 * device, so the target must offer every one of them (reference
 * vhost-vdpa-and-qemu-migration.md §4 R1, §3.5).
 */
import { bitsOf, describeBits, featureName, formatMask, hasBit, TRANSPORT, bitMask } from '../../profile/feature-bits.js';
import { offeredUnknown, unknownReason } from '../../profile/facts.js';
import { defineRule } from '../define.js';
import { guestFeatures } from '../in-play.js';

const BASIS = {
  negotiated: 'the guest negotiated on the source',
  offered: 'the source offers (nothing negotiated there yet)',
} as const;

export const negotiatedFeaturesOffered = defineRule({
  id: 'negotiated-features-offered',
  summary: 'Target offers every feature the guest negotiated on the source',
  messages: {
    missing: {
      severity: 'error',
      text: 'target {target} does not offer {feature} (bit {bit}), which {basis}',
      fix: 'Re-create the target with the feature: `vdpa dev del {target}` then `vdpa dev add name {target} mgmtdev {mgmtdev} device_features {deviceFeatures}` (needs iproute2 >= 6.2 and a parent that accepts device_features; the simulator and vp_vdpa do).',
    },
    notSupported: {
      severity: 'error',
      text: "target {target} does not offer {feature} (bit {bit}), which {basis}, and its management device {mgmtdev} cannot offer it at all",
      fix: 'Migrate to a host whose management device lists {feature} in `vdpa mgmtdev show` dev_features, or keep the guest from negotiating it on the source (provision the source with device_features without it, then restart the guest).',
    },
    unverified: {
      severity: 'warning',
      unverified: true,
      text: 'could not verify that target {target} offers {features}, which {basis}: {why}',
      fix: 'Collect the target with raw netlink (`collect --source netlink`, the optional netlink package), which reads the offered set; iproute2 never prints it. Or re-create the target with `device_features {deviceFeatures}` so it offers them for certain.',
    },
    possiblyMissing: {
      severity: 'warning',
      unverified: true,
      text: 'target {target} does not offer {features}; the source may offer them (unknown), and a guest that negotiates them could not migrate',
      fix: 'Provision both devices with the same device_features (here at most {targetFeatures}) so a guest cannot negotiate what the target lacks.',
    },
    sourceUnknown: {
      severity: 'warning',
      unverified: true,
      text: 'could not tell which features the guest on source {source} may use: nothing is negotiated and its management device lists no features ({why})',
      fix: 'Collect the source with raw netlink (`collect --source netlink`), which reads negotiated and offered features of every device class; iproute2 prints no block features at all.',
    },
    comparedOffered: {
      severity: 'info',
      text: 'compared the features the source offers instead of negotiated ones: {why}',
    },
  },
  check({ source, target, report }) {
    // Bits mean different things in different device classes; device-class-match reports that.
    if (source.doc.virtioDeviceId !== target.doc.virtioDeviceId) return;
    const guest = guestFeatures(source);
    const basis = BASIS[guest.basis];
    const cls = source.cls;
    if (guest.fallbackReason !== null) {
      report('comparedOffered', { why: guest.fallbackReason }, { path: '/features/negotiated', source: null });
    }
    // A device_features value that would satisfy the guest on the target's parent, when one exists.
    const transport = (bitMask(TRANSPORT.VERSION_1) | bitMask(TRANSPORT.ACCESS_PLATFORM)) & (target.provisionable ?? 0n);
    const wanted = guest.required | target.offeredPresent | transport;
    if (guest.unbounded) {
      report('sourceUnknown', { source: source.name, why: guest.fallbackReason ?? 'unknown' }, { path: '/features', source: null });
    }
    const deviceFeatures = formatMask(target.provisionable === null ? wanted : wanted & target.provisionable);
    const common = { target: target.name, mgmtdev: target.doc.mgmtdev, basis, deviceFeatures };

    for (const bit of bitsOf(guest.required & target.offeredAbsent)) {
      const feature = featureName(bit, cls);
      const place = { path: '/features/offered', source: feature, target: null };
      const parentLacks = target.provisionable !== null && !hasBit(target.provisionable, bit);
      report(parentLacks ? 'notSupported' : 'missing', { ...common, feature, bit }, place);
    }

    const unknownOnTarget = (guest.required | guest.possible) & offeredUnknown(target);
    if (unknownOnTarget !== 0n) {
      report(
        'unverified',
        { ...common, features: describeBits(unknownOnTarget, cls), why: unknownReason(target.doc, '/features/offered') ?? 'unknown' },
        { path: '/features/offered', source: bitsOf(unknownOnTarget).map((b) => featureName(b, cls)), target: null },
      );
    }

    const maybeMissing = guest.possible & target.offeredAbsent;
    if (maybeMissing !== 0n) {
      report(
        'possiblyMissing',
        { target: target.name, features: describeBits(maybeMissing, cls), targetFeatures: formatMask(target.offeredPresent | (offeredUnknown(target) & (target.provisionable ?? 0n))) },
        { path: '/features/offered', source: bitsOf(maybeMissing).map((b) => featureName(b, cls)), target: null },
      );
    }
  },
});
