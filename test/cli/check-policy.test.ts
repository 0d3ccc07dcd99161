import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { validateReport } from '../../src/generated/report-validator.js';
import { hasStack, runCli } from '../helpers/cli.js';
import { dumpPath, repoPath } from '../helpers/paths.js';

// check --policy, --decision-log and --rules through the CLI, on real devices (raw netlink, 6.12).
const SIM = dumpPath('e2e/k6.12/sim-netlink');
const VP = dumpPath('e2e/k6.12/vp2-netlink');
const q = ['--source-qemu', '10.0.2', '--target-qemu', '10.0.2'];
let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-policy-'));
});

describe('check --policy', () => {
  it('waives a finding until its expiry, keeps both severities, and fails warnings with failOn', async () => {
    const policy = join(scratch, 'policy.yaml');
    await writeFile(policy, `kind: vdpa-compat/policy\nschemaVersion: 1.0.0\nwaivers:\n  - code: negotiated-features-offered/missing\n    match: { device: fewer }\n    reason: test\n    owner: me\n    expires: 2999-12-31\n`);
    const waived = await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'fewer', ...q, '--policy', policy, '--json']);
    assert.equal(waived.code, 0, waived.stdout);
    const report = JSON.parse(waived.stdout) as { verdict: string; policy: { file: string }; findings: Array<{ code: string; severity: string; ruleSeverity: string; waiver?: { owner: string } }> };
    assert.ok(validateReport(report), JSON.stringify(validateReport.errors));
    const missing = report.findings.find((f) => f.code === 'negotiated-features-offered/missing');
    assert.deepEqual([missing?.severity, missing?.ruleSeverity, missing?.waiver?.owner, report.policy.file], ['info', 'error', 'me', policy]);
    const strict = join(scratch, 'strict.yaml');
    await writeFile(strict, 'kind: vdpa-compat/policy\nschemaVersion: 1.0.0\nfailOn: warning\n');
    assert.equal((await runCli(['check', VP, VP, '--source-device', 'vpd', '--target-device', 'vpd', ...q, '--policy', strict])).code, 1);
    assert.equal((await runCli(['check', SIM, SIM, '--source-device', 'same', '--target-device', 'idle', ...q, '--policy', repoPath('docs/examples/site-policy.yaml')])).code, 0);
  });

  it('refuses a policy that is not one, with every problem and its pointer, exit 2, and a JSON error document', async () => {
    const bad = join(scratch, 'bad.yaml');
    await writeFile(bad, 'kind: vdpa-compat/policy\nschemaVersion: 1.0.0\nfailOn: sometimes\nwaivers:\n  - code: mtu-match/targetSmaller\n    expires: 2027-02-30\n    reason: r\n    owner: o\n  - code: nonsense\n');
    const r = await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'same', '--policy', bad]);
    assert.equal(r.code, 2);
    // One line, as every error: each problem with its pointer, then the code and the fix.
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    assert.match(r.stderr, /bad\.yaml: \d+ problems: .* \[POLICY_INVALID\]; fix: /);
    assert.match(r.stderr, /\/failOn: must be one of/);
    assert.match(r.stderr, /\/waivers\/1: must have required property/);
    assert.ok(!hasStack(r.stderr));
    const json = await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'same', '--policy', bad, '--json']);
    const doc = JSON.parse(json.stdout) as { error: { code: string; file: string; problems: Array<{ pointer: string }> } };
    assert.ok(validateReport(doc), JSON.stringify(validateReport.errors));
    assert.equal(doc.error.code, 'POLICY_INVALID');
    assert.ok(doc.error.problems.some((p) => p.pointer === '/failOn'));
    const alias = join(scratch, 'alias.yaml');
    await writeFile(alias, 'kind: vdpa-compat/policy\nschemaVersion: 1.0.0\nseverity: &a { mtu-match/targetLarger: warning }\nx: *a\n');
    const aliased = await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'same', '--policy', alias]);
    assert.equal(aliased.code, 2);
    assert.match(aliased.stderr, /\[POLICY_PARSE\]/);
  });
});

