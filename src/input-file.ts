/**
 * Reading a file the user pointed us at (a profile, a dump file, a domain
 * XML): its size is checked before a byte is read, so a wrong path to a huge
 * file fails at once with a clear message instead of filling memory.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { InputError } from './errors.js';

/**
 * The text of `path`, or null when there is nothing there. `what` names the
 * expected content in messages ("a profile"); `hint` says how to fix it.
 */
export function readInputFile(path: string, limit: number, what: string, hint: string): string | null {
  let info: Stats;
  try {
    info = statSync(path);
  } catch {
    return null;
  }
  if (!info.isFile()) {
    throw new InputError('INPUT_NOT_PROFILE', `${path}: ${info.isDirectory() ? 'is a directory' : 'not a regular file'}, not ${what}`, hint);
  }
  if (info.size > limit) {
    throw new InputError('INPUT_TOO_LARGE', `${path}: ${info.size} bytes, more than the ${limit}-byte limit for ${what}`, hint);
  }
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError('INPUT_MISSING', `${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, hint, { cause: error });
  }
}
