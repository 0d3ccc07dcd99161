import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
    assert.deepEqual(code(() => readInputFile(dir, 10, 'a note', 'fix')), ['INPUT_NOT_PROFILE', `${dir}: is a directory, not a note`]);
    writeFileSync(join(dir, 'big.txt'), 'x'.repeat(11));
    assert.deepEqual(code(() => readInputFile(join(dir, 'big.txt'), 10, 'a note', 'fix')), ['INPUT_TOO_LARGE', `${join(dir, 'big.txt')}: 11 bytes, more than the 10-byte limit for a note`]);
  });
});
