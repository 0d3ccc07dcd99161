/**
 * Checks one migration pair: selects the devices, runs the rules, and
 * returns the report as data. No rendering, no I/O.
 */
import { deviceFacts, type DeviceFacts } from '../profile/facts.js';
import { selectDevice } from '../profile/select.js';
import type { Profile } from '../profile/types.js';
import { deviceFingerprint } from '../profile/fingerprint.js';
import { builtinRules } from '../rules/builtin/index.js';
import type { Rule } from '../rules/define.js';
import { evaluate } from '../rules/engine.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { REPORT_VERSION, type Report, type SideSummary } from './types.js';

/** Options of {@link check}. */
export interface CheckOptions {
  /** Device name on the source; needed when the source has several. */
  sourceDevice?: string;
  /** Device name on the target; needed when the target has several. */
  targetDevice?: string;
  /** "Could not verify" warnings become errors. */
  strict?: boolean;
  /** Names of the inputs, for the report and messages. */
  sourceInput?: string;
  targetInput?: string;
  /** Rules to run; the built-in set by default. */
  rules?: readonly Rule[];
}

function side(facts: DeviceFacts, input: string): SideSummary {
  return {
    input,
    hostname: facts.host.hostname,
    kernel: facts.host.kernel,
    device: facts.name,
    pointer: facts.pointer,
    class: facts.cls,
    mgmtdev: facts.doc.mgmtdev,
    fingerprint: facts.doc.fingerprint ?? deviceFingerprint(facts.doc),
  };
}

/** Decides whether the source device can live-migrate to the target device. */
export function check(source: Profile, target: Profile, options: CheckOptions = {}): Report {
  const sourceInput = options.sourceInput ?? 'source';
  const targetInput = options.targetInput ?? 'target';
  const s = deviceFacts(source, selectDevice(source, options.sourceDevice, 'source', sourceInput));
  const t = deviceFacts(target, selectDevice(target, options.targetDevice, 'target', targetInput));
  const strict = options.strict ?? false;
  const { findings, checks } = evaluate(options.rules ?? builtinRules, s, t, { strict });
  const count = (severity: string) => findings.filter((f) => f.severity === severity).length;
  const errors = count('error');
  return {
    reportVersion: REPORT_VERSION,
    kind: 'vdpa-compat/check-report',
    generator: { name: TOOL_NAME, version: TOOL_VERSION },
    verdict: errors > 0 ? 'incompatible' : 'compatible',
    strict,
    source: side(s, sourceInput),
    target: side(t, targetInput),
    summary: { errors, warnings: count('warning'), infos: count('info') },
    checks,
    findings,
  };
}
