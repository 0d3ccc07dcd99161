/**
 * The dump-directory source: reads a recorded directory back, and writes one
 * atomically (a temporary sibling directory, then rename) for --save-raw.
 */
// Synchronous on purpose: a dump is a few small files, and node:fs/promises would load streams
// into every run that only checks (README, "Speed").
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, ToolError } from '../errors.js';
import { readInputFile } from '../input-file.js';
import { writeFailure } from '../output-file.js';
import { tooDeep } from './json-value.js';
import { DUMP_FILES, OWN_DUMP_FILES, type CommandRecord, type DumpMeta, type RawDump } from './dump-layout.js';

/** No file of a dump is anywhere near this; a larger one is not ours. */
export const MAX_DUMP_FILE = 16 * 1024 * 1024;

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

/** Whether a path is a directory (false when it does not exist). */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Reads a dump directory. The three `vdpa -j` files are required, unless the
 * dump holds what raw netlink read (vdpa-netlink.json); the rest is optional.
 */
export async function readDump(dir: string): Promise<RawDump> {
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
 * Writes a dump directory. An existing non-empty directory is replaced only
 * with `force`; either way the new content appears at once or not at all.
 */
export async function writeDump(dir: string, raw: RawDump, options: { force: boolean }): Promise<void> {
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
  const parent = dirname(dir);
  // Sibling names stay short: a long DIR must not make them exceed NAME_MAX.
  const temp = join(parent, `.${basename(dir).slice(0, 64)}.vdpa-compat-${process.pid}.tmp`);
  try {
    mkdirSync(temp, { recursive: false });
    for (const [file, text] of dumpEntries(raw)) writeFileSync(join(temp, file), text, { flag: 'wx' });
    if (existing === null) {
      renameSync(temp, dir);
    } else {
      const old = join(parent, `.${basename(dir).slice(0, 64)}.vdpa-compat-${process.pid}.old`);
      renameSync(dir, old);
      renameSync(temp, dir);
      rmSync(old, { recursive: true, force: true });
    }
  } catch (error) {
    try {
      rmSync(temp, { recursive: true, force: true });
    } catch {
      // Already failing; the original error is what the user needs.
    }
    if (error instanceof ToolError) throw error;
    throw writeFailure(dir, error, 'dump directory');
  }
}
