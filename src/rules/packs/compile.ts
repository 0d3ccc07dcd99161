/**
 * Rule packs (`check --rules FILE`, schemas/rule-pack.v1.json) compiled into
 * the same Rule shape as the built-in rules. An expression tests a named fact
 * of one side (packs/facts.ts) with a closed set of operators in the spirit of
 * Node Feature Discovery, plus pair operators that compare a fact with the
 * other side's. Logic is three-valued: an unknown fact makes an expression
 * unknown, and a rule with an unknown requirement (and none failing) reports
 * "could not verify" — never "absent", unlike NFD's DoesNotExist. Pure: the
 * caller parses the file.
 */
import satisfies from 'semver/functions/satisfies.js';
import validRange from 'semver/ranges/valid.js';
import coerce from 'semver/functions/coerce.js';
import { ValidationError, type Problem } from '../../errors.js';
import { validateRulePack } from '../../generated/rule-pack-validator.js';
import { problemsOf } from '../../profile/schema.js';
import { describeBits } from '../../profile/feature-bits.js';
import type { Side } from '../context.js';
import { defineRule, type RemedyKind, type Rule, type Severity } from '../define.js';
import { isFactName, readFact, type Fact, type FactValue, type FeatureSet } from './facts.js';

type Op = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt' | 'GtLt' | 'IsTrue' | 'IsFalse' | 'VersionIn' | 'Equals' | 'SubsetOf' | 'SupersetOf';

/** One expression of a pack. */
export interface Expression {
  fact: string;
  op: Op;
  values?: Array<string | number>;
  value?: number | string | number[];
  other?: string;
}

/** One rule of a pack, as written. */
export interface PackRule {
  id: string;
  summary: string;
  severity: Severity;
  remedy?: RemedyKind;
  appliesTo?: Array<'net' | 'blk' | 'other'>;
  doc?: string;
  message?: string;
  fix?: string;
  when?: Expression[];
  require: Expression[];
}

/** A pack document. */
export interface RulePack {
  kind: 'vdpa-compat/rule-pack';
  schemaVersion: string;
  name: string;
  rules: PackRule[];
}

type Truth = true | false | { unknown: string };

const isSet = (v: FactValue): v is FeatureSet => v !== null && typeof v === 'object';

function show(v: FactValue): string {
  if (v === null) return 'absent';
  if (isSet(v)) return `{${describeBits(v.present, 'net') || 'nothing'}}`;
  return JSON.stringify(v);
}

const ALL = (1n << 64n) - 1n;

/** A ⊆ B over three-valued bit sets: false on a bit known in A and known absent from B; unknown while a bit A may hold is not known in B. */
function subset(a: FeatureSet, b: FeatureSet): Truth {
  if ((a.present & b.absent) !== 0n) return false;
  const open = ALL & ~a.absent & ~b.present;
  return open === 0n ? true : { unknown: `whether ${describeBits(open, 'net')} are in both is not known` };
}

function versionOf(v: FactValue): string | null {
  return typeof v === 'string' || typeof v === 'number' ? (coerce(String(v))?.version ?? null) : null;
}

