/** `vdpa-compat check SOURCE TARGET`: the verdict on one migration pair. */
import { loadInput, loadPolicy, loadRules } from '../../input.js';
import { appendLine } from '../../output-file.js';
import type { VmConfig } from '../../rules/context.js';
import { check } from '../../verdict/check.js';
import { decisionRecord } from '../../verdict/decision.js';
import { renderJson } from '../../verdict/render-json.js';
import { renderText } from '../../verdict/render-text.js';
import type { Io } from '../io.js';

/** Options of the check command. */
export interface CheckCommandOptions {
  sourceDevice?: string;
  targetDevice?: string;
  json: boolean;
  format?: 'text' | 'json' | 'junit';
  strict: boolean;
  color?: boolean;
  sourceQemu?: string;
  targetQemu?: string;
  xSvq?: boolean;
  rxQueueSize?: number;
  txQueueSize?: number;
  hostMtu?: number;
  allowUnverified: boolean;
  policy?: string;
  decisionLog?: string;
  rules?: string[];
}

/** The VM settings given on the command line, each marked as such. */
function vmOptions(o: CheckCommandOptions): Partial<VmConfig> {
  return {
    ...(o.xSvq ? { xSvq: { value: true, origin: '--x-svq' } } : {}),
    ...(o.rxQueueSize !== undefined ? { rxQueueSize: { value: o.rxQueueSize, origin: '--rx-queue-size' } } : {}),
    ...(o.txQueueSize !== undefined ? { txQueueSize: { value: o.txQueueSize, origin: '--tx-queue-size' } } : {}),
    ...(o.hostMtu !== undefined ? { hostMtu: { value: o.hostMtu, origin: '--host-mtu' } } : {}),
  };
}

/** Loads both sides, checks, prints; exits with the verdict's status (0 go, 1 do not, 2 could not decide). */
export async function checkCommand(source: string, target: string, options: CheckCommandOptions, io: Io): Promise<number> {
  const [sourceProfile, targetProfile, rules, policy] = await Promise.all([
    loadInput(source),
    loadInput(target),
    loadRules(options.rules),
    options.policy === undefined ? undefined : loadPolicy(options.policy),
  ]);
  const now = new Date();
  const report = check(sourceProfile, targetProfile, {
    ...(options.sourceDevice !== undefined ? { sourceDevice: options.sourceDevice } : {}),
    ...(options.targetDevice !== undefined ? { targetDevice: options.targetDevice } : {}),
    ...(options.sourceQemu !== undefined ? { sourceQemu: { text: options.sourceQemu, origin: '--source-qemu' } } : {}),
    ...(options.targetQemu !== undefined ? { targetQemu: { text: options.targetQemu, origin: '--target-qemu' } } : {}),
    ...(policy !== undefined && options.policy !== undefined ? { policy: { policy, file: options.policy } } : {}),
    vm: vmOptions(options),
    strict: options.strict,
    allowUnverified: options.allowUnverified || (policy?.allowUnverified ?? false),
    rules,
    rulePacks: options.rules ?? [],
    sourceInput: source,
    targetInput: target,
    now,
  });
  const format = options.format ?? (options.json ? 'json' : 'text');
  let text: string;
  if (format === 'json') {
    text = renderJson(report);
  } else if (format === 'junit') {
    // Loaded only for JUnit: the XML builder is not needed by any other output.
    text = (await import('../../verdict/render-junit.js')).renderJunit(report);
  } else {
    const color = options.color ?? (io.stdout.isTTY === true && (io.env['NO_COLOR'] ?? '') === '');
    text = renderText(report, { color });
  }
  // The decision is logged before it is printed: an audit trail never misses a decision that was shown.
  if (options.decisionLog !== undefined) appendLine(options.decisionLog, JSON.stringify(decisionRecord(report, now)));
  io.stdout.write(text);
  return report.exitStatus;
}
