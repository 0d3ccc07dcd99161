/**
 * Reading a file the user pointed us at (a profile, a dump file, a domain
 * XML): its size is checked before a byte is read, so a wrong path to a huge
 * file fails at once with a clear message instead of filling memory.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { InputError, type ErrorCode } from './errors.js';

/**
 * The code for a path that is not a regular file, by what was expected. A
 * profile keeps its own code (a directory or FIFO where a profile was named is
 * "not a profile"); every other kind of input says what the path is.
 */
const NOT_A_FILE: Readonly<Record<string, ErrorCode>> = { 'a profile': 'INPUT_NOT_PROFILE' };

/** What an errno says, for a message: "EACCES (permission denied)". */
function describeErrno(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    ELOOP: 'too many symbolic links',
    ENOTDIR: 'a component of the path is not a directory',
    ENAMETOOLONG: 'name too long',
    EIO: 'I/O error',
    EISDIR: 'is a directory',
  };
  return e.code === undefined ? e.message : why[e.code] !== undefined ? `${e.code}: ${why[e.code]}` : e.code;
}

/**
 * The text of `path`, or null when there is nothing there (ENOENT only: a
 * path that exists but cannot be looked at is not "no such file", and says
 * why). `what` names the expected content in messages ("a profile"); `hint`
 * says how to fix it.
 */
export function readInputFile(path: string, limit: number, what: string, hint: string): string | null {
  let info: Stats;
  try {
    info = statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new InputError('INPUT_UNREADABLE', `${path}: cannot look at it (${describeErrno(error)})`, hint, { cause: error });
  }
  if (!info.isFile()) {
    throw new InputError(NOT_A_FILE[what] ?? 'INPUT_NOT_FILE', `${path}: ${info.isDirectory() ? 'is a directory' : 'not a regular file'}, not ${what}`, hint);
  }
  if (info.size > limit) {
    throw new InputError('INPUT_TOO_LARGE', `${path}: ${info.size} bytes, more than the ${limit}-byte limit for ${what}`, hint);
  }
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError('INPUT_UNREADABLE', `${path}: cannot read it (${describeErrno(error)})`, hint, { cause: error });
  }
}
