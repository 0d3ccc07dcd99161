/**
 * The kernel's `vdpa` generic-netlink replies, decoded: numbers from
 * include/uapi/linux/vdpa.h (enum vdpa_command, enum vdpa_attr), replies as
 * drivers/vdpa/vdpa.c fills them (vdpa_mgmtdev_fill, vdpa_dev_fill,
 * vdpa_dev_net_config_fill, vdpa_dev_blk_config_fill).
 * This is what iproute2 reads too, plus what it never prints: the device's
 * offered features (attribute 20), min_vq_size and the block config. Pure:
 * the live socket is in netlink.ts; this reads what it recorded.
 */
import { InputError } from '../errors.js';
import { isRecord, ownValue, pointerToken, previewJson } from './json-value.js';
import { EXACT, MAX_VQ_PAIRS, MTU, rangeText, type Range } from './kernel-limits.js';
import { formatMask } from '../profile/feature-bits.js';
import type { BlkConfig, ConfigEntry, ConfigResult, DeviceObservation, MgmtdevObservation } from '../profile/observations.js';

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

/** Blk config attributes 22–36 (6.9+), each gated by its feature bit (drivers/vdpa/vdpa.c vdpa_dev_blk_config_fill). */
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

/** Names of the attributes read here, for messages (enum vdpa_attr, include/uapi/linux/vdpa.h). */
const ATTR_NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  ...Object.entries(VDPA_ATTR).map(([name, type]): [number, string] => [type, name]),
  [21, 'DEV_FEATURES (6.1) / BLK_CFG_CAPACITY'],
  ...BLK_ATTRS.map(([type, key]): [number, string] => [type, `blk ${key}`]),
]);

/**
 * The payload widths the kernel sends for the attributes read here, in bytes
 * (nla_put_u8/u16/u32/u64 in drivers/vdpa/vdpa.c). Anything else is not what
 * a kernel sent: a wider value used to be cut to 8 bytes, a short MAC dropped
 * silently. NET_STATUS is sent as u16 though the uapi header says u8, so both
 * are read.
 */
const ATTR_WIDTHS: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  [VDPA_ATTR.MGMTDEV_SUPPORTED_CLASSES, [8]],
  [VDPA_ATTR.DEV_ID, [4]],
  [VDPA_ATTR.DEV_VENDOR_ID, [4]],
  [VDPA_ATTR.DEV_MAX_VQS, [4]],
  [VDPA_ATTR.DEV_MAX_VQ_SIZE, [2]],
  [VDPA_ATTR.DEV_MIN_VQ_SIZE, [2]],
  [VDPA_ATTR.DEV_NET_CFG_MACADDR, [6]],
  [VDPA_ATTR.DEV_NET_STATUS, [2, 1]],
  [VDPA_ATTR.DEV_NET_CFG_MAX_VQP, [2]],
  [VDPA_ATTR.DEV_NET_CFG_MTU, [2]],
  [VDPA_ATTR.DEV_NEGOTIATED_FEATURES, [8]],
  [VDPA_ATTR.DEV_MGMTDEV_MAX_VQS, [4]],
  [VDPA_ATTR.DEV_SUPPORTED_FEATURES, [8]],
  [VDPA_ATTR.DEV_FEATURES, [8]],
  [VDPA_ATTR.ATTR_21, [8]],
  [22, [4]],
  [23, [4]],
  [24, [4]],
  [25, [2]],
  [26, [1]],
  [27, [1]],
  [28, [2]],
  [29, [4]],
  [30, [4]],
  [31, [4]],
  [32, [4]],
  [33, [4]],
  [34, [4]],
  [35, [1]],
  [36, [1]],
]);

const RECORD_FIX = 'Record the dump again with `vdpa-compat collect --save-raw DIR`, or delete the file (netlink facts then stay unknown).';

function bad(where: string, pointer: string, what: string): InputError {
  return new InputError('VDPA_OUTPUT_UNEXPECTED', `${where}: ${pointer || '/'} ${what}`, RECORD_FIX);
}

/** One recorded reply, read attribute by attribute; every refusal points at the attribute. */
class Reply {
  private readonly attrs = new Map<number, { data: Buffer; index: number }>();

  constructor(
    reply: unknown,
    readonly where: string,
    readonly pointer: string,
  ) {
    if (!isRecord(reply)) throw bad(where, pointer, `must be a reply object with "attrs", got ${previewJson(reply)}`);
    const list = ownValue(reply, 'attrs');
    if (!Array.isArray(list)) throw bad(where, `${pointer}/attrs`, 'must be an array of [type, hex] pairs');
    list.forEach((pair: unknown, index) => {
      if (!Array.isArray(pair) || pair.length !== 2 || !Number.isInteger(pair[0]) || typeof pair[1] !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(pair[1])) {
        throw bad(where, `${pointer}/attrs/${index}`, `must be [type, lower-case hex], got ${previewJson(pair)}`);
      }
      const type = pair[0] as number;
      const data = Buffer.from(pair[1], 'hex');
      const widths = ATTR_WIDTHS.get(type);
      if (widths !== undefined && !widths.includes(data.length)) {
        throw bad(where, `${pointer}/attrs/${index}`, `${this.label(type)} must be ${widths.join(' or ')} bytes, got ${data.length}`);
      }
      // A repeated attribute keeps its first value, as the kernel sends each once.
      if (!this.attrs.has(type)) this.attrs.set(type, { data, index });
    });
  }

