/**
 * Publishing to the scheduler: a node's facts as a Kubernetes Node Feature
 * Discovery feature file, and the NodeFeatureRule that labels the nodes able
 * to take a baseline. Pure: text and documents out, the CLI writes them.
 *
 * The feature file is NFD's local source format (source/local/local.go in
 * node-feature-discovery): `name=value` lines, `# +expiry-time=RFC3339` before
 * the lines it applies to, `# +no-label` before a line that is a raw feature
 * only; files over 65,536 bytes and dotfiles are skipped by nfd-worker. Each
 * line becomes the raw feature `local.feature` (matchable by a rule) and,
 * unless `# +no-label`, a node label `feature.node.kubernetes.io/NAME` (nfd-master
 * adds that prefix to names without one; from NFD's documentation, not run here).
 *
 * The entries come from the engine `check` runs: a device group is the
 * matrix's (every fact the rules read), a baseline is listed when its device
 * can be planned on this node and proved, so the scheduler and the hook
 * cannot disagree.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Profile } from '../profile/types.js';
import { planBaseline, type BaselineDocument } from '../plan/baseline.js';
import type { PlanOptions } from '../plan/plan.js';
import { UsageError } from '../errors.js';
import { deviceGroupKey } from './matrix.js';

/** nfd-worker skips a feature file larger than this (MaxFeatureFileSize). */
export const NFD_MAX_BYTES = 65_536;

/** Hex digits of a short fingerprint: 80 bits, collision-checked over the fleet generator's output. */
export const SHORT_FINGERPRINT_HEX = 20;

/** A label name (the part after the prefix) and value as Kubernetes takes them: ≤ 63, alphanumeric ends. */
const LABEL_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** The short form of a fingerprint or key: the first 20 hex digits of its SHA-256, label-safe. */
export function shortFingerprint(text: string): string {
  const hex = text.startsWith('sha256:') && /^sha256:[0-9a-f]{64}$/.test(text) ? text.slice(7) : bytesToHex(sha256(utf8ToBytes(text)));
  return hex.slice(0, SHORT_FINGERPRINT_HEX);
}

/** One line of the feature file. */
export interface NfdEntry {
  name: string;
  value: string;
  /** What it says, for the text summary. */
  about: string;
}

/** Options of {@link nfdFeatures}. */
export interface NfdOptions extends Pick<PlanOptions, 'sourceQemu' | 'targetQemu' | 'vm' | 'strict' | 'allowUnverified'> {
  baselines?: readonly BaselineDocument[];
  /** Lines expire then (nfd-worker drops them after it): a node that stops refreshing stops advertising. */
  expiry?: Date;
  /** Raw features only (`# +no-label`): a NodeFeatureRule (`nfd rule`) makes the labels. */
  noLabels?: boolean;
}

/** The label name of a baseline's entry: `vdpa-compat.baseline.NAME`. */
export function baselineEntryName(b: Pick<BaselineDocument, 'name'>): string {
  const name = `vdpa-compat.baseline.${b.name}`;
  if (!LABEL_PART.test(name))
    throw new UsageError(
      'USAGE',
      `baseline "${b.name}" makes the label name ${name}, which Kubernetes refuses (63 characters at most, letters, digits, "-", "_", "." inside)`,
      'Make the baseline again with a shorter --name (42 characters at most).',
    );
  return name;
}

/** The node's entries: one per device group (value: how many of its devices), one per baseline it can take. */
export function nfdEntries(profile: Profile, options: NfdOptions = {}): NfdEntry[] {
  const groups = new Map<string, { cls: string; count: number }>();
  for (const d of profile.devices) {
    const fp = shortFingerprint(deviceGroupKey(profile, d));
    const g = groups.get(fp) ?? { cls: d.class, count: 0 };
    g.count++;
    groups.set(fp, g);
  }
  const entries: NfdEntry[] = [...groups].map(([fp, g]) => ({ name: `vdpa-compat.${g.cls}.${fp}`, value: String(g.count), about: `${g.count} ${g.cls} device${g.count === 1 ? '' : 's'} of group ${fp}` }));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const b of options.baselines ?? []) {
    const plan = planBaseline(b, profile, {
      ...(options.sourceQemu !== undefined ? { sourceQemu: options.sourceQemu } : {}),
      ...(options.targetQemu !== undefined ? { targetQemu: options.targetQemu } : {}),
      ...(options.vm !== undefined ? { vm: options.vm } : {}),
      ...(options.strict !== undefined ? { strict: options.strict } : {}),
      ...(options.allowUnverified !== undefined ? { allowUnverified: options.allowUnverified } : {}),
    });
    if (plan.status === 'planned') entries.push({ name: baselineEntryName(b), value: shortFingerprint(b.fingerprint), about: `baseline ${b.name}: can be provisioned on ${plan.plan?.mgmtdev ?? ''}` });
  }
  for (const e of entries) if (!LABEL_PART.test(e.name) || !(e.value === '' || LABEL_PART.test(e.value))) throw new Error(`nfd: entry ${e.name}=${e.value} is not label-safe`);
  return entries;
}

/** The feature file's text; refused when nfd-worker would skip it (over 64 KiB). */
export function nfdFeatureFile(entries: readonly NfdEntry[], options: Pick<NfdOptions, 'expiry' | 'noLabels'> = {}): string {
  const lines = ["# vdpa-compat: this node's vDPA device groups and the baselines it can take (vdpa-compat nfd)"];
  if (options.expiry !== undefined) lines.push(`# +expiry-time=${options.expiry.toISOString().replace(/\.\d{3}Z$/, 'Z')}`);
  for (const e of entries) {
    if (options.noLabels === true) lines.push('# +no-label');
    lines.push(`${e.name}=${e.value}`);
  }
  const text = `${lines.join('\n')}\n`;
  const bytes = utf8ToBytes(text).length;
  if (bytes > NFD_MAX_BYTES) throw new UsageError('USAGE', `the feature file would be ${bytes} bytes: nfd-worker skips files over ${NFD_MAX_BYTES}`, 'Publish fewer baselines from this node.');
  return text;
}

/**
 * A NodeFeatureRule (nfd.k8s-sigs.io/v1alpha1) that labels the nodes able to take the baseline:
 * those whose feature file lists it with this baseline's fingerprint (a changed baseline is a new
 * fingerprint, so a node that has not re-published is not taken for it).
 */
export function nfdRule(b: BaselineDocument): Record<string, unknown> {
  const entry = baselineEntryName(b);
  const fp = shortFingerprint(b.fingerprint);
  return {
    apiVersion: 'nfd.k8s-sigs.io/v1alpha1',
    kind: 'NodeFeatureRule',
    metadata: { name: `vdpa-compat-baseline-${b.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.replace(/[^a-z0-9]+$/, '') },
    spec: {
      rules: [
        {
          name: `vdpa-compat baseline ${b.name}`,
          labels: { [`vdpa-compat.dev/baseline.${b.name}`]: fp },
          matchFeatures: [{ feature: 'local.feature', matchExpressions: { [entry]: { op: 'In', value: [fp] } } }],
        },
      ],
    },
  };
}
