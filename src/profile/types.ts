/**
 * The host profile as it is written to disk (YAML or JSON) and validated by
 * schemas/profile.v1.json. Masks stay strings here; profile/facts.ts turns a
 * device into the bigint view the rules use.
 */
import type { DeviceClass } from './feature-bits.js';
import type { BlkConfig } from './observations.js';

/** The schema version this build writes; loaders accept the same major. */
export const PROFILE_SCHEMA_VERSION = '1.3.0';

/** The `kind` every host profile carries, so a random YAML is not taken for one. */
/** The fix for a profile that does not read: write a fresh one, or correct it. */
export const PROFILE_FIX = 'Re-run `vdpa-compat collect` to write a fresh profile, or correct the fields named.';

export const PROFILE_KIND = 'vdpa-compat/host-profile';

/** A 64-bit feature mask, exactly, plus the display names of its bits. */
export interface FeatureSetDoc {
  bits: string;
  names: string[];
}

/** A fact we could not learn: JSON pointer relative to its owner, and why. */
export interface UnknownFact {
  fact: string;
  reason: string;
}

/** One QEMU binary found on the host and what its `--version` printed (schema 1.2). */
export interface QemuBinaryDoc {
  path: string;
  /** major.minor.patch; null when the binary could not be run or printed no version. */
  version: string | null;
  /** The first line `--version` printed, e.g. "QEMU emulator version 10.0.13 (Debian 1:10.0.13+ds-0+deb13u1)". */
  versionText: string | null;
  /** Why the version is unknown, when it is. */
  error?: string;
}

/** The host's VMM: its QEMU binaries and libvirt (schema 1.2). */
export interface VmmDoc {
  qemu: QemuBinaryDoc[];
  libvirt: { path: string; version: string | null; versionText: string | null } | null;
}

/** Kernel, iproute2 and name of the host the profile describes. */
export interface HostDoc {
  hostname: string | null;
  kernel: string | null;
  iproute2: string | null;
  /** The host's QEMU and libvirt (schema 1.2; absent from older profiles and from dumps without them). */
  vmm?: VmmDoc;
  unknown: UnknownFact[];
}

/** PCI identity of a management device's PCI function, from sysfs (hex strings as sysfs prints them). */
export interface PciDoc {
  address: string;
  vendor: string | null;
  device: string | null;
  subsystemVendor: string | null;
  subsystemDevice: string | null;
  class: string | null;
  revision: string | null;
}

/** One vdpa management device (parent): what it can provision. */
export interface MgmtdevDoc {
  handle: string;
  bus: string | null;
  name: string;
  classes: string[];
  maxSupportedVqs: number | null;
  supportedFeatures: FeatureSetDoc | null;
  driver: string | null;
  pci: PciDoc | null;
  unknown: UnknownFact[];
}

/** Net config space fields as `vdpa dev config show` reports them; null when absent or unknown. */
export interface DeviceConfigDoc {
  mac: string | null;
  mtu: number | null;
  maxVqPairs: number | null;
  linkUp: boolean | null;
  announce: boolean | null;
}

/**
 * What we know of the features the device offers. iproute2 never prints them
 * (iproute2 vdpa/vdpa.c pr_out_dev_net_config, 5.17 on), so most bits are
 * usually neither present nor absent.
 */
export interface OfferedDoc {
  present: FeatureSetDoc;
  absent: FeatureSetDoc;
}

/** The three feature sets, kept apart. */
export interface FeaturesDoc {
  negotiated: FeatureSetDoc | null;
  offered: OfferedDoc;
  provisionable: FeatureSetDoc | null;
}

/** A process holding a device's vhost-vdpa char device open, from /proc/PID/fd (schema 1.3). */
export interface HolderDoc {
  pid: number;
  /** Its /proc/PID/comm, control characters escaped; null when it could not be read. */
  comm: string | null;
}

/** One vdpa device. */
export interface DeviceDoc {
  name: string;
  class: DeviceClass;
  virtioDeviceId: number | null;
  mgmtdev: string;
  vendorId: number | null;
  maxVqs: number | null;
  maxVqSize: number | null;
  /** Smallest ring the device accepts; only raw netlink reads it (schema 1.1). */
  minVqSize?: number;
  config: DeviceConfigDoc;
  /** Block config as the kernel reports it over netlink (schema 1.1). */
  blkConfig?: BlkConfig;
  features: FeaturesDoc;
  driver: string | null;
  charDev: string | null;
  /**
   * The processes holding the char device open (schema 1.3): [] when none, null when unknown (see
   * `unknown`); absent on a device without a vhost-vdpa char device and in older profiles.
   */
  holders?: HolderDoc[] | null;
  fingerprint?: string;
  unknown: UnknownFact[];
}

/** How the profile's facts were gathered. */
export interface CollectionDoc {
  method: 'live' | 'dump';
  sources: string[];
}

/** A host profile: one host's management devices and vdpa devices. */
export interface Profile {
  schemaVersion: string;
  kind: typeof PROFILE_KIND;
  generator: { name: string; version: string };
  collectedAt: string | null;
  collection: CollectionDoc;
  host: HostDoc;
  mgmtdevs: MgmtdevDoc[];
  devices: DeviceDoc[];
}
