import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { validateReport } from '../../src/generated/report-validator.js';
import { builtinRules } from '../../src/rules/builtin/index.js';
import { hasStack, runCli } from '../helpers/cli.js';
import { dumpPath, repoPath } from '../helpers/paths.js';
import { editedDump, json } from '../collect/edit-dump.js';

const NEGOTIATED = repoPath('profiles/vdpasim/k6.12-negotiated');
const SIM = dumpPath('e2e/k6.12/sim-netlink');
const TOOL = dumpPath('e2e/k6.12/sim-tool615');
const VHOST = repoPath('profiles/vdpasim/k6.12-vhost');
const MTU9000 = repoPath('profiles/vdpasim/k6.12-mtu9000');
const THREE = repoPath('profiles/vp_vdpa/k6.12-three-vhost');

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-cli-'));
});

describe('vdpa-compat check', () => {
  const q = (version: string) => ['--source-qemu', version, '--target-qemu', version];
  it('exits 0 for identical devices and prints one line per rule', async () => {
    const r = await runCli(['check', SIM, SIM, '--source-device', 'same', '--target-device', 'idle', ...q('10.0.2')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /verdict: IDENTICAL/);
    assert.equal(r.stdout.split('\n').filter((l) => / : (PASS|WARN|FAIL|N\/A)$/.test(l)).length, builtinRules.length);
    assert.equal(r.stderr, '');
  });

  it('exits 1 for an incompatible pair, with the failing finding and its fix', async () => {
    const r = await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'fewer', ...q('10.0.2')]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /device-controlled feature .* : FAIL/);
    assert.match(r.stdout, /fix: Re-create the target with the feature: `vdpa dev del fewer` then `vdpa dev add name fewer mgmtdev vdpasim_net device_features 0x0000000308830028`/);
  });

  it('exits 1 when the hypervisor refuses, and 2 when a fact could not be verified unless the risk is accepted', async () => {
    const blocked = await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'same', ...q('7.2.22')]);
    assert.equal(blocked.code, 1);
    assert.match(blocked.stdout, /verdict: BLOCKED BY THE HYPERVISOR/);
    assert.equal((await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'same', ...q('7.2.22'), '--x-svq'])).code, 0);
    // iproute2 alone cannot show that "fewer" lacks CTRL_MAC_ADDR: could not decide, not compatible.
    const unverified = await runCli(['check', TOOL, TOOL, '--source-device', 'src', '--target-device', 'fewer', ...q('10.0.2')]);
    assert.equal(unverified.code, 2);
    assert.match(unverified.stdout, /verdict: UNVERIFIED/);
    assert.equal((await runCli(['check', TOOL, TOOL, '--source-device', 'src', '--target-device', 'fewer', ...q('10.0.2'), '--allow-unverified'])).code, 0);
  });

  it("takes the VM settings and QEMU versions as options (QEMU's --version text too)", async () => {
    const ring = await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'same', ...q('10.0.2'), '--rx-queue-size', '1024', '--tx-queue-size', '1024', '--host-mtu', '1500', '-j']);
    assert.equal(ring.code, 1);
    const report = JSON.parse(ring.stdout) as { findings: Array<{ code: string }>; vm: Record<string, { value: unknown; origin: string }> };
    assert.ok(report.findings.some((f) => f.code === 'max-vq-size/tooSmall'));
    assert.deepEqual([report.vm['rxQueueSize'], report.vm['hostMtu']?.value], [{ value: 1024, origin: '--rx-queue-size' }, 1500]);
    const forced = await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'same', '--source-qemu', 'QEMU emulator version 10.0.13 (Debian 1:10.0.13+ds-0+deb13u1)', '--target-qemu', '10.0.13']);
    assert.equal(forced.code, 1);
    assert.match(forced.stdout, /QEMU 10\.0\.13\+ on the source forces every ring to 1024/);
    for (const bad of [
      ['--rx-queue-size', '300'],
      ['--tx-queue-size', '2048'],
      ['--host-mtu', '20'],
    ]) {
      const r = await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'same', ...bad]);
      assert.equal(r.code, 2, bad.join(' '));
      assert.ok(!hasStack(r.stderr));
    }
  });

  it('--json prints exactly one JSON document that validates against schemas/report.v1.json', async () => {
    const r = await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'fewer', ...q('10.0.2'), '--json']);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as { verdict: string; exitStatus: number; findings: Array<{ code: string; remedy: string }>; source: { fingerprint: string }; target: { fingerprint: string } };
    assert.ok(validateReport(report), JSON.stringify(validateReport.errors));
    assert.deepEqual([report.verdict, report.exitStatus], ['incompatible', 1]);
    assert.ok(report.findings.some((f) => f.code === 'negotiated-features-offered/missing' && f.remedy === 'reprovision-target'));
    assert.notEqual(report.source.fingerprint, report.target.fingerprint);
  });

  it('--format junit prints JUnit XML with one test case per rule, failing where a rule found an error', async () => {
    const r = await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'fewer', ...q('10.0.2'), '--format', 'junit']);
    assert.equal(r.code, 1);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => name === 'testcase' }).parse(r.stdout) as {
      testsuites: { testsuite: { '@tests': string; '@failures': string; testcase: Array<{ '@classname': string; failure?: { '@type': string } }> } };
    };
    const suite = doc.testsuites.testsuite;
    assert.equal(suite.testcase.length, builtinRules.length);
    assert.equal(Number(suite['@tests']), builtinRules.length);
    const failed = suite.testcase.filter((c) => c.failure).map((c) => c['@classname']);
    assert.deepEqual(failed, ['vdpa-compat.negotiated-features-offered']);
    assert.equal(Number(suite['@failures']), failed.length);
  });

  it('accepts profile files and dump directories alike', async () => {
    const out = join(scratch, 'src.yaml');
    assert.equal((await runCli(['collect', '--from', NEGOTIATED, '-o', out])).code, 0);
    const fromFile = JSON.parse((await runCli(['check', out, MTU9000, '--json'])).stdout) as { findings: unknown[] };
    const fromDir = JSON.parse((await runCli(['check', NEGOTIATED, MTU9000, '--json'])).stdout) as { findings: unknown[] };
    assert.deepEqual(fromFile.findings, fromDir.findings);
  });

  it('--strict makes an unverified pair incompatible', async () => {
    const r = await runCli(['check', NEGOTIATED, VHOST, '--target-device', 'vdpa0', '--strict']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /strict/);
  });

  it('exits 2 and lists the devices when a side has several and none was chosen', async () => {
    const r = await runCli(['check', NEGOTIATED, THREE]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /3 vdpa devices \(vdpa0, vdpa1, vdpa2\).*--target-device/);
    assert.equal(r.stdout, '');
    assert.ok(!hasStack(r.stderr));
  });

  it('exits 2 for an unknown device name, naming the ones there are', async () => {
    const r = await runCli(['check', NEGOTIATED, THREE, '--target-device', 'vdpa9']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no vdpa device "vdpa9".*vdpa0, vdpa1, vdpa2/);
  });

  it('every kind of --json report the CLI emits validates against schemas/report.v1.json', async () => {
    const kinds: Array<[string, string[], number, string]> = [
      ['identical', [SIM, SIM, '--source-device', 'same', '--target-device', 'idle', ...q('10.0.2')], 0, 'identical'],
      ['compatible', [SIM, SIM, '--source-device', 'src', '--target-device', 'mtu9000', ...q('10.0.2')], 0, 'compatible'],
      ['unverified', [NEGOTIATED, VHOST, '--target-device', 'vdpa0'], 2, 'unverified'],
      ['blocked', [SIM, SIM, '--source-device', 'src', '--target-device', 'same', ...q('5.2.0')], 1, 'blocked-by-hypervisor'],
      ['incompatible', [NEGOTIATED, MTU9000, ...q('10.0.2')], 1, 'incompatible'],
      ['--strict', [NEGOTIATED, VHOST, '--target-device', 'vdpa0', '--strict'], 1, 'incompatible'],
      ['several devices, none chosen', [NEGOTIATED, THREE], 2, 'error'],
      ['missing input', [NEGOTIATED, join(scratch, 'absent.json')], 2, 'error'],
    ];
    for (const [kind, args, code, verdict] of kinds) {
      const r = await runCli(['check', ...args, '--format', 'json']);
      assert.equal(r.code, code, `${kind}: ${r.stderr}`);
      const doc = JSON.parse(r.stdout) as { verdict: string };
      assert.ok(validateReport(doc), `${kind}: ${JSON.stringify(validateReport.errors)}`);
      assert.equal(doc.verdict, verdict, kind);
    }
  });

  it('with --json, an error is still one JSON document (the error report) on stdout', async () => {
    const r = await runCli(['check', NEGOTIATED, join(scratch, 'missing.yaml'), '--json']);
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout) as { verdict: string; error: { code: string } };
    assert.ok(validateReport(doc), JSON.stringify(validateReport.errors));
    assert.equal(doc.error.code, 'INPUT_MISSING');
  });
});

