/**
 * The dump-directory source: reads a recorded directory back, and writes one
 * atomically and durably for --save-raw, in steps a crash at any point
 * leaves recoverable ({@link writeDump}).
 */
// Synchronous on purpose: a dump is a few small files, and node:fs/promises would load streams
// into every run that only checks (README, "Speed").
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { basename, dirname, join } from 'node:path';
import { InputError, ToolError } from '../errors.js';
import { readInputFile } from '../input-file.js';
import { syncDirectory, writeFailure, writeNewFileDurably } from '../output-file.js';
import { tooDeep } from './json-value.js';
import { DUMP_FILES, OWN_DUMP_FILES, type CommandRecord, type DumpMeta, type RawDump } from './dump-layout.js';

/**
 * No file of a dump is anywhere near this (the largest real one, 256 devices'
 * config, is tens of kilobytes); a larger one is not ours. It also bounds the
 * time `check DIR` spends parsing: JSON.parse reads about 16 MB a second here,
 * so 4 MiB stays a quarter of a second, well inside the hook's deadline.
 */
export const MAX_DUMP_FILE = 4 * 1024 * 1024;

/** Reads one dump file, null when absent. Synchronous: dumps are a few small files read once. */
function readOptional(dir: string, file: string): string | null {
  return readInputFile(join(dir, file), MAX_DUMP_FILE, 'a dump file', 'This is not vdpa output: remove it or record the dump again.');
}

/** Our own files nest four levels at most (vdpa-netlink.json: /mgmtdevs/0/attrs/0); deeper is not ours. */
const MAX_OWN_NESTING = 16;

const OWN_FILE_FIX = 'This file is written by `vdpa-compat collect --save-raw`; record the dump again or delete the file (its facts become unknown).';

function parseOwnJson(text: string | null, path: string): unknown {
  if (text === null) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new InputError('VDPA_JSON_INVALID', `${path}: not valid JSON (${error instanceof Error ? error.message : String(error)})`, OWN_FILE_FIX, { cause: error });
  }
  // Everything after this (checks, messages, --save-raw writing it back) may walk the value recursively.
  const deep = tooDeep(doc, MAX_OWN_NESTING);
  if (deep !== null) throw new InputError('VDPA_OUTPUT_UNEXPECTED', `${path}: ${deep} is nested more than ${MAX_OWN_NESTING} levels deep`, OWN_FILE_FIX);
  return doc;
}

/**
 * Whether a path names a dump directory to read: a directory, or the name of
 * one whose replacement a killed --save-raw left unfinished (readDump then
 * says how to repair it, instead of "no such file").
 */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return interruptedDump(path) !== null;
  }
}

/**
 * Reads a dump directory. The three `vdpa -j` files are required, unless the
 * dump holds what raw netlink read (vdpa-netlink.json); the rest is optional.
 */
export async function readDump(dir: string): Promise<RawDump> {
  const interrupted = interruptedDump(dir);
  if (interrupted !== null) {
    const left = interrupted.fresh !== null ? `its complete new dump in ${interrupted.fresh}` : `the old dump in ${interrupted.old}`;
    throw new InputError(
      'DUMP_INTERRUPTED',
      `${dir}: no such directory: a \`collect --save-raw\` was killed while replacing it and left ${left}`,
      `Move it back: \`mv ${interrupted.fresh ?? interrupted.old} ${dir}\`, or run \`vdpa-compat collect --save-raw ${dir} --force\` again (it repairs this first).`,
    );
  }
  if (!isDirectory(dir)) {
    throw new InputError('INPUT_MISSING', `${dir}: no such directory`, 'Pass a dump directory written by `vdpa-compat collect --save-raw DIR`.');
  }
  const required = [DUMP_FILES.mgmtdevShow, DUMP_FILES.devShow, DUMP_FILES.devConfigShow] as const;
  const texts = required.map((file) => readOptional(dir, file));
  const missing = required.filter((_, i) => texts[i] === null);
  const netlinkText = readOptional(dir, OWN_DUMP_FILES.netlink);
  if (missing.length > 0 && netlinkText === null) {
    throw new InputError(
      'DUMP_INCOMPLETE',
      `${dir}: not a dump directory, missing ${missing.join(', ')}`,
      'A dump directory holds the stdout of `vdpa -j mgmtdev show`, `vdpa -j dev show` and `vdpa -j dev config show` (README, "The dump directory"); record one with `vdpa-compat collect --save-raw DIR`.',
    );
  }
  // With a netlink record, the vdpa tool's files count only when all three are there.
  const [mgmtdevShow, devShow, devConfigShow] = missing.length > 0 ? [null, null, null] : (texts as [string, string, string]);
  const perDevicePath = join(dir, OWN_DUMP_FILES.perDeviceConfig);
  const metaPath = join(dir, OWN_DUMP_FILES.meta);
  return {
    mgmtdevShow,
    devShow,
    devConfigShow,
    vdpaVersion: readOptional(dir, DUMP_FILES.vdpaVersion),
    unameR: readOptional(dir, DUMP_FILES.unameR),
    hostname: readOptional(dir, OWN_DUMP_FILES.hostname),
    perDeviceConfig: parseOwnJson(readOptional(dir, OWN_DUMP_FILES.perDeviceConfig), perDevicePath) as Record<string, CommandRecord> | null,
    sysfs: parseOwnJson(readOptional(dir, OWN_DUMP_FILES.sysfs), join(dir, OWN_DUMP_FILES.sysfs)),
    netlink: parseOwnJson(netlinkText, join(dir, OWN_DUMP_FILES.netlink)),
    vmm: parseOwnJson(readOptional(dir, OWN_DUMP_FILES.vmm), join(dir, OWN_DUMP_FILES.vmm)),
    meta: parseOwnJson(readOptional(dir, OWN_DUMP_FILES.meta), metaPath) as DumpMeta | null,
  };
}

