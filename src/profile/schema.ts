/**
 * Schema validation of profiles with the ajv validator compiled from
 * schemas/profile.v1.json at build time (scripts/compile-schemas.mjs). Every
 * problem is returned, each with its JSON pointer. The validator is loaded on
 * first use: runs that only read dump directories never pay for it.
 */
import type { Validator } from '../generated/profile-validator.js';
import type { Problem } from '../errors.js';

let validator: Validator | undefined;

/** ajv's errors as pointer + message, with the detail ajv keeps in params. */
export function problemsOf(errors: Validator['errors']): Problem[] {
  return (errors ?? []).map((error) => {
    const params = error.params as Record<string, unknown>;
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'additionalProperties') message = `has unknown property "${String(params['additionalProperty'])}"`;
    else if (error.keyword === 'enum') message = `must be one of ${JSON.stringify(params['allowedValues'])}`;
    else if (error.keyword === 'const') message = `must be ${JSON.stringify(params['allowedValue'])}`;
    return { pointer: error.instancePath, message };
  });
}

/** Validates a parsed document against the profile schema; [] when it conforms. */
export async function profileSchemaProblems(doc: unknown): Promise<Problem[]> {
  validator ??= (await import('../generated/profile-validator.js')).validateProfile;
  return validator(doc) ? [] : dedupe(problemsOf(validator.errors));
}

/** oneOf branches repeat the same complaint; keep each pointer + message once. */
function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.pointer} ${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
