/**
 * Schema validation of profiles with the ajv validator compiled from
 * schemas/profile.v1.json at build time (scripts/compile-schemas.mjs), and the
 * fields the schema names. The compiled validator leaves unknown fields alone;
 * whether one is a problem depends on the profile's minor version, so it is
 * decided here ({@link profileSchemaProblems}, docs/profile-format.md
 * "Versioning"). Problems are reported with their JSON pointers, in one pass,
 * but a document that is wrong everywhere gets the first
 * {@link MAX_LISTED_PROBLEMS} and a count of the rest per top-level field:
 * 16,000 bad items once printed 144,003 lines. The validator is loaded on
 * first use: runs that only read dump directories never pay for it.
 */
import type { Validator } from '../generated/profile-validator.js';
import { profileFields, type FieldTree } from '../generated/profile-fields.js';
import type { Problem } from '../errors.js';

let validator: Validator | undefined;

/** Unknown fields kept as problems before the rest are only counted (the validator keeps 100 of its own). */
const KEPT_UNKNOWN_FIELDS = 100;

/** Problems listed one by one; the rest are counted per top-level field. */
export const MAX_LISTED_PROBLEMS = 20;

/**
 * Field names a newer minor may add: camelCase ASCII, like every field the
 * schema has. Anything else (`__proto__`, a name with a control character) is
 * not a field a vdpa-compat wrote.
 */
export const FIELD_NAME = /^[a-z][A-Za-z0-9]{0,63}$/;

/**
 * Characters a profile's text must not hold (schema `$defs/text`): C0, DEL,
 * C1, Unicode line and paragraph separators, bidirectional controls. Printed
 * raw they move the cursor, recolour or clear the terminal, end a log line
 * early or reorder what a reader sees.
 */
// eslint-disable-next-line no-control-regex -- the characters a profile string may not hold
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const UNPRINTABLE_ALL = new RegExp(UNPRINTABLE.source, 'gu');

/** The pattern of `$defs/text`, as ajv reports it in a failed pattern's params. */
const TEXT_PATTERN = `^[^${UNPRINTABLE.source.slice(1, -1)}]*$`;

