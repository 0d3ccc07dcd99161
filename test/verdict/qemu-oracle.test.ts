import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';
import { CASES, KNOWN_DISAGREEMENTS, laneOf } from '../e2e-qemu/expectations.js';
import { pairVerdict, readCase, type CaseResult } from '../e2e-qemu/outcome.js';
import { agreement, agreementTable, readSetup, TABLE_BEGIN, TABLE_END } from '../e2e-qemu/table.js';
import type { Report } from '../../src/verdict/types.js';

// The verdict against real QEMU migrations, offline: what `npm run test:qemu` recorded of its last
// run (QMP replies, the QEMUs' stderr, the L2 guest's console, both sides' dumps read with raw
// netlink, check's options; kept by `npm run qemu:fixtures`), replayed with today's code. The
// outcome is read back from the raw records by the suite's own classifier, and today's check,
// run as a user runs it on the recorded dumps, must still agree with what QEMU did.
const RUN = repoPath('test/fixtures/qemu/run');
const names = readFileSync(join(RUN, 'cases.txt'), 'utf8')
  .split('\n')
  .filter((n) => n !== '');
const recorded = new Map<string, CaseResult>(names.map((n) => [n, readCase(join(RUN, n), n)]));

describe('the verdict against real QEMU migrations, replayed (test/fixtures/qemu/run)', () => {
  it('the recording holds every case of the suite, from a run with at least three QEMU builds (not vacuous)', () => {
    assert.deepEqual([...names].sort(), Object.keys(CASES).sort(), 'cases.txt vs expectations.ts: re-record with npm run test:qemu && npm run qemu:fixtures');
    const versions = readFileSync(join(RUN, 'versions.txt'), 'utf8');
    for (const v of ['10.0.2', '10.0.13', '7.2']) assert.match(versions, new RegExp(`^${v.replace(/\./g, '\\.')}: QEMU emulator version ${v.replace(/\./g, '\\.')}`, 'm'));
    const outcomes = new Set([...recorded.values()].map((r) => r.outcome));
    for (const o of ['blocked', 'failed', 'completed-vhost'] as const) assert.ok(outcomes.has(o), `no case ended ${o}`);
  });

  it('every case is a hop of the chain expectations.ts names, in scenarios/migrate.sh, and that chain is in a lane', () => {
    // Each chain is a `name) …` block of the scenario's case statement, up to its `;;`.
    const script = readFileSync(repoPath('test/e2e-qemu/scenarios/migrate.sh'), 'utf8');
    const hops = new Map<string, string>();
    for (const block of script.matchAll(/^ {4}([a-z0-9]+)\) ([\s\S]*?);;/gm)) for (const hop of block[2]!.matchAll(/\bhop (\S+) /g)) hops.set(hop[1]!, block[1]!);
    for (const [name, expected] of Object.entries(CASES)) {
      assert.equal(hops.get(name), expected.chain, `${name}: scenarios/migrate.sh runs it in chain ${hops.get(name) ?? '(none)'}`);
      assert.doesNotThrow(() => laneOf(expected));
    }
    assert.deepEqual([...hops.keys()].sort(), Object.keys(CASES).sort(), 'a hop of scenarios/migrate.sh without its expectation');
  });

  for (const name of names) {
    describe(name, () => {
      const r = recorded.get(name)!;
      const expected = CASES[name];

      it('the recorded migration ended as the suite expects', () => {
        assert.ok(expected, `${name} is not in expectations.ts`);
        assert.equal(r.outcome, expected.outcome, r.why.join('\n'));
        if (expected.why)
          assert.ok(
            r.why.some((l) => expected.why?.test(l)),
            `${String(expected.why)}:\n${r.why.join('\n')}`,
          );
        if (expected.datapath === true) {
          assert.equal(r.dstTicks.slice(-3).length, 3, 'three ticks on the destination');
          for (const t of r.dstTicks.slice(-3)) assert.ok(t.uniRx >= 1, `tick ${t.n}: uni_rx=+${t.uniRx}`);
        }
        if (expected.datapath === false) for (const t of r.srcTicksBefore.slice(-2)) assert.equal(t.uniRx + t.bcRx, 0, `tick ${t.n} on the source before`);
      });

      it("today's check on the recorded dumps says what the run's check said, and agrees with QEMU", async () => {
        const { checkArgs } = readSetup(join(RUN, name));
        const dump = join(RUN, name, 'host-dump');
        const result = await runCli(['check', dump, dump, ...checkArgs, '--json']);
        // Exit 2 is also "unverified"; an error is a report without a verdict.
        const now = JSON.parse(result.stdout) as Report;
        assert.equal(typeof now.verdict, 'string', `${result.stderr}\n${result.stdout}`);
        const codes = now.findings.map((f) => `${f.code}: ${f.message}`).join('\n');
        const known = KNOWN_DISAGREEMENTS[name];
        const why = known ? `known disagreement (${known.reason}) changed` : `check says ${now.verdict}, QEMU did ${r.outcome}:\n${r.why.join('\n')}`;
        assert.equal(agreement(name, now, r.outcome), known ? 'known' : 'yes', `${why}\n${codes}`);
        // A pair verdict that moved makes the README's table (the real run's) stale: say how to re-record.
        // (Compared on the pair: a run recorded before compatible-after-provisioning has no provisioning.)
        assert.equal(pairVerdict(now), pairVerdict(r.report), `the run's check said ${r.report.verdict}; re-record with npm run test:qemu && npm run qemu:fixtures`);
      });
    });
  }

  it('every known disagreement is one the recording shows', () => {
    for (const name of Object.keys(KNOWN_DISAGREEMENTS)) assert.ok(recorded.has(name), `${name} is listed but was not recorded`);
  });

  it("test/e2e-qemu/README.md's agreement table is the one the recording makes (npm run qemu:fixtures)", () => {
    const readme = readFileSync(repoPath('test/e2e-qemu/README.md'), 'utf8');
    const begin = readme.indexOf(TABLE_BEGIN);
    const end = readme.indexOf(TABLE_END);
    assert.ok(begin !== -1 && end > begin, 'README.md has the table markers');
    const table = agreementTable(names.map((n) => ({ setup: readSetup(join(RUN, n)), result: recorded.get(n)! })));
    assert.equal(readme.slice(begin + TABLE_BEGIN.length, end).trim(), table.trim());
    assert.ok(existsSync(join(RUN, 'timings.json')));
  });
});
