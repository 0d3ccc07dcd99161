/**
 * The fuzz harness: fast-check properties that mutate the real captures in
 * test/fixtures (byte flips, truncation, JSON type swaps, edge numbers, deep
 * nesting, `__proto__` keys, YAML alias bombs, XML entity and character
 * reference tricks) and drive the real parsers in-process. `npm test` runs a
 * short pass of each target; `npm run fuzz` runs FUZZ_RUNS (100,000) inputs per
 * target and prints the figures (test/fuzz/README.md).
 *
 * The invariant every target shares, {@link expectTyped}: an input is either
 * accepted or refused with a ToolError (a stable UPPER_SNAKE code other than
 * INTERNAL, a one-line message with no raw control character), within
 * {@link MAX_MS_PER_INPUT} and without the process growing past
 * {@link MAX_RSS_BYTES}. Each target adds what "accepted" must mean.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import fc from 'fast-check';
import { ToolError } from '../../src/errors.js';
import { repoPath } from '../helpers/paths.js';

/** Inputs per target: a few seconds in `npm test`, FUZZ_RUNS for `npm run fuzz`. */
export const RUNS = Number(process.env['FUZZ_RUNS'] ?? 0) || 0;

/** One input may take this long (the hook's whole budget is seconds, per domain). */
export const MAX_MS_PER_INPUT = 1000;

/** Inputs are at most a few megabytes; a process that keeps more than this has amplified one. */
export const MAX_RSS_BYTES = 1536 * 1024 * 1024;

// The garbage of many inputs grows the process too: only what survives a collection counts.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let lastCollection = 0;

/**
 * Whether the process holds more than MAX_RSS_BYTES of live memory. A full
 * collection costs as much as hundreds of inputs, so it runs only when the
 * process looks larger, and at most once per 500 inputs; one input that
 * amplifies itself runs into the heap limit first (npm run fuzz: 1 GiB) and
 * fails its test.
 */
function overMemory(inputs: number): number | null {
  if (process.memoryUsage.rss() <= MAX_RSS_BYTES || inputs - lastCollection < 500) return null;
  lastCollection = inputs;
  collectGarbage();
  const { heapUsed, external, arrayBuffers } = process.memoryUsage();
  const live = heapUsed + external + arrayBuffers;
  return live > MAX_RSS_BYTES ? live : null;
}

/** Characters that must never reach a message raw (what profiles refuse, see src/profile/schema.ts). */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** What one input did, for the figures. */
export type Outcome = 'accepted' | 'unverified' | `refused ${string}`;

/** Per-target figures: inputs, outcomes, slowest input. */
export class Figures {
  readonly outcomes = new Map<string, number>();
  inputs = 0;
  slowestMs = 0;
  readonly started = Date.now();
  constructor(readonly target: string) {}
  add(outcome: Outcome, ms: number): void {
    this.inputs += 1;
    this.slowestMs = Math.max(this.slowestMs, ms);
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }
  /** One line for the fuzz report. */
  line(): string {
    const top = [...this.outcomes]
      .sort((a, b) => b[1] - a[1])
      .map(([o, n]) => `${o} ${n}`)
      .join(', ');
    return `fuzz ${this.target}: ${this.inputs} inputs in ${((Date.now() - this.started) / 1000).toFixed(1)} s, slowest ${this.slowestMs.toFixed(0)} ms; ${top}`;
  }
}

/** Whether an error is one the invariant allows: typed, coded, one printable line. */
export function typedProblem(error: unknown): string | null {
  if (!(error instanceof ToolError)) return `not a ToolError: ${error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error)}`;
  if (!/^[A-Z][A-Z_]*$/.test(error.code) || error.code === 'INTERNAL') return `code ${error.code}`;
  if (error.message.includes('\n')) return `message of ${error.message.split('\n').length} lines: ${JSON.stringify(error.message.slice(0, 200))}`;
  if (UNPRINTABLE.test(error.message)) return `raw control character in the message: ${JSON.stringify(error.message.slice(0, 200))}`;
  if (error.hint !== undefined && /[\n\u001b]/.test(error.hint)) return 'control character in the hint';
  return null;
}