  label(type: number): string {
    return `attribute ${type} (${ATTR_NAMES.get(type) ?? 'unknown'})`;
  }

  /** The JSON pointer of attribute `type` in the file (the reply's, when absent). */
  at(type: number): string {
    const attr = this.attrs.get(type);
    return attr === undefined ? this.pointer : `${this.pointer}/attrs/${attr.index}`;
  }

  refuse(type: number, what: string): InputError {
    return bad(this.where, this.at(type), `${this.label(type)} ${what}`);
  }

  bytes(type: number): Buffer | null {
    return this.attrs.get(type)?.data ?? null;
  }

  /** A string attribute (nla_put_string: the text and one NUL); a NUL inside is not a kernel name. */
  str(type: number): string | null {
    const data = this.bytes(type);
    if (data === null) return null;
    const text = data.at(-1) === 0 ? data.subarray(0, -1) : data;
    if (text.includes(0)) throw this.refuse(type, 'holds a NUL byte inside the name');
    return text.toString('utf8');
  }

  /** A name the kernel always sends: present, not empty, no "/" (a device name never holds one). */
  name(type: number): string {
    const value = this.str(type);
    if (value === null) throw bad(this.where, this.pointer, `has no ${this.label(type)}, which the kernel always sends`);
    if (value === '' || value.includes('/')) throw this.refuse(type, `must be a device name (not empty, no "/"), got ${previewJson(value)}`);
    return value;
  }

  /** Little-endian unsigned integer of the width checked above. */
  uint(type: number): bigint | null {
    const data = this.bytes(type);
    if (data === null) return null;
    let value = 0n;
    for (let i = data.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[i] ?? 0);
    return value;
  }

  /** An integer attribute as a number, refused outside `range` (which keeps it exact). */
  num(type: number, range: Range = EXACT): number | null {
    const value = this.uint(type);
    if (value === null) return null;
    if (value < BigInt(range.min) || value > BigInt(range.max)) throw this.refuse(type, `must be ${rangeText(range)}, got ${value}`);
    return Number(value);
  }
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
  const mgmtdevs = mgmtdevList.map((value: unknown, i) => {
    const reply = new Reply(value, where, `/mgmtdevs/${i}`);
    const bus = reply.str(VDPA_ATTR.MGMTDEV_BUS_NAME) === null ? null : reply.name(VDPA_ATTR.MGMTDEV_BUS_NAME);
    const name = reply.name(VDPA_ATTR.MGMTDEV_DEV_NAME);
    return {
      handle: bus === null ? name : `${bus}/${name}`,
      bus,
      name,
      classes: classNames(reply.uint(VDPA_ATTR.MGMTDEV_SUPPORTED_CLASSES)),
      maxSupportedVqs: reply.num(VDPA_ATTR.DEV_MGMTDEV_MAX_VQS),
      supportedFeatures: reply.uint(VDPA_ATTR.DEV_SUPPORTED_FEATURES),
    };
  });
  refuseRepeats(
    mgmtdevs.map((m) => m.handle),
    where,
    '/mgmtdevs',
    'management device',
  );
  /** Each device's virtio id (DEV_GET), which its config reply must repeat. */
  const ids = new Map<string, number>();
  const devices = deviceList.map((value: unknown, i) => {
    const reply = new Reply(value, where, `/devices/${i}`);
    const bus = reply.str(VDPA_ATTR.MGMTDEV_BUS_NAME) === null ? null : reply.name(VDPA_ATTR.MGMTDEV_BUS_NAME);
    const parent = reply.name(VDPA_ATTR.MGMTDEV_DEV_NAME);
    const name = reply.name(VDPA_ATTR.DEV_NAME);
    const id = reply.num(VDPA_ATTR.DEV_ID);
    if (id === null) throw bad(where, reply.pointer, `has no ${reply.label(VDPA_ATTR.DEV_ID)}, which the kernel always sends`);
    ids.set(name, id);
    const device: DeviceObservation = {
      name,
      type: typeName(id),
      mgmtdev: bus === null ? parent : `${bus}/${parent}`,
      vendorId: reply.num(VDPA_ATTR.DEV_VENDOR_ID),
      maxVqs: reply.num(VDPA_ATTR.DEV_MAX_VQS),
      maxVqSize: reply.num(VDPA_ATTR.DEV_MAX_VQ_SIZE),
      minVqSize: reply.num(VDPA_ATTR.DEV_MIN_VQ_SIZE),
    };
    return device;
  });
  refuseRepeats(
    devices.map((d) => d.name),
    where,
    '/devices',
    'device',
  );
  const configs = new Map<string, ConfigResult>();
  for (const [name, value] of Object.entries(configRecord)) {
    const pointer = `/configs/${pointerToken(name)}`;
    const failure = isRecord(value) ? failureOf(value, where, pointer) : null;
    if (failure !== null) {
      configs.set(name, { shown: false, reason: `netlink DEV_CONFIG_GET ${name} failed: ${failure.error}${failure.message ? ` (${failure.message})` : ''}` });
      continue;
    }
    configs.set(name, { shown: true, entry: configEntry(new Reply(value, where, pointer), name, ids.get(name)) });
  }
  return { mgmtdevs, devices, configs };
}

