import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { ValidationError } from '../../src/errors.js';
import { validateReport } from '../../src/generated/report-validator.js';
import { builtinRules } from '../../src/rules/builtin/index.js';
import { check, type CheckOptions } from '../../src/verdict/check.js';
import { renderText } from '../../src/verdict/render-text.js';
import { dumpPath } from '../helpers/paths.js';

// Real pairs: devices read with raw netlink in the e2e run (kernel 6.12: the simulator; vp_vdpa
// parents) and iproute2-only dumps of the same kind of devices. QEMU versions are given as the CLI
// options would give them.
const profile = async (dump: string) => (await collect({ from: dumpPath(dump) })).profile;
const SIM = 'e2e/k6.12/sim-netlink';
const TOOL = 'e2e/k6.12/sim-tool615';
const qemu = (version: string): Pick<CheckOptions, 'sourceQemu' | 'targetQemu'> => ({ sourceQemu: { text: version, origin: 'test' }, targetQemu: { text: version, origin: 'test' } });
const pair = async (dump: string, source: string, target: string, options: CheckOptions = {}) => check(await profile(dump), await profile(dump), { sourceDevice: source, targetDevice: target, ...options });

describe('check: graded verdicts', () => {
  it('identical: the same capability and config (simulator twins, QEMU 10.0.2), exit 0', async () => {
    const report = await pair(SIM, 'same', 'idle', qemu('10.0.2'));
    assert.deepEqual([report.verdict, report.exitStatus, report.summary.errors, report.summary.warnings], ['identical', 0, 0, 0]);
    assert.ok(validateReport(report), JSON.stringify(validateReport.errors));
  });

  it('compatible: a target with a larger MTU (measured to work), exit 0', async () => {
    const report = await pair(SIM, 'src', 'mtu9000', qemu('10.0.2'));
    assert.deepEqual([report.verdict, report.exitStatus], ['compatible', 0]);
    assert.ok(report.findings.some((f) => f.code === 'mtu-match/targetLarger'));
  });

  it('unverified, not compatible, when iproute2 could not show what the target offers: the lab case that killed the NIC', async () => {
    // The target lacks CTRL_MAC_ADDR, which the guest negotiated; iproute2 prints no offered features.
    const report = await pair(TOOL, 'src', 'fewer', qemu('10.0.2'));
    assert.deepEqual([report.verdict, report.exitStatus], ['unverified', 2]);
    assert.ok(report.summary.unverified > 0);
    assert.ok(report.findings.some((f) => f.code === 'negotiated-features-offered/unverified' && String(f.data['features']).includes('CTRL_MAC_ADDR')));
    // The same pair read with raw netlink is incompatible, for that bit.
    const netlink = await pair(SIM, 'src', 'fewer', qemu('10.0.2'));
    assert.deepEqual([netlink.verdict, netlink.exitStatus], ['incompatible', 1]);
    // Accepting the risk: the warnings stay, the verdict is compatible.
    const accepted = await pair(TOOL, 'src', 'fewer', { ...qemu('10.0.2'), allowUnverified: true });
    assert.deepEqual([accepted.verdict, accepted.exitStatus, accepted.allowUnverified], ['compatible', 0, true]);
  });

  it('blocked-by-hypervisor: QEMU 7.2 without x-svq refuses every vhost-vdpa migration, exit 1', async () => {
    const report = await pair(SIM, 'src', 'same', qemu('7.2.22'));
    assert.deepEqual([report.verdict, report.exitStatus], ['blocked-by-hypervisor', 1]);
    assert.ok(report.findings.some((f) => f.code === 'hypervisor-blockers/logAll' && f.blocker));
  });

  it('a blocker that depends on an unknown version stays a warning: QEMU itself refuses at the source', async () => {
    // The source profile without the QEMU collect recorded there (the guest's 7.2).
    const source = await profile(SIM);
    delete source.host.vmm;
    const report = check(source, await profile(SIM), { sourceDevice: 'same', targetDevice: 'idle', targetQemu: { text: '10.0.2', origin: 'test' } });
    const blocker = report.findings.find((f) => f.code === 'hypervisor-blockers/dependsOnVersion');
    assert.deepEqual([blocker?.severity, blocker?.failsSafe], ['warning', true]);
    // The ring size is not safe that way (10.0.13 forces 1024): that one holds the verdict.
    assert.equal(report.verdict, 'unverified');
    assert.ok(report.findings.some((f) => f.code === 'max-vq-size/ringUnknown'));
  });

  it("--strict turns every could-not-verify warning into an error, and keeps the rule's severity beside it", async () => {
    const lax = await pair(TOOL, 'same', 'idle', qemu('10.0.2'));
    const strict = await pair(TOOL, 'same', 'idle', { ...qemu('10.0.2'), strict: true });
    assert.equal(strict.verdict, 'incompatible');
    assert.equal(strict.summary.errors, lax.findings.filter((f) => f.unverified && f.severity === 'warning').length);
    assert.ok(strict.findings.filter((f) => f.unverified).every((f) => f.severity === 'error' && f.ruleSeverity === 'warning'));
  });

  it('reports net-only checks as not applicable to block devices, never as passed', async () => {
    const report = await pair(SIM, 'blk', 'blk', qemu('10.0.2'));
    const na = report.checks.filter((c) => c.status === 'not-applicable').map((c) => c.rule);
    const netOnly = builtinRules.filter((r) => r.appliesTo !== undefined && !r.appliesTo.includes('blk')).map((r) => r.id);
    assert.ok(netOnly.length > 0);
    assert.deepEqual(na, netOnly);
    assert.ok(report.findings.some((f) => f.code === 'hypervisor-blockers/blockSharedStorage'));
  });

  it('reports the QEMU facts and VM settings it assumed, and where each came from', async () => {
    const report = await pair(SIM, 'src', 'same', { ...qemu('QEMU emulator version 10.0.13 (Debian 1:10.0.13+ds-0+deb13u1)'), vm: { rxQueueSize: { value: 512, origin: '--rx-queue-size' } } });
    assert.deepEqual([report.source.qemu.version, report.source.qemu.releases, report.source.qemu.origin], ['10.0.13', ['10.0.13+'], 'test']);
    assert.deepEqual(report.vm.rxQueueSize, { value: 512, origin: '--rx-queue-size' });
    assert.equal(report.vm.xSvq.value, false);
    assert.equal(report.source.parent, 'vdpa_sim_net');
    assert.ok(validateReport(report), JSON.stringify(validateReport.errors));
  });
});

