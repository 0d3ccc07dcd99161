/**
 * Runs rules over a source and a target side. Pure: no I/O, no clock; the
 * same two sides and VM always give the same findings in the same order. A
 * rule whose device classes do not include the pair's is "not applicable",
 * never a silent pass.
 */
import { fillTemplate, type Rule } from './define.js';
import type { Side, VmConfig } from './context.js';
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
export function evaluate(rules: readonly Rule[], source: Side, target: Side, vm: VmConfig, options: EvaluateOptions): Evaluation {
  const findings: Finding[] = [];
  const checks: CheckResult[] = [];
  for (const rule of rules) {
    if (rule.appliesTo !== undefined && !(rule.appliesTo.includes(source.cls) && rule.appliesTo.includes(target.cls))) {
      checks.push({ rule: rule.id, summary: rule.summary, status: 'not-applicable' });
      continue;
    }
    const own: Finding[] = [];
    rule.check({
      source,
      target,
      vm,
      report(messageId, data, place) {
        const spec = rule.messages[messageId];
        if (!spec) throw new Error(`rule ${rule.id} reported unknown message "${messageId}"`);
        const unverified = spec.unverified === true;
        const severity = unverified && options.strict && spec.severity === 'warning' ? 'error' : spec.severity;
        own.push({
          code: `${rule.id}/${messageId}`,
          rule: rule.id,
          severity,
          ruleSeverity: spec.severity,
          message: fillTemplate(spec.text, data),
          remediation: spec.fix === undefined ? null : fillTemplate(spec.fix, data),
          remedy: spec.remedy,
          path: place.path,
          source: place.source ?? null,
          target: place.target ?? null,
          unverified,
          failsSafe: spec.failsSafe === true,
          blocker: spec.blocker === true,
          data,
        });
      },
    });
    checks.push({ rule: rule.id, summary: rule.summary, status: statusOf(own) });
    findings.push(...own);
  }
  return { findings, checks };
}

/** fail (an error), warn (a warning), pass (nothing worse than info). */
export function statusOf(findings: readonly Finding[]): CheckResult['status'] {
  return findings.some((f) => f.severity === 'error') ? 'fail' : findings.some((f) => f.severity === 'warning') ? 'warn' : 'pass';
}
