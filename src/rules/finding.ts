/** Findings and per-rule results: the data the engine returns. */
import type { FindingValue, RemedyKind, Severity } from './define.js';

/** A policy waiver that applied to a finding. */
export interface AppliedWaiver {
  reason: string;
  owner: string;
  expires: string;
}

/** One thing a rule found. */
export interface Finding {
  code: string;
  rule: string;
  /** The severity that counts: the rule's, changed by --strict or a policy. */
  severity: Severity;
  /** The severity the rule gave. */
  ruleSeverity: Severity;
  message: string;
  remediation: string | null;
  /** What kind of action fixes it (for an orchestrator or a plan). */
  remedy: RemedyKind;
  /** JSON pointer relative to the device; prefix it with the side's `pointer`. */
  path: string;
  source: FindingValue;
  target: FindingValue;
  /** The rule lacked facts to decide. */
  unverified: boolean;
  /** Unverified, but if it goes wrong QEMU refuses at the source before anything moves. */
  failsSafe: boolean;
  /** An error that is the hypervisor's refusal, whatever the target device. */
  blocker: boolean;
  data: Record<string, FindingValue>;
  /** Set when a policy waiver turned the finding into a note. */
  waiver?: AppliedWaiver;
}

/**
 * A finding about vdpa-compat's own inputs (a profile's format, the policy),
 * not about the device pair: no side, no path, no remedy, never unverified or
 * a blocker. Fields in the order the report writes them.
 */
export function inputFinding(f: Pick<Finding, 'code' | 'rule' | 'severity' | 'ruleSeverity' | 'message' | 'remediation' | 'data'>): Finding {
  return {
    code: f.code,
    rule: f.rule,
    severity: f.severity,
    ruleSeverity: f.ruleSeverity,
    message: f.message,
    remediation: f.remediation,
    remedy: 'none',
    path: '/',
    source: null,
    target: null,
    unverified: false,
    failsSafe: false,
    blocker: false,
    data: f.data,
  };
}

/** Outcome of one rule: fail (an error), warn (a warning), pass (nothing worse than info), or not applicable to the pair's device class. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'not-applicable';

/** One line of the text output. */
export interface CheckResult {
  rule: string;
  summary: string;
  status: CheckStatus;
}
