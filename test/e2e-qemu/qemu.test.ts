/**
 * `npm run test:qemu`: real QEMU live migrations over vhost-vdpa, held against what
 * `vdpa-compat check` says about the same pair. test/e2e/lab/boot.sh boots the Debian 13
 * kernel 6.12 lab guest (vdpa_sim_net + vhost_vdpa) and runs scenarios/migrate.sh in it: an L2
 * guest migrates between two QEMUs (10.0.2 from bookworm-backports, 10.0.13 from Debian 13, and
 * this machine's 7.2) on devices of that one guest. The chains run in lanes (LANES in
 * expectations.ts), one lab guest each, booted side by side. This file classifies each real
 * outcome (outcome.ts) and asserts that it is the lab's (expectations.ts) and that check's verdict
 * agrees with it. Everything stays in test/e2e-qemu/.runs/latest/ (README.md there says what is where).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { repoPath } from '../helpers/paths.js';
import { labCannotRun, prepareLabCache, runLab, type LabRun } from '../helpers/lab.js';
import { CASES, KNOWN_DISAGREEMENTS, LANES, type Lane } from './expectations.js';
import { labError, readCase, type CaseResult } from './outcome.js';
import { agreement } from './table.js';

const HERE = repoPath('test/e2e-qemu');
const E2E_LAB = repoPath('test/e2e/lab');
const LATEST = join(HERE, '.runs', 'latest');
const CACHE = process.env.VDPA_COMPAT_E2E_CACHE ?? '/var/cache/vdpa-compat-e2e';
/** One lane's whole guest run (its boot, L2 boots and migrations) may take this long; boot.sh's own limit ends QEMU first. */
const BOOT_LIMIT_S = Number(process.env.VDPA_COMPAT_QEMU_BOOT_TIMEOUT ?? 5400);

const skipReason = labCannotRun('it installs QEMU from Debian packages, builds kernel modules and runs QEMU in its own network namespace', { commands: ['qemu-system-x86_64'], missing: 'qemu-system-x86_64 is not installed' });
const SUITE = 'qemu: real live migrations over vhost-vdpa against the verdict';
if (skipReason !== null) {
  // One line, and a skip, not a pass.
  console.log(`qemu: skipped: ${skipReason}`);
  it(SUITE, { skip: skipReason }, () => {});
}

const timings: Record<string, number> = {};
const results: Record<string, CaseResult & { lane: string }> = {};
/** Cases the lab could not run (labError), with why. */
const notRun: Record<string, string> = {};

/** The case's result, or a failure that says why there is none. */
function resultOf(name: string): CaseResult {
  const r = results[name];
  assert.ok(r, notRun[name] !== undefined ? `the lab could not run case ${name}: ${notRun[name]}` : `case ${name} did not run (scenario.log)`);
  return r;
}

/**
 * The lanes this run boots: VDPA_COMPAT_QEMU_CHAINS (chain names, blank-separated) keeps only those
 * chains, and a lane left with none is not booted.
 */
function lanesToRun(): Lane[] {
  const picked = process.env.VDPA_COMPAT_QEMU_CHAINS?.split(/\s+/).filter((c) => c !== '');
  if (picked === undefined) return LANES;
  const unknown = picked.filter((c) => !LANES.some((l) => l.chains.includes(c)));
  assert.deepEqual(unknown, [], `VDPA_COMPAT_QEMU_CHAINS: no such chain (LANES in expectations.ts)`);
  return LANES.map((l) => ({ ...l, chains: l.chains.filter((c) => picked.includes(c)) })).filter((l) => l.chains.length > 0);
}

/**
 * Boots one lane's lab guest on its own output directory ($LATEST/<lane>), which runs the lane's
 * chains, and boots it once more when its kernel panicked during boot, before the scenario started.
 */
