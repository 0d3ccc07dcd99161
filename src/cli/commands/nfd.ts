/** `vdpa-compat nfd` and `vdpa-compat nfd rule`: publishing to Kubernetes Node Feature Discovery. */
import type { Io } from '../io.js';
import { UsageError, collect, escapeControls, loadBaseline, nfdEntries, nfdFeatureFile, nfdRule, serializeDocument, stageFile, type SourceMode } from '../../index.js';

/** Options of `nfd`. */
export interface NfdCommandOptions {
  from?: string;
  output?: string;
  baseline?: string[];
  expiry?: number;
  labels: boolean;
  force: boolean;
  qemu?: string;
  source: SourceMode;
  vdpa: string;
  sysfsRoot: string;
  timeout: number;
}

/** Reads this host (or a dump), writes its feature file (atomically: a dotfile nfd-worker skips, then rename); or, with `rule`, a baseline's NodeFeatureRule. */
export async function nfdCommand(what: string | undefined, options: NfdCommandOptions, io: Io): Promise<number> {
  if (what === 'rule') return nfdRuleCommand(options, io);
  const baselines = await Promise.all((options.baseline ?? []).map((file) => loadBaseline(file)));
  const names = baselines.map((b) => b.name);
  if (new Set(names).size !== names.length) throw new UsageError('USAGE', 'two --baseline files have the same name', 'Each baseline is one entry, named by its name: give each its own.');
  const { profile } = await collect({
    ...(options.from !== undefined ? { from: options.from } : {}),
    vdpaPath: options.vdpa,
    source: options.source,
    sysfsRoot: options.sysfsRoot,
    timeoutMs: options.timeout,
  });
  const qemu = options.qemu !== undefined ? { text: options.qemu, origin: '--qemu' } : undefined;
  const entries = nfdEntries(profile, { baselines, ...(qemu !== undefined ? { sourceQemu: qemu, targetQemu: qemu } : {}) });
  const expiry = options.expiry === undefined ? undefined : new Date(Date.now() + options.expiry * 60_000);
  const text = nfdFeatureFile(entries, { ...(expiry !== undefined ? { expiry } : {}), noLabels: !options.labels });
  if (options.output === undefined || options.output === '-') {
    io.stdout.write(text);
  } else {
    // The feature file is ours to replace: nfd refreshes it on every run (a cron job, a timer).
    stageFile(options.output, text, { force: true, mode: 0o644 }).commit();
    io.stderr.write(`vdpa-compat: wrote ${escapeControls(options.output)} (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'})\n`);
  }
  return 0;
}

/** `nfd rule --baseline FILE [-o FILE]`: the NodeFeatureRule that labels the nodes able to take the baseline. */
async function nfdRuleCommand(options: NfdCommandOptions, io: Io): Promise<number> {
  if (options.baseline?.length !== 1) throw new UsageError('USAGE', 'nfd rule takes exactly one --baseline', '`vdpa-compat nfd rule --baseline profiles/baselines/rack7.yaml`');
  for (const [given, flag] of [
    [options.from, '--from'],
    [options.expiry, '--expiry'],
    [options.qemu, '--qemu'],
  ] as const) {
    if (given !== undefined) throw new UsageError('USAGE', `nfd rule reads no host: ${flag} is for the feature file`, 'Drop it, or run `vdpa-compat nfd` for the feature file.');
  }
  const baseline = await loadBaseline(options.baseline[0] ?? '');
  const text = await serializeDocument(nfdRule(baseline), 'yaml');
  if (options.output === undefined || options.output === '-') io.stdout.write(text);
  else {
    stageFile(options.output, text, { force: options.force }).commit();
    io.stderr.write(`vdpa-compat: wrote ${escapeControls(options.output)}\n`);
  }
  return 0;
}
