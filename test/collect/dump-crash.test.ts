import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { dumpSiblings, readDump, writeDump, type DumpStep } from '../../src/collect/dump.js';
import type { RawDump } from '../../src/collect/dump-layout.js';
import { InputError, ToolError } from '../../src/errors.js';
import type { Profile } from '../../src/profile/types.js';
import { runCli } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';
import { assertRefused, scratchDir } from './edit-dump.js';

// Issue 8, point 10: `--save-raw DIR --force` killed between its two renames left DIR missing.
// A real process (dump-crash-child.ts) writes the dump and kills itself with SIGKILL right after
// each durable step of writeDump, so no cleanup runs; then the disk is inspected, and the next
// run must find one complete dump (or the documented interrupted state) and repair it.

/** What DIR holds before: vp_vdpa, three devices (the vdpa tool's files). */
const OLD = repoPath('profiles/vp_vdpa/k6.12-three-vhost');
/** What the killed run writes: the simulator over raw netlink (vdpa-netlink.json). */
const NEW = repoPath('test/fixtures/e2e/k6.12/dumps/sim-netlink');
/** What the next run writes. */
const THIRD = repoPath('test/fixtures/dumps/k6.1-negotiated');
const CHILD = repoPath('test/collect/dump-crash-child.ts');

let scratch: string;
const profiles = new Map<string, Profile>();
const raws = new Map<string, RawDump>();
before(async () => {
  scratch = await scratchDir('dump-crash');
  for (const source of [OLD, NEW, THIRD]) {
    const { profile, raw } = await collect({ from: source });
    profiles.set(source, profile);
    raws.set(source, raw);
  }
});

/** The dump `dir` holds, as the source it was written from; null when it cannot be read. */
async function holds(dir: string): Promise<string | null> {
  let profile: Profile;
  try {
    profile = (await collect({ from: dir })).profile;
  } catch {
    return null;
  }
  for (const [source, expected] of profiles) {
    try {
      assert.deepEqual(profile, expected);
      return source;
    } catch {
      // Not this one.
    }
  }
  assert.fail(`${dir} holds a dump that is none of the three written (half old, half new?)`);
}

/** Runs the child; it must die by SIGKILL at `step`. */
function crashAt(source: string, target: string, step: DumpStep): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', CHILD, source, target, step], { cwd: repoPath('.'), timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error?.signal === 'SIGKILL') resolve();
      else reject(new Error(`the child was not killed at ${step}: ${error?.message ?? 'it finished'} ${stderr}`));
    });
  });
}

/** A parent directory with DIR holding the OLD dump. */
async function withOldDump(): Promise<{ parent: string; dir: string }> {
  const parent = await mkdtemp(join(scratch, 'parent-'));
  const dir = join(parent, 'dump');
  await writeDump(dir, raws.get(OLD)!, { force: false });
  return { parent, dir };
}

describe('--save-raw killed at each step of a replacement (issue 8.10)', () => {
  const after: Array<[DumpStep, string | null]> = [
    ['written', OLD],
    ['ready', OLD],
    ['old-moved', null],
    ['in-place', NEW],
    ['old-removed', NEW],
  ];
  for (const [step, expected] of after) {
    it(`killed after "${step}": DIR holds ${expected === OLD ? 'the old' : expected === NEW ? 'the new' : 'no'} complete dump, and the next run repairs`, async () => {
      const { parent, dir } = await withOldDump();
      await crashAt(NEW, dir, step);
      assert.equal(await holds(dir), expected);
      if (expected === null) {
        // Between the two renames: DIR is missing, both complete dumps are beside it.
        const { fresh, old } = dumpSiblings(dir);
        assert.equal(await holds(fresh), NEW);
        assert.equal(await holds(old), OLD);
        await assert.rejects(readDump(dir), (e: unknown) => e instanceof InputError && e.code === 'DUMP_INTERRUPTED' && e.message.includes(fresh));
        assertRefused(await runCli(['collect', '--from', dir]), { code: 'DUMP_INTERRUPTED', file: dir, pointer: fresh });
        const check = await runCli(['check', dir, dir]);
        assert.equal(check.code, 2);
        assert.match(check.stderr, /\[DUMP_INTERRUPTED\]; fix: Move it back/);
      }
      const next = await runCli(['collect', '--from', THIRD, '--save-raw', dir, '--force']);
      assert.equal(next.code, 0, next.stderr);
      assert.equal(await holds(dir), THIRD);
      assert.deepEqual(await readdir(parent), ['dump'], 'no sibling or temporary left');
    });
  }

  it('killed between the renames, a run without --force puts the new dump in place, then refuses to replace it', async () => {
    const { parent, dir } = await withOldDump();
    await crashAt(NEW, dir, 'old-moved');
    const next = await runCli(['collect', '--from', THIRD, '--save-raw', dir]);
    assertRefused(next, { code: 'OUTPUT_EXISTS', file: dir });
    assert.equal(await holds(dir), NEW);
    assert.deepEqual(await readdir(parent), ['dump']);
  });

  it('killed writing a dump to a new DIR: the complete dump beside it is moved in by the next run', async () => {
    const parent = await mkdtemp(join(scratch, 'fresh-'));
    const dir = join(parent, 'dump');
    await crashAt(NEW, dir, 'ready');
    await assert.rejects(readDump(dir), (e: unknown) => e instanceof InputError && e.code === 'DUMP_INTERRUPTED');
    await writeDump(dir, raws.get(THIRD)!, { force: true });
    assert.equal(await holds(dir), THIRD);
    assert.deepEqual(await readdir(parent), ['dump']);
  });

  it('killed while writing files into a new DIR: nothing appears under DIR, and the temporary goes on the next run', async () => {
    const parent = await mkdtemp(join(scratch, 'fresh-'));
    const dir = join(parent, 'dump');
    await crashAt(NEW, dir, 'written');
    assert.equal(await holds(dir), null);
    assert.equal((await readdir(parent)).length, 1, 'the killed run left its temporary');
    await assert.rejects(readDump(dir), (e: unknown) => e instanceof InputError && e.code === 'INPUT_MISSING');
    await writeDump(dir, raws.get(THIRD)!, { force: false });
    assert.deepEqual(await readdir(parent), ['dump']);
  });
});

describe('--save-raw failing (not killed) at a step puts everything back (issue 8.10)', () => {
  for (const step of ['written', 'ready', 'old-moved'] as const) {
    it(`a failure after "${step}" leaves the old dump under DIR and nothing beside it`, async () => {
      const { parent, dir } = await withOldDump();
      const failure = Object.assign(new Error(`injected failure after ${step}`), { code: 'EIO' });
      await assert.rejects(
        writeDump(dir, raws.get(NEW)!, {
          force: true,
          onStep: (s) => {
            if (s === step) throw failure;
          },
        }),
        (e: unknown) => e instanceof ToolError && e.code === 'OUTPUT_FAILED' && e.cause === failure,
      );
      assert.equal(await holds(dir), OLD);
      assert.deepEqual(await readdir(parent), ['dump']);
    });
  }
});
