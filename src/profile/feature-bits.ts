/**
 * Virtio feature bits: numbers, the names iproute2 prints for them, and the
 * 64-bit masks we keep them in. Names are context-dependent (bit 3 is MTU on
 * a net device and something else on a block device), so every lookup takes
 * the device class.
 */

/** The device classes we distinguish; 'other' covers every other virtio id. */
export type DeviceClass = 'net' | 'blk' | 'other';

/** The vdpa netlink feature attributes and VHOST_GET_FEATURES are u64 (include/uapi/linux/vdpa.h, vhost.h). */
export const ALL_BITS = (1n << 64n) - 1n;

/**
 * Transport bits as iproute2 names them (vdpa/vdpa.c `ext_feature_strs`, 5.18 on).
 * iproute2 prints these names for every device class.
 */
const IPROUTE2_TRANSPORT: Readonly<Record<number, string>> = {
  28: 'RING_INDIRECT_DESC',
  29: 'RING_EVENT_IDX',
  32: 'VERSION_1',
  33: 'ACCESS_PLATFORM',
  34: 'RING_PACKED',
  35: 'IN_ORDER',
  36: 'ORDER_PLATFORM',
  37: 'SR_IOV',
  38: 'NOTIFICATION_DATA',
};

/**
 * virtio-net bits as iproute2 names them (vdpa/vdpa.c `net_feature_strs`, 5.18 on).
 * 24 and 27 are legacy transport bits that only the net table names.
 */
const IPROUTE2_NET: Readonly<Record<number, string>> = {
  0: 'CSUM',
  1: 'GUEST_CSUM',
  2: 'CTRL_GUEST_OFFLOADS',
  3: 'MTU',
  5: 'MAC',
  7: 'GUEST_TSO4',
  8: 'GUEST_TSO6',
  9: 'GUEST_ECN',
  10: 'GUEST_UFO',
  11: 'HOST_TSO4',
  12: 'HOST_TSO6',
  13: 'HOST_ECN',
  14: 'HOST_UFO',
  15: 'MRG_RXBUF',
  16: 'STATUS',
  17: 'CTRL_VQ',
  18: 'CTRL_RX',
  19: 'CTRL_VLAN',
  20: 'CTRL_RX_EXTRA',
  21: 'GUEST_ANNOUNCE',
  22: 'MQ',
  23: 'CTRL_MAC_ADDR',
  24: 'NOTIFY_ON_EMPTY',
  27: 'ANY_LAYOUT',
  57: 'HASH_REPORT',
  60: 'RSS',
  61: 'RSC_EXT',
  62: 'STANDBY',
  63: 'SPEED_DUPLEX',
};

/**
 * Bits iproute2 prints as `bit_N` (a bare N in JSON) but that have spec
 * names (virtio 1.3 §6 "Reserved Feature Bits"). We print these names in our
 * own output so a user sees "RING_RESET", and accept them on input in case a
 * newer iproute2 learns them.
 */
const SPEC_TRANSPORT: Readonly<Record<number, string>> = {
  24: 'NOTIFY_ON_EMPTY',
  27: 'ANY_LAYOUT',
  39: 'NOTIF_CONFIG_DATA',
  40: 'RING_RESET',
  41: 'ADMIN_VQ',
};

/** virtio-net bits without an iproute2 name (spec "Feature bits", net). */
const SPEC_NET: Readonly<Record<number, string>> = {
  6: 'GSO',
  50: 'DEVICE_STATS',
  51: 'HASH_TUNNEL',
  52: 'VQ_NOTF_COAL',
  53: 'NOTF_COAL',
  54: 'GUEST_USO4',
  55: 'GUEST_USO6',
  56: 'HOST_USO',
  59: 'GUEST_HDRLEN',
};

/** virtio-blk bits (spec "Feature bits", blk); iproute2 has no blk table. */
const SPEC_BLK: Readonly<Record<number, string>> = {
  0: 'BARRIER',
  1: 'SIZE_MAX',
  2: 'SEG_MAX',
  4: 'GEOMETRY',
  5: 'RO',
  6: 'BLK_SIZE',
  7: 'SCSI',
  9: 'FLUSH',
  10: 'TOPOLOGY',
  11: 'CONFIG_WCE',
  12: 'MQ',
  13: 'DISCARD',
  14: 'WRITE_ZEROES',
  15: 'LIFETIME',
  16: 'SECURE_ERASE',
  17: 'ZONED',
};

type Table = Readonly<Record<number, string>>;