async function runLane(lane: Lane): Promise<LabRun> {
  const out = join(LATEST, lane.name);
  await mkdir(out, { recursive: true });
  // The guest reads this from its output share (boot.sh passes only the e2e settings).
  writeFileSync(join(out, 'lab.env'), `E2E_CACHE=${CACHE}\nQEMU_LANE=${lane.name}\nQEMU_CHAINS="${lane.chains.join(' ')}"\n`);
  // One CPU and 3 GiB. The guest runs two L2 QEMUs (TCG) at once during a migration, but with two
  // lanes' guests on this 2-core machine a second vCPU brings no more CPU time: with two vCPUs
  // each, each guest's QEMU got about one core all the same, shared by its two vCPU threads.
  const boot = () =>
    runLab('bash', [join(E2E_LAB, 'boot.sh'), lane.kernel ?? '6.12', join(HERE, 'scenarios/migrate.sh'), out], (BOOT_LIMIT_S + 120) * 1000, {
      ...process.env,
      E2E_BOOT_TIMEOUT: String(BOOT_LIMIT_S),
      E2E_SMP: '1',
      E2E_MEM: '3072',
      ...lane.boot,
    });
  let guest = await boot();
  // Seen once in CI: the lab guest's kernel panicked 2 s into its boot (an int3 oops in
  // sched_clock_cpu, two TCG vCPUs), before the scenario started. That is the emulator, not a
  // migration: boot once more, and say so. A panic after the scenario started is a result.
  const consoleLog = join(out, 'console.log');
  if (!existsSync(join(out, 'scenario.log')) && existsSync(consoleLog) && /Kernel panic/.test(readFileSync(consoleLog, 'utf8'))) {
    process.stdout.write(`qemu: lane ${lane.name}: the lab guest's kernel panicked during boot, before the scenario (${guest.seconds.toFixed(1)} s); booting it again\n`);
    writeFileSync(join(out, 'boot-panic-console.log'), readFileSync(consoleLog));
    timings[`lane ${lane.name}: guest boot panicked first`] = guest.seconds;
    guest = await boot();
  }
  timings[`lane ${lane.name}: guest boot and scenario`] = guest.seconds;
  const l2 = existsSync(join(out, 'run/l2-boot-seconds.txt')) ? readFileSync(join(out, 'run/l2-boot-seconds.txt'), 'utf8') : '';
  for (const line of l2.split('\n').filter((l) => l !== '')) {
    const [name, seconds] = line.split(' ');
    timings[`L2 boot ${name}`] = Number(seconds);
  }
  return guest;
}

const lanes = skipReason === null ? lanesToRun() : [];
const guests: Record<string, LabRun> = {};

