import { hasControls } from '../control-chars.js';

/**
 * JSON values read from files we do not control (a dump directory, `vdpa -j`
 * output): quoting one in a message without trusting its shape, capping how
 * deep it nests, and reading only its own keys. JSON.parse is iterative and
 * reads any depth, but JSON.stringify and every recursive walk are not: an
 * array nested 100000 deep overflowed the stack in an error message (issue 8).
 */

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The value of an own key, undefined otherwise: a device named `constructor`
 * or `toString` must not read Object.prototype's members as its facts.
 */
export function ownValue(record: object, key: string): unknown {
  return Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined;
}

/** Longest preview a message quotes; the file itself holds the rest. */
const PREVIEW_CHARS = 60;

/**
 * A short, bounded rendering of a JSON value for messages: two levels deep,
 * a few members, a few dozen characters. Never throws and never recurses
 * past two levels, whatever the value (a key named "toString" included).
 */
export function previewJson(value: unknown): string {
  const text = preview(value, 0);
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

function preview(value: unknown, depth: number): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > PREVIEW_CHARS ? `${value.slice(0, PREVIEW_CHARS)}…` : value);
  if (Array.isArray(value)) {
    if (depth >= 2) return value.length === 0 ? '[]' : '[…]';
    const items = value.slice(0, 4).map((item: unknown) => preview(item, depth + 1));
    return `[${items.join(',')}${value.length > 4 ? ',…' : ''}]`;
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    if (depth >= 2) return keys.length === 0 ? '{}' : '{…}';
    const members = keys.slice(0, 3).map((key) => `${JSON.stringify(key)}:${preview((value as Record<string, unknown>)[key], depth + 1)}`);
    return `{${members.join(',')}${keys.length > 3 ? ',…' : ''}}`;
  }
  return typeof value;
}

/** RFC 6901 escaping of one pointer token (handles contain "/"). */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The JSON pointer of the first value nested deeper than `limit` levels, or
 * null. Iterative, so it cannot overflow the stack it protects.
 */
export function tooDeep(doc: unknown, limit: number): string | null {
  const stack: Array<[value: unknown, pointer: string, depth: number]> = [[doc, '', 0]];
  while (stack.length > 0) {
    const [value, pointer, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limit) return pointer;
    if (Array.isArray(value)) value.forEach((item: unknown, i) => stack.push([item, `${pointer}/${i}`, depth + 1]));
    else for (const [key, item] of Object.entries(value)) stack.push([item, `${pointer}/${pointerToken(key)}`, depth + 1]);
  }
  return null;
}

/**
 * The JSON pointer of the first key or string that holds a control character,
 * or null. What the kernel names (devices, parents, features, drivers) is
 * printable, and profiles refuse anything else; found here, the error names the
 * file and field instead of a profile field collect made. Iterative, like tooDeep.
 */
export function controlString(doc: unknown): string | null {
  const stack: Array<[value: unknown, pointer: string]> = [[doc, '']];
  while (stack.length > 0) {
    const [value, pointer] = stack.pop()!;
    if (typeof value === 'string') {
      if (hasControls(value)) return pointer;
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) value.forEach((item: unknown, i) => stack.push([item, `${pointer}/${i}`]));
    else
      for (const [key, item] of Object.entries(value)) {
        if (hasControls(key)) return `${pointer}/${pointerToken(key)}`;
        stack.push([item, `${pointer}/${pointerToken(key)}`]);
      }
  }
  return null;
}
