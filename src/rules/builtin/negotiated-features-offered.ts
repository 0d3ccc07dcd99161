/**
 * The destination QEMU loads the guest's features from the stream and
 * refuses them unless each bit the device controls is offered by the target
 * device: `Features 0x… unsupported. Allowed features: 0x…` (hw/virtio/virtio.c
 * virtio_load), after which the source is left paused with a dead vDPA NIC
 * (lab, QEMU 10.0.2). Only bits in net/vhost-vdpa.c vdpa_feature_bits are the
 * device's; every other bit (MAC always, GUEST_ANNOUNCE from 8.0) is QEMU's
 * own virtio-net model and need not be offered. With host_mtu set, F_MTU is
 * QEMU's too (x-mtu-bypass-backend, on by default): a target without F_MTU
 * migrates and works (lab). Block devices: every negotiated bit counts.
 */
import { decide, qemuLabel, releaseList } from '../../knowledge/qemu.js';
import { bitMask, bitsOf, describeBits, featureName, formatMask, hasBit, NET, TRANSPORT } from '../../profile/feature-bits.js';
import { offeredUnknown, unknownReason } from '../../profile/facts.js';
import type { Side, VmConfig } from '../context.js';
import { defineRule } from '../define.js';
import { guestFeatures } from '../in-play.js';
import { deviceControlledMask, migratable } from '../vmm.js';

const BASIS = {
  negotiated: 'the guest negotiated on the source',
  offered: 'the source offers (nothing negotiated there yet)',
} as const;

/**
 * The bits of `mask` the target device must offer, per target release: for a
 * net device, those the release lets the device control, less F_MTU when
 * host_mtu makes it QEMU's; every bit for other classes.
 */
function requiredBy(target: Side, vm: VmConfig, mask: bigint) {
  return decide(
    migratable(target.qemu),
    (release) => {
      if (target.cls !== 'net') return mask;
      let required = mask & deviceControlledMask(release);
      if (vm.hostMtu.value !== null && release.facts.mtuBypassBackend.value) required &= ~bitMask(NET.MTU);
      return required;
    },
    (m) => m.toString(16),
  );
}

type Message = 'comparedOffered' | 'sourceUnknown' | 'negotiatedByHost' | 'qemuOwn' | 'notSupported' | 'missing' | 'dependsOnVersion' | 'unverified' | 'possiblyMissing' | 'emulatedOnSource';

