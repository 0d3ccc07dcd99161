// `npm run bench`: the cost of the installed CLI (the bundle, dist/bin/vdpa-compat.cjs) end to end,
// as a ratio to a bare `node -e 0` measured in the same run, so machine speed cancels out. Median
// of RUNS runs each, interleaved so drift hits every case alike.
//   node bench/check.mjs [--runs N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg === -1 ? 21 : Number(process.argv[runsArg + 1]);
const cli = `${root}dist/bin/vdpa-compat.cjs`;
const sample = (name) => `${root}profiles/${name}`;

// Inputs: JSON profiles next to the bundled YAML ones, and a domain XML annotated by a real libvirt.
const scratch = mkdtempSync(join(tmpdir(), 'vdpa-compat-bench-'));
const node = (args, input) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', input });
// The simulator host read with raw netlink (profiles/README.md): a guest (src) and a target without
// the CTRL_VQ and CTRL_MAC_ADDR it negotiated (fewer); both hosts on QEMU 10.0.2.
const HOST = sample('vdpasim/k6.12-netlink');
node(['collect', '--from', HOST, '-o', join(scratch, 'host.json')]);
const pair = ['--source-device', 'src', '--target-device', 'fewer', '--source-qemu', '10.0.2', '--target-qemu', '10.0.2'];
// As libvirt 9.0 dumps it after `virsh metadata --set` (scripts/libvirt-fixtures.mjs), run by the recorded QEMU 10.0.2.
const annotated = readFileSync(`${root}test/fixtures/libvirt/annotated/vm-vdpa-interface.xml`, 'utf8').replace(/<emulator>[^<]*<\/emulator>/, `<emulator>${root}test/fixtures/qemu/debian-10.0.2/qemu-system-x86_64</emulator>`);
writeFileSync(join(scratch, 'vm.xml'), annotated);
// The installed hook script, as `hook install` writes it: it answers every phase but migrate begin in sh.
const { hookScript } = await import(`${root}dist/libvirt/hook-install.js`);
writeFileSync(join(scratch, 'hook.sh'), hookScript({ nodePath: process.execPath, cliPath: cli, hookArgs: [], onError: 'deny', timeoutMs: 5000 }));

/** name → [args, stdin, expected exit status, target ratio] */
const cases = {
  'node -e 0 (baseline)': [['-e', '0'], '', 0, null],
  'installed hook script, a phase it does not check (sh, no node)': [['/bin/sh', join(scratch, 'hook.sh'), 'vm', 'prepare', 'begin', '-'], annotated, 0, 0.3],
  'check, two JSON profiles': [[cli, 'check', join(scratch, 'host.json'), join(scratch, 'host.json'), ...pair], '', 1, 1.3],
  'check, two YAML profiles': [[cli, 'check', `${HOST}.yaml`, `${HOST}.yaml`, ...pair], '', 1, 1.3],
  // The issue-4 pair: one device per profile (a target with a larger MTU), QEMU from the options.
  'check, two YAML profiles of one device each': [[cli, 'check', `${sample('vdpasim/k6.12-negotiated')}.yaml`, `${sample('vdpasim/k6.12-mtu9000')}.yaml`, '--source-qemu', '10.0.2', '--target-qemu', '10.0.2'], '', 1, 1.3],
  'check, two dump directories': [[cli, 'check', HOST, HOST, ...pair], '', 1, 1.5],
  'hook CLI, a phase it does not check': [[cli, 'hook', 'qemu', '--', 'vm', 'prepare', 'begin', '-'], annotated, 0, 1.3],
  'hook CLI, migrate begin (dump-backed host)': [[cli, 'hook', 'qemu', '--from', HOST, '--', 'vm-vdpa-net', 'migrate', 'begin', '-'], annotated, 0, null],
};

function time([args, input, status]) {
  const start = process.hrtime.bigint();
  // A case starting with an absolute path runs that program; the others run node.
  const r = args[0]?.startsWith('/') && !args[0].endsWith('.cjs') ? spawnSync(args[0], args.slice(1), { encoding: 'utf8', input }) : spawnSync(process.execPath, args, { encoding: 'utf8', input });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  // Only a run that ended as expected counts: a crash is fast, not a result.
  if (r.status !== status) throw new Error(`${args.join(' ')} exited ${r.status}, expected ${status}: ${r.stderr}`);
  return ms;
}

const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (const c of Object.values(cases)) time(c); // warm the file cache
for (let i = 0; i < RUNS; i++) for (const [name, c] of Object.entries(cases)) samples[name].push(time(c));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(samples['node -e 0 (baseline)']);
console.log(`vdpa-compat bench: median of ${RUNS} runs each, node ${process.version}, ratios to node -e 0\n`);
for (const [name, xs] of Object.entries(samples)) {
  const m = median(xs);
  const ratio = m / base;
  const target = cases[name][3];
  const verdict = target === null ? '' : ratio <= target ? `  within the ${target}x target` : `  ABOVE the ${target}x target`;
  console.log(`  ${name.padEnd(40)} ${m.toFixed(1).padStart(7)} ms   ${ratio.toFixed(2)}x${verdict}`);
}
