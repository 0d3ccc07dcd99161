// `npm run bench`: the cost of `vdpa-compat check` end to end, as a ratio to a
// bare `node -e 0` measured in the same run (so machine speed cancels out).
// Median of RUNS runs each, interleaved so drift hits both alike.
//   node bench/check.mjs [--runs N]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg === -1 ? 21 : Number(process.argv[runsArg + 1]);
const TARGET = 1.5;
const cli = `${root}dist/bin/vdpa-compat.cjs`;

const cases = {
  'node -e 0 (baseline)': ['-e', '0'],
  'check, two YAML profiles': [cli, 'check', `${root}profiles/vdpasim/k6.12-negotiated.yaml`, `${root}profiles/vdpasim/k6.12-mtu9000.yaml`],
  'check, two dump directories': [cli, 'check', `${root}profiles/vdpasim/k6.12-negotiated`, `${root}profiles/vdpasim/k6.12-mtu9000`],
  'check --json, vp_vdpa dump directories': [cli, 'check', '--json', `${root}profiles/vp_vdpa/k6.12-A-negotiated`, `${root}profiles/vp_vdpa/k6.12-three-vhost`, '--target-device', 'vdpa0'],
};

function time(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  // Only a run that produced its verdict counts: a crash is fast, not a result.
  if (args[0] === cli && !/verdict/.test(r.stdout)) throw new Error(`${args.join(' ')} exited ${r.status} without a verdict: ${r.stderr}`);
  return ms;
}

const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (const args of Object.values(cases)) time(args); // warm the file cache
for (let i = 0; i < RUNS; i++) for (const [name, args] of Object.entries(cases)) samples[name].push(time(args));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(samples['node -e 0 (baseline)']);
console.log(`vdpa-compat bench: median of ${RUNS} runs each, node ${process.version}, target <= ${TARGET}x of node -e 0\n`);
for (const [name, xs] of Object.entries(samples)) {
  const m = median(xs);
  const ratio = m / base;
  const verdict = name.startsWith('node -e 0') ? '' : ratio <= TARGET ? '  within target' : '  ABOVE target';
  console.log(`  ${name.padEnd(46)} ${m.toFixed(1).padStart(7)} ms   ${ratio.toFixed(2)}x${verdict}`);
}
