/** `vdpa-compat check SOURCE TARGET`: the verdict on one migration pair. */
import { useColor, type ColorMode } from '../color.js';
import type { Io } from '../io.js';
import { vmConfigOf, type VmOptionValues } from '../options.js';
import { readStdin } from '../stdin.js';
import {
  InputError,
  MAX_PROFILE_BYTES,
  PROFILE_FIX,
  UsageError,
  appendLine,
  checkHost,
  decisionRecord,
  fitTargets,
  renderFitText,
  loadInput,
  loadPolicy,
  loadRules,
  parseYaml,
  renderJson,
  renderJunit,
  renderText,
  toProfile,
  type Profile,
} from '../../index.js';

/** Options of the check command. */
export interface CheckCommandOptions extends VmOptionValues {
  sourceDevice?: string;
  targetDevice?: string;
  json: boolean;
  format?: 'text' | 'json' | 'junit';
  quiet: boolean;
  color: ColorMode;
  stdinTimeout: number;
  strict: boolean;
  allowUnverified: boolean;
  policy?: string;
  decisionLog?: string;
  rules?: string[];
}

/** `--target-device any`: rank every device of the target host (one named "any" is ranked with the rest). */
export const ANY_DEVICE = 'any';

/** What a side is called in the report and in messages: the path, or "stdin" for -. */
function inputName(input: string): string {
  return input === '-' ? 'stdin' : input;
}

/**
 * A profile piped in (`ssh HOST vdpa-compat collect -o - | vdpa-compat check - dst.yaml`).
 * There is no file name to go by, so the content says: JSON starts with "{", anything else is YAML.
 */
async function stdinProfile(timeoutMs: number): Promise<Profile> {
  const hint = 'Pipe in a profile, as `vdpa-compat collect -o -` prints it (YAML or JSON).';
  const text = await readStdin({ limit: MAX_PROFILE_BYTES, timeoutMs, what: 'a profile', hint, timeoutHint: 'pass --stdin-timeout MS to wait longer' });
  let doc: unknown;
  if (/^\uFEFF?\s*\{/.test(text)) {
    try {
      doc = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (error) {
      throw new InputError('PROFILE_PARSE', `stdin: not valid JSON (${(error as Error).message})`, PROFILE_FIX, { cause: error });
    }
  } else {
    doc = await parseYaml(text, 'stdin', PROFILE_FIX);
  }
  return toProfile(doc, 'stdin');
}

/** Loads both sides, checks, prints; exits with the verdict's status (0 go, 1 do not, 2 could not decide). */
export async function checkCommand(source: string, target: string, options: CheckCommandOptions, io: Io): Promise<number> {
  if (source === '-' && target === '-') {
    throw new UsageError('USAGE', 'SOURCE and TARGET are both - (stdin), which holds one profile', 'Pipe in one side and name the other as a file or dump directory: `… | vdpa-compat check - dst.yaml`.');
  }
  const load = (input: string) => (input === '-' ? stdinProfile(options.stdinTimeout) : loadInput(input));
  const [sourceProfile, targetProfile, rules, policy] = await Promise.all([load(source), load(target), loadRules(options.rules), options.policy === undefined ? undefined : loadPolicy(options.policy)]);
  const now = new Date();
  const format = options.format ?? (options.json ? 'json' : 'text');
  const any = options.targetDevice === ANY_DEVICE;
  if (any && format === 'junit') {
    throw new UsageError('USAGE', '--format junit reports one pair, and --target-device any ranks every device of the target', 'Use --json for the ranking (schemas/fit.v1.json), or name one target device.');
  }
  const checkOptions = {
    ...(options.sourceDevice !== undefined ? { sourceDevice: options.sourceDevice } : {}),
    ...(options.targetDevice !== undefined && !any ? { targetDevice: options.targetDevice } : {}),
    ...(options.sourceQemu !== undefined ? { sourceQemu: { text: options.sourceQemu, origin: '--source-qemu' } } : {}),
    ...(options.targetQemu !== undefined ? { targetQemu: { text: options.targetQemu, origin: '--target-qemu' } } : {}),
    ...(policy !== undefined && options.policy !== undefined ? { policy: { policy, file: options.policy } } : {}),
    vm: vmConfigOf(options),
    strict: options.strict,
    allowUnverified: options.allowUnverified || (policy?.allowUnverified ?? false),
    rules,
    rulePacks: options.rules ?? [],
    sourceInput: inputName(source),
    targetInput: inputName(target),
    now,
  };
  if (any) {
    const doc = fitTargets(sourceProfile, targetProfile, checkOptions);
    const text = format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : renderFitText(doc);
    if (options.decisionLog !== undefined) for (const r of doc.reports) appendLine(options.decisionLog, JSON.stringify(decisionRecord(r, now, { targetDevice: ANY_DEVICE })));
    io.stdout.write(text);
    return doc.exitStatus;
  }
  const report = checkHost(sourceProfile, targetProfile, checkOptions);
  let text: string;
  if (format === 'json') {
    text = renderJson(report);
  } else if (format === 'junit') {
    text = renderJunit(report);
  } else {
    text = renderText(report, { color: useColor(options.color, io), quiet: options.quiet });
  }
  // The decision is logged before it is printed: an audit trail never misses a decision that was shown.
  if (options.decisionLog !== undefined) appendLine(options.decisionLog, JSON.stringify(decisionRecord(report, now)));
  io.stdout.write(text);
  return report.exitStatus;
}
