import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { buildProgram } from '../../src/cli/program.js';
import { hookScript, parseHookScript } from '../../src/libvirt/hook-install.js';
import { ANNOTATION_NS } from '../../src/libvirt/namespace.js';
import { CLI, dumpPath, repoPath } from '../helpers/paths.js';
import { hasCommand } from '../helpers/replay.js';

// The installed script is what libvirt runs for every phase of every domain. It is run here as
// libvirt runs it: a process with DOMAIN OPERATION SUB-OPERATION EXTRA and the XML on stdin.
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], stdin: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0, stdout, stderr });
    });
    child.stdin?.on('error', () => {}); // a script that exits without reading stdin closes it early
    child.stdin?.end(stdin);
  });
}

const cli = (args: string[], stdin = '') => exec(process.execPath, [CLI, ...args], stdin);
const fixture = (name: string) => readFile(repoPath(`test/fixtures/libvirt/${name}.xml`), 'utf8');
const PHASES = [
  ['prepare', 'begin'],
  ['start', 'begin'],
  ['started', 'begin'],
  ['stopped', 'end'],
  ['release', 'end'],
  ['reconnect', 'begin'],
  ['migrate', 'end'],
  ['restore', 'begin'],
] as const;

/** The shells the script must run under: /bin/sh (dash on Debian), bash in POSIX mode, busybox sh. */
const SHELLS = [['/bin/sh'], ...(hasCommand('bash', ['-c', 'true']) ? [['bash', '--posix']] : []), ...(hasCommand('busybox', ['sh', '-c', 'true']) ? [['busybox', 'sh']] : [])];

let scratch: string;
let plainXml: string;
let vdpaXml: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-hook-script-'));
  plainXml = await fixture('vm-no-vdpa');
  vdpaXml = await fixture('annotated/vm-vdpa-interface');
});

/** A script whose node and CLI do not exist: what a moved or uninstalled vdpa-compat leaves behind. */
async function staleScript(onError: 'deny' | 'allow'): Promise<string> {
  const path = join(scratch, `stale-${onError}`);
  await writeFile(path, hookScript({ nodePath: join(scratch, 'gone/node'), cliPath: join(scratch, 'gone/vdpa-compat.cjs'), hookArgs: ['--timeout', '2000'], onError, timeoutMs: 2000 }));
  await chmod(path, 0o755);
  return path;
}

describe('the installed hook script', () => {
  it('lets every phase but migrate begin through without starting node, whatever the XML', async () => {
    const script = await staleScript('deny');
    for (const shell of SHELLS) {
      for (const [op, sub] of PHASES) {
        const result = await exec(shell[0] ?? '', [...shell.slice(1), script, 'vm1', op, sub, '-'], vdpaXml);
        assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', ''], `${shell.join(' ')}: ${op} ${sub}`);
      }
    }
  });

  it('lets an incoming domain without vDPA devices in without node, whatever words its XML holds', async () => {
    const script = await staleScript('deny');
    // Named vdpa-test, described as vdpa, and annotated (an empty element in our namespace, as the README's one-liner writes it).
    const wordy = plainXml
      .replace(/<name>[^<]*<\/name>/, '<name>vdpa-test</name><description>moves to the vdpa hosts</description>')
      .replace('<devices>', `<metadata><vdpa-compat:source-profiles xmlns:vdpa-compat="${ANNOTATION_NS}" generator="vdpa-compat 0.2.0"/></metadata><devices>`);
    for (const xml of [plainXml, wordy]) {
      const result = await exec(script, ['vdpa-test', 'migrate', 'begin', '-'], xml);
      assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', '']);
    }
  });

  it('sends XML it cannot read as plainly as libvirt (character references, a DOCTYPE) to the CLI: stale, it vetoes', async () => {
    const script = await staleScript('deny');
    for (const xml of [plainXml.replace('<name>', '<description>tab&#9;here</description><name>'), `<!DOCTYPE domain>${plainXml}`]) {
      assert.equal((await exec(script, ['vm-plain', 'migrate', 'begin', '-'], xml)).code, 2);
    }
  });

  it('when node or the CLI is gone, says so and vetoes a vDPA domain (--on-error deny) or lets it in (allow)', async () => {
    const encoded = (await fixture('vm-vdpa-interface')).replace("type='vdpa'", "type='&#118;d&#x70;a'");
    for (const shell of SHELLS) {
      for (const xml of [vdpaXml, encoded]) {
        const denied = await exec(shell[0] ?? '', [...shell.slice(1), await staleScript('deny'), 'vm-vdpa-net', 'migrate', 'begin', '-'], xml);
        assert.equal(denied.code, 2, shell.join(' '));
        assert.equal(denied.stdout, '');
        assert.match(
          denied.stderr,
          /^vdpa-compat: cannot check this incoming migration of a domain with vDPA devices: missing node \(.*gone\/node\) and vdpa-compat \(.*gone\/vdpa-compat\.cjs\); reinstall with `vdpa-compat hook install`; vetoing it \(--on-error deny\)\n$/,
        );
        const allowed = await exec(shell[0] ?? '', [...shell.slice(1), await staleScript('allow'), 'vm-vdpa-net', 'migrate', 'begin', '-'], xml);
        assert.equal(allowed.code, 0);
        assert.match(allowed.stderr, /letting it in \(--on-error allow\)\n$/);
      }
    }
  });

  it("passes the XML and libvirt's arguments to the CLI unchanged", async () => {
    const path = join(scratch, 'live');
    await writeFile(path, hookScript({ nodePath: process.execPath, cliPath: CLI, hookArgs: ['--from', dumpPath('e2e/k6.12/sim-netlink')], onError: 'deny', timeoutMs: 5000 }));
    await chmod(path, 0o755);
    // Into the recorded simulator host's "fewer", run by the recorded QEMU 10.0.2.
    const xml = vdpaXml.replace(/<emulator>[^<]*<\/emulator>/, `<emulator>${repoPath('test/fixtures/qemu/debian-10.0.2/qemu-system-x86_64')}</emulator>`).replace("<source dev='/dev/vhost-vdpa-0'/>", "<source dev='/dev/vhost-vdpa-4'/>");
    const result = await exec(path, ['vm-vdpa-net', 'migrate', 'begin', '-'], xml);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^vdpa-compat: domain vm-vdpa-net: interface 52:54:00:6d:90:02 .*negotiated-features-offered\/missing/m);
  });

  it('kills a CLI that does not finish and follows --on-error', { skip: !hasCommand('timeout', ['1', 'true']) && 'no timeout(1) here' }, async () => {
    const hang = join(scratch, 'hang.cjs');
    await writeFile(hang, 'setTimeout(() => {}, 60_000);\n');
    const path = join(scratch, 'hangs');
    await writeFile(path, hookScript({ nodePath: process.execPath, cliPath: hang, hookArgs: [], onError: 'deny', timeoutMs: 100 }));
    await chmod(path, 0o755);
    const result = await exec(path, ['vm-vdpa-net', 'migrate', 'begin', '-'], vdpaXml);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /vdpa-compat did not finish within 4 s; vetoing it/);
  });
});

