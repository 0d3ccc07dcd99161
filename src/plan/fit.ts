/**
 * Beyond one pair: can the target host take the guest at all, on a device it
 * has or on one a plan creates? `checkHost` is `check` with the plan's answer
 * for a pair that does not go as given; `fitTargets` ranks every device of the
 * target host (`check --target-device any`). Pure, like check and plan: the
 * plan's device is proved by the same engine, so a host is never said to fit
 * on a device check would refuse.
 */
import { selectDevice } from '../profile/select.js';
import type { Profile } from '../profile/types.js';
import { check, type CheckOptions } from '../verdict/check.js';
import { limitingCodes, VERDICT_EXIT } from '../verdict/grade.js';
import type { Provisioning, Report, Verdict } from '../verdict/types.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { shellWord } from './commands.js';
import { DEFAULT_DEVICE_NAME, plan, type PlanDocument, type PlanOptions } from './plan.js';

/** The version of the fit document (schemas/fit.v1.json). */
export const FIT_VERSION = '1.0.0';

/** A name for the planned device that the target host does not use: vdpa-mig0, else vdpa-mig1, … */
export function freeDeviceName(target: Profile): string {
  const taken = new Set(target.devices.map((d) => d.name));
  for (let i = 0; ; i++) {
    const name = i === 0 ? DEFAULT_DEVICE_NAME : `vdpa-mig${i}`;
    if (!taken.has(name)) return name;
  }
}

function planOptions(options: CheckOptions, source: Profile, name: string): PlanOptions {
  const { targetDevice: _unused, ...rest } = options;
  return { ...rest, sourceDevice: source.devices[selectDevice(source, options.sourceDevice, 'source', options.sourceInput ?? 'source')]?.name ?? '', name };
}

/** The command line that prints the plan; the QEMU and VM options are check's and are not repeated. */
function planCommand(doc: PlanDocument): string {
  return ['vdpa-compat', 'plan', doc.source.input, doc.target.input, '--source-device', doc.source.device].map(shellWord).join(' ');
}

/** The plan for the source device on the target host, as a report's `provisioning`. */
function provisioningOf(source: Profile, target: Profile, options: CheckOptions, pairVerdict: Verdict): Provisioning {
  const doc = plan(source, target, planOptions(options, source, freeDeviceName(target)));
  return {
    pairVerdict,
    status: doc.status,
    name: doc.name,
    mgmtdev: doc.plan?.mgmtdev ?? null,
    commands: doc.plan?.commands ?? [],
    planCommand: planCommand(doc),
  };
}

/**
 * `check`, and for a pair that does not go as given, what a plan could do on
 * the target host: an incompatible pair whose host can provision a device
 * that check proves becomes compatible-after-provisioning (exit 1 still: this
 * device must not be used). An unverified pair keeps its verdict and carries
 * the plan; a pair the hypervisor blocks gets none (no target device helps).
 */
export function checkHost(source: Profile, target: Profile, options: CheckOptions = {}): Report {
  const report = check(source, target, options);
  if (report.verdict !== 'incompatible' && report.verdict !== 'unverified') return report;
  const provisioning = provisioningOf(source, target, options, report.verdict);
  if (report.verdict === 'incompatible' && provisioning.status === 'planned') {
    return { ...report, verdict: 'compatible-after-provisioning', exitStatus: VERDICT_EXIT['compatible-after-provisioning'], provisioning };
  }
  return { ...report, provisioning };
}

/** One device of the target host, as `--target-device any` ranks it. */
export interface FitEntry {
  device: string;
  mgmtdev: string;
  verdict: Verdict;
  exitStatus: 0 | 1 | 2;
  /** Codes of the findings that held the verdict back (errors, else the unverified warnings). */
  limiting: string[];
  fingerprint: string;
}

/** The answer of `check --target-device any` (`kind: vdpa-compat/fit`, schemas/fit.v1.json). */
export interface FitDocument {
  fitVersion: string;
  kind: 'vdpa-compat/fit';
  generator: { name: string; version: string };
  /** The best verdict on the host: a device's, or compatible-after-provisioning from the plan. */
  verdict: Verdict;
  /** 0 a device of the host fits; 2 none fits but one could not be decided; 1 otherwise. */
  exitStatus: 0 | 1 | 2;
  /** The device to use: the best one that fits, or null. */
  best: string | null;
  source: { input: string; hostname: string | null; device: string };
  target: { input: string; hostname: string | null };
  /** Every device of the target host, best first. */
  devices: FitEntry[];
  /** What a plan could create when no device fits as it is, else null. */
  provisioning: Provisioning | null;
  /** Each device's whole report, in the order of `devices`. */
  reports: Report[];
}

/** The order devices are ranked in (the issue's: identical, compatible, after provisioning, then the rest). */
const RANK: readonly Verdict[] = ['identical', 'compatible', 'compatible-after-provisioning', 'unverified', 'blocked-by-hypervisor', 'incompatible'];

/** Checks the source device against every device of the target host and ranks them. */
export function fitTargets(source: Profile, target: Profile, options: CheckOptions = {}): FitDocument {
  const sourceInput = options.sourceInput ?? 'source';
  const targetInput = options.targetInput ?? 'target';
  const sourceName = source.devices[selectDevice(source, options.sourceDevice, 'source', sourceInput)]?.name ?? '';
  const reports = target.devices
    .map((d, i) => ({ i, report: check(source, target, { ...options, sourceDevice: sourceName, targetDevice: d.name }) }))
    .sort((a, b) => RANK.indexOf(a.report.verdict) - RANK.indexOf(b.report.verdict) || a.i - b.i)
    .map((r) => r.report);
  const devices: FitEntry[] = reports.map((r) => ({
    device: r.target.device,
    mgmtdev: r.target.mgmtdev,
    verdict: r.verdict,
    exitStatus: r.exitStatus,
    limiting: limitingCodes(r.findings),
    fingerprint: r.target.fingerprint,
  }));
  const first = devices[0];
  const fits = first !== undefined && first.exitStatus === 0;
  const blocked = devices.length > 0 && devices.every((d) => d.verdict === 'blocked-by-hypervisor');
  // A plan is looked for only when no device fits as it is, and the hypervisor does not refuse every device.
  const provisioning = fits || blocked ? null : provisioningOf(source, target, { ...options, sourceDevice: sourceName }, first?.verdict ?? 'incompatible');
  const planned = provisioning?.status === 'planned';
  // A host without devices whose plan needs an unknown fact could not be decided either.
  const undecided = devices.some((d) => d.exitStatus === 2) || (devices.length === 0 && provisioning?.status === 'unknown');
  const verdict: Verdict = fits ? first.verdict : planned ? 'compatible-after-provisioning' : (first?.verdict ?? (undecided ? 'unverified' : 'incompatible'));
  const exitStatus: 0 | 1 | 2 = fits ? 0 : undecided ? 2 : 1;
  return {
    fitVersion: FIT_VERSION,
    kind: 'vdpa-compat/fit',
    generator: { name: TOOL_NAME, version: TOOL_VERSION },
    verdict,
    exitStatus,
    best: fits ? first.device : null,
    source: { input: sourceInput, hostname: source.host.hostname, device: sourceName },
    target: { input: targetInput, hostname: target.host.hostname },
    devices,
    provisioning,
    reports,
  };
}