if (skipReason === null)
  describe(SUITE, () => {
    before(async () => {
      const started = Date.now();
      timings['prepare lab'] = await prepareLabCache();
      const prepared = await runLab('bash', [join(HERE, 'lab/prepare.sh')], 20 * 60_000);
      assert.equal(prepared.code, 0, `test/e2e-qemu/lab/prepare.sh failed:\n${prepared.output}`);
      timings['prepare qemu'] = prepared.seconds;
      await rm(LATEST, { recursive: true, force: true });
      await mkdir(LATEST, { recursive: true });
      // The lanes' guests run side by side, each on its own chains (LANES in expectations.ts), a
      // lane with `after` once that lane is done.
      const booted = Date.now();
      const running = new Map<string, Promise<LabRun>>();
      for (const lane of lanes) {
        const first = lane.after === undefined ? undefined : running.get(lane.after);
        running.set(lane.name, first === undefined ? runLane(lane) : first.then(() => runLane(lane)));
      }
      const runs = await Promise.all(lanes.map((lane) => running.get(lane.name)!));
      lanes.forEach((lane, i) => (guests[lane.name] = runs[i]!));
      timings['lanes side by side'] = (Date.now() - booted) / 1000;
      for (const name of Object.keys(CASES)) {
        const lane = lanes.find((l) => existsSync(join(LATEST, l.name, 'run', name, 'case.env')));
        if (!lane) continue;
        const why = labError(join(LATEST, lane.name, 'run', name));
        if (why !== undefined) {
          notRun[name] = why;
          continue;
        }
        results[name] = { ...readCase(join(LATEST, lane.name, 'run', name), name), lane: lane.name };
        timings[`case ${name}`] = Number(results[name].env.WALL);
      }
      timings.total = (Date.now() - started) / 1000;
      writeFileSync(join(LATEST, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
      writeFileSync(join(LATEST, 'not-run.json'), `${JSON.stringify(notRun, null, 2)}\n`);
      writeFileSync(
        join(LATEST, 'outcomes.json'),
        `${JSON.stringify(
          Object.values(results).map((r) => ({ case: r.name, lane: r.lane, outcome: r.outcome, why: r.why, verdict: r.report.verdict, codes: r.report.findings.map((f) => f.code) })),
          null,
          2,
        )}\n`,
      );
      console.log(
        `qemu: ${Object.entries(timings)
          .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
          .join(', ')}`,
      );
      for (const r of Object.values(results)) console.log(`qemu: ${r.name}: real ${r.outcome} (${r.why[0] ?? ''}); check: ${r.report.verdict}`);
      for (const [name, why] of Object.entries(notRun)) console.log(`qemu: ${name}: not run: ${why}`);
    });

    for (const lane of lanes)
      it(`lane ${lane.name} (${lane.chains.join(' ')}): the guest booted and the scenario ran to its end`, () => {
        const guest = guests[lane.name];
        assert.ok(guest, `lane ${lane.name} did not run`);
        assert.equal(guest.code, 0, guest.output);
        assert.match(readFileSync(join(LATEST, lane.name, 'scenario.log'), 'utf8'), /qemu: scenario done/);
      });

    for (const [name, expected] of Object.entries(CASES)) {
      // A case of a chain this run does not boot is skipped, and says why.
      if (!lanes.some((l) => l.chains.includes(expected.chain))) {
        const skip = `chain ${expected.chain} is not among VDPA_COMPAT_QEMU_CHAINS; npm test replays its recording`;
        it(`case ${name}`, { skip }, () => {});
        continue;
      }
      describe(`case ${name} (the lab's ${expected.lab})`, () => {
        it(`the real migration: ${expected.outcome}`, () => {
          const r = resultOf(name);
          assert.equal(r.outcome, expected.outcome, r.why.join('\n'));
          if (expected.why)
            assert.ok(
              r.why.some((l) => expected.why?.test(l)),
              `no line matches ${String(expected.why)}:\n${r.why.join('\n')}`,
            );
        });

        if (expected.datapath === true)
          it('the datapath works on the destination: the L2 guest gets its own unicast frames back', () => {
            const r = resultOf(name);
            const last = r.dstTicks.slice(-3);
            assert.equal(last.length, 3, `ticks on the destination: ${r.dstTicks.length}`);
            for (const t of last) assert.ok(t.uniRx >= 1, `tick ${t.n}: uni_rx=+${t.uniRx}`);
          });
        if (expected.datapath === false)
          it(`the datapath is dead on the source before the migration (${expected.deadBefore ?? ''})`, () => {
            const r = resultOf(name);
            const before = r.srcTicksBefore.slice(-2);
            assert.equal(before.length, 2, `ticks on the source before: ${r.srcTicksBefore.length}`);
            for (const t of before) assert.equal(t.uniRx + t.bcRx, 0, `tick ${t.n}: the source passed frames, so the lab can judge this datapath now`);
          });

        it("check's verdict agrees with what QEMU did", () => {
          const r = resultOf(name);
          const codes = r.report.findings.map((f) => `${f.code}: ${f.message}`).join('\n');
          const known = KNOWN_DISAGREEMENTS[name];
          const why = known ? `known disagreement (${known.reason}) changed` : `check said ${r.report.verdict} (exit ${r.checkRc}), QEMU: ${r.outcome}\n${r.why.join('\n')}`;
          assert.equal(agreement(name, r.report, r.outcome), known ? 'known' : 'yes', `${why}\n${codes}`);
        });
      });
    }
  });
