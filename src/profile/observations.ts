/**
 * What collection sources observed, before normalization. Sources (the vdpa
 * tool, sysfs, a dump directory, later raw netlink) fill these; normalize.ts
 * turns them into a profile. Keeping this contract in profile/ lets collect/
 * depend on profile/ and never the other way round.
 */

import type { VmmDoc } from './types.js';

/** One management device as `vdpa mgmtdev show` reports it. */
export interface MgmtdevObservation {
  handle: string;
  bus: string | null;
  name: string;
  classes: string[];
  /** null when the key is absent (iproute2 < 5.18). */
  maxSupportedVqs: number | null;
  /** null when the key is absent (iproute2 < 5.18). */
  supportedFeatures: bigint | null;
}

/** One vdpa device as `vdpa dev show` reports it. */
export interface DeviceObservation {
  name: string;
  /** iproute2's spelling: "network", "block" or "<unknown type>". */
  type: string;
  mgmtdev: string;
  vendorId: number | null;
  maxVqs: number | null;
  maxVqSize: number | null;
  /** Only raw netlink reads it (attribute 9); iproute2 never prints it. */
  minVqSize?: number | null;
}

/** virtio-blk config as the kernel reports it over netlink (6.9+), each field gated by its feature bit. */
export interface BlkConfig {
  capacity?: number;
  sizeMax?: number;
  segMax?: number;
  blkSize?: number;
  numQueues?: number;
  physicalBlockExp?: number;
  alignmentOffset?: number;
  minIoSize?: number;
  optIoSize?: number;
  maxDiscardSectors?: number;
  maxDiscardSeg?: number;
  discardSectorAlignment?: number;
  maxWriteZeroesSectors?: number;
  maxWriteZeroesSeg?: number;
  readOnly?: boolean;
  flush?: boolean;
}

/** The keys of one device's `vdpa dev config show` entry that we read. */
export interface ConfigEntry {
  mac?: string;
  linkUp?: boolean;
  announce?: boolean;
  maxVqPairs?: number;
  mtu?: number;
  /** Bits of `negotiated_features`, when the key is present. */
  negotiated?: bigint;
  /** The device's offered features, exactly (netlink attribute 20; iproute2 never prints them). */
  offered?: bigint;
  /** Block config (netlink only). */
  blk?: BlkConfig;
}

/** A device's config: shown (possibly with no keys), or missing and why. */
export type ConfigResult = { shown: true; entry: ConfigEntry } | { shown: false; reason: string };

/** A vdpa device as seen in sysfs (`/sys/bus/vdpa/devices/<name>`). */
export interface SysfsDevice {
  /** Resolved device path, e.g. /sys/devices/pci0000:00/0000:00:05.0/vdpa0. */
  path: string;
  /** Bus driver bound to the device (vhost_vdpa, virtio_vdpa), null when unbound. */
  driver: string | null;
  /** The vhost-vdpa child when bound to vhost_vdpa: name and major:minor, and who holds it open. */
  vhostVdpa: VhostVdpaChild | null;
}

/** A process that has a vhost-vdpa char device open (found in /proc/<pid>/fd). */
export interface CharDevHolder {
  pid: number;
  /** /proc/<pid>/comm, control characters escaped; null when it could not be read. */
  comm: string | null;
}

/** The vhost-vdpa-N child of a device bound to vhost_vdpa. */
export interface VhostVdpaChild {
  name: string;
  dev: string | null;
  /**
   * The processes holding /dev/<name> open: [] when none, null when /proc could not be read
   * through (holdersMissing says why), absent in snapshots written before holders were recorded.
   */
  holders?: CharDevHolder[] | null;
  /** Why holders is null. */
  holdersMissing?: string;
}

/** A management device's sysfs view: its driver and, for PCI, its ids. */
export interface SysfsMgmtdev {
  path: string;
  driver: string | null;
  pci: {
    address: string;
    vendor: string | null;
    device: string | null;
    subsystemVendor: string | null;
    subsystemDevice: string | null;
    class: string | null;
    revision: string | null;
  } | null;
}

/** Everything the sysfs source read; also the content of a dump's sysfs.json. */
export interface SysfsSnapshot {
  format: 'vdpa-compat-sysfs/1';
  devices: Record<string, SysfsDevice>;
  mgmtdevs: Record<string, SysfsMgmtdev>;
}

/** Host facts with the reason each one is missing, if it is. */
export interface HostObservation {
  hostname: string | null;
  kernelRelease: string | null;
  iproute2Version: string | null;
  missing: { hostname?: string; kernelRelease?: string; iproute2Version?: string };
}

/** Everything normalization needs. */
export interface Observations {
  method: 'live' | 'dump';
  sources: string[];
  collectedAt: string | null;
  host: HostObservation;
  mgmtdevs: MgmtdevObservation[];
  devices: DeviceObservation[];
  configs: Map<string, ConfigResult>;
  /** null when no sysfs data exists (then driver and char device are unknown). */
  sysfs: SysfsSnapshot | null;
  /** Why sysfs is null, for the unknown-fact reasons. */
  sysfsMissing?: string;
  /** Where device facts came from: raw netlink knows offered features exactly. */
  offeredSource: 'netlink' | 'vdpa-tool';
  /** Why raw netlink was not used on a live collection, when it was not. */
  netlinkMissing?: string;
  /** The host's QEMU and libvirt, when recorded. */
  vmm?: VmmDoc;
}
