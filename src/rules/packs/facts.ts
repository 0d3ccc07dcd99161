/**
 * The named facts a rule pack can test (docs/rule-packs.md), read from one
 * side of a pair. Every fact is three-valued: known with a value (null for
 * "known absent"), or unknown with the reason. A feature set keeps, per bit,
 * whether it is known present, known absent, or unknown.
 */
import { ALL_BITS, featureBit, hasBit, NET } from '../../profile/feature-bits.js';
import { unknownReason } from '../../profile/facts.js';
import { parseKernelRelease } from '../../profile/software-versions.js';
import type { Side } from '../context.js';

/** A set of feature bits with what is known of each. */
export interface FeatureSet {
  present: bigint;
  absent: bigint;
}

/** A fact's value: a scalar, null (known absent), or a feature set. */
export type FactValue = string | number | boolean | null | FeatureSet;

/** A fact as a rule pack sees it. */
export type Fact = { known: true; value: FactValue } | { known: false; why: string };

const known = (value: FactValue): Fact => ({ known: true, value });
const unknown = (why: string): Fact => ({ known: false, why });

/** A scalar that is null when unknown, with the reason the profile gives. */
function scalar(side: Side, value: string | number | null, pointer: string, absentWhenNull = false): Fact {
  if (value !== null) return known(value);
  const why = unknownReason(side.doc, pointer);
  if (why !== undefined || !absentWhenNull) return unknown(why ?? `${pointer.slice(1)} of ${side.name} is not known`);
  return known(null);
}

/** The feature sets of a side. */
function sets(side: Side): Record<'offered' | 'negotiated' | 'provisionable', Fact> {
  const negotiated: Fact =
    side.negotiated !== null
      ? known({ present: side.negotiated, absent: ALL_BITS & ~side.negotiated })
      : side.negotiatedUnknown !== undefined
        ? unknown(side.negotiatedUnknown)
        : known({ present: 0n, absent: ALL_BITS });
  const provisionable: Fact = side.provisionable !== null ? known({ present: side.provisionable, absent: ALL_BITS & ~side.provisionable }) : unknown(unknownReason(side.doc, '/features/provisionable') ?? 'not reported');
  return { offered: known({ present: side.offeredPresent, absent: side.offeredAbsent }), negotiated, provisionable };
}

/** Fact names and how each is read (docs/rule-packs.md lists them). */
const SCALARS: Readonly<Record<string, (side: Side) => Fact>> = {
  name: (s) => known(s.name),
  class: (s) => known(s.cls),
  mgmtdev: (s) => known(s.doc.mgmtdev),
  parent: (s) => (s.parent.id !== null ? known(s.parent.id) : unknown(`the parent of ${s.name} is not one the knowledge pack knows`)),
  driver: (s) => (s.doc.driver === null ? unknown(unknownReason(s.doc, '/driver') ?? 'not known') : known(s.doc.driver === 'none' ? null : s.doc.driver)),
  hostname: (s) => (s.host.hostname !== null ? known(s.host.hostname) : unknown('no host name in the profile')),
  kernel: (s) => {
    const k = s.host.kernel === null ? null : parseKernelRelease(s.host.kernel);
    return k !== null ? known(k.version) : unknown('no kernel release in the profile');
  },
  iproute2: (s) => (s.host.iproute2 !== null ? known(s.host.iproute2) : unknown('no iproute2 version in the profile')),
  qemu: (s) => (s.qemu.version !== null && s.qemu.why === null ? known(s.qemu.version) : unknown(s.qemu.why ?? 'unknown')),
  // A device that does not offer F_MTU has no MTU: known absent, not unknown.
  mtu: (s) => scalar(s, s.doc.config.mtu, '/config/mtu', hasBit(s.offeredAbsent, NET.MTU)),
  mac: (s) => scalar(s, s.doc.config.mac, '/config/mac'),
  maxVqPairs: (s) => scalar(s, s.doc.config.maxVqPairs, '/config/maxVqPairs'),
  maxVqSize: (s) => scalar(s, s.doc.maxVqSize, '/maxVqSize'),
  minVqSize: (s) => (s.doc.minVqSize !== undefined ? known(s.doc.minVqSize) : unknown('min_vq_size is read over raw netlink only')),
  maxVqs: (s) => scalar(s, s.doc.maxVqs, '/maxVqs'),
  vendorId: (s) => scalar(s, s.doc.vendorId, '/vendorId'),
  pciVendor: (s) => pci(s, 'vendor'),
  pciDevice: (s) => pci(s, 'device'),
};

function pci(side: Side, field: 'vendor' | 'device'): Fact {
  return (side.mgmtdevDoc?.pci ?? null) === null ? unknown(`${side.doc.mgmtdev} has no PCI identity in the profile`) : known(side.mgmtdevDoc?.pci?.[field] ?? null);
}

/** The fact names a pack may use (for messages and docs). */
export const FACT_NAMES: readonly string[] = [...Object.keys(SCALARS), 'offered', 'negotiated', 'provisionable', 'offered.FEATURE', 'negotiated.FEATURE', 'provisionable.FEATURE'];

/** Whether `name` (without the side) is a fact a pack may use. */
export function isFactName(name: string): boolean {
  const [head, feature] = name.split('.');
  if (feature === undefined) return head !== undefined && (head in SCALARS || head === 'offered' || head === 'negotiated' || head === 'provisionable');
  return (head === 'offered' || head === 'negotiated' || head === 'provisionable') && featureBit(feature, 'net') !== undefined;
}

/** Reads `name` (e.g. "maxVqPairs", "offered.MQ") from a side. */
export function readFact(side: Side, name: string): Fact {
  const [head = '', feature] = name.split('.');
  const scalarFact = SCALARS[head];
  if (scalarFact && feature === undefined) return scalarFact(side);
  const set = sets(side)[head as 'offered' | 'negotiated' | 'provisionable'];
  if (set === undefined) return unknown(`no fact ${name}`);
  if (feature === undefined) return set;
  if (!set.known) return set;
  const bit = featureBit(feature, side.cls === 'other' ? 'net' : side.cls);
  if (bit === undefined) return unknown(`${feature} is not a ${side.cls} feature`);
  const value = set.value as FeatureSet;
  if (hasBit(value.present, bit)) return known(true);
  if (hasBit(value.absent, bit)) return known(false);
  return unknown(head === 'offered' ? (unknownReason(side.doc, '/features/offered') ?? `whether ${side.name} offers ${feature} is unknown`) : `${head} ${feature} is unknown`);
}
