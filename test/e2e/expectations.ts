/**
 * What each migration pair of scenarios/suite.sh must give, on both kernels,
 * and the comparison of the two sources on the same live devices. Shared by
 * the live suite (e2e.test.ts) and the offline replay of its recorded output
 * (test/collect/e2e-replay.test.ts), so a recorded run is checked the same way.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect } from '../../src/collect/collect.js';
import type { Profile } from '../../src/profile/types.js';
import type { Report } from '../../src/verdict/types.js';

/** One pair of the suite and what its report must show. */
export interface Expectation {
  verdict: Report['verdict'];
  /** Codes that must be reported. */
  codes: string[];
  /** With --strict: no warning or error at all. */
  clean?: boolean;
  /** For negotiated-features-offered/missing: exactly these features. */
  missing?: string[];
}

/**
 * The pairs of scenarios/suite.sh (report names) and their expected outcome.
 * Every pair but host-qemu is checked with --source-qemu/--target-qemu 10.0.2
 * (the lab's QEMU for real migrations); host-qemu uses the QEMU the guest
 * really has (this machine's, Debian 12's 7.2), recorded by collect.
 */
export const EXPECTED: Record<string, Expectation> = {
  identical: { verdict: 'identical', codes: [], clean: true },
  'negotiated-to-same': { verdict: 'identical', codes: ['mac-match/replayed', 'negotiated-features-offered/negotiatedByHost'], clean: true },
  // A larger target MTU migrates and works (measured in the lab).
  'mtu-differs': { verdict: 'compatible', codes: ['mtu-match/targetLarger'], clean: true },
  'mac-differs-ctrl-mac-addr': { verdict: 'compatible', codes: ['mac-match/replayed'] },
  // QEMU writes the domain's MAC into the simulator at start (measured in the lab).
  'mac-differs-no-ctrl-mac-addr': { verdict: 'compatible', codes: ['mac-match/writtenByQemu'] },
  // The target was provisioned without CTRL_VQ and CTRL_MAC_ADDR, which the guest negotiated:
  // raw netlink sees it; iproute2 cannot (no config key shows those bits), so the verdict is "could not decide".
  'fewer-features': { verdict: 'incompatible', codes: ['negotiated-features-offered/missing'], missing: ['CTRL_VQ', 'CTRL_MAC_ADDR'] },
  'fewer-features-tool61': { verdict: 'unverified', codes: ['negotiated-features-offered/unverified'] },
  'fewer-features-tool615': { verdict: 'unverified', codes: ['negotiated-features-offered/unverified'] },
  'net-to-blk': { verdict: 'incompatible', codes: ['device-class-match/mismatch'] },
  'target-virtio-vdpa': { verdict: 'incompatible', codes: ['target-vhost-vdpa/boundElsewhere', 'target-unused/inUse'] },
  // vp_vdpa parents over a default virtio-net-pci offer what QEMU's shadow virtqueue refuses: QEMU blocks.
  'vp-a-to-b': { verdict: 'blocked-by-hypervisor', codes: ['svq-offered-features/sourceOffers', 'svq-offered-features/targetOffers', 'negotiated-features-offered/notSupported', 'max-vq-pairs/differ'] },
  'vp-a-to-c': { verdict: 'blocked-by-hypervisor', codes: ['svq-offered-features/sourceOffers', 'negotiated-features-offered/notSupported', 'max-vq-pairs/differ'] },
  'vp-b-to-b-idle': { verdict: 'blocked-by-hypervisor', codes: ['svq-offered-features/sourceOffers', 'svq-offered-features/sourceMissing'] },
  // Parents D and E offer only SVQ-handled bits; they differ in queue pairs (2 and 4), which the stream checks for equality.
  'vp-d-to-e': { verdict: 'incompatible', codes: ['max-vq-pairs/differ', 'cvq-isolation/sourceNotIsolated'] },
  // vp_vdpa can neither report nor take the rings' positions (measured: without x-svq the destination
  // falls back on userspace virtio), and cannot isolate the CVQ (its 4 queue pairs are not restored).
  'vp-e-to-e-idle': { verdict: 'incompatible', codes: ['vq-state/sourceCannot', 'vq-state/targetCannot', 'cvq-isolation/queuePairsNotRestored'] },
  // QEMU 7.2 without x-svq refuses every vhost-vdpa migration (the guest's QEMU, recorded by collect).
  'host-qemu': { verdict: 'blocked-by-hypervisor', codes: ['hypervisor-blockers/logAll'] },
};

/** The exit status of each verdict (README "Exit status"). */
export const VERDICT_RC: Record<Report['verdict'], number> = { identical: 0, compatible: 0, unverified: 2, 'blocked-by-hypervisor': 1, incompatible: 1, 'compatible-after-provisioning': 1 };

/** The states suite.sh collects with raw netlink and both iproute2 builds (run/dumps/<state>-netlink|tool61|tool615). */
export const STATES = ['sim', 'vp', 'vp2'] as const;

