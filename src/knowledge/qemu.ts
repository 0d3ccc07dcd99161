/**
 * What QEMU versions do with vhost-vdpa devices, as data (packs/qemu.yaml,
 * compiled in at build time; schemas/qemu-pack.v1.json). A side of a
 * migration pair runs one QEMU; when its version is unknown, or not one the
 * pack covers, every release the pack knows is a candidate, and a rule that
 * needs a fact asks whether all candidates agree on it (then it is known:
 * INDIRECT_DESC is refused by every release) or not (then it names the
 * releases for which the answer differs).
 */
import { qemuPack } from '../generated/packs.js';
import { featureBit } from '../profile/feature-bits.js';
import { inIntervals, parseQemuVersion, versionTuple, type Intervals } from '../profile/software-versions.js';

/** A fact with where it was read. */
export interface Cited<T> {
  value: T;
  /** QEMU file, function and the versions it was read in, or the PULL mail that dates it. */
  source: string;
  /** Read in a source tree of a version in this release's range (false: dated from mails, or inferred). */
  verified: boolean;
}

/** The shadow virtqueue's feature rules (hw/virtio/vhost-shadow-virtqueue.c vhost_svq_valid_features, net/vhost-vdpa.c). */
export interface SvqRules {
  /** Device-class (net) bits a device may offer. */
  deviceBits: readonly string[];
  /** Transport bits (28..end) a device may offer besides the required ones. */
  transportAllowed: readonly string[];
  /** Transport bits a device must offer. */
  transportRequired: readonly string[];
  /** The transport loop's last bit, inclusive (VIRTIO_TRANSPORT_F_END). */
  transportEnd: number;
}

/** One QEMU release range of the pack. */
export interface QemuRelease {
  /** Short label used in messages: "7.2", "8.0–8.1". */
  id: string;
  /** semver range of the versions it covers. */
  versions: string;
  /** `versions` compiled at build time. */
  intervals: Intervals;
  /** How the facts were learnt: read in source trees, or dated from the mails that merged them. */
  basis: 'read' | 'dated';
  read: string;
  facts: {
    /** Whether `-netdev vhost-vdpa,x-svq=on` exists. */
    xSvq: Cited<boolean>;
    /** null: no shadow virtqueue at all. */
    svq: Cited<SvqRules | null>;
    /** What a device offering bits outside the SVQ set causes: nothing (no SVQ), a migration blocker without x-svq (and a netdev start failure with it), or only a netdev start failure with x-svq. */
    svqOfferedCheck: Cited<'none' | 'blocker' | 'netdev-start'>;
    /** The VHOST_F_LOG_ALL migration blocker: always, without x-svq, never. */
    logAllBlocker: Cited<'always' | 'without-x-svq' | 'never'>;
    /** The "net vdpa cannot migrate with CVQ feature" blocker. */
    cvqBlocker: Cited<'never' | 'ctrl-vq-without-x-svq'>;
    /** net/vhost-vdpa.c vdpa_feature_bits: the bits the device controls; every other bit is QEMU's own model. */
    deviceControlled: Cited<readonly string[]>;
    /** Whether max_queue_pairs follows the device's max_vq_pairs when it offers MQ (5.2: one pair always). */
    multiqueue: Cited<boolean>;
    /** rx/tx ring size QEMU asks for without rx_queue_size/tx_queue_size. */
    ringDefault: Cited<number>;
    /** A size QEMU uses for every ring whatever it is told (10.0.13: 1024), null for none, 'unknown' when not known. */
    ringForced: Cited<number | null | 'unknown'>;
    /** Whether virtio_net_device_realize writes the mac= property into the device config at start. */
    macWrittenAtStart: Cited<boolean>;
    /** Whether host_mtu makes F_MTU QEMU's own (x-mtu-bypass-backend, default on): offered to the guest, never asked of the device. */
    mtuBypassBackend: Cited<boolean>;
    /** How the CVQ is handled without x-svq: shadowed only with x-svq, or isolated when the parent can (probe), else passed through. */
    cvqIsolation: Cited<'x-svq-only' | 'probe'>;
    /** The generic vhost-vdpa-device-pci: absent, or present and unmigratable. */
    genericDevice: Cited<'absent' | 'unmigratable'>;
  };
  /** The exact blocker messages, by fact. */
  messages: Readonly<Record<string, string>>;
}

/** Every release the pack knows, oldest first. */
export const QEMU_RELEASES: readonly QemuRelease[] = qemuPack.releases as unknown as QemuRelease[];

/** The pack's own version, reported with each decision. */
export const QEMU_PACK_VERSION: string = qemuPack.packVersion;

/** QEMU's own words for each refusal (blockers, load checks), as the pack records them. */
export const QEMU_MESSAGES: Readonly<Record<string, string>> = qemuPack.messages;

/** What is known of the QEMU one side runs. */
export interface QemuView {
  /** semver, when known. */
  version: string | null;
  /** The text it came from. */
  text: string | null;
  /** Where it came from: an option, the domain XML, a profile. */
  origin: string | null;
  /** Why it is unknown or not trusted, when it is. */
  why: string | null;
  /** The releases it may be: one when the version is known and covered, all of them otherwise. */
  candidates: readonly QemuRelease[];
}