function dumpEntries(raw: RawDump): Array<[string, string]> {
  const entries: Array<[string, string | null]> = [
    [DUMP_FILES.mgmtdevShow, raw.mgmtdevShow],
    [DUMP_FILES.devShow, raw.devShow],
    [DUMP_FILES.devConfigShow, raw.devConfigShow],
    [DUMP_FILES.vdpaVersion, raw.vdpaVersion],
    [DUMP_FILES.unameR, raw.unameR],
    [OWN_DUMP_FILES.hostname, raw.hostname],
    [OWN_DUMP_FILES.perDeviceConfig, raw.perDeviceConfig ? `${JSON.stringify(raw.perDeviceConfig, null, 2)}\n` : null],
    [OWN_DUMP_FILES.sysfs, raw.sysfs ? `${JSON.stringify(raw.sysfs, null, 2)}\n` : null],
    [OWN_DUMP_FILES.netlink, raw.netlink ? `${JSON.stringify(raw.netlink, null, 1)}\n` : null],
    [OWN_DUMP_FILES.vmm, raw.vmm ? `${JSON.stringify(raw.vmm, null, 2)}\n` : null],
    [OWN_DUMP_FILES.meta, raw.meta ? `${JSON.stringify(raw.meta, null, 2)}\n` : null],
  ];
  return entries.filter((entry): entry is [string, string] => entry[1] !== null);
}

/**
 * The siblings a replacement of `dir` uses, beside it in its parent. They are
 * named from DIR alone, so the next run finds what a killed one left:
 * `.NAME.vdpa-compat-new` is a complete new dump (a directory is renamed to
 * it only once every file in it is on disk), `.NAME.vdpa-compat-old` the
 * dump it replaces, `.NAME.vdpa-compat-PID.tmp` one being written. NAME is
 * cut to 48 characters plus a hash of the whole name, so a long DIR cannot
 * make them exceed NAME_MAX and two long names cannot share siblings.
 */
export function dumpSiblings(dir: string): { parent: string; tag: string; fresh: string; old: string; temp: (pid: number) => string } {
  const parent = dirname(dir);
  const name = basename(dir);
  const tag = `.${name.slice(0, 48)}-${bytesToHex(sha256(utf8ToBytes(name))).slice(0, 8)}.vdpa-compat-`;
  return { parent, tag, fresh: join(parent, `${tag}new`), old: join(parent, `${tag}old`), temp: (pid) => join(parent, `${tag}${pid}.tmp`) };
}

/** The durable steps of {@link writeDump}, in order; a test stops the process after any of them. */
export type DumpStep = 'written' | 'ready' | 'old-moved' | 'in-place' | 'old-removed';

/** Options of {@link writeDump}. */
export interface WriteDumpOptions {
  /** Replace an existing non-empty directory. */
  force: boolean;
  /** Called after each durable step (crash tests kill the process there). */
  onStep?: (step: DumpStep) => void;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // A leftover sibling is hidden and harmless; the next run's recovery tries again.
  }
}

/** Whether process `pid` is running (a temporary of a live writer must not be removed). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Finishes or undoes a replacement of `dir` that a killed run left half done,
 * so DIR holds one complete dump again: with DIR missing, the complete new
 * dump is moved in (or, without one, the old one back); with DIR there, the
 * leftover siblings go. Temporaries of writers no longer running go too.
 * Run by every {@link writeDump} before it writes.
 */
export function recoverDump(dir: string): void {
  const { parent, tag, fresh, old } = dumpSiblings(dir);
  if (!exists(dir)) {
    const complete = exists(fresh) ? fresh : exists(old) ? old : null;
    if (complete !== null) {
      try {
        renameSync(complete, dir);
      } catch (error) {
        throw writeFailure(dir, error, 'dump directory (finishing an interrupted --save-raw)');
      }
      syncDirectory(parent);
    }
  }
  if (exists(dir)) {
    removeQuietly(fresh);
    removeQuietly(old);
  }
  let entries: string[] = [];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = entry.startsWith(tag) && entry.endsWith('.tmp') ? Number(entry.slice(tag.length, -'.tmp'.length)) : NaN;
    if (Number.isSafeInteger(pid) && pid !== process.pid && !isRunning(pid)) removeQuietly(join(parent, entry));
  }
  syncDirectory(parent);
}