/**
 * What vp_vdpa parents D (pci/0000:00:08.0) and E (pci/0000:00:09.0) of lab/boot.sh offer on both
 * kernels: only bits in QEMU 7.2's shadow-virtqueue set (no ANY_LAYOUT: a modern-only virtio-net-pci
 * never offers it) and EVENT_IDX, with the required VERSION_1 and ACCESS_PLATFORM.
 */
export const SVQ_ONLY_OFFERED = [
  'CSUM',
  'GUEST_CSUM',
  'MTU',
  'MAC',
  'GUEST_TSO4',
  'GUEST_TSO6',
  'GUEST_ECN',
  'GUEST_UFO',
  'HOST_TSO4',
  'HOST_TSO6',
  'HOST_ECN',
  'HOST_UFO',
  'MRG_RXBUF',
  'STATUS',
  'CTRL_VQ',
  'MQ',
  'CTRL_MAC_ADDR',
  'RING_EVENT_IDX',
  'VERSION_1',
  'ACCESS_PLATFORM',
];

/**
 * Parents D and E in a recorded run (RUN = .../run): what raw netlink read for them (dump vp2-netlink),
 * and that vhost_vdpa binds vpe but, with no vIOMMU in the guest, its char device cannot be opened.
 */
export async function assertSvqOnlyParents(run: string, label: string): Promise<void> {
  const { profile } = await collect({ from: join(run, 'dumps/vp2-netlink') });
  for (const [handle, device, pairs, driver] of [
    ['pci/0000:00:08.0', 'vpd', 2, 'virtio_vdpa'],
    ['pci/0000:00:09.0', 'vpe', 4, 'vhost_vdpa'],
  ] as const) {
    const at = `${label}: ${device}`;
    assert.deepEqual(profile.mgmtdevs.find((m) => m.handle === handle)?.supportedFeatures?.names, SVQ_ONLY_OFFERED, `${at}: ${handle}`);
    const dev = profile.devices.find((d) => d.name === device);
    assert.ok(dev, `${at}: missing`);
    assert.deepEqual([dev.mgmtdev, dev.driver, dev.config.maxVqPairs, dev.config.mtu], [handle, driver, pairs, 1500], at);
    assert.deepEqual(dev.features.offered.present.names, SVQ_ONLY_OFFERED, `${at}: offered`);
    assert.deepEqual(dev.unknown, [], `${at}: unknown facts`);
  }
  // The guest's virtio_net negotiated all of it on vpd (then failed its probe on the MQ quirk of fixtures/VP_VDPA.md).
  assert.deepEqual(profile.devices.find((d) => d.name === 'vpd')?.features.negotiated?.names, SVQ_ONLY_OFFERED, `${label}: vpd negotiated`);
  const line = readFileSync(join(run, 'cmd/INDEX.tsv'), 'utf8')
    .split('\n')
    .find((l) => /^\d+-open-vpe-vhost\t/.test(l));
  assert.ok(line, `${label}: open-vpe-vhost not recorded`);
  const name = line.split('\t')[0];
  assert.equal(readFileSync(join(run, `cmd/${name}.rc`), 'utf8').trim(), '2', `${label}: opening vpe's vhost-vdpa char device`);
  assert.match(readFileSync(join(run, `cmd/${name}.stderr`), 'utf8'), /Unknown error 524/, `${label}: ENOTSUPP from vhost_vdpa (no IOMMU domain)`);
}

/** Asserts one report against its expectation. */
export function assertReport(name: string, report: Report, rc: number): void {
  const expected = EXPECTED[name];
  assert.ok(expected, `no expectation for ${name}`);
  // The pair's own verdict: check may add that a device a plan creates on the host would fit
  // (compatible-after-provisioning), which only an incompatible pair can get.
  const pair = report.provisioning?.pairVerdict ?? report.verdict;
  assert.equal(pair, expected.verdict, `${name}: ${report.findings.map((f) => f.code).join(', ')}`);
  if (report.verdict === 'compatible-after-provisioning') assert.equal(report.provisioning?.status, 'planned', `${name}: provisioning`);
  assert.equal(rc, VERDICT_RC[report.verdict], `${name}: exit status`);
  assert.equal(report.exitStatus, rc, `${name}: the report's exitStatus`);
  const codes = new Set(report.findings.map((f) => f.code));
  for (const code of expected.codes) assert.ok(codes.has(code), `${name}: expected ${code}, got ${[...codes].join(', ')}`);
  if (expected.clean)
    assert.deepEqual(
      report.findings.filter((f) => f.severity !== 'info').map((f) => f.code),
      [],
      `${name}: not clean`,
    );
  if (expected.missing) {
    const missing = report.findings.filter((f) => f.code === 'negotiated-features-offered/missing').map((f) => f.data['feature']);
    assert.deepEqual(missing, expected.missing);
  }
}