describe('check --decision-log', () => {
  it('appends one JSON line per decision, never replacing the file', async () => {
    const log = join(scratch, 'decisions.jsonl');
    await writeFile(log, '{"kind":"earlier"}\n');
    await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'fewer', ...q, '--decision-log', log]);
    await runCli(['check', SIM, SIM, '--source-device', 'same', '--target-device', 'idle', ...q, '--decision-log', log]);
    const lines = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[0], { kind: 'earlier' });
    const [, first, second] = lines as Array<{ kind: string; verdict: string; exitStatus: number; codes: string[]; source: { fingerprint: string; qemu: string }; packs: { qemuPack: string } }>;
    assert.deepEqual([first?.kind, first?.verdict, first?.exitStatus, second?.verdict], ['vdpa-compat/decision', 'incompatible', 1, 'identical']);
    assert.ok(first?.codes.includes('negotiated-features-offered/missing:error'));
    assert.match(first?.source.fingerprint ?? '', /^sha256:/);
    assert.equal(first?.source.qemu, '10.0.2');
    assert.match(first?.packs.qemuPack ?? '', /^\d{4}\./);
  });

  it('keeps every line whole when several checks append at once (as hooks of concurrent migrations do)', async () => {
    const log = join(scratch, 'concurrent.jsonl');
    const runs = await Promise.all(Array.from({ length: 8 }, () => runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'fewer', ...q, '--decision-log', log])));
    assert.deepEqual(
      runs.map((r) => r.code),
      Array.from({ length: 8 }, () => 1),
    );
    const lines = (await readFile(log, 'utf8')).split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    assert.equal(lines.length, 8);
    for (const line of lines) assert.equal((JSON.parse(line) as { verdict: string }).verdict, 'incompatible');
  });

  it('fails with exit 2 and one line when the log cannot be written', async () => {
    const r = await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'same', ...q, '--decision-log', join(scratch, 'no-such-dir', 'log.jsonl')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot append to .*log\.jsonl: ENOENT \[OUTPUT_FAILED\]/);
    assert.equal(r.stdout, '');
  });
});

describe('check --rules and explain --rules', () => {
  const rules = repoPath('docs/examples/site-rules.yaml');
  it('runs the site rules beside the built-in ones', async () => {
    const r = await runCli(['check', VP, SIM, '--source-device', 'vpd', '--target-device', 'same', ...q, '--rules', rules, '--json']);
    const report = JSON.parse(r.stdout) as { checks: Array<{ rule: string }>; findings: Array<{ code: string }>; knowledge: { rulePacks: string[] } };
    assert.ok(report.checks.some((c) => c.rule === 'site-same-parent'));
    assert.ok(report.findings.some((f) => f.code === 'site-same-parent/violated'));
    assert.deepEqual(report.knowledge.rulePacks, [rules]);
  });

  it('explains a site rule from its pack, and says how to find a code that is not built in', async () => {
    const r = await runCli(['explain', 'site-same-parent/violated', '--rules', rules]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# site-same-parent/m);
    assert.match(r.stdout, /### `site-same-parent\/violated`/);
    const without = await runCli(['explain', 'site-same-parent/violated']);
    assert.equal(without.code, 2);
    assert.match(without.stderr, /--rules FILE/);
    assert.equal((await runCli(['explain', 'policy/waiverExpired'])).code, 0);
  });

  it('refuses a pack rule that takes a built-in id', async () => {
    const pack = join(scratch, 'taken.yaml');
    await writeFile(pack, 'kind: vdpa-compat/rule-pack\nschemaVersion: 1.0.0\nname: t\nrules:\n  - { id: mtu-match, summary: s, severity: error, require: [{ fact: target.mtu, op: Exists }] }\n');
    const r = await runCli(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'same', '--rules', pack]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\/rules\/0\/id: "mtu-match" is a built-in rule's id/);
  });
});
