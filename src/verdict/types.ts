/**
 * The result of a check as data: the report the JSON output prints (schema:
 * schemas/report.v1.json) and the text output renders.
 */
import type { CheckResult, Finding } from '../rules/finding.js';

export type { CheckResult, CheckStatus, Finding } from '../rules/finding.js';

/** Version of the report format (schemas/report.v1.json), independent of the profile's. */
export const REPORT_VERSION = '1.0.0';

/** Which device of which input a side of the pair is. */
export interface SideSummary {
  input: string;
  hostname: string | null;
  kernel: string | null;
  device: string;
  /** JSON pointer of the device in its profile. */
  pointer: string;
  class: string;
  mgmtdev: string;
  fingerprint: string;
}

/** Verdict of a pair. */
export type Verdict = 'compatible' | 'incompatible';

/** The whole report of `check`. */
export interface Report {
  reportVersion: string;
  kind: 'vdpa-compat/check-report';
  generator: { name: string; version: string };
  verdict: Verdict;
  strict: boolean;
  source: SideSummary;
  target: SideSummary;
  summary: { errors: number; warnings: number; infos: number };
  checks: CheckResult[];
  findings: Finding[];
}

/** What `--json` prints when the tool could not decide (exit status 2). */
export interface ErrorReport {
  reportVersion: string;
  kind: 'vdpa-compat/error';
  generator: { name: string; version: string };
  verdict: 'error';
  error: { code: string; message: string; hint: string | null };
}
