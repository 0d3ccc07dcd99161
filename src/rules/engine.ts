/**
 * Runs rules over a source and a target device. Pure: no I/O, no clock; the
 * same two devices always give the same findings in the same order.
 */
import type { DeviceFacts } from '../profile/facts.js';
import { fillTemplate, type FindingValue, type Rule } from './define.js';
import type { CheckResult, Finding } from './finding.js';

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Turn "could not verify" warnings into errors. */
  strict: boolean;
}

/** Findings and one result per rule. */
export interface Evaluation {
  findings: Finding[];
  checks: CheckResult[];
}

/** Evaluates every rule on the pair. */
export function evaluate(rules: readonly Rule[], source: DeviceFacts, target: DeviceFacts, options: EvaluateOptions): Evaluation {
  const findings: Finding[] = [];
  const checks: CheckResult[] = [];
  for (const rule of rules) {
    const own: Finding[] = [];
    rule.check({
      source,
      target,
      report(messageId, data, place) {
        const spec = rule.messages[messageId];
        if (!spec) throw new Error(`rule ${rule.id} reported unknown message "${messageId}"`);
        const unverified = spec.unverified === true;
        own.push({
          code: `${rule.id}/${messageId}`,
          rule: rule.id,
          severity: unverified && options.strict && spec.severity === 'warning' ? 'error' : spec.severity,
          message: fillTemplate(spec.text, data),
          remediation: spec.fix === undefined ? null : fillTemplate(spec.fix, data),
          path: place.path,
          source: place.source ?? null,
          target: place.target ?? null,
          unverified,
          data: data as Record<string, FindingValue>,
        });
      },
    });
    const status = own.some((f) => f.severity === 'error') ? 'fail' : own.some((f) => f.severity === 'warning') ? 'warn' : 'pass';
    checks.push({ rule: rule.id, summary: rule.summary, status });
    findings.push(...own);
  }
  return { findings, checks };
}
