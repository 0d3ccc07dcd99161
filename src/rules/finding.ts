/** Findings and per-rule results: the data the engine returns. */
import type { FindingValue, Severity } from './define.js';

/** One thing a rule found. */
export interface Finding {
  code: string;
  rule: string;
  severity: Severity;
  message: string;
  remediation: string | null;
  /** JSON pointer relative to the device; prefix it with the side's `pointer`. */
  path: string;
  source: FindingValue;
  target: FindingValue;
  /** The rule lacked facts to decide; `--strict` made it an error if severity is error. */
  unverified: boolean;
  data: Record<string, FindingValue>;
}

/** Outcome of one rule: fail (an error), warn (a warning), pass (nothing worse than info). */
export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One line of the text output. */
export interface CheckResult {
  rule: string;
  summary: string;
  status: CheckStatus;
}

