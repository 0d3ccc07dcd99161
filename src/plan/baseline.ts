/**
 * A baseline: the largest device every host of a group can provide (as CPU
 * models are baselined across a cluster), so a VM started on a baseline
 * device can move between any of them. Pure: hosts in, document out.
 *
 * How it is found. Each host contributes the management device that keeps the
 * most of what is left (hosts in the order given; the first such device on a
 * tie), less the bits that host's QEMU shadow virtqueue refuses. Then every
 * host must be able to give *exactly* that: a parent that takes no
 * `device_features` must already offer exactly the set; MQ stays only when
 * every parent takes `max_vqp` (else each device's pair count is its
 * parent's choice), F_MTU only when every parent takes `mtu`. Each bit a host
 * removed is said, with the host ("h7 lacks HOST_TSO6"). Finally the baseline
 * device is planned on every host with the same engine as `plan`: a host
 * whose plan is not proved compatible is listed with the reason.
 */
import { parentView } from '../knowledge/parents.js';
import { qemuView } from '../knowledge/qemu.js';
import { ALL_BITS, describeBits, featureNames, formatMask, hasBit, NET, parseMask, type DeviceClass } from '../profile/feature-bits.js';
import { canonicalJson } from '../profile/fingerprint.js';
import { PROFILE_KIND, PROFILE_SCHEMA_VERSION, type DeviceDoc, type FeatureSetDoc, type MgmtdevDoc, type Profile } from '../profile/types.js';
import { DEFAULT_VM, type QemuGiven, type VmConfig } from '../rules/context.js';
import { check, profileQemu } from '../verdict/check.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { freeDeviceName } from './fit.js';
import { plan, svqRefused, type PlanDocument, type PlanOptions } from './plan.js';

/** The version of the baseline document (schemas/baseline.v1.json). */
export const BASELINE_VERSION = '1.0.0';

/**
 * The MAC the proof gives the baseline device when the VM's is not known: a locally administered
 * address. A MAC is the VM's, not the baseline's; the rules only compare it between the two sides.
 */
export const BASELINE_EXAMPLE_MAC = '02:00:00:00:00:01';

/** The MTU a baseline device gets when F_MTU stays and none is asked for: Ethernet's. */
export const DEFAULT_BASELINE_MTU = 1500;

/** What one host did to the baseline, and whether it can provide it. */
export interface BaselineHost {
  input: string;
  hostname: string | null;
  /** The management device chosen on this host, or null when none can provide the class. */
  mgmtdev: string | null;
  parent: string | null;
  qemu: string | null;
  /** Feature names this host removed from the baseline. */
  removed: string[];
  /** ok: the baseline device is planned and proved here; fails, or unknown (a fact is missing). */
  status: 'ok' | 'fails' | 'unknown';
  /** Why, in words, for each limit and each failure. */
  notes: string[];
}

/** The baseline document (`kind: vdpa-compat/baseline`). */
export interface BaselineDocument {
  baselineVersion: string;
  kind: 'vdpa-compat/baseline';
  generator: { name: string; version: string };
  name: string;
  class: DeviceClass;
  /** sha256 of the canonical device below: two baselines with the same device have the same fingerprint. */
  fingerprint: string;
  device: { features: FeatureSetDoc; queuePairs: number; mtu: number | null };
  status: 'complete' | 'partial' | 'unknown';
  /** 0 every host can provide it; 1 some host cannot; 2 a fact needed is unknown. */
  exitStatus: 0 | 1 | 2;
  hosts: BaselineHost[];
}

/** Options of {@link baseline}. */
export interface BaselineOptions extends Pick<PlanOptions, 'vm' | 'rules' | 'strict' | 'allowUnverified'> {
  /** The QEMU of every host; overrides what the profiles recorded. */
  qemu?: QemuGiven;
  /** The MTU of the baseline device when F_MTU stays; {@link DEFAULT_BASELINE_MTU} by default. */
  mtu?: number;
}

const setOf = (mask: bigint, cls: DeviceClass): FeatureSetDoc => ({ bits: formatMask(mask), names: featureNames(mask, cls) });

function popcount(mask: bigint): number {
  let n = 0;
  for (let m = mask; m !== 0n; m &= m - 1n) n++;
  return n;
}

/** The class as management devices spell it (vdpa/vdpa.c class names). */
const mgmtClass = (cls: DeviceClass) => (cls === 'blk' ? 'block' : cls);

/** The fingerprint of a baseline device: its class and what a guest sees. */
export function baselineFingerprint(b: Pick<BaselineDocument, 'class' | 'device'>): string {
  const canonical = { version: 'vdpa-compat-baseline/1', class: b.class, features: formatMask(parseMask(b.device.features.bits) ?? 0n), queuePairs: b.device.queuePairs, mtu: b.device.mtu };
  return `sha256:${bytesToHex(sha256(utf8ToBytes(canonicalJson(canonical))))}`;
}

