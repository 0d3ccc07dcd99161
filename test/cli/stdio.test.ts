/**
 * The CLI's own output: standard output and error are written straight to
 * file descriptors (src/cli/stdio.ts). A write that fails is exit 2 and one
 * line, never 1 (which an orchestrator reads as "incompatible"); --debug
 * stack traces name the TypeScript sources through the bundle's source map.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, repoPath } from '../helpers/paths.js';

const NEGOTIATED = repoPath('profiles/vdpasim/k6.12-negotiated');
const MTU9000 = repoPath('profiles/vdpasim/k6.12-mtu9000');
const CHECK = ['check', NEGOTIATED, MTU9000, '--source-qemu', '10.0.2', '--target-qemu', '10.0.2'];

describe('CLI output', () => {
  it("stdout on a full disk (/dev/full): exit 2 and one line on stderr, not the verdict's 1", { skip: !existsSync('/dev/full') }, () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [CLI, ...CHECK], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr, 'vdpa-compat: cannot write to stdout: ENOSPC [OUTPUT_FAILED]; fix: check where stdout goes (a full disk, a closed pipe)\n');
    } finally {
      closeSync(full);
    }
  });

  it('stdout a pipe nobody reads any more (EPIPE): exit 2, the same line', async () => {
    const child = spawn(process.execPath, [CLI, ...CHECK], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed before the CLI has even loaded: its first write finds no reader.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 2, stderr);
    assert.match(stderr, /^vdpa-compat: cannot write to stdout: EPIPE \[OUTPUT_FAILED\]/);
  });

  it('a report to /dev/null and to a file is written whole and without colour', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vdpa-compat-stdio-')), 'report.txt');
    const file = openSync(path, 'w');
    const toFile = spawnSync(process.execPath, [CLI, ...CHECK], { stdio: ['ignore', file, 'pipe'], encoding: 'utf8', timeout: 60_000 });
    closeSync(file);
    assert.equal(toFile.status, 1, toFile.stderr);
    const text = readFileSync(path, 'utf8');
    // The verdict, then what a plan could do on the target host (its last line names the plan command).
    assert.match(text, /\nverdict: INCOMPATIBLE .*\n( {2}.*\n)* {2}.*vdpa-compat plan .*\n$/);
    assert.doesNotMatch(text, /\x1b\[/);
    const devNull = spawnSync(process.execPath, [CLI, ...CHECK], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    assert.equal(devNull.status, 1, devNull.stderr);
    assert.equal(devNull.stderr, '');
  });

  it('--debug prints the stack with the TypeScript names and lines (the bundle is minified)', () => {
    const r = spawnSync(process.execPath, [CLI, 'check', repoPath('package.json'), MTU9000, '--debug'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^InputError: .*package\.json: not a vdpa-compat host profile/m);
    assert.match(r.stderr, /^\s+at toProfile \(.*src\/profile\/load\.ts:\d+:\d+\)$/m);
  });
});
