/**
 * Reading a policy document (YAML or JSON text; schemas/policy.v1.json): every
 * schema problem at once with its pointer, then the checks a schema cannot
 * make (dates that are real days).
 */
import { InputError, ValidationError, type Problem } from '../errors.js';
import { validatePolicy } from '../generated/policy-validator.js';
import { problemsOf } from '../profile/schema.js';
import { parseYaml } from '../yaml.js';
import type { Policy } from './policy.js';

const FIX = 'Correct the fields named (schemas/policy.v1.json; README "Policies").';

/** Parses and validates a policy; `file` names it in errors. */
export async function parsePolicy(text: string, file: string): Promise<Policy> {
  let doc: unknown;
  if (/\.json$/i.test(file)) {
    try {
      doc = JSON.parse(text);
    } catch (error) {
      throw new InputError('POLICY_PARSE', `${file}: not valid JSON (${(error as Error).message})`, FIX, { cause: error });
    }
  } else {
    doc = await parseYaml(text, file, FIX, 'POLICY_PARSE');
  }
  if (!validatePolicy(doc)) throw new ValidationError(file, problemsOf(validatePolicy.errors), FIX, 'POLICY_INVALID');
  const policy = doc as Policy;
  const problems: Problem[] = [];
  (policy.waivers ?? []).forEach((w, i) => {
    const day = new Date(`${w.expires}T00:00:00Z`);
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== w.expires) problems.push({ pointer: `/waivers/${i}/expires`, message: `"${w.expires}" is not a calendar day` });
  });
  if (problems.length > 0) throw new ValidationError(file, problems, FIX, 'POLICY_INVALID');
  return policy;
}