describe('vdpa-compat check: a target someone holds open (target-unused)', () => {
  const q = ['--source-qemu', '10.0.2', '--target-qemu', '10.0.2'];
  /** A copy of `base` whose sysfs.json gives each named device's char device these holders (the captures predate holders). */
  const held = (base: string, holders: Record<string, unknown[]>) =>
    editedDump(scratch, base, {
      'sysfs.json': json((doc) => {
        for (const [name, list] of Object.entries(holders)) doc.devices[name].vhostVdpa.holders = list;
        return doc;
      }),
    });

  it('exits 1 for a target a QEMU holds open before negotiating anything, naming the process', async () => {
    // sim-netlink: "idle" is bound to vhost_vdpa with nothing negotiated (known, raw netlink); a QEMU started with -S holds it.
    const dir = await held(SIM, { idle: [{ pid: 4242, comm: 'qemu-system-x86' }] });
    const r = await runCli(['check', SIM, dir, '--source-device', 'same', '--target-device', 'idle', ...q, '--json']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.verdict, 'incompatible');
    const finding = report.findings.find((f: { code: string }) => f.code === 'target-unused/inUse');
    assert.equal(finding?.path, '/holders');
    assert.deepEqual(finding?.data.holders, ['pid 4242 (qemu-system-x86)']);
    // The same pair with nobody holding the target: identical, as before.
    const free = await held(SIM, { idle: [] });
    const ok = await runCli(['check', SIM, free, '--source-device', 'same', '--target-device', 'idle', ...q]);
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /verdict: IDENTICAL/);
  });

  it('no longer holds a block target at unverified once nobody holds it', async () => {
    // sim-tool615: iproute2 prints no negotiated features for "blk", so only its holders can show it idle.
    const unheld = await runCli(['check', TOOL, TOOL, '--source-device', 'blk', '--target-device', 'blk', ...q, '--json']);
    assert.ok(JSON.parse(unheld.stdout).findings.some((f: { code: string }) => f.code === 'target-unused/unverified'));
    const free = await held(TOOL, { blk: [] });
    const after = await runCli(['check', TOOL, free, '--source-device', 'blk', '--target-device', 'blk', ...q, '--json']);
    const codes = JSON.parse(after.stdout).findings.map((f: { code: string }) => f.code);
    assert.ok(!codes.some((c: string) => c.startsWith('target-unused/')), codes.join(' '));
  });
});

