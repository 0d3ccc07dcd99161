/**
 * Canonical form and fingerprint of a device's capabilities: what a guest on
 * this device sees and what the rules compare. Two devices with the same
 * fingerprint offer the same thing, whatever their host, name, parent address
 * or field order. Left out on purpose: names and addresses (per host), the MAC
 * (per VM, set at `vdpa dev add`; mac-match compares it per pair), link state
 * (changes at run time), driver binding, negotiated features and the processes
 * holding the char device (current use, not capability), and max_vqs (its value depends on the parent's state, see
 * fixtures/VP_VDPA.md, and no rule reads it).
 */
// Not node:crypto: loading it costs every run ~3 ms (the crypto module and the streams it
// pulls in) for two small digests; @noble/hashes' SHA-256 is plain JavaScript.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { formatMask, parseMask } from './feature-bits.js';
import { ValidationError } from '../errors.js';
import { PROFILE_FIX, type DeviceDoc } from './types.js';

/** One spelling per mask, so 0x28 and 0x0000000000000028 hash alike. */
function canonicalMask(bits: string): string {
  return formatMask(parseMask(bits) ?? 0n);
}

/** Bumped whenever the canonical form changes, so old and new fingerprints never collide. */
export const FINGERPRINT_VERSION = 'vdpa-compat-fingerprint/1';

/** The compatibility-relevant content of a device, in a fixed shape. */
export function canonicalDevice(doc: DeviceDoc): Record<string, unknown> {
  return {
    version: FINGERPRINT_VERSION,
    class: doc.class,
    virtioDeviceId: doc.virtioDeviceId,
    vendorId: doc.vendorId,
    maxVqSize: doc.maxVqSize,
    minVqSize: doc.minVqSize,
    blkConfig: doc.blkConfig,
    mtu: doc.config.mtu,
    maxVqPairs: doc.config.maxVqPairs,
    offeredPresent: canonicalMask(doc.features.offered.present.bits),
    offeredAbsent: canonicalMask(doc.features.offered.absent.bits),
    provisionable: doc.features.provisionable ? canonicalMask(doc.features.provisionable.bits) : null,
  };
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `sha256:` + hex digest of the canonical form. */
export function deviceFingerprint(doc: DeviceDoc): string {
  return `sha256:${bytesToHex(sha256(utf8ToBytes(canonicalJson(canonicalDevice(doc)))))}`;
}

/**
 * The device's fingerprint, computed, after checking the one the profile
 * stores (if any) against it: a profile edited by hand keeps its old
 * fingerprint, and a stale one would make two different devices look
 * identical or let a waiver meant for other content match. Verified here, for
 * the devices a command reads, rather than for every device at load: hashing
 * costs every run, and a stale fingerprint on a
 * device nobody reads misleads no verdict. `pointer` is the device's in the
 * profile, `input` names the profile.
 */
export function verifiedFingerprint(doc: DeviceDoc, pointer: string, input: string): string {
  const actual = deviceFingerprint(doc);
  if (doc.fingerprint !== undefined && doc.fingerprint !== actual) {
    throw new ValidationError(input, [{ pointer: `${pointer}/fingerprint`, message: `does not match the device's content (computed ${actual}); delete it or re-run collect` }], PROFILE_FIX);
  }
  return actual;
}
