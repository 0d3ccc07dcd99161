/** Running one rule on a pair and looking at what it reported. */
import type { DeviceFacts } from '../../src/profile/facts.js';
import type { Rule } from '../../src/rules/define.js';
import { evaluate } from '../../src/rules/engine.js';
import type { Finding } from '../../src/rules/finding.js';

/** Findings of one rule on a pair. */
export function run(rule: Rule, source: DeviceFacts, target: DeviceFacts, strict = false): Finding[] {
  return evaluate([rule], source, target, { strict }).findings;
}

/** Finding codes, in order. */
export function codes(findings: readonly Finding[]): string[] {
  return findings.map((f) => f.code);
}