/** The view of a side whose QEMU is given as text (a version or a `--version` line), from `origin`. */
export function qemuView(text: string | null, origin: string | null, unknownWhy?: string): QemuView {
  // A fleet asks for the same few versions thousands of times; a view is never changed once made.
  const key = `${text}\u0000${origin}\u0000${unknownWhy}`;
  let view = views.get(key);
  if (view === undefined) {
    if (views.size >= MAX_VIEWS) views.clear();
    view = Object.freeze(makeQemuView(text, origin, unknownWhy));
    views.set(key, view);
  }
  return view;
}

const views = new Map<string, QemuView>();
const MAX_VIEWS = 4096;

function makeQemuView(text: string | null, origin: string | null, unknownWhy?: string): QemuView {
  if (text === null) {
    return { version: null, text: null, origin: null, why: unknownWhy ?? 'the QEMU version is not known (pass --source-qemu/--target-qemu, or collect it with the profile)', candidates: QEMU_RELEASES };
  }
  const parsed = parseQemuVersion(text);
  if (parsed === null) return { version: null, text, origin, why: `no QEMU version in "${text}"`, candidates: QEMU_RELEASES };
  if (!parsed.upstreamFacts) {
    return { version: parsed.version, text, origin, why: `${parsed.downstream ?? text} is a downstream build that backports vhost-vdpa changes, so upstream ${parsed.version}'s facts may not hold`, candidates: QEMU_RELEASES };
  }
  const covering = QEMU_RELEASES.filter((r) => inIntervals(r.intervals, versionTuple(parsed.version)));
  if (covering.length === 0) {
    return { version: parsed.version, text, origin, why: `QEMU ${parsed.version} is not a release the knowledge pack covers (${QEMU_RELEASES.map((r) => r.id).join(', ')})`, candidates: QEMU_RELEASES };
  }
  return { version: parsed.version, text, origin, why: null, candidates: covering };
}

/** An answer over the candidate releases: one value for all of them, or the values and which releases give each. */
export type Decision<T> = { agreed: true; value: T; releases: readonly QemuRelease[] } | { agreed: false; outcomes: ReadonlyArray<{ value: T; releases: readonly QemuRelease[] }> };

/** Every answer a decision holds: the one agreed, or each release group's. */
export function answersOf<T>(decision: Decision<T>): T[] {
  return decision.agreed ? [decision.value] : decision.outcomes.map((o) => o.value);
}

/** Asks `question` of every candidate release; `key` says when two answers are the same. */
export function decide<T>(view: QemuView, question: (release: QemuRelease) => T, key: (value: T) => string = (v) => JSON.stringify(v)): Decision<T> {
  const groups = new Map<string, { value: T; releases: QemuRelease[] }>();
  for (const release of view.candidates) {
    const value = question(release);
    const k = key(value);
    const group = groups.get(k);
    if (group) group.releases.push(release);
    else groups.set(k, { value, releases: [release] });
  }
  const outcomes = [...groups.values()];
  const [only] = outcomes;
  return outcomes.length === 1 && only ? { agreed: true, value: only.value, releases: only.releases } : { agreed: false, outcomes };
}

/** Whether `b` starts where `a` ends (no version between them that the pack does not cover). */
function adjacent(a: QemuRelease, b: QemuRelease): boolean {
  const end = a.intervals[a.intervals.length - 1]?.[1];
  const start = b.intervals[0]?.[0];
  return end !== null && end !== undefined && start !== null && start !== undefined && end.join('.') === start.join('.');
}

/** The last version a release range covers, for messages: <10.0.13 → 10.0.12, <10.2.0 → 10.1, <10.0.0 → 9.x. */
function lastBefore(release: QemuRelease): string {
  const end = release.intervals[release.intervals.length - 1]?.[1];
  if (!end) return release.id;
  const [major, minor, patch] = end;
  if (patch > 0) return `${major}.${minor}.${patch - 1}`;
  return minor > 0 ? `${major}.${minor - 1}` : `${major - 1}.x`;
}

/**
 * Release labels for a message, runs of adjacent releases joined: "5.2 and
 * 7.2", "8.0 to 8.1", "8.2 and later" (a run up to the newest release known).
 */
export function releaseList(releases: readonly QemuRelease[]): string {
  const order = releases.slice().sort((a, b) => QEMU_RELEASES.indexOf(a) - QEMU_RELEASES.indexOf(b));
  const runs: QemuRelease[][] = [];
  for (const r of order) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    if (run && last && adjacent(last, r)) run.push(r);
    else runs.push([r]);
  }
  const newest = QEMU_RELEASES[QEMU_RELEASES.length - 1];
  const labels = runs.map((run) => {
    const first = run[0] as QemuRelease;
    const last = run[run.length - 1] as QemuRelease;
    if (run.length === 1) return first.id;
    const from = (first.intervals[0]?.[0]?.join('.') ?? first.id).replace(/\.0$/, '');
    return last === newest ? `${from} and later` : `${from} to ${lastBefore(last)}`;
  });
  return labels.length <= 1 ? (labels[0] ?? '') : `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
}

/** How a side's QEMU is named in a message: its version, or the releases it may be. */
export function qemuLabel(view: QemuView): string {
  if (view.version !== null && view.why === null) return `QEMU ${view.version}`;
  return view.candidates.length === QEMU_RELEASES.length ? 'any QEMU release vdpa-compat knows' : `QEMU ${releaseList(view.candidates)}`;
}

/** Bit numbers of feature names in a pack list (net names; bit_N accepted). */
export function bitsOfNames(names: readonly string[]): number[] {
  return names.map((name) => {
    const bit = featureBit(name, 'net');
    if (bit === undefined) throw new Error(`knowledge pack: unknown feature name ${name}`);
    return bit;
  });
}
