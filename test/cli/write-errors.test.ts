/**
 * Every write that fails is exit 2 and one line, never a stack trace and
 * never 1 (an orchestrator reads 1 as "incompatible"), and leaves nothing
 * half-written: -o of collect and annotate, collect --save-raw, hook install.
 * (stdout and decision logs: stdio.test.ts and check-policy.test.ts.)
 *
 * The destinations fail for root too, since tests may run as root, for whom
 * a read-only mode bit means nothing: a path under a regular file (ENOTDIR)
 * and /proc, a directory where no file can be created.
 */
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { hasStack, runCli } from '../helpers/cli.js';
import { CLI, repoPath } from '../helpers/paths.js';

const NEGOTIATED = repoPath('profiles/vdpasim/k6.12-negotiated');
const DOMAIN = repoPath('test/fixtures/libvirt/vm-no-vdpa.xml');
const linux = existsSync('/proc/self');

let scratch: string;
let blocker: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-write-'));
  blocker = join(scratch, 'a-file');
  await writeFile(blocker, 'not a directory\n');
});

/** Exit 2, one line naming the path with OUTPUT_FAILED and a fix, no stack, nothing on stdout, nothing left beside the blocker. */
async function refused(args: string[], path: string): Promise<void> {
  const r = await runCli(args);
  assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr.split('\n').length, 2, r.stderr);
  assert.match(r.stderr, /^vdpa-compat: cannot (write|look at) .* \[OUTPUT_FAILED\]; fix: .+\n$/);
  assert.ok(r.stderr.includes(path), r.stderr);
  assert.ok(!hasStack(r.stderr));
  assert.equal(r.stdout, '');
  assert.deepEqual(await readdir(scratch), ['a-file'], 'no temporary file left behind');
}

describe('write errors', () => {
  it('collect -o', async () => {
    await refused(['collect', '--from', NEGOTIATED, '-o', join(blocker, 'p.yaml')], join(blocker, 'p.yaml'));
    if (linux) await refused(['collect', '--from', NEGOTIATED, '-o', '/proc/vdpa-compat-test.yaml'], '/proc/vdpa-compat-test.yaml');
  });

  it('annotate -o', async () => {
    await refused(['annotate', DOMAIN, '-o', join(blocker, 'meta.xml')], join(blocker, 'meta.xml'));
    if (linux) await refused(['annotate', DOMAIN, '-o', '/proc/vdpa-compat-test.xml'], '/proc/vdpa-compat-test.xml');
  });

  it('collect --save-raw, into a directory that refuses it', { skip: !linux && 'needs /proc' }, async () => {
    await refused(['collect', '--from', NEGOTIATED, '--save-raw', '/proc/vdpa-compat-test-dump'], '/proc/vdpa-compat-test-dump');
  });

  it('collect --save-raw under a regular file', async () => {
    await refused(['collect', '--from', NEGOTIATED, '--save-raw', join(blocker, 'dump')], join(blocker, 'dump'));
  });

  it('collect --save-raw DIR -o BAD, and -o FILE --save-raw BAD: neither output is written', async () => {
    // The profile is staged before the dump is written: a bad -o leaves no dump behind it.
    const dump = join(scratch, 'dump');
    await refused(['collect', '--from', NEGOTIATED, '--save-raw', dump, '-o', join(blocker, 'p.yaml')], join(blocker, 'p.yaml'));
    // And a bad --save-raw leaves no profile (nor its temporary).
    const out = join(scratch, 'p.yaml');
    await refused(['collect', '--from', NEGOTIATED, '-o', out, '--save-raw', join(blocker, 'dump')], join(blocker, 'dump'));
  });

  it('hook install, into a --dir that refuses the script or is not a directory', async () => {
    if (linux) await refused(['hook', 'install', '--dir', '/proc', '--name', 'vdpa-compat-test'], '/proc/vdpa-compat-test');
    await refused(['hook', 'install', '--dir', join(blocker, 'qemu.d'), '--create-dir'], join(blocker, 'qemu.d'));
  });

  it('collect -o - on a full disk (/dev/full): exit 2, one line', { skip: !existsSync('/dev/full') }, () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [CLI, 'collect', '--from', NEGOTIATED, '-o', '-'], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr, 'vdpa-compat: cannot write to stdout: ENOSPC [OUTPUT_FAILED]; fix: check where stdout goes (a full disk, a closed pipe)\n');
    } finally {
      closeSync(full);
    }
  });
});