function tablesFor(cls: DeviceClass): Table[] {
  // Order matters for display: iproute2's spelling wins over the spec's.
  if (cls === 'net') return [IPROUTE2_TRANSPORT, IPROUTE2_NET, SPEC_TRANSPORT, SPEC_NET];
  if (cls === 'blk') return [IPROUTE2_TRANSPORT, SPEC_TRANSPORT, SPEC_BLK];
  return [IPROUTE2_TRANSPORT, SPEC_TRANSPORT];
}

const nameToBitCache = new Map<DeviceClass, Map<string, number>>();

function nameToBit(cls: DeviceClass): Map<string, number> {
  let map = nameToBitCache.get(cls);
  if (!map) {
    map = new Map();
    for (const table of tablesFor(cls)) {
      for (const [bit, name] of Object.entries(table)) {
        if (!map.has(name)) map.set(name, Number(bit));
      }
    }
    nameToBitCache.set(cls, map);
  }
  return map;
}

/** The display name of one bit for a device class; `bit_N` when it has none. */
export function featureName(bit: number, cls: DeviceClass): string {
  let names = nameCache.get(cls);
  if (names === undefined) {
    // Every bit's name for the class, once: loading a profile names each of its masks' bits.
    const tables = tablesFor(cls);
    names = Array.from({ length: 64 }, (_, b) => tables.map((table) => table[b]).find((name) => name !== undefined) ?? `bit_${b}`);
    nameCache.set(cls, names);
  }
  return names[bit] ?? `bit_${bit}`;
}

const nameCache = new Map<DeviceClass, readonly string[]>();

/** The bit number for a name (or `bit_N`), or undefined when the name is not ours. */
export function featureBit(name: string, cls: DeviceClass): number | undefined {
  const known = nameToBit(cls).get(name);
  if (known !== undefined) return known;
  const match = /^bit_(\d{1,2})$/.exec(name);
  if (match) {
    const bit = Number(match[1]);
    if (bit < 64) return bit;
  }
  return undefined;
}

/** Named virtio-net bits the rules refer to (spec "Feature bits", net). */
export const NET = {
  MTU: 3,
  MAC: 5,
  STATUS: 16,
  CTRL_VQ: 17,
  CTRL_RX: 18,
  GUEST_ANNOUNCE: 21,
  MQ: 22,
  CTRL_MAC_ADDR: 23,
  RSS: 60,
} as const;

/** Named transport bits the rules refer to (spec "Reserved Feature Bits"). */
export const TRANSPORT = {
  VERSION_1: 32,
  ACCESS_PLATFORM: 33,
} as const;

/** A mask with one bit set. */
export function bitMask(bit: number): bigint {
  return BIT_MASKS[bit] ?? 1n << BigInt(bit);
}

/** 1n << bit for bits 0–63, made once: a BigInt shift allocates, and every check reads hundreds of bits. */
const BIT_MASKS: readonly bigint[] = Array.from({ length: 64 }, (_, bit) => 1n << BigInt(bit));

/** Whether `bit` is set in `mask`. */
export function hasBit(mask: bigint, bit: number): boolean {
  return (mask & bitMask(bit)) !== 0n;
}

/** The set bits of a mask, lowest first. */
export function bitsOf(mask: bigint): number[] {
  // Two 32-bit halves as numbers: one BigInt operation each instead of 64.
  const halves = [Number(BigInt.asUintN(32, mask)), Number(BigInt.asUintN(32, mask >> 32n))];
  const bits: number[] = [];
  for (let bit = 0; bit < 64; bit++) if ((halves[bit >> 5]! >>> (bit & 31)) & 1) bits.push(bit);
  return bits;
}

/** Display names of every set bit, lowest bit first. */
export function featureNames(mask: bigint, cls: DeviceClass): string[] {
  return bitsOf(mask).map((bit) => featureName(bit, cls));
}

/** `0x` and 16 lower-case hex digits: the one spelling of a mask in profiles. */
export function formatMask(mask: bigint): string {
  return `0x${mask.toString(16).padStart(16, '0')}`;
}

/** Parses a mask written by {@link formatMask} (any hex width up to 64 bits). */
export function parseMask(text: string): bigint | undefined {
  if (!/^0x[0-9a-fA-F]{1,16}$/.test(text)) return undefined;
  return BigInt(text);
}

/** Human list of bits, e.g. "MTU (bit 3), RING_RESET (bit 40)". */
export function describeBits(mask: bigint, cls: DeviceClass): string {
  return bitsOf(mask)
    .map((bit) => {
      const name = featureName(bit, cls);
      return name === `bit_${bit}` ? name : `${name} (bit ${bit})`;
    })
    .join(', ');
}