/**
 * Runs one input through `run`, then `accepted` on what it returned: the
 * invariant of the target.
 */
export async function expectTyped<T>(figures: Figures, run: () => T | Promise<T>, accepted: (value: T) => void | Promise<void>): Promise<void> {
  // Only the parser is timed: the checks of what it accepted (a round trip, say) are the harness's cost.
  const start = process.hrtime.bigint();
  let outcome: Outcome;
  let value: T | undefined;
  let ok = false;
  try {
    value = await run();
    ok = true;
    outcome = 'accepted';
  } catch (error) {
    const problem = typedProblem(error);
    if (problem !== null) throw new assert.AssertionError({ message: `untyped failure: ${problem}${error instanceof Error && error.stack ? `\n${error.stack}` : ''}` });
    outcome = `refused ${(error as ToolError).code}`;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  figures.add(outcome, ms);
  assert.ok(ms <= MAX_MS_PER_INPUT, `one input took ${ms.toFixed(0)} ms`);
  const live = overMemory(figures.inputs);
  assert.ok(live === null, `the process holds ${live} bytes after one input`);
  if (ok) await accepted(value as T);
}

/**
 * Whether an edited tree still fits in the file it stands for (`limit` bytes as JSON): the
 * readers refuse larger files before parsing, so larger inputs test nothing real.
 */
export function fits(tree: unknown, limit: number): boolean {
  try {
    return (JSON.stringify(tree)?.length ?? 0) <= limit;
  } catch {
    return false; // longer than V8's longest string: far past any limit
  }
}

/** fast-check parameters: `runs` in npm test, RUNS under npm run fuzz; a fixed seed unless FUZZ_SEED says otherwise. */
export function params(runs: number): fc.Parameters<unknown> {
  const seed = process.env['FUZZ_SEED'];
  return { numRuns: RUNS || runs, ...(seed !== undefined ? { seed: Number(seed) } : {}), endOnFailure: false };
}

/** Files under test/fixtures whose path matches, read as text, at least `atLeast` of them (a corpus cannot be empty by mistake). */
export function seeds(match: RegExp, atLeast: number, under = 'test/fixtures'): Array<{ name: string; text: string }> {
  const root = repoPath(under);
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isSymbolicLink()) return [];
      return e.isDirectory() ? walk(path) : [path];
    });
  const found = walk(root)
    .filter((p) => match.test(p) && statSync(p).size > 0)
    .sort()
    .map((p) => ({ name: p.slice(root.length + 1), text: readFileSync(p, 'utf8') }));
  assert.ok(found.length >= atLeast, `only ${found.length} seeds match ${match}`);
  return found;
}

/** Values that have broken parsers before: edge numbers, odd types, special keys' values. */
export const edgeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -0,
    -1,
    1.5,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    2 ** 64,
    -(2 ** 63),
    1e308,
    -1e308,
    5e-324,
    '',
    ' ',
    '0',
    '0x',
    'NaN',
    'up ',
    '\u0000',
    '\u001b[2J',
    '\u202e',
    '../../etc/passwd',
    '/dev/vhost-vdpa-0',
    [],
    {},
    [[[]]],
    { __proto__: null },
  ),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 2 }),
);

/** One change of a JSON tree. */
export type TreeEdit =
  | { kind: 'set'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; value: unknown }
  | { kind: 'swap'; at: number }
  | { kind: 'nest'; at: number; depth: number }
  | { kind: 'grow'; at: number; copies: number };

export const treeEdit: fc.Arbitrary<TreeEdit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: edgeValue }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('add' as const),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'error', 'link ', 'x\u001b', ''), fc.string({ maxLength: 6 })),
    value: edgeValue,
  }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('nest' as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant('grow' as const), at: fc.nat(), copies: fc.integer({ min: 2, max: 1000 }) }),
);

type Node = Record<string, unknown> | unknown[];

/** What one `grow` edit may add, as JSON. */
const GROW_BYTES = 1024 * 1024;

