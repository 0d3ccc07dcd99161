/**
 * The kernel's `vdpa` generic-netlink replies, decoded: numbers from
 * include/uapi/linux/vdpa.h (reference vdpa-tool-and-netlink.md §1.1–1.3).
 * This is what iproute2 reads too, plus what it never prints: the device's
 * offered features (attribute 20), min_vq_size and the block config. Pure:
 * the live socket is in netlink.ts; this reads what it recorded.
 */
import { InputError } from '../errors.js';
import { isRecord, ownValue, pointerToken, previewJson } from './json-value.js';
import type { BlkConfig, ConfigResult, DeviceObservation, MgmtdevObservation } from '../profile/observations.js';

/** Commands (enum vdpa_command). */
export const VDPA_CMD = { MGMTDEV_GET: 2, DEV_GET: 5, DEV_CONFIG_GET: 6 } as const;

/** Attributes (enum vdpa_attr) this tool reads or sends. */
export const VDPA_ATTR = {
  MGMTDEV_BUS_NAME: 1,
  MGMTDEV_DEV_NAME: 2,
  MGMTDEV_SUPPORTED_CLASSES: 3,
  DEV_NAME: 4,
  DEV_ID: 5,
  DEV_VENDOR_ID: 6,
  DEV_MAX_VQS: 7,
  DEV_MAX_VQ_SIZE: 8,
  DEV_MIN_VQ_SIZE: 9,
  DEV_NET_CFG_MACADDR: 10,
  DEV_NET_STATUS: 11,
  DEV_NET_CFG_MAX_VQP: 12,
  DEV_NET_CFG_MTU: 13,
  DEV_NEGOTIATED_FEATURES: 14,
  DEV_MGMTDEV_MAX_VQS: 15,
  DEV_SUPPORTED_FEATURES: 16,
  DEV_FEATURES: 20,
  /** 6.9+: blk capacity. 6.1-era kernels: the device's features (VDPA_ATTR_VDPA_DEV_SUPPORTED_FEATURES). */
  ATTR_21: 21,
} as const;

/** Blk config attributes 22–36 (6.9+), each gated by its feature bit (reference §1.2). */
const BLK_ATTRS: ReadonlyArray<[number, keyof BlkConfig]> = [
  [22, 'sizeMax'],
  [23, 'blkSize'],
  [24, 'segMax'],
  [25, 'numQueues'],
  [26, 'physicalBlockExp'],
  [27, 'alignmentOffset'],
  [28, 'minIoSize'],
  [29, 'optIoSize'],
  [30, 'maxDiscardSectors'],
  [31, 'maxDiscardSeg'],
  [32, 'discardSectorAlignment'],
  [33, 'maxWriteZeroesSectors'],
  [34, 'maxWriteZeroesSeg'],
  [35, 'readOnly'],
  [36, 'flush'],
];

/** One attribute as recorded: type and payload in hex (exact bytes, exact width). */
export type RecordedAttr = [type: number, hex: string];

/** One reply message: its attributes in order. */
export interface RecordedReply {
  attrs: RecordedAttr[];
}

/** A failed request, with the kernel's errno name and extack message when there was one. */
export interface RecordedFailure {
  error: string;
  message?: string;
}

/** Everything the netlink source recorded; the dump file vdpa-netlink.json. */
export interface NetlinkCapture {
  format: 'vdpa-compat-netlink/1';
  family: { id: number; version: number; maxAttr: number };
  mgmtdevs: RecordedReply[];
  devices: RecordedReply[];
  configs: Record<string, RecordedReply | RecordedFailure>;
}

/** The netlink view of a host, in the same shapes the vdpa-tool parsers produce. */
export interface NetlinkObservations {
  mgmtdevs: MgmtdevObservation[];
  devices: DeviceObservation[];
  configs: Map<string, ConfigResult>;
}

type Attrs = Map<number, Buffer>;

const RECORD_FIX = 'Record the dump again with `vdpa-compat collect --save-raw DIR`, or delete the file (netlink facts then stay unknown).';

function bad(where: string, pointer: string, what: string): InputError {
  return new InputError('VDPA_OUTPUT_UNEXPECTED', `${where}: ${pointer || '/'} ${what}`, RECORD_FIX);
}

