/** Running one rule on a pair and looking at what it reported; `cases` makes a table of such runs. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEFAULT_VM, type Side, type VmConfig } from '../../src/rules/context.js';
import type { Rule } from '../../src/rules/define.js';
import { evaluate } from '../../src/rules/engine.js';
import type { CheckStatus, Finding } from '../../src/rules/finding.js';

/** What a case changes in the VM, by value (the origin becomes "the test"). */
export type VmChanges = Partial<{ [K in keyof VmConfig]: VmConfig[K]['value'] }>;

/** The VM for a rule test: QEMU's defaults, with what the case changes. */
export function vmWith(changes: VmChanges = {}): VmConfig {
  const vm: VmConfig = { ...DEFAULT_VM };
  for (const [key, value] of Object.entries(changes)) (vm as unknown as Record<string, unknown>)[key] = { value, origin: 'the test' };
  return vm;
}

/** Findings of one rule on a pair, never strict: test/rules/engine.test.ts shows --strict for every rule at once. */
export function run(rule: Rule, source: Side, target: Side, vm: VmConfig = DEFAULT_VM): Finding[] {
  return evaluate([rule], source, target, vm, { strict: false }).findings;
}

/** Finding codes, in order. */
export function codes(findings: readonly Finding[]): string[] {
  return findings.map((f) => f.code);
}

/**
 * One row of a rule's table: what it shows (the test's name), the real
 * devices of the pair (a dump, a device name, and the edit, if any, that
 * makes the case), the VM settings it changes, and the codes the rule gives,
 * in order ([] for a pass).
 */
export interface Case {
  /** What the case demonstrates, in words: it becomes the test's name. */
  shows: string;
  source: () => Promise<Side>;
  target: () => Promise<Side>;
  vm?: VmChanges;
  codes: readonly string[];
  /** The rule's result line, for a case about it (not-applicable). */
  status?: CheckStatus;
  /**
   * What else the findings must show (severity, fields, data), given the pair
   * it ran on. Not called `then`: that would make a row a thenable.
   */
  and?: (findings: Finding[], pair: { source: Side; target: Side }) => void;
}

/** One `it(row.shows)` per row: runs the rule on the pair, asserts the codes (and the status line), then the row's own checks. */
export function cases(rule: Rule, rows: readonly Case[]): void {
  for (const row of rows) {
    it(row.shows, async () => {
      const source = await row.source();
      const target = await row.target();
      const { findings, checks } = evaluate([rule], source, target, vmWith(row.vm), { strict: false });
      assert.deepEqual(codes(findings), row.codes);
      if (row.status !== undefined) assert.equal(checks[0]?.status, row.status);
      row.and?.(findings, { source, target });
    });
  }
}
