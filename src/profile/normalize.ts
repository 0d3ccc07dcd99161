/**
 * Observations → profile. Every fact we could not learn becomes null plus an
 * entry in the owner's `unknown` list saying why, so rules can tell "absent"
 * (the device has no MTU field) from "unknown" (nobody could read it).
 */
import { UsageError } from '../errors.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { ALL_BITS, bitsOf, featureNames, formatMask, type DeviceClass } from './feature-bits.js';
import { deviceFingerprint } from './fingerprint.js';
import { configGating, inferOffered } from './offered.js';
import type { ConfigResult, DeviceObservation, MgmtdevObservation, Observations } from './observations.js';
import { PROFILE_KIND, PROFILE_SCHEMA_VERSION, type DeviceConfigDoc, type DeviceDoc, type FeatureSetDoc, type MgmtdevDoc, type Profile, type UnknownFact } from './types.js';
import coerce from 'semver/functions/coerce.js';
import lt from 'semver/functions/lt.js';

/** A mask as the profile writes it. */
export function featureSet(mask: bigint, cls: DeviceClass): FeatureSetDoc {
  return { bits: formatMask(mask), names: featureNames(mask, cls) };
}

/** `dev show` type → class and virtio device id (iproute2 vdpa/vdpa.c device_type_name: 1 network, 2 block). */
function classOf(type: string): { cls: DeviceClass; id: number | null } {
  if (type === 'network') return { cls: 'net', id: 1 };
  if (type === 'block') return { cls: 'blk', id: 2 };
  return { cls: 'other', id: null };
}

/** The naming context of a management device's bits, as iproute2 picks it. */
function mgmtdevClass(classes: readonly string[]): DeviceClass {
  if (classes.includes('net')) return 'net';
  if (classes.includes('block')) return 'blk';
  return 'other';
}

/**
 * The entry for a name, when the snapshot has one of its own: a device named
 * `constructor` must not find Object.prototype's member as its sysfs facts.
 */