describe('check: fingerprints', () => {
  it('verifies the stored fingerprint of each device it reads: a hand-edited device is refused, not taken as identical', async () => {
    const host = await profile(SIM);
    const same = host.devices.findIndex((d) => d.name === 'same');
    const idle = host.devices.findIndex((d) => d.name === 'idle');
    // The edit: idle's max_vq_size lowered under the fingerprint collect computed for 256.
    const edited = structuredClone(host);
    edited.devices[idle]!.maxVqSize = 128;
    assert.throws(
      () => check(host, edited, { sourceDevice: 'same', targetDevice: 'idle', ...qemu('10.0.2'), targetInput: 'edited.json' }),
      (e: unknown) => e instanceof ValidationError && e.file === 'edited.json' && e.problems.length === 1 && e.problems[0]!.pointer === `/devices/${idle}/fingerprint`,
    );
    // The same edit on a device this check does not read changes nothing.
    const report = check(host, edited, { sourceDevice: 'same', targetDevice: 'same', ...qemu('10.0.2') });
    assert.equal(report.verdict, 'identical');
    assert.equal(report.target.fingerprint, host.devices[same]!.fingerprint);
  });
});

describe('check: policies', () => {
  it("overrides severities, applies waivers, reports expired ones, and keeps the rule's severity", async () => {
    const policy = {
      kind: 'vdpa-compat/policy' as const,
      schemaVersion: '1.0.0',
      severity: { 'mtu-match/targetLarger': 'warning' as const },
      waivers: [
        { code: 'negotiated-features-offered/missing', match: { device: 'fewer' }, reason: 'guests here never use CTRL_VQ', owner: 'netops', expires: '2027-01-31' },
        { code: 'max-vq-size/*', reason: 'old', owner: 'netops', expires: '2026-01-01' },
      ],
    };
    const now = new Date('2026-12-01T12:00:00Z');
    const overridden = await pair(SIM, 'src', 'mtu9000', { ...qemu('10.0.2'), policy: { policy, file: 'site.yaml' }, now });
    const larger = overridden.findings.find((f) => f.code === 'mtu-match/targetLarger');
    assert.deepEqual([larger?.severity, larger?.ruleSeverity], ['warning', 'info']);
    assert.deepEqual(overridden.policy, { file: 'site.yaml', failOn: 'error' });
    const waived = await pair(SIM, 'src', 'fewer', { ...qemu('10.0.2'), policy: { policy, file: 'site.yaml' }, now });
    assert.deepEqual([waived.verdict, waived.findings.find((f) => f.code === 'negotiated-features-offered/missing')?.waiver?.owner], ['compatible', 'netops']);
    // After expiry the waiver no longer applies.
    const later = await pair(SIM, 'src', 'fewer', { ...qemu('10.0.2'), policy: { policy, file: 'site.yaml' }, now: new Date('2027-02-01T00:00:00Z') });
    assert.equal(later.verdict, 'incompatible');
    assert.ok(later.findings.some((f) => f.code === 'policy/waiverExpired' && f.data['code'] === 'negotiated-features-offered/missing'));
    assert.ok(validateReport(waived), JSON.stringify(validateReport.errors));
  });

  it('a waiver in force applies even when an expired one for the same code is listed first (a renewal added below)', async () => {
    const expired = { code: 'negotiated-features-offered/missing', reason: 'until the upgrade', owner: 'netops', expires: '2026-06-30' };
    const renewed = { ...expired, reason: 'upgrade slipped', expires: '2027-06-30' };
    const now = new Date('2026-12-01T12:00:00Z');
    const policy = { kind: 'vdpa-compat/policy' as const, schemaVersion: '1.0.0', waivers: [expired, renewed] };
    const report = await pair(SIM, 'src', 'fewer', { ...qemu('10.0.2'), policy: { policy, file: 'site.yaml' }, now });
    assert.equal(report.verdict, 'compatible');
    assert.equal(report.findings.find((f) => f.code === 'negotiated-features-offered/missing')?.waiver?.reason, 'upgrade slipped');
    assert.ok(!report.findings.some((f) => f.code === 'policy/waiverExpired'), 'the expired entry is not reported while a renewal applies');
  });

  it('failOn: warning fails on any warning', async () => {
    const policy = { kind: 'vdpa-compat/policy' as const, schemaVersion: '1.0.0', failOn: 'warning' as const };
    const lax = await pair(TOOL, 'same', 'idle', qemu('10.0.2'));
    assert.equal(lax.verdict, 'unverified');
    const report = await pair(TOOL, 'same', 'idle', { ...qemu('10.0.2'), policy: { policy, file: 'strict.yaml' } });
    assert.equal(report.verdict, 'incompatible');
    assert.ok(report.findings.filter((f) => f.ruleSeverity === 'warning').every((f) => f.severity === 'error'));
  });
});

describe('check: text', () => {
  it('renders one line per check with PASS/WARN/FAIL/N/A and the graded verdict, colour only when asked', async () => {
    const report = await pair(SIM, 'src', 'fewer', qemu('10.0.2'));
    const text = renderText(report, { color: false });
    const checkLines = text.split('\n').filter((l) => / : (PASS|WARN|FAIL|N\/A)$/.test(l));
    assert.equal(checkLines.length, report.checks.length);
    assert.match(text, /FAIL .*\[negotiated-features-offered\/missing\]/);
    assert.match(text, /verdict: INCOMPATIBLE/);
    assert.match(text, /QEMU 10\.0\.2/);
    assert.ok(!text.includes('\u001b['));
    assert.ok(renderText(report, { color: true }).includes('\u001b[31m'));
    assert.match(renderText(await pair(TOOL, 'src', 'fewer', qemu('10.0.2')), { color: false }), /verdict: UNVERIFIED \(could not decide\)/);
  });
});
