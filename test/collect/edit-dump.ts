/**
 * Dump directories for the bad-input tests: a real recorded dump copied to a
 * scratch directory with named files edited, so each test says exactly what
 * it changed in the capture.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasStack, type CliResult } from '../helpers/cli.js';

/** A scratch directory for one test file. */
export function scratchDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `vdpa-compat-${prefix}-`));
}

/** Copies `base` to a new directory under `scratch` and rewrites files: each edit gets the file's text (or parsed JSON). */
export async function editedDump(scratch: string, base: string, edits: Record<string, (text: string) => string>): Promise<string> {
  const dir = await mkdtemp(join(scratch, 'dump-'));
  await cp(base, dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    let text = '';
    try {
      text = await readFile(join(dir, file), 'utf8');
    } catch {
      // A file the base dump does not have starts empty.
    }
    await writeFile(join(dir, file), edit(text));
  }
  return dir;
}

/** An edit of a JSON file: `change` gets the parsed document and returns the new one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function json(change: (doc: any) => unknown): (text: string) => string {
  return (text) => JSON.stringify(change(JSON.parse(text)));
}

/**
 * The CLI refused with one typed line: exit 2, `vdpa-compat: <file>: ... <pointer> ... [CODE]; fix: ...`,
 * no stack, nothing on stdout.
 */
export function assertRefused(r: CliResult, expected: { code: string; file?: string; pointer?: string }): void {
  assert.equal(r.code, 2, `exit status ${r.code}; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing on stdout');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  const line = lines[0] ?? '';
  assert.ok(!hasStack(r.stderr), `no stack: ${r.stderr}`);
  assert.match(line, new RegExp(`\\[${expected.code}\\]; fix: \\S`), line);
  assert.ok(!line.includes('[INTERNAL]'), line);
  if (expected.file !== undefined) assert.ok(line.startsWith(`vdpa-compat: ${expected.file}`), `names ${expected.file}: ${line}`);
  if (expected.pointer !== undefined) assert.ok(line.includes(expected.pointer), `names ${expected.pointer}: ${line}`);
}

/** No entry of `dir` whose name contains `part`. */
export async function assertNoEntry(dir: string, part: string): Promise<void> {
  assert.deepEqual(
    (await readdir(dir)).filter((name) => name.includes(part)),
    [],
    `nothing named *${part}* left in ${dir}`,
  );
}
