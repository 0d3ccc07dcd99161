// `npm run bench`, the fleet part: `vdpa-compat matrix` on a synthetic fleet (bench/fleet.mjs,
// from the real profiles) against the targets, and the engine's pair decisions per second.
//   node bench/matrix.mjs [--hosts N] [--groups G] [--layouts L]
// Absolute figures with their targets (10,000 hosts, ≤ 500 device groups: ≤ 5 s, ≤ 300 MiB; the
// engine ≥ 1,000,000 decisions/s/core), and `node -e 0` measured in the same run for scale.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateFleet, numberArg } from './fleet.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const arg = numberArg;
const HOSTS = arg('hosts', 10_000);
const GROUPS = arg('groups', 500);
const LAYOUTS = arg('layouts', 500);
const cli = `${root}dist/bin/vdpa-compat.cjs`;
const scratch = mkdtempSync(join(tmpdir(), 'vdpa-compat-bench-fleet-'));
const MiB = 1024 * 1024;

const wall = (fn) => {
  const start = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
};

try {
  const fleetDir = join(scratch, 'fleet');
  const made = spawnSync(process.execPath, [`${root}bench/fleet.mjs`, '--hosts', String(HOSTS), '--groups', String(GROUPS), '--layouts', String(LAYOUTS), '--seed', '1', '--out', fleetDir], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
  const files = readdirSync(fleetDir).map((f) => join(fleetDir, f));
  const base = wall(() => spawnSync(process.execPath, ['-e', '0'])).ms;
  const rssFile = join(scratch, 'rss');
  const run = wall(() =>
    spawnSync(process.execPath, ['--require', `${root}bench/peak-rss.cjs`, cli, 'matrix', ...files, '--format', 'json', '--no-progress'], { encoding: 'utf8', maxBuffer: 1024 * MiB, env: { ...process.env, VDPA_COMPAT_BENCH_RSS: rssFile } }),
  );
  if (run.result.status !== 0) throw new Error(`matrix exited ${run.result.status}: ${run.result.stderr}`);
  const doc = JSON.parse(run.result.stdout);
  const rss = Number(readFileSync(rssFile, 'utf8')) / MiB;
  const within = (ok) => (ok ? 'meets the target' : 'MISSES the target');
  console.log(`\nvdpa-compat bench, the fleet: ${made.stdout.trim()}`);
  console.log(`  matrix --format json: ${(run.ms / 1000).toFixed(1)} s (${within(run.ms <= 5000)} of 5 s; node -e 0: ${base.toFixed(0)} ms), peak ${rss.toFixed(0)} MiB (${within(rss <= 300)} of 300 MiB)`);
  console.log(`    ${doc.stats.devices} devices in ${doc.stats.groups} groups: ${doc.stats.checks} pair checks and ${doc.stats.plans} plans`);

  // The engine on its own: prepared sides of distinct devices, every ordered pair decided by the
  // fast engine (verdict and limiting codes, no messages), as the matrix decides them. One round to
  // prepare the sides and warm up, then the median of five.
  const { compileCheck, prepareSide, toProfile } = await import(`${root}dist/index.js`);
  const distinct = generateFleet({ hosts: 150, distinct: true, seed: 2 });
  const sides = [];
  for (const [i, p] of distinct.entries()) {
    const profile = await toProfile(JSON.parse(JSON.stringify(p)), `h${i}`);
    for (const d of profile.devices) sides.push([prepareSide(profile, 'source', { device: d.name }), prepareSide(profile, 'target', { device: d.name })]);
  }
  const decide = compileCheck({});
  let pairs = 0;
  const round = () =>
    wall(() => {
      pairs = 0;
      for (const [s] of sides) for (const [, t] of sides) (decide(s, t), pairs++);
    }).ms;
  round();
  const rounds = [round(), round(), round(), round(), round()].sort((a, b) => a - b);
  const ms = rounds[2];
  const perSecond = (pairs / ms) * 1000;
  console.log(
    `  the engine (compileCheck on prepared sides): ${pairs} decisions of ${sides.length} distinct devices in ${ms.toFixed(0)} ms (median of 5) = ${Math.round(perSecond).toLocaleString('en')} decisions/s on one core (${within(perSecond >= 1e6)} of 1,000,000)`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
