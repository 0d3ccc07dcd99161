import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validatePlan } from '../../src/generated/plan-validator.js';
import { validateReport } from '../../src/generated/report-validator.js';
import { hasStack, runCli } from '../helpers/cli.js';
import { dumpPath, repoPath } from '../helpers/paths.js';

const Q = ['--source-qemu', '10.0.2', '--target-qemu', '10.0.2'];
const SIM_NETLINK = repoPath('profiles/vdpasim/k6.12-netlink.yaml');
const SIM_TOOL = repoPath('profiles/vdpasim/k6.12-tool615.yaml');
const K61_TOOL61 = dumpPath('e2e/k6.1/sim-tool61');

describe('vdpa-compat plan', () => {
  it('prints what README shows, word for word, and exits 0', async () => {
    const readme = readFileSync(repoPath('README.md'), 'utf8');
    const block = /```console\n\$ vdpa-compat (plan [^\n]+)\n([\s\S]*?)```/.exec(readme);
    assert.ok(block, 'README has a ```console block with a plan run');
    const r = await runCli(block[1]!.split(' '), { cwd: repoPath('.') });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, block[2]);
    assert.equal(r.stderr, '');
  });

  it('--json prints one plan document that validates against schemas/plan.v1.json', async () => {
    const r = await runCli(['plan', SIM_NETLINK, SIM_TOOL, '--source-device', 'src', ...Q, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { kind: string; status: string; plan: { argv: string[] } };
    assert.ok(validatePlan(doc), JSON.stringify(validatePlan.errors));
    assert.equal(doc.kind, 'vdpa-compat/plan');
    assert.deepEqual(doc.plan.argv.slice(0, 7), ['vdpa', 'dev', 'add', 'name', 'vdpa-mig0', 'mgmtdev', 'vdpasim_net']);
  });

  it('--name names the device', async () => {
    const r = await runCli(['plan', SIM_NETLINK, SIM_TOOL, '--source-device', 'src', ...Q, '--name', 'mig7']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}vdpa dev add name mig7 mgmtdev vdpasim_net /m);
    assert.match(r.stdout, /echo mig7 > \/sys\/bus\/vdpa\/drivers\/vhost_vdpa\/bind/);
  });

  it('exits 1 when no management device can work, each saying which requirement it fails', async () => {
    const r = await runCli(['plan', SIM_NETLINK, K61_TOOL61, '--source-device', 'src', ...Q]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^No plan: /);
    assert.match(r.stdout, /vdpasim_net \(vdpa_sim_net\): cannot host it\n {4}- fails needed-features: .*STATUS/);
  });

  it('exits 2 when the source offered set is unknown (vdpa tool only), saying how to get it', async () => {
    const r = await runCli(['plan', SIM_TOOL, SIM_TOOL, '--source-device', 'src', ...Q, '--json']);
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout) as { status: string; plan: null; unknown: Array<{ hint: string }> };
    assert.ok(validatePlan(doc), JSON.stringify(validatePlan.errors));
    assert.equal(doc.status, 'unknown');
    assert.equal(doc.plan, null);
    assert.match(doc.unknown[0]?.hint ?? '', /collect --source netlink/);
  });

  it('a bad or taken --name is a usage error: one line, exit 2, no stack; --json gets the error document', async () => {
    const taken = await runCli(['plan', SIM_NETLINK, SIM_TOOL, '--source-device', 'src', '--name', 'idle']);
    assert.equal(taken.code, 2);
    assert.equal(taken.stdout, '');
    assert.match(taken.stderr, /already has a vdpa device "idle" \[USAGE\]/);
    assert.equal(taken.stderr.trim().split('\n').length, 1);
    assert.ok(!hasStack(taken.stderr));
    const json = await runCli(['plan', SIM_NETLINK, SIM_TOOL, '--source-device', 'src', '--name', 'a/b', '--json']);
    assert.equal(json.code, 2);
    const doc = JSON.parse(json.stdout) as { error: { code: string } };
    assert.ok(validateReport(doc), JSON.stringify(validateReport.errors));
    assert.equal(doc.error.code, 'USAGE');
  });

  it('a missing argument exits 2, as every usage error; with --json as the error document', async () => {
    const r = await runCli(['plan', SIM_NETLINK]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\[USAGE\]/);
    const json = await runCli(['plan', SIM_NETLINK, '--json']);
    assert.equal(json.code, 2);
    const doc = JSON.parse(json.stdout) as { error: { code: string } };
    assert.ok(validateReport(doc), JSON.stringify(validateReport.errors));
    assert.equal(doc.error.code, 'USAGE');
  });

  it('--help shows the examples and the exit statuses', async () => {
    const r = await runCli(['plan', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /vdpa-compat plan src\.yaml dst-host\.yaml/);
    assert.match(r.stdout, /1 {2}no plan/);
    for (const option of ['--source-device', '--name', '--source-qemu', '--target-qemu', '--x-svq', '--host-mtu', '--rx-queue-size', '--strict', '--json']) assert.ok(r.stdout.includes(option), option);
  });

  it('--apply with --baseline names no host; without --baseline it needs SOURCE: usage errors, exit 2, before anything runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdpa-compat-plan-'));
    const file = join(dir, 'lab.yaml');
    const made = await runCli(['baseline', dumpPath('e2e/k6.12/sim-tool61'), dumpPath('e2e/k6.12/sim-tool615'), '--name', 'lab', '--qemu', '10.0.2', '-o', file]);
    assert.equal(made.code, 0, made.stderr);
    for (const args of [['plan', '--baseline', file, '--apply', SIM_TOOL], ['plan', '--baseline', file, '--apply', '--source-device', 'x'], ['plan', '--apply'], ['plan']]) {
      const r = await runCli([...args, '--vdpa', '/nonexistent/vdpa']);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /\[USAGE\]/, args.join(' '));
      assert.ok(!hasStack(r.stderr));
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