/** One recorded reply's attributes; `pointer` locates the reply in the file. */
function attrsOf(reply: unknown, where: string, pointer: string): Attrs {
  if (!isRecord(reply)) throw bad(where, pointer, `must be a reply object with "attrs", got ${previewJson(reply)}`);
  const list = ownValue(reply, 'attrs');
  if (!Array.isArray(list)) throw bad(where, `${pointer}/attrs`, 'must be an array of [type, hex] pairs');
  const map: Attrs = new Map();
  list.forEach((pair: unknown, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || !Number.isInteger(pair[0]) || typeof pair[1] !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(pair[1])) {
      throw bad(where, `${pointer}/attrs/${i}`, `must be [type, lower-case hex], got ${previewJson(pair)}`);
    }
    // A repeated attribute keeps its first value, as the kernel sends each once.
    if (!map.has(pair[0] as number)) map.set(pair[0] as number, Buffer.from(pair[1], 'hex'));
  });
  return map;
}

/** A failed request as recorded ({ error, message? }), or null when `reply` is not one. */
function failureOf(reply: Record<string, unknown>, where: string, pointer: string): RecordedFailure | null {
  const error = ownValue(reply, 'error');
  if (error === undefined) return null;
  if (typeof error !== 'string') throw bad(where, `${pointer}/error`, `must be an errno name, got ${previewJson(error)}`);
  const message = ownValue(reply, 'message');
  if (message !== undefined && typeof message !== 'string') throw bad(where, `${pointer}/message`, `must be a string, got ${previewJson(message)}`);
  return message === undefined ? { error } : { error, message };
}

/** NUL-terminated or plain string attribute. */
function str(attrs: Attrs, type: number): string | null {
  const data = attrs.get(type);
  if (!data) return null;
  const end = data.indexOf(0);
  return data.subarray(0, end === -1 ? data.length : end).toString('utf8');
}

/** Little-endian unsigned integer of the width the kernel sent (u8, u16, u32, u64). */
function uint(attrs: Attrs, type: number): bigint | null {
  const data = attrs.get(type);
  if (!data) return null;
  let value = 0n;
  for (let i = Math.min(data.length, 8) - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[i] ?? 0);
  return value;
}

function num(attrs: Attrs, type: number): number | null {
  const value = uint(attrs, type);
  return value === null ? null : Number(value);
}

/** Class names as iproute2 prints them, from the supported-classes bitmap (bit N = virtio id N). */
function classNames(bitmap: bigint | null): string[] {
  const names: string[] = [];
  for (let bit = 1; bit < 64; bit++) {
    if ((bitmap ?? 0n) & (1n << BigInt(bit))) names.push(bit === 1 ? 'net' : bit === 2 ? 'block' : '< unknown class >');
  }
  return names;
}

/** `dev show`'s spelling of a virtio device id, so both sources classify alike. */
function typeName(id: number | null): string {
  return id === 1 ? 'network' : id === 2 ? 'block' : '<unknown type>';
}