/** Evaluates one expression on a pair, reading `fact` from its own side. */
function test(e: Expression, source: Side, target: Side): Truth {
  const sideOf = (name: string) => (name.startsWith('source.') ? source : target);
  const nameOf = (name: string) => name.slice(name.indexOf('.') + 1);
  const fact: Fact = readFact(sideOf(e.fact), nameOf(e.fact));
  if (!fact.known) return { unknown: `${e.fact}: ${fact.why}` };
  const v = fact.value;
  switch (e.op) {
    case 'Exists':
      return v !== null;
    case 'DoesNotExist':
      return v === null;
    case 'IsTrue':
      return v === true;
    case 'IsFalse':
      return v === false;
    case 'In':
      return v !== null && !isSet(v) && (e.values ?? []).some((x) => String(x) === String(v));
    case 'NotIn':
      return v === null || isSet(v) || !(e.values ?? []).some((x) => String(x) === String(v));
    case 'Gt':
      return typeof v === 'number' && v > Number(e.value);
    case 'Lt':
      return typeof v === 'number' && v < Number(e.value);
    case 'GtLt': {
      const [low = 0, high = 0] = Array.isArray(e.value) ? e.value : [];
      return typeof v === 'number' && v > low && v < high;
    }
    case 'VersionIn': {
      const version = versionOf(v);
      return version !== null && satisfies(version, String(e.value));
    }
    case 'Equals':
    case 'SubsetOf':
    case 'SupersetOf': {
      const other: Fact = readFact(sideOf(e.other ?? ''), nameOf(e.other ?? ''));
      if (!other.known) return { unknown: `${e.other}: ${other.why}` };
      const w = other.value;
      if (isSet(v) && isSet(w)) {
        if (e.op === 'SubsetOf') return subset(v, w);
        if (e.op === 'SupersetOf') return subset(w, v);
        const ab = subset(v, w);
        const ba = subset(w, v);
        return ab === false || ba === false ? false : ab === true && ba === true ? true : typeof ab === 'object' ? ab : ba;
      }
      if (e.op !== 'Equals') return { unknown: `${e.op} compares feature sets; ${e.fact} and ${e.other} are not both sets` };
      return JSON.stringify(v) === JSON.stringify(w);
    }
  }
}

/** Describes a failed expression: what the fact is and what was required. */
function describe(e: Expression, source: Side, target: Side): string {
  const side = e.fact.startsWith('source.') ? source : target;
  const fact = readFact(side, e.fact.slice(e.fact.indexOf('.') + 1));
  const actual = fact.known ? show(fact.value) : 'unknown';
  const wanted = e.values !== undefined ? JSON.stringify(e.values) : e.other !== undefined ? e.other : e.value !== undefined ? JSON.stringify(e.value) : '';
  return `${e.fact} is ${actual}, required ${e.op}${wanted ? ` ${wanted}` : ''}`;
}

/** All of a list: false if any is false, else unknown if any is unknown, else true. */
function all(list: readonly Expression[], source: Side, target: Side): { truth: Truth; failed: Expression[]; unknown: string[] } {
  const results = list.map((e) => ({ e, t: test(e, source, target) }));
  const failed = results.filter((r) => r.t === false).map((r) => r.e);
  const unknown = results.flatMap((r) => (typeof r.t === 'object' ? [r.t.unknown] : []));
  return { truth: failed.length > 0 ? false : unknown.length > 0 ? { unknown: unknown.join('; ') } : true, failed, unknown };
}

/** Problems a schema cannot see: fact names, operands, ids taken by built-in rules or repeated. */
function semanticProblems(pack: RulePack, takenIds: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  pack.rules.forEach((rule, i) => {
    const at = `/rules/${i}`;
    if (takenIds.has(rule.id)) problems.push({ pointer: `${at}/id`, message: `"${rule.id}" is a built-in rule's id; choose another` });
    if (seen.has(rule.id)) problems.push({ pointer: `${at}/id`, message: `"${rule.id}" is used twice in the pack` });
    seen.add(rule.id);
    for (const [key, list] of [['when', rule.when ?? []], ['require', rule.require]] as const) {
      list.forEach((e, j) => {
        const p = `${at}/${key}/${j}`;
        for (const [field, name] of [['fact', e.fact], ['other', e.other]] as const) {
          if (name !== undefined && !isFactName(name.slice(name.indexOf('.') + 1))) problems.push({ pointer: `${p}/${field}`, message: `"${name}" is not a fact rule packs know (docs/rule-packs.md lists them)` });
        }
        const needs: Record<Op, string | null> = { In: 'values', NotIn: 'values', Gt: 'value', Lt: 'value', GtLt: 'value', VersionIn: 'value', Equals: 'other', SubsetOf: 'other', SupersetOf: 'other', Exists: null, DoesNotExist: null, IsTrue: null, IsFalse: null };
        const need = needs[e.op];
        if (need !== null && e[need as keyof Expression] === undefined) problems.push({ pointer: p, message: `${e.op} needs "${need}"` });
        if ((e.op === 'Gt' || e.op === 'Lt') && typeof e.value !== 'number') problems.push({ pointer: `${p}/value`, message: `${e.op} needs a number` });
        if (e.op === 'GtLt' && !(Array.isArray(e.value) && e.value.length === 2)) problems.push({ pointer: `${p}/value`, message: 'GtLt needs [low, high]' });
        if (e.op === 'VersionIn' && (typeof e.value !== 'string' || validRange(e.value) === null)) problems.push({ pointer: `${p}/value`, message: 'VersionIn needs a semver range such as ">=6.12.0"' });
      });
    }
  });
  return problems;
}

