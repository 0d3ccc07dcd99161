/**
 * Writing files the user asked for: the whole file appears at once (temp file
 * + rename in the same directory) or not at all, and an existing file is only
 * replaced with --force.
 */
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ToolError } from '../errors.js';

/** Writes `text` to `path` atomically; refuses to replace a file unless `force`. */
export async function writeFileAtomic(path: string, text: string, options: { force: boolean }): Promise<void> {
  let exists = false;
  try {
    const info = statSync(path);
    if (info.isDirectory()) throw new ToolError('OUTPUT_EXISTS', `${path}: is a directory`, 'Name a file for -o.');
    exists = true;
  } catch (error) {
    if (error instanceof ToolError) throw error;
  }
  if (exists && !options.force) {
    throw new ToolError('OUTPUT_EXISTS', `${path}: file exists`, 'Pass --force to replace it, or choose another name.');
  }
  const temp = join(dirname(path), `.${basename(path)}.vdpa-compat-${process.pid}.tmp`);
  try {
    writeFileSync(temp, text, { flag: 'wx', mode: 0o644 });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new ToolError('OUTPUT_FAILED', `cannot write ${path}: ${(error as Error).message}`, 'Check that the directory exists and is writable.', { cause: error });
  }
}
