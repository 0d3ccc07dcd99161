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

/** What grading reads of a finding: the full finding, or the engine's shell of it (rules/fast.ts). */
export type Graded = Pick<Finding, 'code' | 'severity' | 'unverified' | 'failsSafe' | 'blocker'>;

/** Whether a finding holds the verdict at "unverified". */
export function holdsVerdict(finding: Graded, allowUnverified: boolean): boolean {
  return finding.severity === 'warning' && finding.unverified && !finding.failsSafe && !allowUnverified;
}

/** Grades a pair. */
export function grade(findings: readonly Graded[], options: { allowUnverified: boolean; identical: boolean }): Exclude<Verdict, 'compatible-after-provisioning'> {
  // One pass, no arrays: a fleet grades millions of pairs.
  let error = false;
  let held = false;
  for (const f of findings) {
    if (f.severity === 'error') {
      if (f.blocker) return 'blocked-by-hypervisor';
      error = true;
    } else if (!held && holdsVerdict(f, options.allowUnverified)) held = true;
  }
  return error ? 'incompatible' : held ? 'unverified' : options.identical ? 'identical' : 'compatible';
}

/** The codes that held a verdict back: its error findings, else the unverified warnings (plan, fit and the matrix report these). */
export function limitingCodes(findings: readonly Graded[]): string[] {
  const errors = findings.some((f) => f.severity === 'error');
  const codes: string[] = [];
  for (const f of findings) if ((errors ? f.severity === 'error' : f.severity === 'warning' && f.unverified) && !codes.includes(f.code)) codes.push(f.code);
  return codes;
}
