/**
 * The graded verdict of a pair, from its findings (after policy) and whether
 * the two devices are the same capability with the same config. A refusal
 * the VMM makes whatever the target device outranks a target that does not
 * fit; a fact the migration depends on that could not be verified holds the
 * verdict at "unverified" (exit 2: could not decide), unless the user accepts
 * the risk; a warning QEMU would resolve by refusing at the source does not.
 */
import type { Finding } from '../rules/finding.js';

/**
 * The verdict of a pair. {@link grade} gives the first five; `compatible-after-provisioning` is
 * the plan stage's (src/plan/fit.ts): this target device cannot take the guest, but a device a
 * plan creates on the same host can. It exits 1 like `incompatible`: the pair as given must not go.
 */
export type Verdict = 'identical' | 'compatible' | 'unverified' | 'blocked-by-hypervisor' | 'incompatible' | 'compatible-after-provisioning';

/** Exit status of `check` for each verdict (README "Exit status"). */
export const VERDICT_EXIT: Readonly<Record<Verdict, 0 | 1 | 2>> = {
  identical: 0,
  compatible: 0,
  unverified: 2,
  'blocked-by-hypervisor': 1,
  incompatible: 1,
  'compatible-after-provisioning': 1,
};

/** Whether a finding holds the verdict at "unverified". */
export function holdsVerdict(finding: Finding, allowUnverified: boolean): boolean {
  return finding.severity === 'warning' && finding.unverified && !finding.failsSafe && !allowUnverified;
}

/** Grades a pair. */
export function grade(findings: readonly Finding[], options: { allowUnverified: boolean; identical: boolean }): Exclude<Verdict, 'compatible-after-provisioning'> {
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.some((f) => f.blocker)) return 'blocked-by-hypervisor';
  if (errors.length > 0) return 'incompatible';
  if (findings.some((f) => holdsVerdict(f, options.allowUnverified))) return 'unverified';
  return options.identical ? 'identical' : 'compatible';
}
