/** `vdpa-compat plan SOURCE TARGET_HOST`: the commands that make a device the source's guest can move to. */
import type { Io } from '../io.js';
import { vmConfigOf, type VmOptionValues } from '../options.js';
import { UsageError, applyBaseline, applyPlan, escapeControls, loadBaseline, loadInput, plan, planBaseline, renderPlanText, type ApplyReport, type SourceMode } from '../../index.js';

/** Options of the plan command. */
export interface PlanCommandOptions extends VmOptionValues {
  sourceDevice?: string;
  baseline?: string;
  apply: boolean;
  replace: boolean;
  source: SourceMode;
  vdpa: string;
  sysfsRoot: string;
  timeout: number;
  name: string;
  json: boolean;
  strict: boolean;
  allowUnverified: boolean;
}

/** Loads both hosts, plans, prints; exits 0 with a plan, 1 when none can work, 2 when a fact is unknown. */
export async function planCommand(source: string | undefined, target: string | undefined, options: PlanCommandOptions, io: Io): Promise<number> {
  if (options.apply) return applyCommand(source, target, options, io);
  if (options.replace) throw new UsageError('USAGE', '--replace is for --apply', 'Add --apply (on the target host), or drop --replace.');
  if (source === undefined) throw new UsageError('USAGE', 'plan needs SOURCE and TARGET_HOST (or --baseline FILE and TARGET_HOST)', 'Name the source profile and the target host profile.');
  if (options.baseline !== undefined) return planBaselineCommand(options.baseline, source, target, options, io);
  if (target === undefined) throw new UsageError('USAGE', 'plan needs SOURCE and TARGET_HOST (or --baseline FILE and TARGET_HOST)', 'Name the source profile and the target host profile.');
  const [sourceProfile, targetProfile] = await Promise.all([loadInput(source), loadInput(target)]);
  const doc = plan(sourceProfile, targetProfile, {
    ...(options.sourceDevice !== undefined ? { sourceDevice: options.sourceDevice } : {}),
    ...(options.sourceQemu !== undefined ? { sourceQemu: { text: options.sourceQemu, origin: '--source-qemu' } } : {}),
    ...(options.targetQemu !== undefined ? { targetQemu: { text: options.targetQemu, origin: '--target-qemu' } } : {}),
    vm: vmConfigOf(options),
    name: options.name,
    strict: options.strict,
    allowUnverified: options.allowUnverified,
    sourceInput: source,
    targetInput: target,
  });
  // bigint-free by construction: masks are hex strings in the document.
  io.stdout.write(options.json ? `${JSON.stringify(doc, null, 2)}\n` : renderPlanText(doc));
  return doc.exitStatus;
}

/** `plan --baseline FILE TARGET_HOST`: the baseline's device on this host, exactly. */
async function planBaselineCommand(file: string, target: string, extra: string | undefined, options: PlanCommandOptions, io: Io): Promise<number> {
  if (extra !== undefined) throw new UsageError('USAGE', '--baseline takes the place of SOURCE: name only the target host', `\`vdpa-compat plan --baseline ${file} TARGET_HOST\``);
  if (options.sourceDevice !== undefined) throw new UsageError('USAGE', '--source-device and --baseline: the baseline is the source', 'Drop --source-device.');
  const [baseline, targetProfile] = await Promise.all([loadBaseline(file), loadInput(target)]);
  const doc = planBaseline(baseline, targetProfile, {
    ...(options.sourceQemu !== undefined ? { sourceQemu: { text: options.sourceQemu, origin: '--source-qemu' } } : {}),
    ...(options.targetQemu !== undefined ? { targetQemu: { text: options.targetQemu, origin: '--target-qemu' } } : {}),
    vm: vmConfigOf(options),
    name: options.name,
    strict: options.strict,
    allowUnverified: options.allowUnverified,
    targetInput: target,
  });
  io.stdout.write(options.json ? `${JSON.stringify(doc, null, 2)}\n` : renderPlanText(doc));
  return doc.exitStatus;
}

/** The apply report as text: each step, then the result. */
function renderApply(report: ApplyReport): string {
  const lines = [`Apply the plan for ${escapeControls(report.plan.source.device)} (${escapeControls(report.plan.source.input)}) on this host: create ${escapeControls(report.name)}.`];
  for (const s of report.steps) lines.push(`  ${s.ok ? 'ok  ' : 'FAIL'} ${s.action}: ${escapeControls(s.what)}${s.detail ? ` (${escapeControls(s.detail)})` : ''}`);
  if (report.plan.plan === null) lines.push('', `No plan: ${report.plan.status} (\`vdpa-compat plan SOURCE TARGET_HOST\` says why).`);
  const word = { applied: 'applied', 'no-plan': 'no plan', unknown: 'could not plan', failed: 'failed (undone)', refused: 'refused by check (undone)' }[report.status];
  lines.push('', `Result: ${word} (exit ${report.exitStatus})`);
  return `${lines.join('\n')}\n`;
}

/** `plan SOURCE --apply` or `plan --baseline FILE --apply`: on the target host, live. */
async function applyCommand(source: string | undefined, extra: string | undefined, options: PlanCommandOptions, io: Io): Promise<number> {
  if (extra !== undefined) throw new UsageError('USAGE', '--apply runs on the target host: name only SOURCE', `\`vdpa-compat plan ${source} --apply\`, on the target host, as root`);
  const common = {
    ...(options.sourceQemu !== undefined ? { sourceQemu: { text: options.sourceQemu, origin: '--source-qemu' } } : {}),
    ...(options.targetQemu !== undefined ? { targetQemu: { text: options.targetQemu, origin: '--target-qemu' } } : {}),
    vm: vmConfigOf(options),
    name: options.name,
    strict: options.strict,
    allowUnverified: options.allowUnverified,
    vdpaPath: options.vdpa,
    source: options.source,
    sysfsRoot: options.sysfsRoot,
    timeoutMs: options.timeout,
    replace: options.replace,
  };
  let report: ApplyReport;
  if (options.baseline !== undefined) {
    // `plan --baseline FILE --apply`: commander gives the first word to SOURCE, which the baseline replaces.
    if (source !== undefined) throw new UsageError('USAGE', '--baseline takes the place of SOURCE: with --apply, name no host', `\`vdpa-compat plan --baseline ${options.baseline} --apply\`, on the target host, as root`);
    if (options.sourceDevice !== undefined) throw new UsageError('USAGE', '--source-device and --baseline: the baseline is the source', 'Drop --source-device.');
    report = await applyBaseline(await loadBaseline(options.baseline), common);
  } else {
    if (source === undefined) throw new UsageError('USAGE', 'plan --apply needs SOURCE (or --baseline FILE)', '`vdpa-compat plan SOURCE --apply`, on the target host, as root');
    report = await applyPlan(await loadInput(source), { ...common, ...(options.sourceDevice !== undefined ? { sourceDevice: options.sourceDevice } : {}), sourceInput: source });
  }
  io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderApply(report));
  return report.exitStatus;
}
