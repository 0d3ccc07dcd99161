/**
 * `npm run test:libvirt`: real libvirt 9.0, real live migrations, our hook installed with
 * `vdpa-compat hook install` on the destination. Two libvirtd daemons run on this machine
 * (scenarios/host.sh: domains without vDPA devices) and two more inside the Debian 13 kernel
 * 6.12 lab guest that test/e2e/lab/boot.sh boots (scenarios/vdpa-guest.sh: a domain on a
 * vdpa_sim_net device, vetoed). The scripts record; this file asserts what they recorded, in
 * test/e2e-libvirt/.runs/latest/ (README.md there says what is where).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { hookCalls, type HookCall } from '../helpers/libvirt-log.js';
import { repoPath } from '../helpers/paths.js';
import { labCannotRun, prepareLabCache, runLab, type LabRun } from '../helpers/lab.js';

const HERE = repoPath('test/e2e-libvirt');
const E2E_LAB = repoPath('test/e2e/lab');
const LATEST = join(HERE, '.runs', 'latest');
const HOST = join(LATEST, 'host');
const GUEST = join(LATEST, 'guest');
/** What the guest's scenario recorded (boot.sh's own files are in GUEST). */
const GUEST_RUN = join(GUEST, 'run');
const CACHE = process.env.VDPA_COMPAT_LIBVIRT_CACHE ?? '/var/cache/vdpa-compat-libvirt';
/** The libvirt daemons (and their helpers) whose presence after the run would mean one of ours was left behind. */
const DAEMONS = new Set(['libvirtd', 'virtqemud', 'virtlogd', 'virtlockd', 'virtproxyd']);
/** The hook calls libvirt makes for a domain that starts and stops on a host, in order. */
const START_STOP = ['prepare begin', 'start begin', 'started begin', 'stopped end', 'release end'];

/** Our hook's stderr line for a blocking finding: `vdpa-compat: domain D: interface MAC (/dev/…) → TARGET: CODE: …`. */
const VETO_LINE = /^vdpa-compat: domain vm-vdpa: interface 52:54:00:00:00:01 \(\/dev\/vhost-vdpa-\d+\) → vdpa1: negotiated-features-offered\/missing: /m;

/** A recorded command of a scenario (lab/record.sh), by name. */
interface Recorded {
  rc: number;
  stdout: string;
  stderr: string;
}
function recorded(runDir: string, name: string): Recorded {
  const dir = join(runDir, 'cmd');
  const base = readdirSync(dir)
    .find((f) => f.replace(/^\d{3}-/, '') === `${name}.rc`)
    ?.replace(/\.rc$/, '');
  assert.ok(base, `${runDir}: no command ${name} was recorded`);
  const read = (ext: string) => readFileSync(join(dir, `${base}.${ext}`), 'utf8');
  return { rc: Number(read('rc').trim()), stdout: read('stdout'), stderr: read('stderr') };
}

/** Names of the domains `virsh list --all` printed, with their state. */
function listed(list: Recorded): Map<string, string> {
  const rows = list.stdout
    .split('\n')
    .slice(2)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return new Map(
    rows.map((row) => {
      const [, name, state] = /^\S+\s+(\S+)\s+(.+)$/.exec(row) ?? [];
      return [name ?? row, state ?? ''];
    }),
  );
}

/** Our hook's calls in a daemon's log (the test recorder beside it left out). */
function ourCalls(runDir: string, daemon: string): HookCall[] {
  return hookCalls(readFileSync(join(runDir, daemon, 'libvirtd.log'), 'utf8')).filter((c) => c.script === '/etc/libvirt/hooks/qemu.d/vdpa-compat');
}
const phase = (c: HookCall) => `${c.operation} ${c.subOperation}`;

