/**
 * Canonical form and fingerprint of a device's capabilities: what a guest on
 * this device sees and what the rules compare. Two devices with the same
 * fingerprint offer the same thing, whatever their host, name, parent address
 * or field order. Left out on purpose: names and addresses (per host), the MAC
 * (per VM, set at `vdpa dev add`; mac-match compares it per pair), link state
 * (changes at run time), driver binding and negotiated features (current use,
 * not capability), and max_vqs (its value depends on the parent's state, see
 * fixtures/VP_VDPA.md, and no rule reads it).
 */
import { createHash } from 'node:crypto';
import { formatMask, parseMask } from './feature-bits.js';
import type { DeviceDoc } from './types.js';

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
  return `sha256:${createHash('sha256').update(canonicalJson(canonicalDevice(doc))).digest('hex')}`;
}