export const negotiatedFeaturesOffered = defineRule({
  id: 'negotiated-features-offered',
  summary: 'Target offers every device-controlled feature the guest negotiated on the source',
  messages: {
    missing: {
      severity: 'error',
      remedy: 'reprovision-target',
      text: 'target {target} does not offer {feature} (bit {bit}), which {basis}: the destination QEMU refuses the stream ("Features 0x… unsupported")',
      fix: 'Re-create the target with the feature: `vdpa dev del {target}` then `vdpa dev add name {target} mgmtdev {mgmtdev} device_features {deviceFeatures}` (needs iproute2 >= 6.2 and a parent that accepts device_features; the simulator and vp_vdpa do).',
    },
    notSupported: {
      severity: 'error',
      remedy: 'reprovision-target',
      text: 'target {target} does not offer {feature} (bit {bit}), which {basis}, and its management device {mgmtdev} cannot offer it at all',
      fix: 'Migrate to a host whose management device lists {feature} in `vdpa mgmtdev show` dev_features, or keep the guest from negotiating it on the source (provision the source with device_features without it, then restart the guest).',
    },
    unverified: {
      severity: 'warning',
      unverified: true,
      remedy: 'collect-more-facts',
      text: 'could not verify that target {target} offers {features}, which {basis}: {why}',
      fix: 'Collect the target with raw netlink (`collect --source netlink`, the optional netlink package), which reads the offered set; iproute2 never prints it. Or re-create the target with `device_features {deviceFeatures}` so it offers them for certain.',
    },
    possiblyMissing: {
      severity: 'warning',
      unverified: true,
      remedy: 'reprovision-target',
      text: 'target {target} does not offer {features}; the source may offer them (unknown), and a guest that negotiates them could not migrate',
      fix: 'Provision both devices with the same device_features (here at most {targetFeatures}) so a guest cannot negotiate what the target lacks.',
    },
    dependsOnVersion: {
      severity: 'warning',
      unverified: true,
      remedy: 'collect-more-facts',
      text: 'target {target} does not offer {features} ({basis}): QEMU {controlling} asks the device for them, {emulating} emulates them; the target QEMU version is unknown ({why})',
      fix: 'Pass --target-qemu VERSION (`qemu-system-x86_64 --version` on the target), or re-create the target with them (`device_features {deviceFeatures}`).',
    },
    emulatedOnSource: {
      severity: 'warning',
      unverified: true,
      remedy: 'reprovision-target',
      text: 'target {target} does not offer {features}: {targetQemu} on the target may ask the device for them while {sourceQemu} on the source keeps them to itself, so the source device cannot show whether the guest negotiated them, and a guest that did would be refused on the target',
      fix: 'Re-create the target with them (`device_features {deviceFeatures}`), or run the same QEMU version on both hosts.',
    },
    sourceUnknown: {
      severity: 'warning',
      unverified: true,
      remedy: 'collect-more-facts',
      text: 'could not tell which features the guest on source {source} may use: nothing is negotiated and its management device lists no features ({why})',
      fix: 'Collect the source with raw netlink (`collect --source netlink`), which reads negotiated and offered features of every device class; iproute2 prints no block features at all.',
    },
    comparedOffered: {
      severity: 'info',
      remedy: 'none',
      text: 'compared the features the source offers instead of negotiated ones: {why}',
    },
    negotiatedByHost: {
      severity: 'info',
      remedy: 'none',
      text: "source {source} was negotiated by the host kernel ({driver}), not by a QEMU guest: a guest gets {ignored} from the source QEMU's own model, so they count only where the target QEMU asks its device for them",
    },
    qemuOwn: {
      severity: 'info',
      remedy: 'none',
      text: '{features} {basis}, but {qemu} keeps them in its own virtio-net model: the target need not offer them',
    },
  },
  fast: {
    prepare(side, vm) {
      // As a target: the bits every candidate release asks of the device, and those any asks
      // (requiredBy, of all bits: a release asks `wanted & mask`).
      let every = ~0n;
      let any = 0n;
      for (const release of migratable(side.qemu).candidates) {
        let mask = ~0n;
        if (side.cls === 'net') {
          mask = deviceControlledMask(release);
          if (vm.hostMtu.value !== null && release.facts.mtuBypassBackend.value) mask &= ~bitMask(NET.MTU);
        }
        every &= mask;
        any |= mask;
      }
      return {
        id: side.doc.virtioDeviceId,
        cls: side.cls,
        driver: side.doc.driver,
        guest: guestFeatures(side),
        controlledEvery: controlled(side, 'every'),
        controlledAny: controlled(side, 'any'),
        every,
        any,
        absent: side.offeredAbsent,
        unknown: offeredUnknown(side),
        provisionable: side.provisionable,
      };
    },
    decide(s, t, vm) {
      if (s.id !== t.id) return null;
      const found: Message[] = [];
      const { guest, cls } = s;
      const net = cls === 'net';
      const negotiated = guest.basis === 'negotiated';
      const wanted = guest.required;
      if (guest.fallbackReason !== null) found.push('comparedOffered');
      if (guest.unbounded) found.push('sourceUnknown');
      if (net && negotiated && s.driver === 'virtio_vdpa' && (wanted & ~s.controlledAny) !== 0n) found.push('negotiatedByHost');
      const always = wanted & t.every;
      // Bits only some releases ask for: the releases disagree exactly when there are some.
      const sometimes = wanted & t.any & ~always;
      if (net && negotiated && (wanted & ~always & ~sometimes) !== 0n) found.push('qemuOwn');
      const lacking = always & t.absent;
      if (lacking !== 0n) {
        // One finding per bit, in bit order, as check reports them.
        if (t.provisionable === null || (lacking & ~t.provisionable) === 0n) for (let n = popcount(lacking); n > 0; n--) found.push('missing');
        else if ((lacking & t.provisionable) === 0n) for (let n = popcount(lacking); n > 0; n--) found.push('notSupported');
        else for (const bit of bitsOf(lacking)) found.push(hasBit(t.provisionable, bit) ? 'missing' : 'notSupported');
      }
      if ((sometimes & (t.absent | t.unknown)) !== 0n) found.push('dependsOnVersion');
      const possible = guest.possible & (net ? t.controlledAny : ~0n);
      if (((always | possible) & t.unknown) !== 0n) found.push('unverified');
      if ((possible & t.absent) !== 0n) found.push('possiblyMissing');
      if (net && negotiated) {
        let hidden = t.controlledAny & ~s.controlledEvery & ~bitMask(NET.MAC);
        if (vm.hostMtu.value !== null) hidden &= ~bitMask(NET.MTU);
        if ((hidden & (t.absent | t.unknown) & ~wanted) !== 0n) found.push('emulatedOnSource');
      }
      return found.length === 0 ? null : found;
    },
  },
  check({ source, target, vm, report }) {
    // Bits mean different things in different device classes; device-class-match reports that.
    if (source.doc.virtioDeviceId !== target.doc.virtioDeviceId) return;
    const guest = guestFeatures(source);
    const basis = BASIS[guest.basis];
    const cls = source.cls;
    if (guest.fallbackReason !== null) {
      report('comparedOffered', { why: guest.fallbackReason }, { path: '/features/negotiated', source: null });
    }
    if (guest.unbounded) {
      report('sourceUnknown', { source: source.name, why: guest.fallbackReason ?? 'unknown' }, { path: '/features', source: null });
    }
    const wanted = guest.required;
    if (cls === 'net' && guest.basis === 'negotiated' && source.doc.driver === 'virtio_vdpa') {
      // virtio_vdpa negotiates bits the source QEMU would keep to itself (MAC, GUEST_ANNOUNCE from 8.0).
      // They stay in `wanted`: a guest negotiates them from QEMU, and a target QEMU that asks its device
      // for one (GUEST_ANNOUNCE on 7.2) needs the target device to offer it.
      const ignored = wanted & ~controlled(source, 'any');
      if (ignored !== 0n) report('negotiatedByHost', { source: source.name, driver: 'virtio_vdpa', ignored: describeBits(ignored, cls) }, { path: '/features/negotiated', source: describeBits(ignored, cls) });
    }

    const required = requiredBy(target, vm, wanted);
    // Bits every candidate target release asks of the device, and bits only some do.
    const always = required.agreed ? required.value : required.outcomes.reduce((m, o) => m & o.value, ~0n);
    const sometimes = required.agreed ? 0n : required.outcomes.reduce((m, o) => m | o.value, 0n) & ~always;
    const own = wanted & ~always & ~sometimes;
    if (cls === 'net' && own !== 0n && guest.basis === 'negotiated') {
      report('qemuOwn', { features: describeBits(own, cls), basis, qemu: qemuLabel(migratable(target.qemu)) }, { path: '/features/negotiated' });
    }

    // A device_features value that would satisfy the guest on the target's parent, when one exists.
    const transport = (bitMask(TRANSPORT.VERSION_1) | bitMask(TRANSPORT.ACCESS_PLATFORM)) & (target.provisionable ?? 0n);
    const want = always | sometimes | target.offeredPresent | transport;
    const deviceFeatures = formatMask(target.provisionable === null ? want : want & target.provisionable);
    const common = { target: target.name, mgmtdev: target.doc.mgmtdev, basis, deviceFeatures };

    for (const bit of bitsOf(always & target.offeredAbsent)) {
      const feature = featureName(bit, cls);
      const parentLacks = target.provisionable !== null && !hasBit(target.provisionable, bit);
      report(parentLacks ? 'notSupported' : 'missing', { ...common, feature, bit }, { path: '/features/offered', source: feature, target: null });
    }
    const versionDependent = sometimes & (target.offeredAbsent | offeredUnknown(target));
    if (versionDependent !== 0n && !required.agreed) {
      const controlling = required.outcomes.filter((o) => (o.value & versionDependent) !== 0n).flatMap((o) => o.releases);
      const emulating = migratable(target.qemu).candidates.filter((r) => !controlling.includes(r));
      report(
        'dependsOnVersion',
        { ...common, features: describeBits(versionDependent, cls), controlling: releaseList(controlling), emulating: releaseList(emulating), why: target.qemu.why ?? 'unknown' },
        { path: '/features/offered', source: bitsOf(versionDependent).map((b) => featureName(b, cls)), target: null },
      );
    }

    const possible = guest.possible & (cls === 'net' ? controlled(target, 'any') : ~0n);
    const unknownOnTarget = (always | possible) & offeredUnknown(target);
    if (unknownOnTarget !== 0n) {
      report(
        'unverified',
        { ...common, features: describeBits(unknownOnTarget, cls), why: unknownReason(target.doc, '/features/offered') ?? 'unknown' },
        { path: '/features/offered', source: bitsOf(unknownOnTarget).map((b) => featureName(b, cls)), target: null },
      );
    }

    const maybeMissing = possible & target.offeredAbsent;
    if (maybeMissing !== 0n) {
      report(
        'possiblyMissing',
        { target: target.name, features: describeBits(maybeMissing, cls), targetFeatures: formatMask(target.offeredPresent | (offeredUnknown(target) & (target.provisionable ?? 0n))) },
        { path: '/features/offered', source: bitsOf(maybeMissing).map((b) => featureName(b, cls)), target: null },
      );
    }

    // The source QEMU keeps some bits from its device that the target QEMU asks of its device.
    if (cls === 'net' && guest.basis === 'negotiated') {
      // MAC is QEMU's on every side; F_MTU under host_mtu too.
      let hidden = controlled(target, 'any') & ~controlled(source, 'every') & ~bitMask(NET.MAC);
      if (vm.hostMtu.value !== null) hidden &= ~bitMask(NET.MTU);
      const lacking = hidden & (target.offeredAbsent | offeredUnknown(target)) & ~wanted;
      if (lacking !== 0n) {
        report(
          'emulatedOnSource',
          { ...common, features: describeBits(lacking, cls), targetQemu: qemuLabel(migratable(target.qemu)), sourceQemu: qemuLabel(migratable(source.qemu)) },
          { path: '/features/offered', source: null, target: null },
        );
      }
    }
  },
});

/** How many bits a mask of the 64 feature bits has. */
function popcount(mask: bigint): number {
  let n = 0;
  for (let word of [Number(mask & 0xffffffffn), Number((mask >> 32n) & 0xffffffffn)]) {
    for (; word !== 0; n++) word &= word - 1;
  }
  return n;
}

/**
 * The bits the side's QEMU lets the device control: in every candidate
 * release, or in any. Releases that refuse every vhost-vdpa migration (5.2:
 * no LOG_ALL, no SVQ) are left out: no migration leaves them.
 */
function controlled(side: Side, which: 'every' | 'any'): bigint {
  const masks = migratable(side.qemu).candidates.map(deviceControlledMask);
  return which === 'every' ? masks.reduce((m, x) => m & x, ~0n) : masks.reduce((m, x) => m | x, 0n);
}
