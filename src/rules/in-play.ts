/**
 * What the guest on the source uses. When a driver negotiated, that is the
 * negotiated set; before that, any feature the source offers could still be
 * negotiated, so the rules fall back to the offered set and say so.
 */
import { hasBit } from '../profile/feature-bits.js';
import { offeredUnknown, type DeviceFacts } from '../profile/facts.js';

/** The features a migration must preserve, and how we know them. */
export interface GuestFeatures {
  /** Bits the target must offer. */
  required: bigint;
  /** Bits the source may offer (unknown there); the guest could negotiate them. */
  possible: bigint;
  /** 'negotiated' when a driver negotiated on the source; else 'offered'. */
  basis: 'negotiated' | 'offered';
  /** Why we fell back to the offered set, when we did. */
  fallbackReason: string | null;
  /**
   * Before negotiation with no parent feature list, the source's possible
   * features cannot be enumerated at all (e.g. block devices: iproute2 prints
   * none of their features).
   */
  unbounded: boolean;
}

/** The guest's feature set on the source (see module comment). */
export function guestFeatures(source: DeviceFacts): GuestFeatures {
  if (source.negotiated !== null) {
    return { required: source.negotiated, possible: 0n, basis: 'negotiated', fallbackReason: null, unbounded: false };
  }
  return {
    required: source.offeredPresent,
    possible: source.provisionable === null ? 0n : offeredUnknown(source) & source.provisionable,
    basis: 'offered',
    fallbackReason: source.negotiatedUnknown ?? 'no driver has negotiated features on the source device yet',
    unbounded: source.provisionable === null && offeredUnknown(source) !== 0n,
  };
}

/**
 * Whether the guest uses (or, before negotiation, may use) a feature:
 * 'unknown' when nothing is negotiated, the source's offer of the bit is
 * unknown and no parent feature list bounds it (so it may be offered).
 */
export function inPlay(source: DeviceFacts, bit: number): boolean | 'unknown' {
  const guest = guestFeatures(source);
  if (hasBit(guest.required, bit) || hasBit(guest.possible, bit)) return true;
  if (guest.unbounded && hasBit(offeredUnknown(source), bit)) return 'unknown';
  return false;
}
