/**
 * The engine for many pairs: each rule's decision without its messages. A
 * fleet decides every ordered pair of thousands of devices, and only the
 * finding codes of the verdict are printed, so nothing is rendered. A side is
 * prepared once per rule: a rule that reads one side, or each side for its
 * own messages, is decided then, once per side; a pair rule's fast form
 * prepares what its decision reads, and a pair costs its `decide`, a few
 * bitmask operations. A rule with neither (a rule pack's) runs its `check`
 * per pair with a report that keeps only the message ids. Same rules, same
 * order, same severities as {@link evaluate}; pure.
 */
import type { Side, VmConfig } from './context.js';
import type { Rule, Severity } from './define.js';

/** A finding as the verdict reads it: no message, no data, no place. */
export interface FindingShell {
  code: string;
  rule: string;
  severity: Severity;
  unverified: boolean;
  failsSafe: boolean;
  blocker: boolean;
}

/** A side prepared for every rule. */
export interface FastSide {
  cls: Side['cls'];
  /** Per rule: what the rule needs of the side for a pair, or {@link NOT_APPLICABLE} to its class. */
  prepared: unknown[];
}

/** The rules compiled for one VM configuration and strictness. */
export interface FastRules {
  prepare(side: Side): FastSide;
  /** The findings check would report for the pair, as shells, in check's order. */
  decide(source: FastSide, target: FastSide): FindingShell[];
}

/** What a one-sided rule found on a side: its own half, as source and as target. */
interface Halves {
  source: FindingShell[];
  target: FindingShell[];
}

/** The rule's device classes do not include the side's. */
const NOT_APPLICABLE = Symbol('not applicable');

type Kind = 'fast' | 'halves' | 'check';

interface Compiled {
  rule: Rule;
  kind: Kind;
  shells: Map<string, FindingShell>;
  /** The fast form's decide, for a rule of kind 'fast'. */
  decide?: NonNullable<Rule['fast']>['decide'];
}

/** A side a one-sided rule says it does not read: reading it is a bug in the rule's `reads`. */
function unread(rule: Rule, role: 'source' | 'target'): Side {
  return new Proxy({} as Side, {
    get() {
      throw new Error(`rule ${rule.id} read the ${role}, but its reads say it does not`);
    },
  });
}

/** Compiles rules for deciding many pairs under one VM configuration. */
export function compileRules(rules: readonly Rule[], vm: VmConfig, options: { strict: boolean }): FastRules {
  const compiled: Compiled[] = rules.map((rule) => {
    const shells = new Map<string, FindingShell>();
    for (const [id, spec] of Object.entries(rule.messages)) {
      const unverified = spec.unverified === true;
      shells.set(id, {
        code: `${rule.id}/${id}`,
        rule: rule.id,
        severity: unverified && options.strict && spec.severity === 'warning' ? 'error' : spec.severity,
        unverified,
        failsSafe: spec.failsSafe === true,
        blocker: spec.blocker === true,
      });
    }
    const kind: Kind = rule.reads !== undefined ? 'halves' : rule.fast !== undefined ? 'fast' : 'check';
    return { rule, kind, shells, ...(kind === 'fast' && rule.fast !== undefined ? { decide: rule.fast.decide } : {}) };
  });
  const shellOf = (c: Compiled, id: string): FindingShell => {
    const shell = c.shells.get(id);
    if (shell === undefined) throw new Error(`rule ${c.rule.id} reported unknown message "${id}"`);
    return shell;
  };
  const run = (c: Compiled, source: Side, target: Side): FindingShell[] => {
    const out: FindingShell[] = [];
    c.rule.check({ source, target, vm, report: (id) => out.push(shellOf(c, id)) });
    return out;
  };
  const halves = (c: Compiled, side: Side): Halves => {
    const reads = c.rule.reads;
    if (reads === 'source') return { source: run(c, side, unread(c.rule, 'target')), target: [] };
    if (reads === 'target') return { source: [], target: run(c, unread(c.rule, 'source'), side) };
    // Separable: both halves of the check on the side alone, each kept in its role.
    const own = new Set((reads as { separable: readonly string[] }).separable.map((id) => shellOf(c, id)));
    const all = run(c, side, side);
    return { source: all.filter((f) => !own.has(f)), target: all.filter((f) => own.has(f)) };
  };
  const applies = (rule: Rule, cls: Side['cls']) => rule.appliesTo === undefined || rule.appliesTo.includes(cls);
  return {
    prepare(side) {
      return {
        cls: side.cls,
        prepared: compiled.map((c) => {
          if (!applies(c.rule, side.cls)) return NOT_APPLICABLE;
          if (c.kind === 'halves') return halves(c, side);
          if (c.kind === 'fast') return c.rule.fast?.prepare(side, vm);
          return side;
        }),
      };
    },
    decide(source, target) {
      const out: FindingShell[] = [];
      for (let i = 0; i < compiled.length; i++) {
        const c = compiled[i] as Compiled;
        const s = source.prepared[i];
        const t = target.prepared[i];
        // A rule that does not apply to a side's class does not apply to the pair.
        if (s === NOT_APPLICABLE || t === NOT_APPLICABLE) continue;
        if (c.decide !== undefined) {
          const ids = c.decide(s, t, vm);
          if (typeof ids === 'string') out.push(shellOf(c, ids));
          else if (ids !== null) for (let k = 0; k < ids.length; k++) out.push(shellOf(c, ids[k] as string));
        } else if (c.kind === 'halves') {
          const own = (s as Halves).source;
          for (let k = 0; k < own.length; k++) out.push(own[k] as FindingShell);
          const theirs = (t as Halves).target;
          for (let k = 0; k < theirs.length; k++) out.push(theirs[k] as FindingShell);
        } else {
          for (const f of run(c, s as Side, t as Side)) out.push(f);
        }
      }
      return out;
    },
  };
}