/** `text` with every unprintable character escaped (\u001b) and cut at `max` characters: safe in a one-line message. */
export function printableText(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(UNPRINTABLE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `text` in double quotes, printable ({@link printableText}). */
export function quoteText(text: string, max = 80): string {
  return `"${printableText(text.replace(/["\\]/g, '\\$&'), max)}"`;
}

/** The first unprintable character of `text`, as U+XXXX, or null. */
function firstUnprintable(text: string): string | null {
  const m = UNPRINTABLE.exec(text);
  return m === null ? null : `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The value a JSON pointer names in `doc`, or undefined. Only own properties: a pointer never walks a prototype. */
function at(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, token)) return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}

/** The top-level field a pointer is under ("/devices" for /devices/3/name), for counting what is not listed. */
function topOf(pointer: string): string {
  return /^\/[^/]*/.exec(pointer)?.[0] ?? '';
}

/**
 * ajv's errors as pointer + message, with the detail ajv keeps in params; at
 * most {@link MAX_LISTED_PROBLEMS}, then one "and N more" per top-level field.
 */
export function problemsOf(errors: Validator['errors'], doc?: unknown): Problem[] {
  const listed: Problem[] = [];
  const more = new Map<string, { count: number; stopped: boolean }>();
  const count = (top: string, n: number, stopped = false) => {
    const seen = more.get(top) ?? { count: 0, stopped: false };
    more.set(top, { count: seen.count + n, stopped: seen.stopped || stopped });
  };
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'errorLimit') {
      count(error.instancePath, Number(params['count']), params['stopped'] === true);
      continue;
    }
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'additionalProperties') message = `has unknown property ${quoteText(String(params['additionalProperty']))}`;
    else if (error.keyword === 'fieldName') message = `has a field ${quoteText(String(params['additionalProperty']))} that is not a camelCase name (a newer schema minor adds fields named like the others)`;
    else if (error.keyword === 'enum') message = `must be one of ${JSON.stringify(params['allowedValues'])}`;
    else if (error.keyword === 'const') message = `must be ${JSON.stringify(params['allowedValue'])}`;
    else if (error.keyword === 'pattern' && params['pattern'] === TEXT_PATTERN) {
      const value = at(doc, error.instancePath);
      const which = typeof value === 'string' ? firstUnprintable(value) : null;
      message = `must not contain control characters${which ? ` (has ${which})` : ''}: profiles carry printable text only`;
    }
    // oneOf branches (policies, rule packs) repeat the same complaint; keep each pointer + message once.
    const key = `${error.instancePath} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (listed.length < MAX_LISTED_PROBLEMS) listed.push({ pointer: error.instancePath, message });
    else count(topOf(error.instancePath), 1);
  }
  const total = listed.length + [...more.values()].reduce((sum, m) => sum + m.count, 0);
  const stopped = [...more.values()].some((m) => m.stopped);
  for (const [top, { count: n }] of more) {
    const all = stopped ? `validation stopped after ${total}` : `${total} in all`;
    listed.push({ pointer: top, message: `and ${stopped ? 'at least ' : ''}${n} more problem${n === 1 ? '' : 's'} under ${top || '/'} (${all}; the first ${MAX_LISTED_PROBLEMS} are listed)` });
  }
  return listed;
}

/** A field the schema does not name: where (the owner's pointer), and its name. */
export interface UnknownField {
  /** JSON pointer of the field itself. */
  pointer: string;
  /** JSON pointer of the object that has it. */
  owner: string;
  name: string;
}

/**
 * The fields of `doc` that the profile schema does not name, in document
 * order, those `keep` keeps, at most `limit` of them (the rest are counted in `more`). Only
 * objects the schema closes are looked at, and unknown fields' values are not
 * walked: they are kept as they are and never read.
 */
export function unknownFields(doc: unknown, limit = Number.POSITIVE_INFINITY, keep: (name: string) => boolean = () => true): { fields: UnknownField[]; more: number } {
  const fields: UnknownField[] = [];
  let more = 0;
  // The field tree is a few levels deep, so the walk is too, whatever the document holds.
  const walk = (node: unknown, tree: FieldTree | null | undefined, pointer: string): void => {
    if (tree == null || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      if (tree.items) node.forEach((item, i) => walk(item, tree.items, `${pointer}/${i}`));
      return;
    }
    if (!tree.fields) return;
    for (const name of Object.keys(node)) {
      const child = Object.hasOwn(tree.fields, name) ? tree.fields[name] : undefined;
      if (child !== undefined) walk((node as Record<string, unknown>)[name], child, `${pointer}/${name}`);
      else if (tree.closed && keep(name)) {
        if (fields.length < limit) fields.push({ pointer: `${pointer}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`, owner: pointer, name });
        else more += 1;
      }
    }
  };
  walk(doc, profileFields, '');
  return { fields, more };
}

/**
 * Validates a parsed document against the profile schema; [] when it
 * conforms. Fields the schema does not name are problems in a profile of this
 * minor or an older one (a typo, or an edit); in a profile of a newer minor
 * they are expected, kept and never read, but must still be named like a
 * field (FIELD_NAME).
 */
export async function profileSchemaProblems(doc: unknown, options: { newerMinor?: boolean } = {}): Promise<Problem[]> {
  validator ??= (await import('../generated/profile-validator.js')).validateProfile;
  const valid = validator(doc);
  const errors = valid ? [] : [...(validator.errors ?? [])];
  // Bounded like the validator's own list: the first ones are kept, the rest only counted.
  const newer = options.newerMinor === true;
  const { fields, more } = unknownFields(doc, KEPT_UNKNOWN_FIELDS, newer ? (name) => !FIELD_NAME.test(name) : undefined);
  for (const f of fields) {
    errors.push({ instancePath: f.owner, schemaPath: '#', keyword: newer ? 'fieldName' : 'additionalProperties', params: { additionalProperty: f.name }, message: '' });
  }
  if (more > 0) errors.push({ instancePath: '', schemaPath: '#', keyword: 'errorLimit', params: { count: more, stopped: false }, message: '' });
  return errors.length === 0 ? [] : problemsOf(errors, doc);
}