/** Two replies for one name: the kernel names each device once, so the record is not what it sent. */
function refuseRepeats(names: string[], where: string, pointer: string, what: string): void {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (seen.has(name)) throw bad(where, `${pointer}/${i}`, `is a second ${what} named ${previewJson(name)}; the kernel reports each once`);
    seen.add(name);
  });
}

/** One DEV_CONFIG_GET reply; `deviceId` is the virtio id DEV_GET gave the device, when it listed it. */
function configEntry(reply: Reply, name: string, deviceId: number | undefined): ConfigEntry {
  const named = reply.str(VDPA_ATTR.DEV_NAME);
  if (named !== null && named !== name) throw reply.refuse(VDPA_ATTR.DEV_NAME, `names ${previewJson(named)}, but the reply is recorded for ${previewJson(name)}`);
  const replyId = reply.num(VDPA_ATTR.DEV_ID);
  // The config reply's id picks how it is read (block config or net); it must be the device's.
  if (replyId !== null && deviceId !== undefined && replyId !== deviceId) {
    throw reply.refuse(VDPA_ATTR.DEV_ID, `says virtio device id ${replyId} (${typeName(replyId)}), but DEV_GET said ${deviceId} (${typeName(deviceId)})`);
  }
  const id = replyId ?? deviceId ?? null;
  const entry: ConfigEntry = {};
  const mac = reply.bytes(VDPA_ATTR.DEV_NET_CFG_MACADDR);
  if (mac !== null) entry.mac = [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':');
  const status = reply.uint(VDPA_ATTR.DEV_NET_STATUS);
  if (status !== null) {
    // virtio-net status: bit 0 LINK_UP, bit 1 ANNOUNCE (virtio 1.2 §5.1.4).
    entry.linkUp = (status & 1n) !== 0n;
    entry.announce = (status & 2n) !== 0n;
  }
  const pairs = reply.num(VDPA_ATTR.DEV_NET_CFG_MAX_VQP, MAX_VQ_PAIRS);
  if (pairs !== null) entry.maxVqPairs = pairs;
  const mtu = reply.num(VDPA_ATTR.DEV_NET_CFG_MTU, MTU);
  if (mtu !== null) entry.mtu = mtu;
  const negotiated = reply.uint(VDPA_ATTR.DEV_NEGOTIATED_FEATURES);
  if (negotiated !== null) entry.negotiated = negotiated;
  // Offered features: attribute 20 from 6.2 on; on 6.1-era kernels attribute 21 in
  // net replies (VDPA_ATTR_VDPA_DEV_SUPPORTED_FEATURES in iproute2 6.1's copy of uapi vdpa.h,
  // synced from 6.1-rc, dropped by the 6.2 sync; unverified on a released 6.1).
  // For block devices 21 is capacity.
  const offeredType = reply.bytes(VDPA_ATTR.DEV_FEATURES) !== null ? VDPA_ATTR.DEV_FEATURES : id === 1 ? VDPA_ATTR.ATTR_21 : null;
  const offered = offeredType === null ? null : reply.uint(offeredType);
  if (offered !== null) {
    // A driver can only accept offered bits (virtio spec "Feature Bits"): the profile would say negotiated and not offered.
    if (negotiated !== null && (negotiated & ~offered) !== 0n) {
      throw reply.refuse(VDPA_ATTR.DEV_NEGOTIATED_FEATURES, `has bits ${formatMask(negotiated & ~offered)} the device does not offer (${reply.label(offeredType!)} is ${formatMask(offered)})`);
    }
    entry.offered = offered;
  }
  if (id === 2) {
    const blk: BlkConfig = {};
    const capacity = reply.num(VDPA_ATTR.ATTR_21);
    if (capacity !== null) blk.capacity = capacity;
    for (const [type, key] of BLK_ATTRS) {
      const value = reply.num(type);
      if (value === null) continue;
      if (key === 'readOnly' || key === 'flush') blk[key] = value !== 0;
      else blk[key] = value;
    }
    entry.blk = blk;
  }
  return entry;
}