/** Validates a parsed pack document (`file` names it in errors) and compiles its rules. */
export function compileRulePack(doc: unknown, file: string, takenIds: ReadonlySet<string>): Rule[] {
  const fix = 'Correct the fields named (schemas/rule-pack.v1.json, docs/rule-packs.md).';
  if (!validateRulePack(doc)) throw new ValidationError(file, problemsOf(validateRulePack.errors).slice(0, 50), fix, 'RULE_PACK_INVALID');
  const pack = doc as RulePack;
  const problems = semanticProblems(pack, takenIds);
  if (problems.length > 0) throw new ValidationError(file, problems.slice(0, 50), fix, 'RULE_PACK_INVALID');
  return pack.rules.map((r) => compileRule(r, `${file} (pack ${pack.name})`));
}

function compileRule(rule: PackRule, origin: string): Rule {
  const remedy = rule.remedy ?? 'none';
  const compiled = defineRule({
    id: rule.id,
    summary: rule.summary,
    ...(rule.appliesTo !== undefined ? { appliesTo: rule.appliesTo } : {}),
    messages: {
      violated: { severity: rule.severity, remedy, text: rule.message ?? `${rule.summary}: {failed}`, ...(rule.fix !== undefined ? { fix: rule.fix } : {}) },
      unverified: {
        severity: 'warning',
        unverified: true,
        remedy: 'collect-more-facts',
        text: `could not verify "${rule.summary}": {why}`,
        fix: 'Collect the hosts with raw netlink and on the hosts themselves, so the facts this site rule reads are known.',
      },
    },
    check({ source, target, report }) {
      const data = { source: source.name, target: target.name };
      const when = all(rule.when ?? [], source, target);
      if (when.truth === false) return;
      if (typeof when.truth === 'object') {
        report('unverified', { ...data, why: `whether the rule applies is unknown: ${when.truth.unknown}` }, { path: '/' });
        return;
      }
      const require = all(rule.require, source, target);
      if (require.truth === false) {
        const failed = require.failed.map((e) => describe(e, source, target)).join('; ');
        report('violated', { ...data, failed }, { path: '/', source: null, target: null });
      } else if (typeof require.truth === 'object') {
        report('unverified', { ...data, why: require.truth.unknown }, { path: '/' });
      }
    },
  });
  // The same shape as a built-in rule's docs/rules/<id>.md, so explain prints it alike.
  const doc = [
    `# ${rule.id}`,
    '',
    `${rule.summary} (site rule from ${origin}).`,
    ...(rule.doc !== undefined ? ['', rule.doc.trim()] : []),
    '',
    '## Codes',
    '',
    `### \`${rule.id}/violated\``,
    '',
    `Severity: ${rule.severity}. Reported when a requirement does not hold: ${rule.require.map((e) => `${e.fact} ${e.op}${e.values ? ` ${JSON.stringify(e.values)}` : e.other ? ` ${e.other}` : e.value !== undefined ? ` ${JSON.stringify(e.value)}` : ''}`).join('; ')}.`,
    ...(rule.fix !== undefined ? ['', `**Fix:** ${rule.fix}`] : []),
    '',
    `### \`${rule.id}/unverified\``,
    '',
    'Severity: warning, marked "could not verify": a fact the rule reads is unknown, so it cannot say whether the requirement holds.',
    '',
  ].join('\n');
  return { ...compiled, origin, doc };
}