/**
 * The baseline as a source profile: one device offering exactly the baseline,
 * nothing negotiated yet, on no host in particular. `plan` and `check` take it
 * as the source of a VM started on a baseline device.
 */
export function baselineProfile(b: BaselineDocument, on?: { profile: Profile; mgmtdev: string; mac: string | null }): Profile {
  const mask = parseMask(b.device.features.bits) ?? 0n;
  const net = b.class === 'net';
  const multiqueue = net && (hasBit(mask, NET.MQ) || hasBit(mask, NET.RSS));
  const status = net && hasBit(mask, NET.STATUS);
  const device: DeviceDoc = {
    name: b.name,
    class: b.class,
    virtioDeviceId: net ? 1 : 2,
    mgmtdev: on?.mgmtdev ?? `baseline/${b.name}`,
    vendorId: null,
    maxVqs: net ? 2 * b.device.queuePairs + (hasBit(mask, NET.CTRL_VQ) ? 1 : 0) : null,
    maxVqSize: null,
    config: { mac: on?.mac ?? null, mtu: net ? b.device.mtu : null, maxVqPairs: multiqueue ? b.device.queuePairs : null, linkUp: status ? true : null, announce: status ? false : null },
    features: { negotiated: null, offered: { present: setOf(mask, b.class), absent: setOf(ALL_BITS & ~mask, b.class) }, provisionable: null },
    driver: 'vhost_vdpa',
    charDev: null,
    unknown: [{ fact: '/vendorId', reason: "each host's parent sets it" }, { fact: '/maxVqSize', reason: "each host's parent sets it" }, ...(on === undefined ? [{ fact: '/config/mac', reason: "the VM's" }] : [])],
  };
  // On a host: the device as the baseline would make it there, with that host's kernel, QEMU and parent.
  if (on !== undefined) return { ...on.profile, devices: [device] };
  return {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    kind: PROFILE_KIND,
    generator: { name: TOOL_NAME, version: TOOL_VERSION },
    collectedAt: null,
    collection: { method: 'dump', sources: [`baseline ${b.name} (${b.fingerprint})`] },
    host: { hostname: `baseline ${b.name}`, kernel: null, iproute2: null, unknown: [] },
    mgmtdevs: [],
    devices: [device],
  };
}

interface Choice {
  host: BaselineHost;
  profile: Profile;
  mgmtdev: MgmtdevDoc | null;
  provisionable: bigint;
  refused: bigint;
}

