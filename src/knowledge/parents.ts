/**
 * What vDPA parent drivers and the vhost-vdpa kernel code do, as data
 * (packs/parents.yaml, compiled in at build time; schemas/parents-pack.v1.json).
 * A fact holds for a kernel range and says whether it was read in source
 * text. A parent the pack does not know, or a kernel outside every range of
 * a fact, gives an unknown fact, never an assumed one.
 */
import { parentsPack } from '../generated/packs.js';
import type { MgmtdevDoc } from '../profile/types.js';
import { mayMatch, parseKernelRelease, type Intervals, type KernelVersion } from '../profile/software-versions.js';

/** One fact for one kernel range. */
export interface RangedFact<T> {
  kernels: string;
  /** `kernels` compiled at build time. */
  intervals: Intervals;
  value: T;
  source: string;
  verified: boolean;
}

/** How a parent answers the VMM's config-space write (QEMU writes the MAC at start). */
export type SetConfig = 'writes' | 'no-op' | 'forwards';

/** The facts a parent entry may state. */
export interface ParentFacts {
  setConfig?: ReadonlyArray<RangedFact<SetConfig>>;
  cvqIsolation?: ReadonlyArray<RangedFact<boolean>>;
  suspend?: ReadonlyArray<RangedFact<boolean>>;
  /** Whether the parent reports and takes a ring's position (get_vq_state / set_vq_state) mid-run. */
  vqState?: ReadonlyArray<RangedFact<boolean>>;
  resume?: ReadonlyArray<RangedFact<boolean | 'firmware'>>;
  maxVqSize?: ReadonlyArray<RangedFact<number | 'hardware'>>;
  /**
   * What the parent does with a ring larger than the max_vq_size it reports, where the kernel lets
   * one through (VHOST_SET_VRING_NUM unchecked): moves frames on it, or not.
   */
  ringAboveMax?: ReadonlyArray<RangedFact<'runs' | 'fails'>>;
  devAddAttributes?: ReadonlyArray<RangedFact<readonly string[]>>;
  vstats?: ReadonlyArray<RangedFact<boolean>>;
}

/** How a management device is recognised as this parent. */
export interface ParentMatch {
  /** The management device's name when it has no bus (vdpasim_net, vduse). */
  mgmtdevName?: string;
  bus?: string;
  /** sysfs driver names of the management device. */
  driver?: readonly string[];
}

/** A parent driver of the pack. */
export interface ParentEntry {
  id: string;
  name: string;
  /** What a user must know beyond the facts (eni_vdpa, snet_vdpa: netlink never shows their devices). */
  note?: string;
  match: ParentMatch;
  facts: ParentFacts;
}

/** Kernel-wide vhost-vdpa facts. */
export interface KernelFacts {
  /** VHOST_SET_VRING_NUM above the device's max ring size. */
  vringNumAboveMax: ReadonlyArray<RangedFact<'refuses' | 'accepts'>>;
}

/** Every parent the pack knows. */
export const PARENTS: readonly ParentEntry[] = parentsPack.parents as unknown as ParentEntry[];
const KERNEL_FACTS = parentsPack.kernel as KernelFacts;

/** The pack's own version, reported with each decision. */
export const PARENTS_PACK_VERSION: string = parentsPack.packVersion;

/** A fact looked up for one host: its value and source, or why it is unknown. */
export type FactAnswer<T> = { known: true; value: T; source: string; verified: boolean } | { known: false; why: string };

/** Looks a fact up for a kernel: the one range that may hold it, or all ranges agreeing. */
function lookup<T>(facts: ReadonlyArray<RangedFact<T>> | undefined, kernel: KernelVersion | null, what: string): FactAnswer<T> {
  if (facts === undefined || facts.length === 0) return { known: false, why: `the knowledge pack has no fact on ${what}` };
  const candidates = kernel === null ? facts : facts.filter((f) => mayMatch(f.intervals, kernel));
  const values = new Set(candidates.map((f) => JSON.stringify(f.value)));
  const [first] = candidates;
  if (first === undefined) return { known: false, why: `the knowledge pack has no fact on ${what} for kernel ${kernel?.release} (it covers ${facts.map((f) => f.kernels).join(', ')})` };
  if (values.size > 1) {
    return {
      known: false,
      why: `${what} differs between kernels (${candidates.map((f) => `${f.kernels}: ${JSON.stringify(f.value)}`).join('; ')}) and ${kernel === null ? 'the kernel is unknown' : `${kernel.release} does not say its stable patch level`}`,
    };
  }
  return { known: true, value: first.value, source: candidates.map((f) => f.source).join('; '), verified: candidates.every((f) => f.verified) };
}

/** What the pack says about one side's parent driver and kernel. */
export interface ParentView {
  /** The pack's id, or null when the parent is not one it knows. */
  id: string | null;
  /** For messages: the pack's name, or the management device's handle. */
  name: string;
  kernel: KernelVersion | null;
  fact<K extends keyof ParentFacts>(key: K): FactAnswer<NonNullable<ParentFacts[K]>[number]['value']>;
  /** A kernel-wide vhost-vdpa fact. */
  kernelFact<K extends keyof KernelFacts>(key: K): FactAnswer<KernelFacts[K][number]['value']>;
}

/** The pack's entry for a management device, or undefined. */
export function findParent(mgmtdev: Pick<MgmtdevDoc, 'bus' | 'name' | 'driver'>): ParentEntry | undefined {
  return PARENTS.find(({ match }) => {
    if (match.mgmtdevName !== undefined) return mgmtdev.bus === null && mgmtdev.name === match.mgmtdevName;
    return (match.bus === undefined || match.bus === mgmtdev.bus) && mgmtdev.driver !== null && (match.driver ?? []).includes(mgmtdev.driver);
  });
}

/** The view of a parent (its management device, when the profile has it) on a kernel release. */
export function parentView(mgmtdev: MgmtdevDoc | undefined, handle: string, kernelRelease: string | null): ParentView {
  const kernel = kernelRelease === null ? null : parseKernelRelease(kernelRelease);
  const entry = mgmtdev ? findParent(mgmtdev) : undefined;
  const why =
    mgmtdev === undefined
      ? `management device ${handle} is not in the profile`
      : entry === undefined
        ? `parent ${handle}${mgmtdev.driver ? ` (driver ${mgmtdev.driver})` : mgmtdev.bus !== null ? ' (driver unknown: no sysfs data)' : ''} is not one the knowledge pack knows`
        : null;
  return {
    id: entry?.id ?? null,
    name: entry?.name ?? handle,
    kernel,
    fact(key) {
      if (entry === undefined) return { known: false, why: why ?? 'unknown parent' };
      return lookup(entry.facts[key] as ReadonlyArray<RangedFact<never>> | undefined, kernel, `${entry.name}: ${key}`);
    },
    kernelFact(key) {
      return lookup(KERNEL_FACTS[key] as ReadonlyArray<RangedFact<never>>, kernel, `vhost-vdpa ${key}`);
    },
  };
}
