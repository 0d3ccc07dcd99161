// Fuzz target: the real CLI process (dist/bin/vdpa-compat.cjs, built by npm test), on a few
// mutated inputs per run and on special files: `check` on profile files, `annotate` on domain XML.
// Invariant: exit 0, 1 or 2; refused input exits 2 with stderr starting with one
// `vdpa-compat: … [CODE]` line (a schema failure adds its problem lines and a fix line, at most
// 20 + one per top-level field); never a stack trace, never INTERNAL.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, before } from 'node:test';
import fc from 'fast-check';
import { collect } from '../../src/collect/collect.js';
import { serializeProfile } from '../../src/profile/load.js';
import { hasStack, runCli } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';
import { editText, Figures, params, report, RUNS, seeds, textEdit } from './harness.js';

const TOKENS = ['\n', '\u001b[2J', '\u0000', '&a ', '*a', '"', '{', '}', '[', ']', '<!DOCTYPE d [<!ENTITY a "x">]>', '&a;', '&#0;', '1e400', '__proto__: {}'];

let scratch: string;
let profileText: string;
let domainText: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-fuzz-cli-'));
  profileText = await serializeProfile((await collect({ from: repoPath('profiles/vdpasim/k6.12-netlink') })).profile, 'yaml');
  domainText = seeds(/libvirt\/vm-vdpa-interface\.xml$/, 1)[0]!.text;
});

/**
 * The CLI's stderr is a refusal as STYLE.md says: one line with the code, problem lines, a fix; no
 * stack. Exit 2 with nothing on stderr is the other "could not decide": a report whose verdict is
 * unverified (an edit made a fact the migration depends on unknown).
 */
function wellFormed(code: number | null, stdout: string, stderr: string): string | null {
  if (code === null || ![0, 1, 2].includes(code)) return `exit status ${code}`;
  if (hasStack(stderr)) return 'a stack trace';
  if (/\[INTERNAL\]/.test(stderr)) return 'an internal error';
  if (code !== 2) return null;
  if (stderr === '') return /^verdict: UNVERIFIED \(could not decide\)/m.test(stdout) ? null : 'exit 2 with no error and no unverified verdict';
  const lines = stderr.trimEnd().split('\n');
  if (!/^vdpa-compat: .*\[[A-Z_]+\]/.test(lines[0] ?? '')) return `first line ${JSON.stringify(lines[0])}`;
  const rest = lines.slice(1);
  if (rest.length > 0 && !rest.every((l) => /^ {2}\S/.test(l))) return `continuation lines ${JSON.stringify(rest.slice(0, 3))}`;
  if (rest.length > 30) return `${lines.length} lines`;
  return null;
}

describe('fuzz: the CLI process', () => {
  it('check on mutated profile files, annotate on mutated domain XML', async (t) => {
    const figures = new Figures('CLI process');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(textEdit(TOKENS), { minLength: 1, maxLength: 3 }), async (profileSide, edits) => {
        n += 1;
        const start = Date.now();
        let result;
        if (profileSide) {
          const file = join(scratch, `p${n}.yaml`);
          await writeFile(file, editText(profileText, edits));
          result = await runCli(['check', file, file, '--source-device', 'same', '--target-device', 'idle']);
        } else {
          const file = join(scratch, `d${n}.xml`);
          await writeFile(file, editText(domainText, edits));
          result = await runCli(['annotate', file, repoPath('profiles/vdpasim/k6.12-vhost.yaml')]);
        }
        const problem = wellFormed(result.code, result.stdout, result.stderr);
        figures.add(problem === null ? (result.code === 2 ? (result.stderr === '' ? 'unverified' : `refused ${/\[([A-Z_]+)\]/.exec(result.stderr)?.[1] ?? '?'}`) : 'accepted') : 'refused MALFORMED', Date.now() - start);
        assert.equal(problem, null, `${problem}:\n${result.stderr.slice(0, 2000)}`);
      }),
      // A process per input: a few hundred under npm run fuzz, not FUZZ_RUNS.
      { ...params(8), numRuns: RUNS ? 300 : 8 },
    );
    report(figures, t);
  });

  it('special files: a directory, /dev/zero, a FIFO, /proc, a missing file, a huge sparse file', async () => {
    const fifo = join(scratch, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    const sparse = join(scratch, 'sparse.json');
    execFileSync('truncate', ['-s', '5G', sparse]);
    for (const path of [scratch, '/dev/zero', fifo, '/proc/self/status', join(scratch, 'absent.yaml'), sparse, '/proc/self/environ']) {
      const start = Date.now();
      const result = await runCli(['check', path, path]);
      assert.equal(result.code, 2, path);
      assert.equal(wellFormed(result.code, result.stdout, result.stderr), null, `${path}: ${result.stderr}`);
      assert.equal(result.stderr.trimEnd().split('\n').length, 1, `${path}: one line`);
      assert.ok(Date.now() - start < 5000, `${path} took ${Date.now() - start} ms`);
    }
  });
});
