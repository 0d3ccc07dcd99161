/**
 * Devices for rule tests, built from real dump directories (real `vdpa`
 * output), with targeted edits for the cases the captures do not cover.
 */
import { collect } from '../../src/collect/collect.js';
import { ALL_BITS, bitMask, featureNames, formatMask } from '../../src/profile/feature-bits.js';
import type { DeviceDoc, Profile } from '../../src/profile/types.js';
import { qemuView } from '../../src/knowledge/qemu.js';
import { buildSide, type Side } from '../../src/rules/context.js';
import { dumpPath } from './paths.js';

const cache = new Map<string, Profile>();

/** The profile of a dump directory (test/fixtures/dumps/NAME or profiles/...). */
export async function profileOf(dump: string): Promise<Profile> {
  let profile = cache.get(dump);
  if (!profile) {
    profile = (await collect({ from: dumpPath(dump) })).profile;
    cache.set(dump, profile);
  }
  return structuredClone(profile);
}

/** The rule view of one device of a dump, optionally edited first, under a QEMU version (unknown by default). */
export async function device(dump: string, name = 'vdpa0', edit?: (doc: DeviceDoc, profile: Profile) => void, qemu: string | null = null): Promise<Side> {
  const profile = await profileOf(dump);
  const index = profile.devices.findIndex((d) => d.name === name);
  if (index === -1) throw new Error(`${dump} has no device ${name}`);
  const doc = profile.devices[index] as DeviceDoc;
  if (edit) {
    edit(doc, profile);
    delete doc.fingerprint;
  }
  return buildSide(profile, index, { text: qemu, origin: qemu === null ? null : 'the test' });
}

/** The same side under another QEMU version. */
export function onQemu(side: Side, version: string | null): Side {
  return { ...side, qemu: qemuView(version, version === null ? null : 'the test') };
}

/** Edits that keep a device document consistent (names follow bits). */
export const edits = {
  /** Sets the negotiated features (null: nothing negotiated). */
  negotiated(doc: DeviceDoc, bits: number[] | null): void {
    if (bits === null) {
      doc.features.negotiated = null;
      return;
    }
    const mask = bits.reduce((m, b) => m | bitMask(b), 0n);
    doc.features.negotiated = { bits: formatMask(mask), names: featureNames(mask, doc.class) };
  },
  /** Marks bits as known offered (and not absent). */
  offer(doc: DeviceDoc, ...bits: number[]): void {
    const mask = bits.reduce((m, b) => m | bitMask(b), 0n);
    const present = BigInt(doc.features.offered.present.bits) | mask;
    const absent = BigInt(doc.features.offered.absent.bits) & ~mask;
    doc.features.offered.present = { bits: formatMask(present), names: featureNames(present, doc.class) };
    doc.features.offered.absent = { bits: formatMask(absent), names: featureNames(absent, doc.class) };
  },
  /** Marks bits as known not offered. */
  withhold(doc: DeviceDoc, ...bits: number[]): void {
    const mask = bits.reduce((m, b) => m | bitMask(b), 0n);
    const present = BigInt(doc.features.offered.present.bits) & ~mask;
    const absent = (BigInt(doc.features.offered.absent.bits) | mask) & ALL_BITS;
    doc.features.offered.present = { bits: formatMask(present), names: featureNames(present, doc.class) };
    doc.features.offered.absent = { bits: formatMask(absent), names: featureNames(absent, doc.class) };
  },
  /** Makes bits unknown again. */
  forget(doc: DeviceDoc, ...bits: number[]): void {
    const mask = bits.reduce((m, b) => m | bitMask(b), 0n);
    const present = BigInt(doc.features.offered.present.bits) & ~mask;
    const absent = BigInt(doc.features.offered.absent.bits) & ~mask;
    doc.features.offered.present = { bits: formatMask(present), names: featureNames(present, doc.class) };
    doc.features.offered.absent = { bits: formatMask(absent), names: featureNames(absent, doc.class) };
    if (!doc.unknown.some((u) => u.fact === '/features/offered')) doc.unknown.push({ fact: '/features/offered', reason: 'test: forgotten' });
  },
};