describe('bad input: one clear line, exit 2, no stack unless --debug', () => {
  const cases: Array<[string, () => Promise<string[]>, RegExp]> = [
    ['missing file', async () => ['check', join(scratch, 'nope.yaml'), VHOST], /nope\.yaml: no such file/],
    [
      'directory without the dump files',
      async () => {
        const dir = join(scratch, 'empty-dir');
        await cp(repoPath('test/fixtures/sysfs/sim-unbound/proc'), dir, { recursive: true });
        return ['check', dir, VHOST];
      },
      /empty-dir: not a dump directory, missing vdpa-mgmtdev-show\.json, vdpa-dev-show\.json, vdpa-dev-config-show\.json/,
    ],
    [
      'truncated vdpa output',
      async () => {
        const dir = join(scratch, 'truncated');
        await cp(VHOST, dir, { recursive: true });
        const text = await readFile(join(dir, 'vdpa-mgmtdev-show.json'), 'utf8');
        await writeFile(join(dir, 'vdpa-mgmtdev-show.json'), text.slice(0, 50));
        return ['check', NEGOTIATED, dir];
      },
      /truncated\/vdpa-mgmtdev-show\.json: not valid JSON .*fix: Record it again: `vdpa -j mgmtdev show/,
    ],
    [
      'non-JSON vdpa output (plain text)',
      async () => {
        const dir = join(scratch, 'plain');
        await cp(VHOST, dir, { recursive: true });
        await cp(repoPath('test/fixtures/captures/k6.12-ip6.15/010-mgmtdev-show.plain.stdout'), join(dir, 'vdpa-mgmtdev-show.json'));
        return ['check', NEGOTIATED, dir];
      },
      /plain\/vdpa-mgmtdev-show\.json: not valid JSON/,
    ],
    ['YAML that is not a profile', async () => [`check`, await write('pod.yaml', 'apiVersion: v1\nkind: Pod\n'), VHOST], /pod\.yaml: not a vdpa-compat host profile/],
    [
      'unknown feature name in vdpa output',
      async () => {
        const dir = join(scratch, 'unknown-feature');
        await cp(VHOST, dir, { recursive: true });
        const path = join(dir, 'vdpa-mgmtdev-show.json');
        await writeFile(path, (await readFile(path, 'utf8')).replace('"MTU"', '"TURBO"'));
        return ['check', NEGOTIATED, dir];
      },
      /unknown-feature\/vdpa-mgmtdev-show\.json: \/mgmtdev\/vdpasim_net\/dev_features\/0 unknown virtio-net feature name "TURBO"/,
    ],
  ];
  async function write(name: string, text: string): Promise<string> {
    const path = join(scratch, name);
    await writeFile(path, text);
    return path;
  }
  for (const [label, args, pattern] of cases) {
    it(label, async () => {
      const argv = await args();
      const r = await runCli(argv);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.match(r.stderr, /^vdpa-compat: .*\[[A-Z_]+\]; fix: .+$/m);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(!hasStack(r.stderr));
      assert.equal(r.stdout, '');
      const debug = await runCli([...argv, '--debug']);
      assert.equal(debug.code, 2);
      assert.ok(hasStack(debug.stderr), 'a stack with --debug');
    });
  }

  it('schema violations: all of them at once, each with its pointer', async () => {
    const yaml = (await runCli(['collect', '--from', THREE])).stdout;
    const broken = yaml
      .replace('maxVqSize: 256', 'maxVqSize: huge')
      .replace('class: net', 'class: gpu')
      .replace(/mtu: 9000/, 'mtu: -1');
    const path = await write('broken.yaml', broken);
    const r = await runCli(['check', path, VHOST]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
    assert.match(r.stderr, /broken\.yaml: 3 problems: .* \[PROFILE_INVALID\]; fix: /);
    assert.match(r.stderr, /\/devices\/0\/maxVqSize: must be integer/);
    assert.match(r.stderr, /\/devices\/0\/class: must be one of/);
    assert.match(r.stderr, /\/devices\/0\/config\/mtu: must be >= 68/);
    assert.match(r.stderr, /fix: Re-run `vdpa-compat collect`/);
    assert.ok(!hasStack(r.stderr));
  });

  it('usage errors exit 2', async () => {
    assert.equal((await runCli(['check', NEGOTIATED])).code, 2);
    assert.equal((await runCli(['check', NEGOTIATED, VHOST, '--bogus'])).code, 2);
    assert.equal((await runCli(['frobnicate'])).code, 2);
    assert.equal((await runCli([])).code, 2);
  });

  it('dump directory paths are taken as given, never through a shell', async () => {
    const odd = join(scratch, 'odd $(touch pwned) dir');
    await cp(dumpPath('profiles/vdpasim/k6.12-mtu9000'), odd, { recursive: true });
    const r = await runCli(['check', NEGOTIATED, odd], { cwd: scratch });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /odd \$\(touch pwned\) dir/);
  });
});
