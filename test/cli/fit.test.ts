import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateFit } from '../../src/generated/fit-validator.js';
import { validateReport } from '../../src/generated/report-validator.js';
import { hasStack, runCli } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';

const Q = ['--source-qemu', '10.0.2', '--target-qemu', '10.0.2'];
const SIM_NETLINK = repoPath('profiles/vdpasim/k6.12-netlink.yaml');
const SIM_TOOL = repoPath('profiles/vdpasim/k6.12-tool615.yaml');

describe('vdpa-compat check --target-device any', () => {
  it('--json prints one fit document (schemas/fit.v1.json); exit 0 and the best device when one fits', async () => {
    const r = await runCli(['check', SIM_NETLINK, SIM_NETLINK, '--source-device', 'fewer', '--target-device', 'any', ...Q, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { kind: string; best: string; reports: unknown[] };
    assert.ok(validateFit(doc), JSON.stringify(validateFit.errors));
    for (const report of doc.reports) assert.ok(validateReport(report), JSON.stringify(validateReport.errors));
    assert.equal(doc.kind, 'vdpa-compat/fit');
    assert.equal(doc.best, 'fewer');
  });

  it('text: one line per device, the plan when none fits as it is, and the exit status', async () => {
    const r = await runCli(['check', SIM_NETLINK, SIM_TOOL, '--source-device', 'fewer', '--target-device', 'any', ...Q]);
    // Every device of the iproute2-read host is unverified or refused; a planned device is proved.
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /^ {2}blk +incompatible +device-class-match\/mismatch$/m);
    assert.match(r.stdout, /a new device vdpa-mig0 on vdpasim_net: compatible after provisioning/);
    assert.match(r.stdout, /\nverdict: COMPATIBLE-AFTER-PROVISIONING: provision a device first \(exit 2\)\n$/);
  });

  it('--format junit with any is a usage error: one line, exit 2, no stack', async () => {
    const r = await runCli(['check', SIM_NETLINK, SIM_NETLINK, '--source-device', 'fewer', '--target-device', 'any', '--format', 'junit']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--format junit reports one pair.*\[USAGE\]/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.ok(!hasStack(r.stderr));
  });
});

describe('vdpa-compat check: the target host', () => {
  it('an incompatible pair whose host can provision a fitting device: compatible-after-provisioning, exit 1, in JSON and text', async () => {
    const json = await runCli(['check', SIM_NETLINK, SIM_TOOL, '--source-device', 'src', '--target-device', 'nomacctl', ...Q, '--json']);
    assert.equal(json.code, 1, json.stderr);
    const report = JSON.parse(json.stdout) as { verdict: string; exitStatus: number; provisioning: { pairVerdict: string; status: string; commands: string[] } };
    assert.ok(validateReport(report), JSON.stringify(validateReport.errors));
    assert.equal(report.verdict, 'compatible-after-provisioning');
    assert.equal(report.exitStatus, 1);
    assert.equal(report.provisioning.pairVerdict, 'incompatible');
    assert.match(report.provisioning.commands[0] ?? '', /^vdpa dev add name vdpa-mig0 mgmtdev vdpasim_net /);
    const text = await runCli(['check', SIM_NETLINK, SIM_TOOL, '--source-device', 'src', '--target-device', 'nomacctl', ...Q]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /verdict: COMPATIBLE AFTER PROVISIONING \(not this device\)/);
    assert.match(text.stdout, /the whole plan: vdpa-compat plan \S+k6\.12-netlink\.yaml \S+k6\.12-tool615\.yaml --source-device src\n$/);
  });
});