/** Every file under DIR with its type, mode and content hash: what "unchanged" means for /etc/libvirt. */
function manifest(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (path: string) => {
    const info = lstatSync(path);
    const mode = (info.mode & 0o7777).toString(8);
    if (info.isSymbolicLink()) out.push(`${path} link ${readlinkSync(path)}`);
    else if (info.isDirectory()) {
      out.push(`${path} dir ${mode}`);
      for (const name of readdirSync(path).sort()) walk(join(path, name));
    } else out.push(`${path} file ${mode} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
  };
  walk(dir);
  return out;
}

/** PIDs and names of the libvirt daemons running on this machine. */
function daemons(): string[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .flatMap((pid) => {
      try {
        const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        return DAEMONS.has(name) ? [`${pid} ${name}`] : [];
      } catch {
        return [];
      }
    });
}

/** Processes still running whose command line names one of our domains (QEMU says -name guest=NAME). */
function ourQemus(): string[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        return /guest=vm-(plain|annotated|large|local|vdpa)\b/.test(cmdline) ? [`${pid} ${cmdline.slice(0, 120)}`] : [];
      } catch {
        return [];
      }
    });
}

const skipReason = labCannotRun('it installs libvirt, runs libvirtd in its own mount namespaces and boots a kernel under QEMU', { commands: ['libvirtd', 'virsh'], missing: 'libvirt is not installed' });
const SUITE = 'libvirt: real live migrations with the hook installed';
if (skipReason !== null) {
  // One line, and a skip, not a pass (counted as a skipped test).
  console.log(`libvirt: skipped: ${skipReason}`);
  it(SUITE, { skip: skipReason }, () => {});
}

const found = { etc: [] as string[], runLibvirt: false, daemons: [] as string[] };
const timings: Record<string, number> = {};
let hostRun: LabRun;
let guestRun: LabRun;

if (skipReason === null)
  describe(SUITE, () => {
    before(async () => {
      const started = Date.now();
      // The lab guest's kernel, modules and Debian 13 root (the e2e suite's cache), then libvirt.
      timings['prepare lab'] = await prepareLabCache();
      const prepared = await runLab('bash', [join(HERE, 'lab/prepare.sh')], 30 * 60_000);
      assert.equal(prepared.code, 0, `lab/prepare.sh failed:\n${prepared.output}`);
      timings['prepare libvirt'] = prepared.seconds;
      // What "as found" means, taken once libvirt is installed.
      found.etc = manifest('/etc/libvirt');
      found.runLibvirt = existsSync('/run/libvirt');
      found.daemons = daemons();

      await rm(LATEST, { recursive: true, force: true });
      await mkdir(GUEST, { recursive: true });
      // The guest reads this from its output share (boot.sh passes only the e2e settings).
      writeFileSync(join(GUEST, 'lab.env'), `LIBVIRT_CACHE=${CACHE}\n`);
      // Both at once: the guest is mostly one busy TCG thread, this machine's part another.
      [hostRun, guestRun] = await Promise.all([
        runLab('bash', [join(HERE, 'scenarios/host.sh'), HOST, repoPath('dist/bundle')], 10 * 60_000),
        // boot.sh's own limit ends QEMU before this one ends boot.sh.
        runLab('bash', [join(E2E_LAB, 'boot.sh'), '6.12', join(HERE, 'scenarios/vdpa-guest.sh'), GUEST], 15 * 60_000, { ...process.env, E2E_BOOT_TIMEOUT: '840' }),
      ]);
      timings['host scenario'] = hostRun.seconds;
      timings['guest boot and scenario'] = guestRun.seconds;
      timings.total = (Date.now() - started) / 1000;
      writeFileSync(join(LATEST, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
      console.log(
        `libvirt: ${Object.entries(timings)
          .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
          .join(', ')}`,
      );
    });

    describe('on this machine: domains without vDPA devices', () => {
      it('the scenario ran to its end', () => {
        assert.equal(hostRun.code, 0, hostRun.output);
        assert.match(hostRun.output, /host: scenario done/);
      });

      it("`vdpa-compat hook install` (default --dir) wrote the hook into the destination daemon's own /etc/libvirt/hooks/qemu.d, and dst found it at start", () => {
        assert.equal(recorded(HOST, 'hook-install').rc, 0, recorded(HOST, 'hook-install').stderr);
        assert.match(readFileSync(join(HOST, 'hook-script.sh'), 'utf8'), /^# vdpa-compat libvirt hook/m);
        assert.match(readFileSync(join(HOST, 'dst', 'libvirtd.log'), 'utf8'), /virHookCheck:\d+ : Found hook script \/etc\/libvirt\/hooks\/qemu\.d\/vdpa-compat$/m);
        assert.doesNotMatch(readFileSync(join(HOST, 'src', 'libvirtd.log'), 'utf8'), /Found hook script/, 'the source has no hook');
      });

      for (const domain of ['plain', 'annotated']) {
        it(`1. vm-${domain} migrates live; on dst the hook ran on migrate begin and exited 0 with nothing on stdout`, () => {
          const migrated = recorded(HOST, `migrate-${domain}`);
          assert.equal(migrated.rc, 0, migrated.stderr);
          assert.match(migrated.stderr, /Migration: \[100 %\]/);
          assert.equal(listed(recorded(HOST, `state-dst-after-${domain}`)).get(`vm-${domain}`), 'running');
          assert.equal(listed(recorded(HOST, `state-src-after-${domain}`)).get(`vm-${domain}`), 'shut off');
          const calls = ourCalls(HOST, 'dst').filter((c) => c.domain === `vm-${domain}`);
          // libvirt's order on the destination: migrate begin first, then the incoming QEMU's start.
          assert.deepEqual(calls.slice(0, 4).map(phase), ['migrate begin', 'prepare begin', 'start begin', 'started begin']);
          assert.deepEqual([calls[0]?.status, calls[0]?.stdout, calls[0]?.stderr], [0, '', '']);
        });
      }

      it('1. the annotated domain reached the hook with its metadata (the README one-liner, then the migration)', () => {
        assert.equal(recorded(HOST, 'annotate-annotated').rc, 0, recorded(HOST, 'annotate-annotated').stderr);
        const inputs = readdirSync(join(HOST, 'hook-input')).filter((f) => f.startsWith('vm-annotated.'));
        assert.ok(inputs.length >= 1);
        const xml = readFileSync(join(HOST, 'hook-input', inputs.sort()[0] ?? ''), 'utf8');
        assert.match(xml, /<vdpa-compat:source-profiles xmlns:vdpa-compat="https:\/\/vdpa-compat\.dev\/xmlns\/source-profiles\/1"/);
      });

      it('libvirt tolerates a hook that exits without reading its stdin (256 KiB of XML, more than a pipe holds)', () => {
        assert.equal(recorded(HOST, 'create-large').rc, 0, recorded(HOST, 'create-large').stderr);
        const calls = ourCalls(HOST, 'dst').filter((c) => c.domain === 'vm-large');
        assert.deepEqual(calls.map(phase), START_STOP);
        for (const call of calls) assert.deepEqual([call.status, call.stdinClosedEarly], [0, true], phase(call));
      });

      it('3. with the CLI moved away, `hook status` says so', () => {
        const status = recorded(HOST, 'stale-hook-status');
        assert.equal(status.rc, 1);
        assert.match(status.stdout, /^problem: +vdpa-compat \S+\/cli\/vdpa-compat\.cjs is missing/m);
      });

      it('3. with the CLI moved away, domains without vDPA still stop, start and migrate on dst', () => {
        for (const name of ['stale-destroy-plain', 'stale-destroy-annotated', 'stale-create-local', 'stale-destroy-local', 'stale-migrate-plain']) {
          const step = recorded(HOST, name);
          assert.equal(step.rc, 0, `${name}: ${step.stderr}`);
        }
        assert.equal(listed(recorded(HOST, 'state-dst-after-stale')).get('vm-plain'), 'running');
        const local = ourCalls(HOST, 'dst').filter((c) => c.domain === 'vm-local');
        assert.deepEqual(
          local.map((c) => [phase(c), c.status]),
          START_STOP.map((p) => [p, 0]),
        );
        const plain = ourCalls(HOST, 'dst').filter((c) => c.domain === 'vm-plain' && phase(c) === 'migrate begin');
        assert.deepEqual(
          plain.map((c) => [c.status, c.stdout, c.stderr]),
          [
            [0, '', ''],
            [0, '', ''],
          ],
        );
      });

      // The hook script matches vdpa only as a whole attribute value ('vdpa', 'vhostvdpa'), a vhost-vdpa
      // path, or what could hide one (&#, DOCTYPE): the annotation's vdpa-compat names are none of them.
      it('3. with the CLI moved away, a domain without vDPA annotated as README shows still migrates', () => {
        const step = recorded(HOST, 'stale-migrate-annotated');
        assert.equal(step.rc, 0, step.stderr);
      });

      // Start times from /proc/uptime (centiseconds), not btime (whole seconds): a hook written just
      // before the daemon started is not taken for a newer one.
      it('`hook status` right after install and a daemon start says libvirt will call the hook (it does)', () => {
        assert.equal(recorded(HOST, 'hook-status').rc, 0, recorded(HOST, 'hook-status').stdout);
      });
    });

    describe('in the 6.12 lab guest: a vDPA domain (vdpa_sim_net + vhost_vdpa)', () => {
      it('the guest booted and the scenario ran to its end', () => {
        assert.equal(guestRun.code, 0, guestRun.output);
        assert.match(readFileSync(join(GUEST, 'scenario.log'), 'utf8'), /guest: scenario done/);
        assert.equal(recorded(GUEST_RUN, 'hook-install').rc, 0);
        assert.equal(recorded(GUEST_RUN, 'start').rc, 0, recorded(GUEST_RUN, 'start').stderr);
        assert.equal(recorded(GUEST_RUN, 'annotate').rc, 0, recorded(GUEST_RUN, 'annotate').stderr);
      });

      it('2. migrating the annotated domain to a target without CTRL_MAC_ADDR is vetoed: virsh fails with our line, the domain keeps running on src, dst has none', () => {
        const migrated = recorded(GUEST_RUN, 'migrate-incompatible');
        assert.equal(migrated.rc, 1);
        assert.match(migrated.stderr, /^error: Hook script execution failed: .*\/etc\/libvirt\/hooks\/qemu\.d\/vdpa-compat vm-vdpa migrate begin -\) unexpected exit status 1: vdpa-compat: domain vm-vdpa: /);
        assert.match(migrated.stderr.replace(/^.*unexpected exit status 1: /, ''), VETO_LINE);
        assert.equal(listed(recorded(GUEST_RUN, 'state-src-after-veto')).get('vm-vdpa'), 'running');
        assert.match(recorded(GUEST_RUN, 'domstate-src-after-veto').stdout, /^running \(booted\)/);
        assert.equal(listed(recorded(GUEST_RUN, 'state-dst-after-veto')).size, 0);
      });

      it('2. on dst our hook ran on migrate begin only, and exited 1; libvirt went no further (no prepare phase, no destination QEMU)', () => {
        const calls = ourCalls(GUEST_RUN, 'dst').filter((c) => c.domain === 'vm-vdpa');
        // Both attempts (this one, and part 3's with the CLI moved: exit 2), and nothing after either.
        assert.deepEqual(
          calls.map((c) => [phase(c), c.status, c.stdout]),
          [
            ['migrate begin', 1, ''],
            ['migrate begin', 2, ''],
          ],
        );
        assert.match(calls[0]?.stderr ?? '', VETO_LINE);
        assert.equal(calls[0]?.stderr.split('\n').filter((l) => l !== '').length, 1, 'one line per blocking finding');
        assert.ok(!recorded(GUEST_RUN, 'dst-qemu-logs').stdout.includes('vm-vdpa.log'), 'dst never started a QEMU for vm-vdpa');
        // What the hook read: the annotated domain on the target device.
        const xml = readFileSync(join(GUEST_RUN, 'hook-input', 'vm-vdpa.0.xml'), 'utf8');
        assert.match(xml, /<vdpa-compat:device kind="interface" mac="52:54:00:00:00:01"/);
        const target = /^vdpa1 (\/dev\/vhost-vdpa-\d+)/m.exec(readFileSync(join(GUEST_RUN, 'devices.txt'), 'utf8'))?.[1];
        assert.ok(target && xml.includes(`<source dev='${target}'/>`), `the incoming XML uses the target ${target}`);
      });

      it("3. with the CLI moved away, the vDPA domain's migration is still vetoed (cannot check), and a vDPA domain still starts on dst", () => {
        const migrated = recorded(GUEST_RUN, 'stale-migrate-incompatible');
        assert.equal(migrated.rc, 1);
        assert.match(migrated.stderr, /unexpected exit status 2: vdpa-compat: cannot check this incoming migration of a domain with vDPA devices: missing vdpa-compat \(\S+\/cli\/vdpa-compat\.cjs\); .*vetoing it \(--on-error deny\)/);
        assert.equal(listed(recorded(GUEST_RUN, 'state-src-after-stale-veto')).get('vm-vdpa'), 'running');
        assert.equal(recorded(GUEST_RUN, 'stale-create-local').rc, 0, recorded(GUEST_RUN, 'stale-create-local').stderr);
        assert.equal(listed(recorded(GUEST_RUN, 'stale-list-dst')).get('vm-vdpa-local'), 'running');
        const local = ourCalls(GUEST_RUN, 'dst').filter((c) => c.domain === 'vm-vdpa-local');
        assert.deepEqual(
          local.map((c) => [phase(c), c.status]),
          START_STOP.map((p) => [p, 0]),
        );
      });
    });

    it('left this machine as found: no libvirt daemon or QEMU of ours running, /etc/libvirt unchanged, no /run/libvirt made', () => {
      assert.deepEqual(daemons(), found.daemons);
      assert.deepEqual(ourQemus(), []);
      assert.deepEqual(manifest('/etc/libvirt'), found.etc);
      assert.equal(existsSync('/run/libvirt'), found.runLibvirt);
      const scratch = readFileSync(join(HOST, 'scratch.txt'), 'utf8').trim();
      assert.ok(!existsSync(scratch), `${scratch} removed`);
      for (const run of [HOST, GUEST_RUN]) {
        const cleanup = readFileSync(join(run, 'cleanup.txt'), 'utf8');
        assert.match(cleanup, /^cleanup src: stopping pids /m);
        assert.match(cleanup, /^cleanup dst: stopping pids /m);
        assert.doesNotMatch(cleanup, /still alive/, 'every process stopped on TERM');
      }
    });
  });
