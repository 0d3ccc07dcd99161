/**
 * The result of a check as data: the report the JSON output prints (schema:
 * schemas/report.v1.json) and the text output renders.
 */
import type { CheckResult, Finding } from '../rules/finding.js';
import type { Verdict } from './grade.js';

export type { CheckResult, CheckStatus, Finding } from '../rules/finding.js';
export type { Verdict } from './grade.js';

/**
 * Version of the report format (schemas/report.v1.json), independent of the
 * profile's. 1.1: graded verdicts, exit status, remedy kinds, the VMM facts
 * and knowledge packs the check used, policy severities, not-applicable checks. 1.2: the
 * compatible-after-provisioning verdict and `provisioning` (what a plan could do on the target host).
 */
export const REPORT_VERSION = '1.2.0';

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
  /** The parent driver as the knowledge pack knows it, or null. */
  parent: string | null;
  /** The QEMU this side runs, as far as known. */
  qemu: { version: string | null; text: string | null; origin: string | null; releases: string[]; why: string | null };
}

/** A VM setting the check assumed, and where it came from. */
export interface GivenSummary {
  value: string | number | boolean | null;
  origin: string;
}

/** The whole report of `check`. */
export interface Report {
  reportVersion: string;
  kind: 'vdpa-compat/check-report';
  generator: { name: string; version: string };
  verdict: Verdict;
  /** What `check` exits with for this verdict: 0 go, 1 do not, 2 could not decide. */
  exitStatus: 0 | 1 | 2;
  strict: boolean;
  allowUnverified: boolean;
  source: SideSummary;
  target: SideSummary;
  vm: Record<'xSvq' | 'rxQueueSize' | 'txQueueSize' | 'hostMtu' | 'model' | 'mac', GivenSummary>;
  knowledge: { qemuPack: string; parentsPack: string; rulePacks: string[] };
  policy: { file: string; failOn: 'error' | 'warning' } | null;
  summary: { errors: number; warnings: number; infos: number; unverified: number };
  checks: CheckResult[];
  findings: Finding[];
  /**
   * Whether a device a plan creates on the target host could take the guest, when this target
   * device cannot (src/plan/fit.ts; absent from the pure pair check and the hook's decision).
   */
  provisioning?: Provisioning;
}

/** What the target host's management devices could do for a pair that does not go as given. */
export interface Provisioning {
  /** The verdict of the pair itself, before the host's management devices were looked at. */
  pairVerdict: Verdict;
  /** The plan's status: planned, no-plan (no management device can), unknown (a fact is missing). */
  status: 'planned' | 'no-plan' | 'unknown';
  /** The name the planned device would get (one the target host does not use). */
  name: string;
  /** The management device of the plan, when planned. */
  mgmtdev: string | null;
  /** The commands to run on the target host, when planned. */
  commands: string[];
  /** The `vdpa-compat plan` command line that prints the whole plan. */
  planCommand: string;
}

/** One problem of an error document: where (JSON pointer) and what. */
export interface ErrorProblem {
  pointer: string;
  message: string;
}

/** What `--json` prints when the tool could not decide (exit status 2). */
export interface ErrorReport {
  reportVersion: string;
  kind: 'vdpa-compat/error';
  generator: { name: string; version: string };
  verdict: 'error';
  exitStatus: 2;
  error: { code: string; message: string; hint: string | null; file?: string; problems?: ErrorProblem[] };
}
