/**
 * Checks one migration pair: selects the devices, builds each side with what
 * the knowledge packs say about its QEMU, parent and kernel, runs the rules,
 * applies the policy, grades the verdict, and returns the report as data. No
 * rendering, no I/O.
 */
import { PARENTS_PACK_VERSION } from '../knowledge/parents.js';
import { QEMU_PACK_VERSION } from '../knowledge/qemu.js';
import { verifiedFingerprint } from '../profile/fingerprint.js';
import { featureNameDifferences } from '../profile/load.js';
import { printableText, unknownFields } from '../profile/schema.js';
import { selectDevice } from '../profile/select.js';
import { PROFILE_SCHEMA_VERSION, type Profile } from '../profile/types.js';
import { inputFinding, type Finding } from '../rules/finding.js';
import { builtinRules } from '../rules/builtin/index.js';
import { buildSide, DEFAULT_VM, type QemuGiven, type Side, type VmConfig } from '../rules/context.js';
import type { Rule } from '../rules/define.js';
import { evaluate, statusOf } from '../rules/engine.js';
import { compileRules, type FastSide } from '../rules/fast.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { grade, holdsVerdict, limitingCodes, VERDICT_EXIT } from './grade.js';
import { applyPolicy, type Policy } from './policy.js';
import { REPORT_VERSION, type Report, type SideSummary, type Verdict } from './types.js';

/** The check line of the profile-format pseudo-rule (docs/rules/profile-format.md). */
export const PROFILE_FORMAT_SUMMARY = 'Every field of both profiles is one this vdpa-compat reads';

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

/** Unknown fields reported one by one per side; the rest in one finding. */
const MAX_UNKNOWN_FIELD_FINDINGS = 20;

/** A finding of the profile-format pseudo-rule: what a profile of a newer minor holds that this version does not read. */
function formatFinding(id: 'unknownField' | 'moreUnknownFields' | 'featureNames', message: string, data: Finding['data']): Finding {
  return inputFinding({
    code: `profile-format/${id}`,
    rule: 'profile-format',
    severity: 'info',
    ruleSeverity: 'info',
    message,
    remediation: `Upgrade vdpa-compat here to the version that wrote the profile to have it checked too.`,
    data,
  });
}

/**
 * What a profile of a newer minor carries that this version does not read
 * (docs/profile-format.md, "Versioning"), in the parts the check reads: the
 * profile's own fields, the host, the device and its management device. Each
 * unknown field once, with its pointer; each feature set whose names differ.
 * Returns whether any of it is on the device itself.
 */