function own<T>(record: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/** A parent that reports no supported features has not said what it supports. */
function reportedFeatures(mgmtdev: MgmtdevObservation | undefined): bigint | null {
  if (!mgmtdev || mgmtdev.supportedFeatures === null || mgmtdev.supportedFeatures === 0n) return null;
  return mgmtdev.supportedFeatures;
}

function provisionableReason(mgmtdev: MgmtdevObservation | undefined, handle: string): string {
  if (!mgmtdev) return `management device ${handle} is not in \`vdpa mgmtdev show\``;
  if (mgmtdev.supportedFeatures === null) return 'this iproute2 prints no dev_features (needs iproute2 5.18 / kernel 5.18)';
  return `management device ${handle} reports an empty dev_features (its driver does not report supported features)`;
}

function mgmtdevDoc(observation: MgmtdevObservation, obs: Observations): MgmtdevDoc {
  const unknown: UnknownFact[] = [];
  const features = reportedFeatures(observation);
  if (features === null) unknown.push({ fact: '/supportedFeatures', reason: provisionableReason(observation, observation.handle) });
  if (observation.maxSupportedVqs === null) unknown.push({ fact: '/maxSupportedVqs', reason: 'this iproute2 prints no max_supported_vqs' });
  const sysfs = obs.sysfs ? own(obs.sysfs.mgmtdevs, observation.handle) : undefined;
  if (observation.bus !== null && !sysfs) {
    const reason = obs.sysfs === null ? (obs.sysfsMissing ?? 'no sysfs data') : `not found under /sys/bus/${observation.bus}/devices`;
    unknown.push({ fact: '/driver', reason }, { fact: '/pci', reason });
  }
  return {
    handle: observation.handle,
    bus: observation.bus,
    name: observation.name,
    classes: observation.classes,
    maxSupportedVqs: observation.maxSupportedVqs,
    supportedFeatures: features === null ? null : featureSet(features, mgmtdevClass(observation.classes)),
    driver: sysfs?.driver ?? null,
    pci: sysfs?.pci ?? null,
    unknown,
  };
}

const NO_CONFIG: DeviceConfigDoc = { mac: null, mtu: null, maxVqPairs: null, linkUp: null, announce: null };

function deviceDoc(observation: DeviceObservation, config: ConfigResult, mgmtdev: MgmtdevObservation | undefined, obs: Observations): DeviceDoc {
  const unknown: UnknownFact[] = [];
  const { cls, id } = classOf(observation.type);
  const isNet = cls === 'net';
  const provisionable = reportedFeatures(mgmtdev);
  if (provisionable === null) unknown.push({ fact: '/features/provisionable', reason: provisionableReason(mgmtdev, observation.mgmtdev) });

  // Negotiated features: printed only for net devices, only once a driver reached FEATURES_OK.
  let negotiated: bigint | null = null;
  const iproute2 = obs.host.iproute2Version === null ? null : coerce(obs.host.iproute2Version);
  if (!config.shown) {
    unknown.push({ fact: '/features/negotiated', reason: config.reason });
  } else if (!isNet && obs.offeredSource === 'vdpa-tool') {
    unknown.push({ fact: '/features/negotiated', reason: 'iproute2 prints negotiated features only for net devices' });
  } else if (config.entry.negotiated !== undefined) {
    negotiated = config.entry.negotiated;
  } else if (iproute2 !== null && lt(iproute2, '5.18.0')) {
    unknown.push({ fact: '/features/negotiated', reason: `iproute2 ${obs.host.iproute2Version} prints no negotiated features (needs 5.18)` });
  }

  let configDoc = NO_CONFIG;
  if (!config.shown) {
    unknown.push({ fact: '/config', reason: config.reason });
  } else if (isNet) {
    const e = config.entry;
    configDoc = { mac: e.mac ?? null, mtu: e.mtu ?? null, maxVqPairs: e.maxVqPairs ?? null, linkUp: e.linkUp ?? null, announce: e.announce ?? null };
  } else if (obs.offeredSource === 'vdpa-tool') {
    unknown.push({ fact: '/config', reason: `iproute2 prints no config fields for ${observation.type} devices` });
  }

  // Raw netlink reads the offered set itself; from iproute2's output it is inferred.
  const exact = config.shown ? config.entry.offered : undefined;
  const offered =
    exact !== undefined ? { present: exact, absent: ALL_BITS & ~exact, evidence: ['netlink'] } : inferOffered({ isNet, negotiated, provisionable, config: config.shown ? config.entry : null, gating: configGating(obs.host.kernelRelease) });
  const unknownBits = ALL_BITS & ~(offered.present | offered.absent);
  if (unknownBits !== 0n) {
    const why = !config.shown
      ? config.reason
      : obs.offeredSource === 'netlink'
        ? 'the kernel sent no offered features in DEV_CONFIG_GET (kernels before about 6.1 do not)'
        : `iproute2 never prints a device's offered features${obs.netlinkMissing ? ` and raw netlink was not available (${obs.netlinkMissing})` : ''}`;
    unknown.push({
      fact: '/features/offered',
      reason: `${why}; ${64 - bitsOf(unknownBits).length} of 64 bits inferred` + (offered.evidence.length > 0 ? ` from ${offered.evidence.join(', ')}` : ''),
    });
  }

  let driver: string | null = null;
  let charDev: string | null = null;
  // Who holds the char device open: only a device that has (or may have) one gets the fact.
  let holders: DeviceDoc['holders'];
  const sysfs = obs.sysfs ? own(obs.sysfs.devices, observation.name) : undefined;
  if (sysfs) {
    driver = sysfs.driver ?? 'none';
    if (sysfs.vhostVdpa) {
      charDev = `/dev/${sysfs.vhostVdpa.name}`;
      holders = sysfs.vhostVdpa.holders ?? null;
      if (holders === null) unknown.push({ fact: '/holders', reason: sysfs.vhostVdpa.holdersMissing ?? 'the sysfs snapshot records no holders (written by a vdpa-compat that did not look for them)' });
    } else if (driver === 'vhost_vdpa') {
      const reason = 'bound to vhost_vdpa but no vhost-vdpa-N child in sysfs';
      holders = null;
      unknown.push({ fact: '/charDev', reason }, { fact: '/holders', reason });
    }
  } else {
    const reason = obs.sysfs === null ? (obs.sysfsMissing ?? 'no sysfs data') : `${observation.name} is not under /sys/bus/vdpa/devices`;
    holders = null;
    unknown.push({ fact: '/driver', reason }, { fact: '/charDev', reason }, { fact: '/holders', reason });
  }

  const doc: DeviceDoc = {
    name: observation.name,
    class: cls,
    virtioDeviceId: id,
    mgmtdev: observation.mgmtdev,
    vendorId: observation.vendorId,
    maxVqs: observation.maxVqs,
    maxVqSize: observation.maxVqSize,
    ...(observation.minVqSize !== undefined && observation.minVqSize !== null ? { minVqSize: observation.minVqSize } : {}),
    config: configDoc,
    ...(config.shown && config.entry.blk !== undefined ? { blkConfig: config.entry.blk } : {}),
    features: {
      negotiated: negotiated === null ? null : featureSet(negotiated, cls),
      offered: { present: featureSet(offered.present, cls), absent: featureSet(offered.absent, cls) },
      provisionable: provisionable === null ? null : featureSet(provisionable, cls),
    },
    driver,
    charDev,
    ...(holders !== undefined ? { holders: holders === null ? null : holders.map((h) => ({ pid: h.pid, comm: h.comm })) } : {}),
    unknown,
  };
  doc.fingerprint = deviceFingerprint(doc);
  return doc;
}

/** Builds the profile; with `onlyDevice`, keeps that one vdpa device (all management devices stay). */
export function normalize(obs: Observations, onlyDevice?: string): Profile {
  let devices = obs.devices;
  if (onlyDevice !== undefined) {
    devices = devices.filter((d) => d.name === onlyDevice);
    if (devices.length === 0) {
      const names = obs.devices.map((d) => d.name);
      throw new UsageError(
        'UNKNOWN_DEVICE',
        `no vdpa device "${onlyDevice}" on this host; it has ${names.length === 0 ? 'no vdpa devices' : names.join(', ')}`,
        names.length === 0 ? 'Create one with `vdpa dev add name NAME mgmtdev MGMTDEV`.' : 'Pass one of those names to --device.',
      );
    }
  }
  const mgmtdevByHandle = new Map(obs.mgmtdevs.map((m) => [m.handle, m]));
  const hostUnknown: UnknownFact[] = [];
  if (obs.host.missing.hostname) hostUnknown.push({ fact: '/hostname', reason: obs.host.missing.hostname });
  if (obs.host.missing.kernelRelease) hostUnknown.push({ fact: '/kernel', reason: obs.host.missing.kernelRelease });
  if (obs.host.missing.iproute2Version) hostUnknown.push({ fact: '/iproute2', reason: obs.host.missing.iproute2Version });
  return {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    kind: PROFILE_KIND,
    generator: { name: TOOL_NAME, version: TOOL_VERSION },
    collectedAt: obs.collectedAt,
    collection: { method: obs.method, sources: obs.sources },
    host: { hostname: obs.host.hostname, kernel: obs.host.kernelRelease, iproute2: obs.host.iproute2Version, ...(obs.vmm !== undefined ? { vmm: obs.vmm } : {}), unknown: hostUnknown },
    mgmtdevs: obs.mgmtdevs.map((m) => mgmtdevDoc(m, obs)),
    devices: devices.map((d) => {
      const config = obs.configs.get(d.name) ?? { shown: false as const, reason: 'no config collected' };
      return deviceDoc(d, config, mgmtdevByHandle.get(d.mgmtdev), obs);
    }),
  };
}
