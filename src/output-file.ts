/**
 * Writing files the user names. A file we create appears whole or not at
 * all: written to a temporary file beside it, flushed to disk, renamed over
 * the name, and the directory flushed too, so neither a crash nor a power
 * loss leaves a half-written profile or hook. An existing file is replaced
 * only when asked. An appended line (decision logs) is one write of the whole
 * line to a file opened for appending, so hooks running at once never
 * interleave within a line, then flushed.
 */
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ToolError } from './errors.js';

/** What an errno means for a file we write, and how to fix it. */
const WRITE_ERRORS: Readonly<Record<string, [what: string, fix: string]>> = {
  ENAMETOOLONG: ['name too long', 'Use a shorter name: Linux allows 255 bytes per path component (NAME_MAX) and 4096 per path (PATH_MAX).'],
  ENOENT: ['no such directory', 'Create the directory first, or check the path.'],
  ENOTDIR: ['a component of the path is not a directory', 'Check the path.'],
  EACCES: ['permission denied', 'Write somewhere you may write, or run as a user who may.'],
  EPERM: ['operation not permitted', 'Write somewhere you may write, or run as a user who may.'],
  EROFS: ['read-only file system', 'Write to a writable file system.'],
  ENOSPC: ['no space left on the device', 'Free some space, or write elsewhere.'],
  EDQUOT: ['disk quota exceeded', 'Free some space, or write elsewhere.'],
};

/** A failed write of `path` as the one-line error the user sees; `what` names the output ("dump directory"). */
export function writeFailure(path: string, error: unknown, what = ''): ToolError {
  const code = (error as NodeJS.ErrnoException).code;
  const known = code === undefined ? undefined : WRITE_ERRORS[code];
  const detail = known ? `${known[0]} (${code})` : (code ?? (error as Error).message);
  return new ToolError('OUTPUT_FAILED', `cannot write ${what ? `${what} ` : ''}${path}: ${detail}`, known?.[1] ?? 'Check that the directory exists and is writable.', { cause: error });
}

/** fsync of a directory, so a rename in it is on disk; filesystems that refuse it are left alone. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems (and platforms) cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Creates `path` (never replacing one) holding `text`, and flushes it to disk
 * before returning, so a rename that publishes it cannot outrun its content.
 * With `mode`, the file gets exactly that mode. Errors are the raw fs errors.
 */
export function writeNewFileDurably(path: string, text: string, mode?: number): void {
  const fd = openSync(path, 'wx', mode ?? 0o644);
  try {
    const buffer = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < buffer.length) written += writeSync(fd, buffer, written);
    // open() filters the mode through the umask; an explicit mode (a hook must be executable) is meant.
    if (mode !== undefined) fchmodSync(fd, mode);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A file written beside its name and flushed, not yet in place: {@link stageFile}. */
export interface StagedFile {
  /** Renames it over its name and flushes the directory. */
  commit(): void;
  /** Removes it; the name is left as it was. */
  abort(): void;
}

/**
 * The first half of {@link writeFileAtomic}: refuses a name it may not replace
 * and writes `text` to a temporary beside it, flushed. A command with two
 * outputs (a profile and --save-raw's dump) stages one before writing the
 * other, so a bad name fails before anything is written.
 */
export function stageFile(path: string, text: string, options: { force: boolean; mode?: number }): StagedFile {
  let exists = false;
  try {
    const info = statSync(path);
    if (info.isDirectory()) throw new ToolError('OUTPUT_EXISTS', `${path}: is a directory`, 'Name a file.');
    exists = true;
  } catch (error) {
    if (error instanceof ToolError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw writeFailure(path, error);
  }
  if (exists && !options.force) {
    throw new ToolError('OUTPUT_EXISTS', `${path}: file exists`, 'Pass --force to replace it, or choose another name.');
  }
  const dir = dirname(path);
  // The temporary name stays short: a long target name must not make it exceed NAME_MAX.
  const temp = join(dir, `.${basename(path).slice(0, 64)}.vdpa-compat-${process.pid}.tmp`);
  const abort = () => {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Nothing more can be done; the original error is what the user needs.
    }
  };
  try {
    // A temporary of this name can only be left by a killed run that had our pid: never a live writer.
    rmSync(temp, { force: true });
    writeNewFileDurably(temp, text, options.mode);
  } catch (error) {
    abort();
    throw writeFailure(path, error);
  }
  return {
    commit() {
      try {
        renameSync(temp, path);
        syncDirectory(dir);
      } catch (error) {
        abort();
        throw writeFailure(path, error);
      }
    },
    abort,
  };
}

/** Writes `text` to `path` atomically and durably, with `mode`; refuses to replace a file unless `force`. */
export function writeFileAtomic(path: string, text: string, options: { force: boolean; mode?: number }): void {
  stageFile(path, text, options).commit();
}

/** Appends one line (newline added) to `path`, creating it with `mode`. */
export function appendLine(path: string, line: string, mode = 0o640): void {
  const buffer = Buffer.from(`${line.replace(/\n/g, ' ')}\n`, 'utf8');
  let fd: number | undefined;
  try {
    fd = openSync(path, 'a', mode);
    // One write call: O_APPEND puts the whole buffer at the end, never between another writer's bytes.
    const written = writeSync(fd, buffer);
    if (written !== buffer.length) throw Object.assign(new Error(`short write (${written} of ${buffer.length} bytes)`), { code: 'EIO' });
    fsyncSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ToolError('OUTPUT_FAILED', `cannot append to ${path}: ${code ?? (error as Error).message}`, 'Check that the directory exists and is writable (the decision log is appended to, never replaced).', { cause: error });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