describe('vdpa-compat hook install, status, uninstall', () => {
  it('installs an executable script atomically, refuses a foreign file, and the script works', async () => {
    const dir = join(scratch, 'qemu.d');
    await mkdir(dir);
    const installed = await cli(['hook', 'install', '--dir', dir, '--timeout', '4000', '--profile-dir', '/etc/vdpa-compat/domains']);
    assert.equal(installed.code, 0, installed.stderr);
    const path = join(dir, 'vdpa-compat');
    assert.equal((await stat(path)).mode & 0o777, 0o755);
    const settings = parseHookScript(await readFile(path, 'utf8'));
    assert.deepEqual(settings?.hookArgs, ['--timeout', '4000', '--profile-dir', '/etc/vdpa-compat/domains']);
    assert.equal(settings?.cliPath, CLI);
    assert.deepEqual(await exec(path, ['vm-plain', 'migrate', 'begin', '-'], plainXml), { code: 0, stdout: '', stderr: '' });
    // Reinstalling our own script is fine; a foreign file needs --force and is left as it was.
    assert.equal((await cli(['hook', 'install', '--dir', dir])).code, 0);
    await writeFile(join(dir, 'other'), '#!/bin/sh\nexit 0\n');
    const refused = await cli(['hook', 'install', '--dir', dir, '--name', 'other']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /other: exists and was not installed by vdpa-compat \[OUTPUT_EXISTS\]; fix: Pass --force/);
    assert.equal(await readFile(join(dir, 'other'), 'utf8'), '#!/bin/sh\nexit 0\n');
    assert.equal((await cli(['hook', 'install', '--dir', dir, '--name', 'other', '--force'])).code, 0);
  });

  it('refuses a --dir that does not exist unless --create-dir, and a --name that is a path', async () => {
    const missing = join(scratch, 'no-such', 'qemu.d');
    const refused = await cli(['hook', 'install', '--dir', missing]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /no such directory.*--create-dir/);
    assert.equal((await cli(['hook', 'install', '--dir', missing, '--create-dir'])).code, 0);
    for (const name of ['../escape', 'a/b', '.', '']) {
      const bad = await cli(['hook', 'install', '--dir', missing, '--name', name]);
      assert.equal(bad.code, 2, name);
      assert.match(bad.stderr, /--name .*must be a file name, not a path/);
    }
  });

  it('bakes in every hook option it is given (the list comes from the hook qemu command itself)', async () => {
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };
    const qemu = buildProgram(io, () => {})
      .commands.find((c) => c.name() === 'hook')
      ?.commands.find((c) => c.name() === 'qemu');
    assert.ok(qemu && qemu.options.length >= 9, 'hook qemu has its options');
    const args: string[] = [];
    for (const option of qemu.options) {
      const long = option.long ?? '';
      if (option.isBoolean()) args.push(long);
      else if (option.argChoices) args.push(long, option.argChoices[option.argChoices.length - 1] ?? '');
      else if (long === '--timeout') args.push(long, '1234');
      else args.push(long, `/x${long}`);
    }
    const dir = join(scratch, 'every-option');
    const installed = await cli(['hook', 'install', '--dir', dir, '--create-dir', ...args]);
    assert.equal(installed.code, 0, installed.stderr);
    const baked = parseHookScript(await readFile(join(dir, 'vdpa-compat'), 'utf8'))?.hookArgs ?? [];
    for (const option of qemu.options) assert.ok(baked.includes(option.long ?? ''), `${option.long} was dropped: ${baked.join(' ')}`);
    assert.ok(baked.includes('/x--sysfs-root'));
  });

  it('status says what is installed and that it works; after the CLI moves, names what is missing (exit 1); uninstall removes it', async () => {
    const dir = join(scratch, 'status.d');
    await mkdir(dir);
    // A private copy of the installed CLI, to move away afterwards.
    const copy = join(scratch, 'bin');
    await mkdir(copy, { recursive: true });
    for (const file of ['vdpa-compat.cjs', 'vdpa-compat-main.cjs']) await copyFile(repoPath(`dist/bin/${file}`), join(copy, file));
    await mkdir(join(copy, '..', 'docs'), { recursive: true });
    const installed = await exec(process.execPath, [join(copy, 'vdpa-compat.cjs'), 'hook', 'install', '--dir', dir], '');
    assert.equal(installed.code, 0, installed.stderr);
    const root = join(scratch, 'no-proc-root');
    const healthy = await cli(['hook', 'status', '--dir', dir, '--sysfs-root', root, '--json']);
    assert.equal(healthy.code, 0, healthy.stdout);
    const report = JSON.parse(healthy.stdout) as { healthy: boolean; cliRuns: { ok: boolean }; libvirt: { state: string } };
    assert.deepEqual([report.healthy, report.cliRuns.ok, report.libvirt.state], [true, true, 'not-running']);

    await rm(copy, { recursive: true });
    const broken = await cli(['hook', 'status', '--dir', dir, '--sysfs-root', root]);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /vdpa-compat: .*bin\/vdpa-compat\.cjs \(MISSING\)/);
    assert.match(broken.stdout, /problem: +vdpa-compat .* is missing: migrations of vDPA domains are vetoed/);
    // The moved CLI blocks nothing but vDPA migrations.
    for (const [op, sub] of PHASES) assert.equal((await exec(join(dir, 'vdpa-compat'), ['vm1', op, sub, '-'], plainXml)).code, 0);

    const removed = await cli(['hook', 'uninstall', '--dir', dir]);
    assert.equal(removed.code, 0);
    await assert.rejects(stat(join(dir, 'vdpa-compat')));
    assert.equal((await cli(['hook', 'status', '--dir', dir, '--sysfs-root', root])).code, 1);
    await writeFile(join(dir, 'other'), '#!/bin/sh\nexit 0\n');
    const foreign = await cli(['hook', 'uninstall', '--dir', dir, '--name', 'other']);
    assert.equal(foreign.code, 2);
    assert.equal(await readFile(join(dir, 'other'), 'utf8'), '#!/bin/sh\nexit 0\n');
  });

  it('status sees a libvirt daemon that started before any hook existed, and says to restart it', async () => {
    const dir = join(scratch, 'restart.d');
    await mkdir(dir);
    assert.equal((await cli(['hook', 'install', '--dir', dir])).code, 0);
    // A /proc with one libvirtd that started at boot (btime), long before the script was written.
    const root = join(scratch, 'fake-root');
    await mkdir(join(root, 'proc', '4242'), { recursive: true });
    await writeFile(join(root, 'proc', 'stat'), 'cpu  1 2 3\nbtime 1000000000\n');
    await writeFile(join(root, 'proc', '4242', 'comm'), 'libvirtd\n');
    await writeFile(join(root, 'proc', '4242', 'stat'), `4242 (libvirtd) S ${Array.from({ length: 18 }, () => '0').join(' ')} 500 0 0\n`);
    const status = await cli(['hook', 'status', '--dir', dir, '--sysfs-root', root, '--json']);
    assert.equal(status.code, 1);
    const report = JSON.parse(status.stdout) as { libvirt: { state: string }; daemons: Array<{ pid: number; startedAt: string }> };
    assert.equal(report.libvirt.state, 'restart-needed');
    assert.deepEqual(
      report.daemons.map((d) => [d.pid, d.startedAt]),
      [[4242, '2001-09-09T01:46:45.000Z']],
    );
  });
});
