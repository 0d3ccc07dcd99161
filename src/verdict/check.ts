/**
 * Checks one migration pair: selects the devices, builds each side with what
 * the knowledge packs say about its QEMU, parent and kernel, runs the rules,
 * applies the policy, grades the verdict, and returns the report as data. No
 * rendering, no I/O.
 */
import { PARENTS_PACK_VERSION } from '../knowledge/parents.js';
import { QEMU_PACK_VERSION } from '../knowledge/qemu.js';
import { verifiedFingerprint } from '../profile/fingerprint.js';
import { selectDevice } from '../profile/select.js';
import type { Profile } from '../profile/types.js';
import { builtinRules } from '../rules/builtin/index.js';
import { buildSide, DEFAULT_VM, type QemuGiven, type Side, type VmConfig } from '../rules/context.js';
import type { Rule } from '../rules/define.js';
import { evaluate, statusOf } from '../rules/engine.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { grade, holdsVerdict, VERDICT_EXIT } from './grade.js';
import { applyPolicy, type Policy } from './policy.js';
import { REPORT_VERSION, type Report, type SideSummary } from './types.js';

/** Options of {@link check}. */
export interface CheckOptions {
  /** Device name on the source; needed when the source has several. */
  sourceDevice?: string;
  /** Device name on the target; needed when the target has several. */
  targetDevice?: string;
  /** "Could not verify" warnings become errors. */
  strict?: boolean;
  /** Accept facts that could not be verified: such warnings no longer hold the verdict. */
  allowUnverified?: boolean;
  /** Names of the inputs, for the report and messages. */
  sourceInput?: string;
  targetInput?: string;
  /** Rules to run; the built-in set by default (rule packs are added to it). */
  rules?: readonly Rule[];
  /** Where rule packs came from, for the report. */
  rulePacks?: readonly string[];
  /** The QEMU of each side; overrides what the profile recorded. */
  sourceQemu?: QemuGiven;
  targetQemu?: QemuGiven;
  /** The VM's configuration; what is not given takes QEMU's defaults. */
  vm?: Partial<VmConfig>;
  /** A site policy, applied after the rules; `file` names it in the report. */
  policy?: { policy: Policy; file: string };
  /** Today, for waiver expiry (a pure check takes it as an argument). */
  now?: Date;
}

/**
 * The QEMU a profile says its host runs: the one version its QEMU binaries
 * share, or nothing (and why) when they disagree or none was recorded.
 */
export function profileQemu(profile: Profile, side: string): QemuGiven {
  const vmm = profile.host.vmm;
  if (vmm === undefined) return { text: null, origin: null, why: `the ${side} profile records no QEMU (collect it with vdpa-compat >= 0.2 on the host)` };
  const versions = [...new Set(vmm.qemu.filter((q) => q.version !== null).map((q) => q.versionText ?? q.version))];
  if (versions.length === 1) {
    const binaries = vmm.qemu.filter((q) => q.version !== null).map((q) => q.path);
    return { text: versions[0] ?? null, origin: `the ${side} profile (${binaries.join(', ')} --version)` };
  }
  if (versions.length === 0) return { text: null, origin: null, why: `no QEMU binary with a version on the ${side} host` };
  return { text: null, origin: null, why: `the ${side} host has QEMU binaries of different versions (${versions.join('; ')}): say which with --${side}-qemu` };
}

function qemuOf(given: QemuGiven | undefined, profile: Profile, side: 'source' | 'target'): QemuGiven {
  return given !== undefined && given.text !== null ? given : profileQemu(profile, side);
}

function summary(side: Side, input: string): SideSummary {
  return {
    input,
    hostname: side.host.hostname,
    kernel: side.host.kernel,
    device: side.name,
    pointer: side.pointer,
    class: side.cls,
    mgmtdev: side.doc.mgmtdev,
    fingerprint: verifiedFingerprint(side.doc, side.pointer, input),
    parent: side.parent.id,
    qemu: { version: side.qemu.version, text: side.qemu.text, origin: side.qemu.origin, releases: side.qemu.candidates.map((r) => r.id), why: side.qemu.why },
  };
}

/** Decides whether the source device can live-migrate to the target device. */
export function check(source: Profile, target: Profile, options: CheckOptions = {}): Report {
  const sourceInput = options.sourceInput ?? 'source';
  const targetInput = options.targetInput ?? 'target';
  const s = buildSide(source, selectDevice(source, options.sourceDevice, 'source', sourceInput), qemuOf(options.sourceQemu, source, 'source'));
  const t = buildSide(target, selectDevice(target, options.targetDevice, 'target', targetInput), qemuOf(options.targetQemu, target, 'target'));
  const vm: VmConfig = { ...DEFAULT_VM, ...options.vm };
  const strict = options.strict ?? false;
  const evaluation = evaluate(options.rules ?? builtinRules, s, t, vm, { strict });
  const sourceSide = summary(s, sourceInput);
  const targetSide = summary(t, targetInput);

  let findings = evaluation.findings;
  let checks = evaluation.checks;
  if (options.policy !== undefined) {
    const pair = { hosts: [sourceSide.hostname, targetSide.hostname], devices: [sourceSide.device, targetSide.device], fingerprints: [sourceSide.fingerprint, targetSide.fingerprint] };
    findings = applyPolicy(findings, options.policy.policy, pair, options.now ?? new Date(0));
    // A check's status follows the severities the policy left.
    checks = checks.map((c) => (c.status === 'not-applicable' ? c : { ...c, status: statusOf(findings.filter((f) => f.rule === c.rule)) }));
    if (findings.some((f) => f.rule === 'policy')) checks = [...checks, { rule: 'policy', summary: 'The site policy applies as written', status: statusOf(findings.filter((f) => f.rule === 'policy')) }];
  }
  const allowUnverified = options.allowUnverified ?? options.policy?.policy.allowUnverified ?? false;
  const identical = sourceSide.fingerprint === targetSide.fingerprint && s.doc.config.mac === t.doc.config.mac;
  const verdict = grade(findings, { allowUnverified, identical });
  const count = (severity: string) => findings.filter((f) => f.severity === severity).length;
  const given = <T extends string | number | boolean | null>(g: { value: T; origin: string }) => ({ value: g.value, origin: g.origin });
  return {
    reportVersion: REPORT_VERSION,
    kind: 'vdpa-compat/check-report',
    generator: { name: TOOL_NAME, version: TOOL_VERSION },
    verdict,
    exitStatus: VERDICT_EXIT[verdict],
    strict,
    allowUnverified,
    source: sourceSide,
    target: targetSide,
    vm: { xSvq: given(vm.xSvq), rxQueueSize: given(vm.rxQueueSize), txQueueSize: given(vm.txQueueSize), hostMtu: given(vm.hostMtu), model: given(vm.model), mac: given(vm.mac) },
    knowledge: { qemuPack: QEMU_PACK_VERSION, parentsPack: PARENTS_PACK_VERSION, rulePacks: [...(options.rulePacks ?? [])] },
    policy: options.policy === undefined ? null : { file: options.policy.file, failOn: options.policy.policy.failOn ?? 'error' },
    summary: { errors: count('error'), warnings: count('warning'), infos: count('info'), unverified: findings.filter((f) => holdsVerdict(f, allowUnverified)).length },
    checks,
    findings,
  };
}
