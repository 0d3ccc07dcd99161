/**
 * The view of one device that rules read: masks as bigints, and helpers that
 * answer "offered, absent or unknown?" and "why unknown?" the same way for
 * every rule.
 */
import { ALL_BITS, NET, hasBit, parseMask } from './feature-bits.js';
import type { DeviceClass } from './feature-bits.js';
import type { DeviceDoc, HostDoc, Profile } from './types.js';

/** Whether a device offers a bit, as far as we know. */
export type OfferedState = 'present' | 'absent' | 'unknown';

/** One device of one profile, ready for the rules. */
export interface DeviceFacts {
  doc: DeviceDoc;
  host: HostDoc;
  /** JSON pointer of the device in its profile, e.g. /devices/0. */
  pointer: string;
  name: string;
  cls: DeviceClass;
  /** null when nothing was negotiated or when nobody could tell; see negotiatedUnknown. */
  negotiated: bigint | null;
  /** Why negotiated features are unknown, or undefined when they are known. */
  negotiatedUnknown: string | undefined;
  offeredPresent: bigint;
  offeredAbsent: bigint;
  provisionable: bigint | null;
}

/** Why a device fact (pointer relative to the device) is unknown, or undefined when known. */
export function unknownReason(doc: DeviceDoc, fact: string): string | undefined {
  return doc.unknown.find((u) => u.fact === fact || fact.startsWith(`${u.fact}/`))?.reason;
}

/** Builds the rule view of `profile.devices[index]`. */
export function deviceFacts(profile: Profile, index: number): DeviceFacts {
  const doc = profile.devices[index];
  if (!doc) throw new RangeError(`profile has no device ${index}`);
  const mask = (bits: string | undefined) => (bits === undefined ? null : (parseMask(bits) ?? 0n));
  return {
    doc,
    host: profile.host,
    pointer: `/devices/${index}`,
    name: doc.name,
    cls: doc.class,
    negotiated: mask(doc.features.negotiated?.bits),
    negotiatedUnknown: unknownReason(doc, '/features/negotiated'),
    offeredPresent: mask(doc.features.offered.present.bits) ?? 0n,
    offeredAbsent: mask(doc.features.offered.absent.bits) ?? 0n,
    provisionable: mask(doc.features.provisionable?.bits),
  };
}

/** Offered, absent or unknown, for one bit. */
export function offeredState(facts: DeviceFacts, bit: number): OfferedState {
  if (hasBit(facts.offeredPresent, bit)) return 'present';
  if (hasBit(facts.offeredAbsent, bit)) return 'absent';
  return 'unknown';
}

/** Bits whose offered state is unknown. */
export function offeredUnknown(facts: DeviceFacts): bigint {
  return ALL_BITS & ~(facts.offeredPresent | facts.offeredAbsent);
}

/**
 * Queue pairs the device has: `max_vq_pairs` when shown; 1 when the device
 * offers neither MQ nor RSS (virtio-net: then the field does not exist and
 * there is one pair); null when unknown. Never derived from max_vqs, which
 * can disagree (fixtures/VP_VDPA.md, "The MQ quirk").
 */
export function queuePairs(facts: DeviceFacts): number | null {
  if (facts.doc.config.maxVqPairs !== null) return facts.doc.config.maxVqPairs;
  if (offeredState(facts, NET.MQ) === 'absent' && offeredState(facts, NET.RSS) === 'absent') return 1;
  return null;
}