/** Every container and key in the tree, as [parent, key] (the root as [null, null]). */
function slots(doc: unknown): Array<[Node | null, string | number | null]> {
  const out: Array<[Node | null, string | number | null]> = [[null, null]];
  const stack: unknown[] = [doc];
  while (stack.length > 0 && out.length < 5000) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    for (const [k, v] of Object.entries(node)) {
      out.push([node as Node, Array.isArray(node) ? Number(k) : k]);
      stack.push(v);
    }
  }
  return out;
}

/** The other JSON type of a value: a string for a number, an object for an array, … */
function swapped(value: unknown): unknown {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return /^-?\d+$/.test(value) ? Number(value) : [value];
  if (typeof value === 'boolean') return value ? 1 : 'false';
  if (value === null) return {};
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), v]));
  return Object.values(value as object);
}

/** Applies edits to a JSON tree (a copy is returned; `__proto__` keys are made own properties, as JSON.parse does). */
export function editTree(doc: unknown, edits: readonly TreeEdit[]): unknown {
  let root: unknown = structuredClone(doc);
  for (const e of edits) {
    const all = slots(root);
    const [parent, key] = all[e.at % all.length]!;
    const get = () => (parent === null ? root : (parent as Record<string | number, unknown>)[key as string]);
    const put = (value: unknown) => {
      if (parent === null) root = value;
      else Object.defineProperty(parent, key as string, { value, enumerable: true, writable: true, configurable: true });
    };
    if (e.kind === 'set') put(structuredClone(e.value));
    else if (e.kind === 'swap') put(swapped(get()));
    else if (e.kind === 'nest') {
      let value = get();
      for (let i = 0; i < e.depth; i++) value = i % 2 ? [value] : { x: value };
      put(value);
    } else if (e.kind === 'grow') {
      // Copies of one value, no more than GROW_BYTES of them: a few edits must not compound into gigabytes.
      // Each copy is its own: shared, a later edit inside one copy would change them all and multiply.
      const value = get();
      const copies = Math.max(2, Math.min(e.copies, Math.floor(GROW_BYTES / ((JSON.stringify(value) ?? '').length + 1))));
      put(Array.from({ length: copies }, () => structuredClone(value)));
    } else if (e.kind === 'delete' && parent !== null) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key as string];
    } else if (e.kind === 'add') {
      const target = get();
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) Object.defineProperty(target, e.key, { value: structuredClone(e.value), enumerable: true, writable: true, configurable: true });
    }
  }
  return root;
}

/** One change of a text. */
export type TextEdit =
  { kind: 'flip'; at: number; bit: number } | { kind: 'truncate'; at: number } | { kind: 'insert'; at: number; text: string } | { kind: 'delete'; at: number; length: number } | { kind: 'repeat'; at: number; length: number; times: number };

/** Text edits, with `tokens` the format's own tricks (aliases, entities, character references…). */
export function textEdit(tokens: readonly string[]): fc.Arbitrary<TextEdit> {
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 4, unit: 'binary' })) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 2, max: 500 }) }),
  );
}

/** Applies text edits; byte flips act on the UTF-8 bytes, so they make invalid sequences too. */
export function editText(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of edits) {
    const at = out.length === 0 ? 0 : e.at % (out.length + 1);
    if (e.kind === 'flip') {
      const bytes = Buffer.from(out, 'utf8');
      if (bytes.length === 0) continue;
      const i = e.at % bytes.length;
      bytes[i] = (bytes[i] ?? 0) ^ (1 << e.bit);
      out = bytes.toString('utf8');
    } else if (e.kind === 'truncate') out = out.slice(0, at);
    else if (e.kind === 'insert') out = out.slice(0, at) + e.text + out.slice(at);
    else if (e.kind === 'delete') out = out.slice(0, at) + out.slice(at + e.length);
    else out = out.slice(0, at) + out.slice(at, at + e.length).repeat(e.times) + out.slice(at + e.length);
  }
  return out;
}

/** The target's summary line, as a diagnostic of its test (npm run fuzz collects them). */
export function report(figures: Figures, t: { diagnostic(message: string): void }): void {
  t.diagnostic(figures.line());
}
