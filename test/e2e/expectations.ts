/**
 * What each migration pair of scenarios/suite.sh must give, on both kernels,
 * and the comparison of the two sources on the same live devices. Shared by
 * the live suite (e2e.test.ts) and the offline replay of its recorded output
 * (test/collect/e2e-replay.test.ts), so a recorded run is checked the same way.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
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

/** The states suite.sh collects with raw netlink and both iproute2 builds (run/dumps/<state>-netlink|tool61|tool615); vp3 and vp4 hold the sources of the plans between vp_vdpa parents. */
export const STATES = ['sim', 'vp', 'vp2', 'vp3', 'vp4'] as const;

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
    // Runs recorded before collect looked for holders leave them unknown, and only them; a fresh run records them.
    const recordedBefore = dev.unknown.some((u) => u.fact === '/holders' && /records no holders/.test(u.reason));
    assert.deepEqual(
      dev.unknown.filter((u) => !(recordedBefore && u.fact === '/holders')),
      [],
      `${at}: unknown facts`,
    );
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

/** vp_vdpa parents G and H of lab/boot.sh (E2E_VP_PAIRS=1), free when suite.sh plans onto them. */
export const VP_G = 'pci/0000:00:0b.0';
export const VP_H = 'pci/0000:00:0c.0';

/** What one plan between vp_vdpa parents must come to. */
export interface VpPlanExpectation {
  status: 'applied' | 'no-plan' | 'unknown';
  /** applied: the parent the plan used, and whether its dev add carries device_features. */
  on?: { mgmtdev: string; deviceFeatures: boolean };
  /** Why the free parents G and H were not planned: the requirement codes, and the proof's limiting codes. */
  free?: Record<string, { requirements: string[]; limiting?: string[] }>;
}

/**
 * The plans suite.sh makes for vp_vdpa devices (reports/plan-NAME.apply), all for the lab's QEMU
 * 10.0.2 and, but for vpf-no-x-svq, with x-svq=on. vpf: a guest on F negotiated everything F offers
 * (MTU MAC MRG_RXBUF STATUS CTRL_VQ CTRL_MAC_ADDR RING_EVENT_IDX VERSION_1 ACCESS_PLATFORM; F and G
 * have no vnet header, so no checksum or TSO bits); vpfsub: the same less MTU, through
 * device_features; vpd: D's guest, two queue pairs and MQ.
 */
export const VP_PLANS: Record<string, VpPlanExpectation> = {
  // vp_vdpa takes no mtu and the management device does not show a new device's MTU: the proof cannot verify mtu-match.
  'vpf-tool615': { status: 'unknown', free: { [VP_G]: { requirements: ['check'], limiting: ['mtu-match/unverified'] }, [VP_H]: { requirements: ['check'], limiting: ['mtu-match/unverified'] } } },
  // With iproute2 6.1, H (which offers MQ beyond F's set) would need device_features.
  'vpf-tool61': { status: 'unknown', free: { [VP_G]: { requirements: ['check'], limiting: ['mtu-match/unverified'] }, [VP_H]: { requirements: ['iproute2'] } } },
  // Without x-svq vp_vdpa can neither report nor take the rings' positions.
  'vpf-no-x-svq': {
    status: 'no-plan',
    free: { [VP_G]: { requirements: ['check'], limiting: ['vq-state/sourceCannot', 'vq-state/targetCannot'] }, [VP_H]: { requirements: ['check'], limiting: ['vq-state/sourceCannot', 'vq-state/targetCannot'] } },
  },
  // Made without the MTU proof: G has F's whole set, so no device_features (iproute2 6.1 too); the re-check reads the real MTU.
  'vpf-allow-unverified-tool615': { status: 'applied', on: { mgmtdev: VP_G, deviceFeatures: false } },
  'vpf-allow-unverified-tool61': { status: 'applied', on: { mgmtdev: VP_G, deviceFeatures: false } },
  // H is D's twin, but vp_vdpa takes no max_vqp: the new device's queue pairs are the parent's choice.
  'vpd-tool615': { status: 'unknown', free: { [VP_G]: { requirements: ['needed-features', 'queue-pairs'] }, [VP_H]: { requirements: ['max-vqp-refused'] } } },
  'vpd-tool61': { status: 'unknown', free: { [VP_G]: { requirements: ['needed-features', 'queue-pairs'] }, [VP_H]: { requirements: ['max-vqp-refused'] } } },
  'vpfsub-tool615': { status: 'applied', on: { mgmtdev: VP_G, deviceFeatures: true } },
  'vpfsub-tool61': { status: 'no-plan', free: { [VP_G]: { requirements: ['iproute2'] }, [VP_H]: { requirements: ['iproute2'] } } },
};

/** The apply report of one plan, as far as the assertions read it. */
interface ApplyReport {
  kind: string;
  status: string;
  exitStatus: number;
  created: boolean;
  steps: { action: string; ok: boolean; detail: string }[];
  plan: { source: { input: string }; plan: { mgmtdev: string; argv: string[] } | null; candidates: { mgmtdev: string; requirements: { code: string }[]; limiting: string[] }[] };
  check: Report | null;
}

/** Plan counts: made, accepted by the kernel (dev add), re-checked --strict identical or compatible. */
export interface PlanCounts {
  attempts: number;
  generated: number;
  applied: number;
  compatible: number;
}