/** The largest device of class `cls` every host can provide, planned and proved on each. */
export function baseline(hosts: readonly { profile: Profile; input: string }[], cls: DeviceClass, name: string, options: BaselineOptions = {}): BaselineDocument {
  const vm: VmConfig = { ...DEFAULT_VM, ...options.vm };
  const able = (profile: Profile) => profile.mgmtdevs.filter((m) => m.classes.includes(mgmtClass(cls)));
  const provisionableOf = (m: MgmtdevDoc) => (m.supportedFeatures === null ? null : parseMask(m.supportedFeatures.bits));
  // What the best host could give: a host "removed" a bit only when some other host has it.
  let mask = 0n;
  for (const { profile } of hosts) for (const m of able(profile)) mask |= provisionableOf(m) ?? 0n;
  const choices: Choice[] = [];
  for (const { profile, input } of hosts) {
    const given = options.qemu !== undefined && options.qemu.text !== null ? options.qemu : profileQemu(profile, input);
    const qemu = qemuView(given.text, given.origin, given.why);
    const refused = cls === 'net' ? svqRefused(qemu.candidates, vm) : 0n;
    const host: BaselineHost = { input, hostname: profile.host.hostname, mgmtdev: null, parent: null, qemu: qemu.version, removed: [], status: 'ok', notes: [] };
    const candidates = able(profile);
    const known = candidates.filter((m) => provisionableOf(m) !== null);
    if (candidates.length === 0) {
      host.status = 'fails';
      host.notes.push(`no management device provisions ${mgmtClass(cls)}`);
    } else if (known.length === 0) {
      host.status = 'unknown';
      host.notes.push(`what its management devices can provision is unknown: collect it with iproute2 >= 5.18 or raw netlink`);
    }
    // The device that keeps the most of what is left; the first on a tie.
    let best: MgmtdevDoc | null = null;
    let bestKept = -1;
    for (const m of known) {
      const kept = popcount(mask & (provisionableOf(m) ?? 0n) & ~refused);
      if (kept > bestKept) [best, bestKept] = [m, kept];
    }
    const provisionable = best === null ? 0n : (provisionableOf(best) ?? 0n);
    if (best !== null) {
      const removed = mask & ~(provisionable & ~refused);
      const lacks = mask & ~provisionable;
      const svq = removed & ~lacks;
      if (lacks !== 0n) host.notes.push(`${best.handle} cannot provision ${describeBits(lacks, cls)}`);
      if (svq !== 0n) host.notes.push(`QEMU ${qemu.version ?? '(unknown)'}'s shadow virtqueue refuses ${describeBits(svq, cls)}`);
      host.removed = featureNames(removed, cls);
      mask &= provisionable & ~refused;
      host.mgmtdev = best.handle;
      host.parent = parentView(best, best.handle, profile.host.kernel).id;
    }
    choices.push({ host, profile, mgmtdev: best, provisionable, refused });
  }

  // Every host must give exactly the set: the attributes each chosen parent takes decide MQ and MTU.
  const takes = (c: Choice, attribute: string): boolean | null => {
    if (c.mgmtdev === null) return null;
    const answer = parentView(c.mgmtdev, c.mgmtdev.handle, c.profile.host.kernel).fact('devAddAttributes');
    return answer.known ? answer.value.includes(attribute) : null;
  };
  const drop = (bits: bigint, attribute: string, why: string) => {
    for (const c of choices) {
      if (c.mgmtdev === null || (mask & bits) === 0n) continue;
      const t = takes(c, attribute);
      if (t === true) continue;
      const lost = mask & bits;
      c.host.removed = [...new Set([...c.host.removed, ...featureNames(lost, cls)])];
      c.host.notes.push(t === null ? `whether ${c.mgmtdev.handle} takes ${attribute} is unknown, so ${describeBits(lost, cls)} ${why}` : `${c.host.parent ?? c.mgmtdev.handle} takes no ${attribute}, so ${describeBits(lost, cls)} ${why}`);
      mask &= ~bits;
    }
  };
  const net = cls === 'net';
  if (net) {
    drop((1n << BigInt(NET.MQ)) | (1n << BigInt(NET.RSS)), 'max_vqp', "would leave each device's queue pairs to its parent");
    drop(1n << BigInt(NET.MTU), 'mtu', "would leave each device's MTU to its parent");
  }
  const cvq = net && hasBit(mask, NET.CTRL_VQ) ? 1 : 0;
  let pairs = 1;
  if (net && hasBit(mask, NET.MQ)) {
    const limits = choices.map((c) => c.mgmtdev?.maxSupportedVqs ?? null).filter((v): v is number => v !== null);
    pairs = Math.max(1, Math.min(...limits.map((v) => Math.floor((v - cvq) / 2))));
  }
  const mtu = net && hasBit(mask, NET.MTU) ? (options.mtu ?? DEFAULT_BASELINE_MTU) : null;

  const doc: BaselineDocument = {
    baselineVersion: BASELINE_VERSION,
    kind: 'vdpa-compat/baseline',
    generator: { name: TOOL_NAME, version: TOOL_VERSION },
    name,
    class: cls,
    fingerprint: '',
    device: { features: setOf(mask, cls), queuePairs: pairs, mtu },
    status: 'complete',
    exitStatus: 0,
    hosts: choices.map((c) => c.host),
  };
  doc.fingerprint = baselineFingerprint(doc);

  // The proof: the baseline device planned on every host, then every ordered pair of the planned
  // devices checked, as a VM started on one and moved to another would be.
  const mac = vm.mac.value ?? BASELINE_EXAMPLE_MAC;
  const qemu = options.qemu !== undefined ? { sourceQemu: options.qemu, targetQemu: options.qemu } : {};
  const checkOptions = { ...(options.rules !== undefined ? { rules: options.rules } : {}), strict: options.strict ?? false, allowUnverified: options.allowUnverified ?? false, vm: options.vm ?? {}, ...qemu };
  const planned: { c: Choice; profile: Profile; device: string }[] = [];
  for (const c of choices) {
    if (c.host.status !== 'ok' || c.mgmtdev === null) continue;
    const exact = mask === c.provisionable;
    if (!exact && takes(c, 'device_features') !== true) {
      c.host.status = takes(c, 'device_features') === null ? 'unknown' : 'fails';
      c.host.notes.push(`${c.host.parent ?? c.mgmtdev.handle} ${c.host.status === 'unknown' ? 'may not take' : 'takes no'} device_features, and offers more than the baseline: a guest started here could negotiate what other hosts lack`);
      continue;
    }
    const source = baselineProfile(doc, { profile: c.profile, mgmtdev: c.mgmtdev.handle, mac });
    const proof = plan(source, c.profile, { ...checkOptions, sourceDevice: doc.name, name: freeDeviceName(c.profile), sourceInput: `baseline ${name}`, targetInput: c.host.input });
    const chosen = proof.candidates.find((x) => x.mgmtdev === c.mgmtdev?.handle);
    if (proof.plan === null || proof.plan.mgmtdev !== c.mgmtdev.handle) {
      c.host.status = chosen?.status === 'unknown' || proof.status === 'unknown' ? 'unknown' : 'fails';
      c.host.notes.push(`the baseline device on ${c.mgmtdev.handle} cannot be planned: ${chosen?.requirements.map((r) => `${r.code}: ${r.message}`).join('; ') ?? proof.status}`);
      continue;
    }
    planned.push({ c, profile: { ...c.profile, devices: [...c.profile.devices, proof.plan.predicted] }, device: proof.name });
  }
  for (const to of planned) {
    for (const from of planned) {
      if (from === to) continue;
      const report = check(from.profile, to.profile, { ...checkOptions, sourceDevice: from.device, targetDevice: to.device, sourceInput: from.c.host.input, targetInput: to.c.host.input });
      if (report.verdict === 'identical' || report.verdict === 'compatible') continue;
      const codes = [...new Set(report.findings.filter((f) => f.severity === 'error' || (f.severity === 'warning' && f.unverified)).map((f) => f.code))];
      if (to.c.host.status === 'ok' || report.verdict !== 'unverified') to.c.host.status = report.verdict === 'unverified' ? 'unknown' : 'fails';
      to.c.host.notes.push(`from ${from.c.host.hostname ?? from.c.host.input}: ${report.verdict} (${codes.join(', ')})`);
    }
  }
  const statuses = doc.hosts.map((h) => h.status);
  doc.status = statuses.every((s) => s === 'ok') ? 'complete' : statuses.includes('fails') ? 'partial' : 'unknown';
  doc.exitStatus = doc.status === 'complete' ? 0 : doc.status === 'partial' ? 1 : 2;
  return doc;
}

