// `npm run qemu:fixtures`: keeps what the last `npm run test:qemu` recorded that `npm test` replays
// (test/verdict/qemu-oracle.test.ts), in test/fixtures/qemu/run/, and regenerates the agreement
// table of test/e2e-qemu/README.md from it:
//   versions.txt timings.json    the QEMUs, kernel, node and iproute2 of the run; how long it took
//                                (versions-<lanes>.txt timings-<lanes>.json of a run of some lanes)
//   <case>/host-dump/            `vdpa-compat collect --save-raw` of the lab guest, both devices on it (raw netlink included)
//   <case>/check-args.txt        check's options as the run gave them (QEMU versions, host_mtu, x-svq)
//   <case>/check.json check.rc   what check said then
//   <case>/case.env qmp-*.jsonl src.stderr dst.stderr serial-*.txt   what decides the real outcome
//   <case>/case.json             how the two devices were made (`vdpa dev add` attributes)
// Run with tsx (the outcome reader and the table are the suite's own).
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readCase } from '../test/e2e-qemu/outcome.ts';
import { agreementTable, optionOf, readSetup, withTable } from '../test/e2e-qemu/table.ts';
import { CASES, LANES } from '../test/e2e-qemu/expectations.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const latest = `${root}test/e2e-qemu/.runs/latest`;
const out = `${root}test/fixtures/qemu/run`;
const KEEP = [
  'case.env',
  'check-args.txt',
  'check.json',
  'check.rc',
  'qmp-migrate.jsonl',
  'qmp-query-migrate.jsonl',
  'qmp-dst-virtio.jsonl',
  'qmp-dst-status.jsonl',
  'qmp-src-status.jsonl',
  'qmp-src-status-after.jsonl',
  'qmp-src-virtio-after.jsonl',
  'src.stderr',
  'dst.stderr',
  'serial-dst.txt',
  'serial-src.txt',
  'serial-src-before.txt',
  'host-dump',
];

if (!existsSync(`${latest}/outcomes.json`)) throw new Error(`${latest}/outcomes.json: missing; run npm run test:qemu first`);
const outcomes = JSON.parse(await readFile(`${latest}/outcomes.json`, 'utf8'));
// A run whose lab could not run some cases (their source guest did not boot) is no recording.
const notRun = existsSync(`${latest}/not-run.json`) ? Object.entries(JSON.parse(await readFile(`${latest}/not-run.json`, 'utf8'))) : [];
if (notRun.length > 0) throw new Error(`${latest}: the lab could not run ${notRun.map(([name, why]) => `${name} (${why})`).join(', ')}; run npm run test:qemu again`);
// Each lane's guest recorded under $latest/<lane>/ (outcomes.json says which lane ran which case).
const lanes = [...new Set(outcomes.map((o) => o.lane))];
// `vdpa dev add name X mgmtdev M ATTRS` of every device the run made, from the lanes' command
// indexes (device names are the lane's own): the attributes, after `mgmtdev M` itself unless M is
// vdpasim_net. Keyed by lane and name.
const attrs = new Map();
for (const lane of lanes)
  for (const line of (await readFile(`${latest}/${lane}/run/cmd/INDEX.tsv`, 'utf8')).split('\n')) {
    const m = /\tvdpa615 dev add name (\S+) mgmtdev (\S+) ?(.*)$/.exec(line);
    if (m) attrs.set(`${lane}/${m[1]}`, `${m[2] === 'vdpasim_net' ? '' : `mgmtdev ${m[2]} `}${m[3]}`.trim());
  }

// A run of every lane replaces the whole recording. A run of some lanes (VDPA_COMPAT_QEMU_CHAINS)
// replaces only their cases and keeps the others' recordings; its timings go to
// timings-<lanes>.json beside the full run's timings.json.
const full = LANES.every((l) => lanes.includes(l.name));
if (full) await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await cp(`${latest}/${lanes[0]}/run/cmd/001-versions.stdout`, `${out}/${full ? 'versions.txt' : `versions-${lanes.join('-')}.txt`}`);
await cp(`${latest}/timings.json`, `${out}/${full ? 'timings.json' : `timings-${lanes.join('-')}.json`}`);
for (const { case: name } of outcomes) await rm(`${out}/${name}`, { recursive: true, force: true });
for (const { case: name, lane } of outcomes) {
  const from = `${latest}/${lane}/run/${name}`;
  const to = `${out}/${name}`;
  await mkdir(to, { recursive: true });
  for (const file of KEEP) if (existsSync(`${from}/${file}`)) await cp(`${from}/${file}`, `${to}/${file}`, { recursive: true });
  const checkArgs = (await readFile(`${from}/check-args.txt`, 'utf8')).split('\n').filter((w) => w !== '');
  const setup = { case: name, sourceAttrs: attrs.get(`${lane}/${optionOf(checkArgs, '--source-device')}`) ?? '?', targetAttrs: attrs.get(`${lane}/${optionOf(checkArgs, '--target-device')}`) ?? '?', checkArgs };
  await writeFile(`${to}/case.json`, `${JSON.stringify(setup, null, 2)}\n`);
}
// Every recorded case, in the order of expectations.ts.
const recorded = Object.keys(CASES).filter((name) => existsSync(`${out}/${name}/case.json`));
const rows = recorded.map((name) => ({ setup: readSetup(`${out}/${name}`), result: readCase(`${out}/${name}`, name) }));
await writeFile(`${out}/cases.txt`, `${recorded.join('\n')}\n`);
const readme = `${root}test/e2e-qemu/README.md`;
await writeFile(readme, withTable(await readFile(readme, 'utf8'), agreementTable(rows)));
console.log(`test/fixtures/qemu/run <- ${latest} (${outcomes.length} of ${rows.length} cases); test/e2e-qemu/README.md's table regenerated`);