/** Reads one apply report and counts it; asserts what holds for every plan the suite applies. */
function readApply(run: string, name: string, at: string, counts: PlanCounts): ApplyReport {
  const rc = Number(readFileSync(join(run, `reports/${name}.rc`), 'utf8'));
  const report = JSON.parse(readFileSync(join(run, `reports/${name}.apply`), 'utf8')) as ApplyReport;
  assert.equal(report.kind, 'vdpa-compat/apply', at);
  assert.equal(rc, report.exitStatus, `${at}: exit status`);
  counts.attempts++;
  if (report.plan.plan !== null) counts.generated++;
  if (report.plan.plan === null) assert.ok(!report.steps.some((s) => s.action === 'dev add'), `${at}: no plan, nothing run`);
  return report;
}
/** An applied plan: the kernel took the dev add, and the device, collected again with raw netlink, passed check --strict. */
function assertApplied(report: ApplyReport, at: string, counts: PlanCounts): void {
  assert.equal(report.status, 'applied', `${at}: ${report.steps.map((s) => `${s.action} ${s.ok ? 'ok' : 'FAIL'} ${s.detail}`).join('; ')}`);
  assert.ok(
    report.steps.some((s) => s.action === 'dev add' && s.ok),
    `${at}: dev add`,
  );
  counts.applied++;
  assert.equal(report.check?.strict, true, `${at}: checked --strict`);
  assert.ok(report.check && ['identical', 'compatible'].includes(report.check.verdict), `${at}: ${report.check?.verdict}`);
  counts.compatible++;
}

/**
 * What `plan --apply` did on the live host: every plan iproute2 6.15 can run was accepted by the
 * kernel, bound, collected again with raw netlink and checked --strict identical or compatible;
 * with iproute2 6.1 a plan that needs device_features is refused before anything runs (no-plan).
 * Returns the counts for the suite's log, for the simulator's plans and for vp_vdpa's.
 */
export function assertPlans(run: string, label: string): { sim: PlanCounts; vp: PlanCounts } {
  const sim: PlanCounts = { attempts: 0, generated: 0, applied: 0, compatible: 0 };
  for (const device of PLANNED) {
    for (const tool of ['tool615', 'tool61'] as const) {
      const name = `plan-${device}-${tool}`;
      const at = `${label}: ${name}`;
      const report = readApply(run, name, at, sim);
      const needsFeatures = report.plan.plan?.argv.includes('device_features') ?? report.plan.candidates.some((c) => c.requirements.some((r) => r.code === 'iproute2'));
      if (tool === 'tool61' && needsFeatures) {
        assert.equal(report.status, 'no-plan', `${at}: iproute2 6.1 has no device_features`);
        continue;
      }
      assertApplied(report, at, sim);
    }
  }
  const vp: PlanCounts = { attempts: 0, generated: 0, applied: 0, compatible: 0 };
  for (const [plan, expected] of Object.entries(VP_PLANS)) {
    const name = `plan-${plan}`;
    const at = `${label}: ${name}`;
    const report = readApply(run, name, at, vp);
    if (expected.status === 'applied') {
      assertApplied(report, at, vp);
      const made = report.plan.plan;
      assert.ok(made, `${at}: no plan`);
      assert.equal(made.mgmtdev, expected.on?.mgmtdev, `${at}: parent`);
      assert.equal(made.argv.includes('device_features'), expected.on?.deviceFeatures, `${at}: device_features`);
      // vp_vdpa takes device_features alone (its config_attr_mask): a plan must never pass it more.
      assert.ok(!made.argv.some((a) => ['mac', 'mtu', 'max_vqp'].includes(a)), `${at}: ${made.argv.join(' ')}`);
      continue;
    }
    assert.equal(report.status, expected.status, `${at}: ${report.plan.candidates.map((c) => `${c.mgmtdev}: ${c.requirements.map((r) => r.code).join(',')}`).join('; ')}`);
    for (const [mgmtdev, why] of Object.entries(expected.free ?? {})) {
      const candidate = report.plan.candidates.find((c) => c.mgmtdev === mgmtdev);
      assert.ok(candidate, `${at}: ${mgmtdev} not considered`);
      assert.deepEqual(
        candidate.requirements.map((r) => r.code),
        why.requirements,
        `${at}: ${mgmtdev}`,
      );
      assert.deepEqual(candidate.limiting, why.limiting ?? [], `${at}: ${mgmtdev} limiting`);
    }
  }
  return { sim, vp };
}

/**
 * What `plan --baseline FILE --apply` did on the live host, with each iproute2 build: the baseline
 * (made in the guest from its own simulator dumps, read with both builds) planned on vdpasim_net,
 * accepted by the kernel, collected again with raw netlink and checked --strict identical or
 * compatible against the baseline's device. Returns the counts for the suite's log.
 */
export function assertBaselinePlans(run: string, label: string): PlanCounts {
  const counts: PlanCounts = { attempts: 0, generated: 0, applied: 0, compatible: 0 };
  assert.equal(readFileSync(join(run, 'cmd', readdirSync(join(run, 'cmd')).find((f) => /-baseline-lab\.rc$/.test(f)) ?? 'missing'), 'utf8').trim(), '0', `${label}: the baseline is complete`);
  for (const tool of ['tool615', 'tool61'] as const) {
    const name = `plan-baseline-lab-${tool}`;
    const at = `${label}: ${name}`;
    const report = readApply(run, name, at, counts);
    assertApplied(report, at, counts);
    assert.equal(report.plan.plan?.mgmtdev, 'vdpasim_net', `${at}: parent`);
    assert.match(report.plan.source.input, /^baseline lab \(sha256:[0-9a-f]{64}\)$/, `${at}: the baseline is the source`);
  }
  return counts;
}
