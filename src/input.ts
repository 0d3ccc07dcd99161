/**
 * What the front ends read from files the user names: a SOURCE or TARGET (a
 * profile file or a dump directory), a policy, rule packs. Shared by the CLI
 * and the hook.
 */
import { isDirectory } from './collect/dump.js';
import { InputError, ValidationError } from './errors.js';
import type { BaselineDocument } from './plan/baseline.js';
import { readInputFile } from './input-file.js';
import { loadProfile } from './profile/load.js';
import type { Profile } from './profile/types.js';
import { builtinRules } from './rules/builtin/index.js';
import type { Rule } from './rules/define.js';
import type { Policy } from './verdict/policy.js';

/** Policies and rule packs are kilobytes. */
const MAX_POLICY_BYTES = 1024 * 1024;

/** Loads a profile file, or collects a profile from a dump directory. */
export async function loadInput(path: string): Promise<Profile> {
  // The collector is loaded only for dump directories; profile files never need it.
  if (isDirectory(path)) return (await (await import('./collect/collect.js')).collect({ from: path })).profile;
  return loadProfile(path);
}

function readSmall(file: string, what: string, hint: string): string {
  const text = readInputFile(file, MAX_POLICY_BYTES, what, hint);
  if (text === null) throw new InputError('INPUT_MISSING', `${file}: no such file or directory`, hint);
  return text;
}

/** Reads and validates a policy file (YAML or JSON). */
export async function loadPolicy(file: string): Promise<Policy> {
  const text = readSmall(file, 'a policy', 'Pass a policy file (YAML or JSON; README "Policies").');
  return (await import('./verdict/policy-file.js')).parsePolicy(text, file);
}

/** Reads and validates a baseline (YAML or JSON, as `baseline` writes it); its fingerprint must be its device's. */
export async function loadBaseline(file: string): Promise<BaselineDocument> {
  const hint = 'Pass a baseline as `vdpa-compat baseline` writes it (schemas/baseline.v1.json), or make it again.';
  const text = readSmall(file, 'a baseline', hint);
  let doc: unknown;
  if (/\.json$/i.test(file)) {
    try {
      doc = JSON.parse(text);
    } catch (error) {
      throw new InputError('BASELINE_PARSE', `${file}: not valid JSON (${(error as Error).message})`, hint, { cause: error });
    }
  } else {
    doc = await (await import('./yaml.js')).parseYaml(text, file, hint, 'BASELINE_PARSE');
  }
  const [{ validateBaseline }, { problemsOf }, { baselineFingerprint }] = await Promise.all([import('./generated/baseline-validator.js'), import('./profile/schema.js'), import('./plan/baseline.js')]);
  if (!validateBaseline(doc)) throw new ValidationError(file, problemsOf(validateBaseline.errors), hint, 'BASELINE_INVALID');
  const baseline = doc as BaselineDocument;
  const actual = baselineFingerprint(baseline);
  if (actual !== baseline.fingerprint)
    throw new ValidationError(file, [{ pointer: '/fingerprint', message: `does not match the baseline's device (computed ${actual}): edited by hand? make it again with vdpa-compat baseline` }], hint, 'BASELINE_INVALID');
  return baseline;
}

/** The built-in rules, then every rule of each pack file, in order. */
export async function loadRules(files: readonly string[] = []): Promise<Rule[]> {
  if (files.length === 0) return [...builtinRules];
  const [{ compileRulePack }, { parseYaml }] = await Promise.all([import('./rules/packs/compile.js'), import('./yaml.js')]);
  const rules: Rule[] = [...builtinRules];
  for (const file of files) {
    const hint = 'Pass a rule pack file (YAML or JSON; docs/rule-packs.md).';
    const text = readSmall(file, 'a rule pack', hint);
    let doc: unknown;
    if (/\.json$/i.test(file)) {
      try {
        doc = JSON.parse(text);
      } catch (error) {
        throw new InputError('RULE_PACK_PARSE', `${file}: not valid JSON (${(error as Error).message})`, hint, { cause: error });
      }
    } else {
      doc = await parseYaml(text, file, hint, 'RULE_PACK_PARSE');
    }
    rules.push(...compileRulePack(doc, file, new Set(rules.map((r) => r.id))));
  }
  return rules;
}