/** Decodes what the netlink source recorded; `where` names the file in errors. */
export function decodeNetlink(capture: unknown, where: string): NetlinkObservations {
  if (!isRecord(capture) || ownValue(capture, 'format') !== 'vdpa-compat-netlink/1') {
    throw bad(where, '', 'must be a "vdpa-compat-netlink/1" record with mgmtdevs, devices and configs');
  }
  const mgmtdevList = ownValue(capture, 'mgmtdevs');
  const deviceList = ownValue(capture, 'devices');
  const configRecord = ownValue(capture, 'configs');
  if (!Array.isArray(mgmtdevList)) throw bad(where, '/mgmtdevs', `must be an array of replies, got ${previewJson(mgmtdevList)}`);
  if (!Array.isArray(deviceList)) throw bad(where, '/devices', `must be an array of replies, got ${previewJson(deviceList)}`);
  if (!isRecord(configRecord)) throw bad(where, '/configs', `must be an object of replies by device name, got ${previewJson(configRecord)}`);
  const mgmtdevs = mgmtdevList.map((reply: unknown, i) => {
    const a = attrsOf(reply, where, `/mgmtdevs/${i}`);
    const bus = str(a, VDPA_ATTR.MGMTDEV_BUS_NAME);
    const name = str(a, VDPA_ATTR.MGMTDEV_DEV_NAME) ?? '';
    return {
      handle: bus === null ? name : `${bus}/${name}`,
      bus,
      name,
      classes: classNames(uint(a, VDPA_ATTR.MGMTDEV_SUPPORTED_CLASSES)),
      maxSupportedVqs: num(a, VDPA_ATTR.DEV_MGMTDEV_MAX_VQS),
      supportedFeatures: uint(a, VDPA_ATTR.DEV_SUPPORTED_FEATURES),
    };
  });
  const devices = deviceList.map((reply: unknown, i) => {
    const a = attrsOf(reply, where, `/devices/${i}`);
    const bus = str(a, VDPA_ATTR.MGMTDEV_BUS_NAME);
    const parent = str(a, VDPA_ATTR.MGMTDEV_DEV_NAME) ?? '';
    const device: DeviceObservation = {
      name: str(a, VDPA_ATTR.DEV_NAME) ?? '',
      type: typeName(num(a, VDPA_ATTR.DEV_ID)),
      mgmtdev: bus === null ? parent : `${bus}/${parent}`,
      vendorId: num(a, VDPA_ATTR.DEV_VENDOR_ID),
      maxVqs: num(a, VDPA_ATTR.DEV_MAX_VQS),
      maxVqSize: num(a, VDPA_ATTR.DEV_MAX_VQ_SIZE),
      minVqSize: num(a, VDPA_ATTR.DEV_MIN_VQ_SIZE),
    };
    return device;
  });
  const configs = new Map<string, ConfigResult>();
  for (const [name, reply] of Object.entries(configRecord)) {
    const pointer = `/configs/${pointerToken(name)}`;
    const failure = isRecord(reply) ? failureOf(reply, where, pointer) : null;
    if (failure !== null) {
      configs.set(name, { shown: false, reason: `netlink DEV_CONFIG_GET ${name} failed: ${failure.error}${failure.message ? ` (${failure.message})` : ''}` });
      continue;
    }
    const a = attrsOf(reply, where, pointer);
    const id = num(a, VDPA_ATTR.DEV_ID);
    const entry: ConfigResult & { shown: true } = { shown: true, entry: {} };
    const mac = a.get(VDPA_ATTR.DEV_NET_CFG_MACADDR);
    if (mac && mac.length === 6) entry.entry.mac = [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':');
    const status = uint(a, VDPA_ATTR.DEV_NET_STATUS);
    if (status !== null) {
      // virtio-net status: bit 0 LINK_UP, bit 1 ANNOUNCE (virtio-features.md §3.1).
      entry.entry.linkUp = (status & 1n) !== 0n;
      entry.entry.announce = (status & 2n) !== 0n;
    }
    const pairs = num(a, VDPA_ATTR.DEV_NET_CFG_MAX_VQP);
    if (pairs !== null) entry.entry.maxVqPairs = pairs;
    const mtu = num(a, VDPA_ATTR.DEV_NET_CFG_MTU);
    if (mtu !== null) entry.entry.mtu = mtu;
    const negotiated = uint(a, VDPA_ATTR.DEV_NEGOTIATED_FEATURES);
    if (negotiated !== null) entry.entry.negotiated = negotiated;
    // Offered features: attribute 20 from 6.2 on; on 6.1-era kernels attribute 21 in
    // net replies (reference §1.2 "Numbering hazard"). For block devices 21 is capacity.
    const offered = uint(a, VDPA_ATTR.DEV_FEATURES) ?? (id === 1 ? uint(a, VDPA_ATTR.ATTR_21) : null);
    if (offered !== null) entry.entry.offered = offered;
    if (id === 2) {
      const blk: BlkConfig = {};
      const capacity = num(a, VDPA_ATTR.ATTR_21);
      if (capacity !== null) blk.capacity = capacity;
      for (const [type, key] of BLK_ATTRS) {
        const value = num(a, type);
        if (value === null) continue;
        if (key === 'readOnly' || key === 'flush') blk[key] = value !== 0;
        else blk[key] = value;
      }
      entry.entry.blk = blk;
    }
    configs.set(name, entry);
  }
  return { mgmtdevs, devices, configs };
}
