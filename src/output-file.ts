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

/** Writes `text` to `path` atomically and durably, with `mode`; refuses to replace a file unless `force`. */
export function writeFileAtomic(path: string, text: string, options: { force: boolean; mode?: number }): void {
  let exists = false;
  try {
    const info = statSync(path);
    if (info.isDirectory()) throw new ToolError('OUTPUT_EXISTS', `${path}: is a directory`, 'Name a file.');
    exists = true;
  } catch (error) {
    if (error instanceof ToolError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ToolError('OUTPUT_FAILED', `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'Check the path and its permissions.', { cause: error });
    }
  }
  if (exists && !options.force) {
    throw new ToolError('OUTPUT_EXISTS', `${path}: file exists`, 'Pass --force to replace it, or choose another name.');
  }
  const dir = dirname(path);
  // The temporary name stays short: a long target name must not make it exceed NAME_MAX.
  const temp = join(dir, `.${basename(path).slice(0, 64)}.vdpa-compat-${process.pid}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', options.mode ?? 0o644);
    const buffer = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < buffer.length) written += writeSync(fd, buffer, written);
    // open() filters the mode through the umask; an explicit mode (a hook must be executable) is meant.
    if (options.mode !== undefined) fchmodSync(fd, options.mode);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
    syncDirectory(dir);
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Already failing; the temporary file goes below.
      }
    }
    try {
      rmSync(temp, { force: true });
    } catch {
      // Nothing more can be done; the original error is what the user needs.
    }
    const code = (error as NodeJS.ErrnoException).code;
    throw new ToolError('OUTPUT_FAILED', `cannot write ${path}: ${code ?? (error as Error).message}`, 'Check that the directory exists and is writable, and that the name is not too long.', { cause: error });
  }
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