/** The complete dumps an interrupted replacement left beside `dir`, when DIR itself is missing. */
function interruptedDump(dir: string): { fresh: string | null; old: string | null } | null {
  if (exists(dir)) return null;
  const siblings = dumpSiblings(dir);
  const fresh = exists(siblings.fresh) ? siblings.fresh : null;
  const old = exists(siblings.old) ? siblings.old : null;
  return fresh === null && old === null ? null : { fresh, old };
}

/**
 * Writes a dump directory, atomically and durably. An existing non-empty
 * directory is replaced only with `force`. Linux cannot swap two directories
 * in one step from Node (renameat2 RENAME_EXCHANGE is not exposed), so a
 * replacement is: write every file into a temporary sibling and fsync each
 * and the directory; rename it to `.NAME.vdpa-compat-new` (now complete);
 * rename DIR to `.NAME.vdpa-compat-old`; rename the new one to DIR; remove
 * the old one; the parent is fsynced after each rename. Killed at any point,
 * DIR holds the old or the new complete dump, except between the two renames
 * of DIR: then DIR is missing and both complete dumps are beside it, a state
 * readers report (DUMP_INTERRUPTED, with the command that repairs it) and the
 * next --save-raw DIR repairs first ({@link recoverDump}). One writer of a DIR
 * at a time: the siblings are named from DIR, and the repair removes them.
 * docs/dump-format.md.
 */
export async function writeDump(dir: string, raw: RawDump, options: WriteDumpOptions): Promise<void> {
  const step = options.onStep ?? (() => undefined);
  recoverDump(dir);
  let existing: string[] | null = null;
  try {
    const info = statSync(dir);
    if (!info.isDirectory()) {
      throw new ToolError('OUTPUT_EXISTS', `${dir}: exists and is not a directory`, 'Choose another path for --save-raw.');
    }
    existing = readdirSync(dir);
  } catch (error) {
    if (error instanceof ToolError) throw error;
    // Only "not there yet" means go ahead; a name too long, a permission, is the user's to fix now.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw writeFailure(dir, error, 'dump directory');
  }
  if (existing !== null && existing.length > 0 && !options.force) {
    throw new ToolError('OUTPUT_EXISTS', `${dir}: directory exists and is not empty`, 'Pass --force to replace it, or choose another directory.');
  }
  const { parent, fresh, old, temp: tempOf } = dumpSiblings(dir);
  const temp = tempOf(process.pid);
  // 1. The new dump, whole and on disk, under a name that says it is complete.
  try {
    removeQuietly(temp);
    mkdirSync(temp);
    for (const [file, text] of dumpEntries(raw)) writeNewFileDurably(join(temp, file), text);
    syncDirectory(temp);
    step('written');
    renameSync(temp, fresh);
    syncDirectory(parent);
  } catch (error) {
    removeQuietly(temp);
    throw error instanceof ToolError ? error : writeFailure(dir, error, 'dump directory');
  }
  try {
    step('ready');
  } catch (error) {
    removeQuietly(fresh);
    throw error instanceof ToolError ? error : writeFailure(dir, error, 'dump directory');
  }
  // 2. Into place: one rename when DIR is absent or empty (rename replaces an empty directory).
  if (existing === null || existing.length === 0) {
    try {
      renameSync(fresh, dir);
    } catch (error) {
      removeQuietly(fresh);
      throw writeFailure(dir, error, 'dump directory');
    }
    syncDirectory(parent);
    step('in-place');
    return;
  }
  // 3. Replacing a dump: the old one aside, the new one in, the old one gone.
  try {
    renameSync(dir, old);
  } catch (error) {
    removeQuietly(fresh);
    throw writeFailure(dir, error, 'dump directory');
  }
  syncDirectory(parent);
  try {
    step('old-moved');
    renameSync(fresh, dir);
  } catch (error) {
    // Put the old dump back; if even that fails, the state is the one recoverDump repairs.
    try {
      renameSync(old, dir);
      syncDirectory(parent);
      removeQuietly(fresh);
    } catch {
      throw new ToolError(
        'DUMP_INTERRUPTED',
        `cannot write dump directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; the new dump is in ${fresh}, the old one in ${old}`,
        `Run \`vdpa-compat collect --save-raw ${dir} --force\` again (it finishes the replacement first), or move ${fresh} to ${dir}.`,
        { cause: error },
      );
    }
    throw error instanceof ToolError ? error : writeFailure(dir, error, 'dump directory');
  }
  syncDirectory(parent);
  step('in-place');
  removeQuietly(old);
  syncDirectory(parent);
  step('old-removed');
}
