/**
 * What a rule sees beyond the two devices: for each side, the QEMU it runs
 * and what the knowledge packs say about its parent driver and kernel; and
 * the configuration of the VM being migrated (from the domain XML or the
 * command line). Every value says where it came from, so a finding can say
 * on what it rests.
 */
import { qemuView, type QemuView } from '../knowledge/qemu.js';
import { parentView, type ParentView } from '../knowledge/parents.js';
import { deviceFacts, type DeviceFacts } from '../profile/facts.js';
import type { MgmtdevDoc, Profile } from '../profile/types.js';

/** One side of the pair: the device, and what is known of its host's VMM, parent driver and kernel. */
export interface Side extends DeviceFacts {
  qemu: QemuView;
  parent: ParentView;
  /** The device's management device in the profile, when listed. */
  mgmtdevDoc: MgmtdevDoc | null;
}

/** A value and where it came from ("--x-svq", "the domain XML", "QEMU's default"). */
export interface Given<T> {
  value: T;
  origin: string;
}

/** The QEMU device model that presents the vDPA device to the guest. */
export type DeviceModel = 'virtio-net-pci' | 'vhost-vdpa-device-pci' | 'virtio-blk-vhost-vdpa';

/** How the VM being migrated runs its vDPA device. */
export interface VmConfig {
  /** `-netdev vhost-vdpa,x-svq=on`: every queue shadowed, always. */
  xSvq: Given<boolean>;
  /** virtio-net rx_queue_size / tx_queue_size; null means QEMU's default. */
  rxQueueSize: Given<number | null>;
  txQueueSize: Given<number | null>;
  /** virtio-net host_mtu; null when not set. */
  hostMtu: Given<number | null>;
  /** null when not known (the device class then says which model libvirt uses). */
  model: Given<DeviceModel | null>;
  /** The interface's MAC (QEMU's mac=, written into the device at start); null when not known. */
  mac: Given<string | null>;
}

/** A VM about which nothing was said: QEMU's and libvirt's defaults. */
export const DEFAULT_VM: VmConfig = {
  // libvirt has no x-svq setting (qemu:commandline only), and QEMU's default is off.
  xSvq: { value: false, origin: "QEMU's default (libvirt has no x-svq setting; pass --x-svq if the netdev has x-svq=on)" },
  rxQueueSize: { value: null, origin: "QEMU's default" },
  txQueueSize: { value: null, origin: "QEMU's default" },
  hostMtu: { value: null, origin: 'not given (taken as not set)' },
  model: { value: null, origin: 'not given' },
  mac: { value: null, origin: "not given (taken to be the source device's MAC)" },
};

/** The QEMU of one side as given: version text and where it came from. */
export interface QemuGiven {
  text: string | null;
  origin: string | null;
  /** Why it is unknown, when text is null. */
  why?: string;
}

/** Builds the rule view of `profile.devices[index]` running under the QEMU given. */
export function buildSide(profile: Profile, index: number, qemu: QemuGiven): Side {
  const facts = deviceFacts(profile, index);
  const mgmtdev = profile.mgmtdevs.find((m) => m.handle === facts.doc.mgmtdev);
  return { ...facts, qemu: qemuView(qemu.text, qemu.origin, qemu.why), parent: parentView(mgmtdev, facts.doc.mgmtdev, profile.host.kernel), mgmtdevDoc: mgmtdev ?? null };
}
