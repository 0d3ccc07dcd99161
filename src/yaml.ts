/**
 * Safe YAML for every document the user gives us (profiles, policies, rule
 * packs): the JSON schema only (no custom types, no timestamps), no anchors or
 * aliases at all (none of our formats needs them, and an alias bomb expands a
 * few kilobytes into gigabytes), nesting capped.
 */
import { InputError } from './errors.js';

/**
 * Nesting deeper than any of our documents needs. js-yaml counts two levels
 * more than the containers a document holds (a maxDepth of 64 refuses 63
 * nested containers), so 66 reads the 64 that a profile may hold as JSON
 * (MAX_PROFILE_DEPTH in src/profile/load.ts): what one format writes, the
 * other reads back.
 */
const MAX_YAML_DEPTH = 66;

/** Parses YAML text; `path` names it in errors, `fix` says how to correct it. */
export async function parseYaml(text: string, path: string, fix: string, code: 'PROFILE_PARSE' | 'POLICY_PARSE' | 'RULE_PACK_PARSE' | 'BASELINE_PARSE' = 'PROFILE_PARSE'): Promise<unknown> {
  // Loaded on demand: most runs read dump directories or JSON and never need it.
  const { load, JSON_SCHEMA } = await import('js-yaml');
  try {
    return load(text, { schema: JSON_SCHEMA, filename: path, maxAliases: 0, maxDepth: MAX_YAML_DEPTH });
  } catch (error) {
    const e = error as { reason?: string; mark?: { line: number; column: number } };
    const where = e.mark ? `${path}:${e.mark.line + 1}:${e.mark.column + 1}` : path;
    throw new InputError(code, `${where}: not valid YAML (${e.reason ?? (error as Error).message})`, fix, { cause: error });
  }
}