/**
 * Two profiles of the same host, one from raw netlink, one from the vdpa
 * tool: every fact both can see must agree, and what the tool's output let us
 * infer about offered features must hold against what netlink read.
 */
export function assertSourcesAgree(netlink: Profile, tool: Profile, label: string): void {
  assert.deepEqual(tool.devices.map((d) => d.name).sort(), netlink.devices.map((d) => d.name).sort(), `${label}: devices`);
  for (const n of netlink.mgmtdevs) {
    const t = tool.mgmtdevs.find((m) => m.handle === n.handle);
    assert.ok(t, `${label}: ${n.handle} missing from the tool's profile`);
    assert.deepEqual([t.bus, t.name, t.classes, t.maxSupportedVqs, t.supportedFeatures], [n.bus, n.name, n.classes, n.maxSupportedVqs, n.supportedFeatures], `${label}: ${n.handle}`);
  }
  for (const n of netlink.devices) {
    const t = tool.devices.find((d) => d.name === n.name);
    assert.ok(t);
    const at = `${label}: ${n.name}`;
    assert.deepEqual([t.class, t.virtioDeviceId, t.mgmtdev, t.vendorId, t.maxVqs, t.maxVqSize, t.driver, t.charDev], [n.class, n.virtioDeviceId, n.mgmtdev, n.vendorId, n.maxVqs, n.maxVqSize, n.driver, n.charDev], at);
    if (!t.unknown.some((u) => u.fact === '/config')) assert.deepEqual(t.config, n.config, `${at}: config`);
    if (!t.unknown.some((u) => u.fact === '/features/negotiated')) assert.deepEqual(t.features.negotiated, n.features.negotiated, `${at}: negotiated`);
    assert.deepEqual(t.features.provisionable, n.features.provisionable, `${at}: provisionable`);
    const offered = BigInt(n.features.offered.present.bits);
    const present = BigInt(t.features.offered.present.bits);
    const absent = BigInt(t.features.offered.absent.bits);
    if (!n.unknown.some((u) => u.fact === '/features/offered')) {
      assert.equal(present & ~offered, 0n, `${at}: the tool's profile claims offered bits netlink does not see`);
      assert.equal(absent & offered, 0n, `${at}: the tool's profile claims absent bits netlink sees offered`);
    }
  }
}

/** The simulator devices suite.sh plans for, with each iproute2 build (reports/plan-DEV-TOOL.apply). */
export const PLANNED = ['src', 'same', 'nomacctl', 'fewer', 'mtu9000', 'othermac'] as const;

/**
 * What `plan --apply` did on the live host: every plan iproute2 6.15 can run was accepted by the
 * kernel, bound, collected again with raw netlink and checked --strict identical or compatible;
 * with iproute2 6.1 a plan that needs device_features is refused before anything runs (no-plan).
 * Returns the counts (generated, applied, re-checked compatible) for the suite's log.
 */
export function assertPlans(run: string, label: string): { generated: number; applied: number; compatible: number } {
  let generated = 0;
  let applied = 0;
  let compatible = 0;
  for (const device of PLANNED) {
    for (const tool of ['tool615', 'tool61'] as const) {
      const name = `plan-${device}-${tool}`;
      const at = `${label}: ${name}`;
      const rc = Number(readFileSync(join(run, `reports/${name}.rc`), 'utf8'));
      const report = JSON.parse(readFileSync(join(run, `reports/${name}.apply`), 'utf8')) as {
        kind: string;
        status: string;
        exitStatus: number;
        created: boolean;
        steps: { action: string; ok: boolean; detail: string }[];
        plan: { plan: { argv: string[] } | null; candidates: { requirements: { code: string }[] }[] };
        check: Report | null;
      };
      assert.equal(report.kind, 'vdpa-compat/apply', at);
      assert.equal(rc, report.exitStatus, `${at}: exit status`);
      if (report.plan.plan !== null) generated++;
      const needsFeatures = report.plan.plan?.argv.includes('device_features') ?? report.plan.candidates.some((c) => c.requirements.some((r) => r.code === 'iproute2'));
      if (tool === 'tool61' && needsFeatures) {
        assert.equal(report.status, 'no-plan', `${at}: iproute2 6.1 has no device_features`);
        assert.ok(!report.steps.some((s) => s.action === 'dev add'), `${at}: nothing run`);
        continue;
      }
      assert.equal(report.status, 'applied', `${at}: ${report.steps.map((s) => `${s.action} ${s.ok ? 'ok' : 'FAIL'} ${s.detail}`).join('; ')}`);
      applied++;
      assert.ok(
        report.steps.some((s) => s.action === 'dev add' && s.ok),
        `${at}: dev add`,
      );
      assert.equal(report.check?.strict, true, `${at}: checked --strict`);
      assert.ok(report.check && ['identical', 'compatible'].includes(report.check.verdict), `${at}: ${report.check?.verdict}`);
      compatible++;
    }
  }
  return { generated, applied, compatible };
}