/**
 * The baseline device planned on one host (`plan --baseline`): on each management device of the
 * class, a device offering exactly the baseline (features, queue pairs, MTU), proved by check
 * against the baseline device as it would be on that same parent. That proves the device is the
 * baseline's; that a VM moves between it and the group's other hosts is the baseline's own proof
 * (each parent of the group planned and checked against every other), which a host outside the
 * group joins only when the baseline is made again with it.
 */
export function planBaseline(b: BaselineDocument, target: Profile, options: PlanOptions & { mac?: string } = {}): PlanDocument {
  const name = options.name ?? freeDeviceName(target);
  const mac = options.mac ?? null;
  const mask = parseMask(b.device.features.bits) ?? 0n;
  // The baseline device is proved as a source on this same host, so it runs this host's QEMU: the
  // one the target's QEMU option names, when only that is given (not the profile's other QEMU).
  const sameHost = options.sourceQemu === undefined && options.targetQemu !== undefined ? { ...options, sourceQemu: options.targetQemu } : options;
  const docs: PlanDocument[] = [];
  for (const m of target.mgmtdevs) {
    const source = baselineProfile(b, { profile: target, mgmtdev: m.handle, mac });
    const doc = plan(source, { ...target, mgmtdevs: [m] }, { ...sameHost, name, sourceDevice: b.name, sourceInput: `baseline ${b.name}` });
    const candidate = doc.candidates[0];
    const predicted = doc.plan?.predicted;
    if (predicted !== undefined && candidate !== undefined) {
      const offered = parseMask(predicted.features.offered.present.bits) ?? 0n;
      const multiqueue = b.class === 'net' && (hasBit(mask, NET.MQ) || hasBit(mask, NET.RSS));
      const exact = offered === mask && predicted.config.mtu === b.device.mtu && (!multiqueue || predicted.config.maxVqPairs === b.device.queuePairs);
      if (!exact) {
        candidate.status = 'fails';
        candidate.requirements.push({ code: 'check', status: 'fails', message: `the device ${m.handle} would make is not exactly the baseline (a guest started on it could negotiate what the group's other hosts lack)` });
        docs.push({ ...doc, status: 'no-plan', exitStatus: 1, plan: null });
        continue;
      }
    }
    docs.push(doc);
  }
  const chosen = docs.find((d) => d.plan !== null);
  const candidates = docs.flatMap((d) => d.candidates);
  const base = chosen ?? docs[0];
  const status: PlanDocument['status'] = chosen !== undefined ? 'planned' : docs.some((d) => d.status === 'unknown') ? 'unknown' : 'no-plan';
  return {
    ...(base ?? plan(baselineProfile(b), target, { ...options, name, sourceDevice: b.name })),
    status,
    exitStatus: status === 'planned' ? 0 : status === 'no-plan' ? 1 : 2,
    plan: chosen?.plan ?? null,
    candidates,
    source: { ...(base?.source ?? ({} as PlanDocument['source'])), input: `baseline ${b.name} (${b.fingerprint})` },
  };
}