function profileFormatFindings(profile: Profile, side: 'source' | 'target', input: string, device: Side): { findings: Finding[]; onDevice: boolean } {
  const mgmtdev = profile.mgmtdevs.findIndex((m) => m.handle === device.doc.mgmtdev);
  const read = [device.pointer, ...(mgmtdev === -1 ? [] : [`/mgmtdevs/${mgmtdev}`])];
  const inRead = (pointer: string) => read.some((r) => pointer === r || pointer.startsWith(`${r}/`));
  // Other devices and management devices are not read by this check: their fields are not reported.
  const elsewhere = (pointer: string) => /^\/(mgmtdevs|devices)\//.test(pointer) && !inRead(pointer);
  const fields = unknownFields(profile).fields.filter((f) => !elsewhere(f.pointer));
  const version = profile.schemaVersion;
  const where = `the ${side} profile (${input}, schema ${version})`;
  const findings = fields.slice(0, MAX_UNKNOWN_FIELD_FINDINGS).map((f) =>
    formatFinding('unknownField', `${where} has ${printableText(f.pointer)}, a field this vdpa-compat (profile schema ${PROFILE_SCHEMA_VERSION}) does not know: kept, not checked`, {
      side,
      input,
      schemaVersion: version,
      pointer: printableText(f.pointer),
      field: printableText(f.name),
    }),
  );
  if (fields.length > MAX_UNKNOWN_FIELD_FINDINGS) {
    const more = fields.length - MAX_UNKNOWN_FIELD_FINDINGS;
    findings.push(formatFinding('moreUnknownFields', `${where} has ${more} more fields this vdpa-compat does not know`, { side, input, schemaVersion: version, count: more }));
  }
  const names = featureNameDifferences(profile, read);
  for (const n of names) {
    findings.push(
      formatFinding('featureNames', `${where} names the bits of ${n.pointer.replace(/\/names$/, '')} [${n.theirs.join(', ')}] where this vdpa-compat says [${n.ours.join(', ')}]: the mask decides`, {
        side,
        input,
        schemaVersion: version,
        pointer: n.pointer,
        theirs: n.theirs,
        ours: n.ours,
      }),
    );
  }
  return { findings, onDevice: fields.some((f) => inRead(f.pointer)) || names.length > 0 };
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

/**
 * One side of a pair, with everything check derives from its profile alone: the rule view, the
 * report's summary (the verified fingerprint) and what a newer minor's profile holds that this
 * version does not read. A fleet decides many pairs with the same sides: preparing each once
 * gives the same reports as {@link check} for a fraction of the work.
 */
export interface PreparedSide {
  profile: Profile;
  role: 'source' | 'target';
  side: Side;
  summary: SideSummary;
  format: { findings: Finding[]; onDevice: boolean };
}

/** Prepares a side: its device (by name, or the only one), under the QEMU given or the profile's. */
export function prepareSide(profile: Profile, role: 'source' | 'target', options: { device?: string; input?: string; qemu?: QemuGiven } = {}): PreparedSide {
  const input = options.input ?? role;
  const side = buildSide(profile, selectDevice(profile, options.device, role, input), qemuOf(options.qemu, profile, role));
  return { profile, role, side, summary: summary(side, input), format: profileFormatFindings(profile, role, input, side) };
}

/**
 * The same capability with the same config: "identical" when nothing stands in the way. A device
 * with fields this version cannot read may differ in them: the same fingerprint is then not enough.
 */
function sameDevice(source: PreparedSide, target: PreparedSide): boolean {
  return source.summary.fingerprint === target.summary.fingerprint && source.side.doc.config.mac === target.side.doc.config.mac && !source.format.onDevice && !target.format.onDevice;
}

/** Decides whether the source device can live-migrate to the target device. */
export function check(source: Profile, target: Profile, options: CheckOptions = {}): Report {
  const s = prepareSide(source, 'source', {
    ...(options.sourceDevice !== undefined ? { device: options.sourceDevice } : {}),
    input: options.sourceInput ?? 'source',
    ...(options.sourceQemu !== undefined ? { qemu: options.sourceQemu } : {}),
  });
  const t = prepareSide(target, 'target', {
    ...(options.targetDevice !== undefined ? { device: options.targetDevice } : {}),
    input: options.targetInput ?? 'target',
    ...(options.targetQemu !== undefined ? { qemu: options.targetQemu } : {}),
  });
  return checkPrepared(s, t, options);
}

/** {@link check} on prepared sides; the options' device, input and QEMU choices are the sides'. */
export function checkPrepared(source: PreparedSide, target: PreparedSide, options: CheckOptions = {}): Report {
  const s = source.side;
  const t = target.side;
  const vm: VmConfig = { ...DEFAULT_VM, ...options.vm };
  const strict = options.strict ?? false;
  const evaluation = evaluate(options.rules ?? builtinRules, s, t, vm, { strict });
  const sourceSide = source.summary;
  const targetSide = target.summary;

  // Findings of a newer minor's profile come first: they say what the rules below did not read.
  const sourceFormat = source.format;
  const targetFormat = target.format;
  const format = [...sourceFormat.findings, ...targetFormat.findings];
  let findings = [...format, ...evaluation.findings];
  let checks = format.length === 0 ? evaluation.checks : [{ rule: 'profile-format', summary: PROFILE_FORMAT_SUMMARY, status: statusOf(format) }, ...evaluation.checks];
  if (options.policy !== undefined) {
    const pair = { hosts: [sourceSide.hostname, targetSide.hostname], devices: [sourceSide.device, targetSide.device], fingerprints: [sourceSide.fingerprint, targetSide.fingerprint] };
    findings = applyPolicy(findings, options.policy.policy, pair, options.now ?? new Date(0));
    // A check's status follows the severities the policy left.
    checks = checks.map((c) => (c.status === 'not-applicable' ? c : { ...c, status: statusOf(findings.filter((f) => f.rule === c.rule)) }));
    if (findings.some((f) => f.rule === 'policy')) checks = [...checks, { rule: 'policy', summary: 'The site policy applies as written', status: statusOf(findings.filter((f) => f.rule === 'policy')) }];
  }
  const allowUnverified = options.allowUnverified ?? options.policy?.policy.allowUnverified ?? false;
  const verdict = grade(findings, { allowUnverified, identical: sameDevice(source, target) });
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

/** A pair's verdict and the codes that limited it (none for identical or compatible). */
export interface PairDecision {
  verdict: Exclude<Verdict, 'compatible-after-provisioning'>;
  codes: string[];
}

/**
 * {@link checkPrepared}'s verdict and limiting codes for many pairs under one set of options, and
 * nothing else: no messages, no report (rules/fast.ts). Each side is prepared for the rules once.
 * Null when the options need the whole report: a site policy waives findings by their data.
 */
export function compileCheck(options: CheckOptions = {}): ((source: PreparedSide, target: PreparedSide) => PairDecision) | null {
  if (options.policy !== undefined) return null;
  const engine = compileRules(options.rules ?? builtinRules, { ...DEFAULT_VM, ...options.vm }, { strict: options.strict ?? false });
  const allowUnverified = options.allowUnverified ?? false;
  const sides = new WeakMap<PreparedSide, FastSide>();
  const fast = (p: PreparedSide): FastSide => {
    let side = sides.get(p);
    if (side === undefined) sides.set(p, (side = engine.prepare(p.side)));
    return side;
  };
  return (source, target) => {
    const shells = engine.decide(fast(source), fast(target));
    // The profile-format findings are notes: they never hold a verdict, but they are findings.
    const findings = source.format.findings.length + target.format.findings.length === 0 ? shells : [...source.format.findings, ...target.format.findings, ...shells];
    const verdict = grade(findings, { allowUnverified, identical: sameDevice(source, target) });
    return { verdict, codes: verdict === 'identical' || verdict === 'compatible' ? [] : limitingCodes(findings) };
  };
}
