import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../src/errors.js';
import { readInputFile } from '../src/input-file.js';

describe('readInputFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vdpa-compat-input-'));
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof InputError);
      return [error.code, error.message];
    }
    return null;
  };

  it('reads a file, and gives null when there is none', () => {
    writeFileSync(join(dir, 'a.txt'), 'text');
    assert.equal(readInputFile(join(dir, 'a.txt'), 10, 'a note', 'fix'), 'text');
    assert.equal(readInputFile(join(dir, 'absent'), 10, 'a note', 'fix'), null);
  });

  it('refuses a directory and a file over the limit before reading it, naming what was expected', () => {
    assert.deepEqual(
      code(() => readInputFile(dir, 10, 'a note', 'fix')),
      ['INPUT_NOT_FILE', `${dir}: is a directory, not a note`],
    );
    // A profile keeps its own code: a directory named as a profile is not a profile.
    assert.deepEqual(
      code(() => readInputFile(dir, 10, 'a profile', 'fix')),
      ['INPUT_NOT_PROFILE', `${dir}: is a directory, not a profile`],
    );
    writeFileSync(join(dir, 'big.txt'), 'x'.repeat(11));
    assert.deepEqual(
      code(() => readInputFile(join(dir, 'big.txt'), 10, 'a note', 'fix')),
      ['INPUT_TOO_LARGE', `${join(dir, 'big.txt')}: 11 bytes, more than the 10-byte limit for a note`],
    );
  });

  it('tells a path that cannot be looked at from one that is not there (a symlink loop: ELOOP, even for root)', () => {
    const loop = join(dir, 'loop.yaml');
    symlinkSync(loop, loop);
    assert.deepEqual(
      code(() => readInputFile(loop, 10, 'a note', 'fix')),
      ['INPUT_UNREADABLE', `${loop}: cannot look at it (ELOOP: too many symbolic links)`],
    );
    const under = join(dir, 'a.txt', 'x');
    assert.deepEqual(
      code(() => readInputFile(under, 10, 'a note', 'fix')),
      ['INPUT_UNREADABLE', `${under}: cannot look at it (ENOTDIR: a component of the path is not a directory)`],
    );
  });
});
