/** Running one rule on a pair and looking at what it reported. */
import { DEFAULT_VM, type Side, type VmConfig } from '../../src/rules/context.js';
import type { Rule } from '../../src/rules/define.js';
import { evaluate } from '../../src/rules/engine.js';
import type { CheckResult, Finding } from '../../src/rules/finding.js';

/** The VM for a rule test: QEMU's defaults, with what the case changes. */
export function vmWith(changes: Partial<{ [K in keyof VmConfig]: VmConfig[K]['value'] }> = {}): VmConfig {
  const vm: VmConfig = { ...DEFAULT_VM };
  for (const [key, value] of Object.entries(changes)) (vm as unknown as Record<string, unknown>)[key] = { value, origin: 'the test' };
  return vm;
}

/** Findings of one rule on a pair. */
export function run(rule: Rule, source: Side, target: Side, strict = false, vm: VmConfig = DEFAULT_VM): Finding[] {
  return evaluate([rule], source, target, vm, { strict }).findings;
}

/** The rule's result line (pass, warn, fail, not-applicable) on a pair. */
export function status(rule: Rule, source: Side, target: Side, vm: VmConfig = DEFAULT_VM): CheckResult['status'] {
  return evaluate([rule], source, target, vm, { strict: false }).checks[0]?.status ?? 'pass';
}

/** Finding codes, in order. */
export function codes(findings: readonly Finding[]): string[] {
  return findings.map((f) => f.code);
}
