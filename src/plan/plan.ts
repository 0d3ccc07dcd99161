/**
 * A provisioning plan: which management device of the target host can give
 * the source's guest a device it can move to, and the `vdpa dev add` that
 * creates it. Pure (no I/O): the plan is data, and it is proved with the same
 * engine `check` runs — the device the commands would create is predicted as
 * collect would see it, and checked against the source. A management device
 * whose predicted device is not identical or compatible is not planned; one
 * that needs a fact nobody knows is reported as unknown, never as a plan.
 */
import { parentView } from '../knowledge/parents.js';
import { qemuView, type QemuRelease } from '../knowledge/qemu.js';
import { ALL_BITS, describeBits, featureNames, formatMask, hasBit, NET, parseMask } from '../profile/feature-bits.js';
import { deviceFacts, offeredUnknown, queuePairs, unknownReason, type DeviceFacts } from '../profile/facts.js';
import { selectDevice } from '../profile/select.js';
import type { DeviceDoc, FeatureSetDoc, MgmtdevDoc, Profile, UnknownFact } from '../profile/types.js';
import { DEFAULT_VM, type VmConfig } from '../rules/context.js';
import { svqAllowedMask } from '../rules/vmm.js';
import { check, profileQemu, type CheckOptions } from '../verdict/check.js';
import { limitingCodes } from '../verdict/grade.js';
import type { Verdict } from '../verdict/types.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { UsageError } from '../errors.js';
import { bindLines, devAddArgv, DEVICE_NAME, iproute2Refusals, kernelRefusals, shellWord, type DevAddAttributes } from './commands.js';

/** The version of the plan document (schemas/plan.v1.json). */
export const PLAN_VERSION = '1.0.0';

/** The name of the device a plan creates when none is given. */
export const DEFAULT_DEVICE_NAME = 'vdpa-mig0';

/** Options of {@link plan}: check's, less the target device (the plan makes it), plus its name; the proof runs with the same rules and policy. */
export interface PlanOptions extends Pick<CheckOptions, 'sourceDevice' | 'strict' | 'allowUnverified' | 'sourceInput' | 'targetInput' | 'sourceQemu' | 'targetQemu' | 'vm' | 'rules' | 'rulePacks' | 'policy' | 'now'> {
  /** Name of the device to create; {@link DEFAULT_DEVICE_NAME} by default. */
  name?: string;
  /**
   * How the plan is proved: the verdict and limiting codes of the source device against the
   * planned one (`proof`, the target host with the device added, named `name`). `check` on the
   * options by default; a fleet passes the compiled check on its prepared source (fleet/matrix.ts).
   */
  prove?: (proof: Profile, name: string) => { verdict: Verdict; codes: string[] };
}

/** Why a management device cannot be planned: `fails` is known, `unknown` needs a fact nobody has. */
export interface Requirement {
  code: RequirementCode;
  status: 'fails' | 'unknown';
  message: string;
  /** How to get the missing fact, or what to change. */
  hint?: string;
}

/** The requirements a plan checks, each with a permanent code (docs/plan.md). */
export type RequirementCode = 'class' | 'provisionable-features' | 'needed-features' | 'dev-add-attributes' | 'queue-pairs' | 'max-vqp-refused' | 'max-supported-vqs' | 'one-device-per-parent' | 'kernel' | 'iproute2' | 'check';

/** What a plan does with one management device. */
export interface Candidate {
  mgmtdev: string;
  /** The knowledge pack's id of its parent driver, or null when unknown. */
  parent: string | null;
  status: 'planned' | 'fails' | 'unknown';
  requirements: Requirement[];
  /** The `dev add` attributes, when the requirements before the proof were met. */
  attributes: { mac: string | null; mtu: number | null; maxVqp: number | null; deviceFeatures: FeatureSetDoc | null } | null;
  /** The engine's verdict on source → predicted device, when it ran. */
  verdict: Verdict | null;
  /** Codes of the findings that held the verdict back (errors, or unverified warnings). */
  limiting: string[];
  /** The device the commands would create, as collect would read it, when it was predicted. */
  predicted: DeviceDoc | null;
}

/** The plan document (`kind: vdpa-compat/plan`, schemas/plan.v1.json). */
export interface PlanDocument {
  planVersion: string;
  kind: 'vdpa-compat/plan';
  generator: { name: string; version: string };
  status: 'planned' | 'no-plan' | 'unknown';
  /** 0 a plan, 1 no management device can work, 2 a fact needed is unknown. */
  exitStatus: 0 | 1 | 2;
  name: string;
  source: {
    input: string;
    hostname: string | null;
    device: string;
    class: string;
    mgmtdev: string;
    /** What the guest needs: the negotiated features, or the offered set before negotiation. */
    needed: FeatureSetDoc | null;
    neededFrom: 'negotiated' | 'offered';
    offered: FeatureSetDoc | null;
    queuePairs: number | null;
    mtu: number | null;
    mac: string | null;
  };
  target: { input: string; hostname: string | null; kernel: string | null; iproute2: string | null; qemu: string | null };
  /** Facts the plan needs on the source that are unknown, with how to get them. */
  unknown: Requirement[];
  /** The chosen management device, its commands, and the engine's verdict on the device they make. */
  plan: null | {
    mgmtdev: string;
    parent: string | null;
    argv: string[];
    commands: string[];
    verdict: Verdict;
    predicted: DeviceDoc;
  };
  candidates: Candidate[];
}

/** The guest MAC a new device should carry: the VM's, else the source device's (a zero MAC is none: the parent's default). */
function guestMac(sourceMac: string | null, vm: VmConfig): string | null {
  const mac = vm.mac.value ?? sourceMac;
  return mac === null || /^(00:){5}00$/.test(mac) ? null : mac;
}

/**
 * The bits the target QEMU's shadow virtqueue refuses in an offered set, for
 * every release it may be that checks the offered set (8.0 on: a migration
 * blocker; 7.2 with x-svq: the netdev does not start); the svq-offered-features
 * rule's own reading (hw/virtio/vhost-shadow-virtqueue.c vhost_svq_valid_features).
 */
export function svqRefused(candidates: readonly QemuRelease[], vm: VmConfig): bigint {
  let refused = 0n;
  for (const r of candidates) {
    const svq = r.facts.svq.value;
    if (svq === null) continue;
    if (r.facts.svqOfferedCheck.value !== 'blocker' && !(vm.xSvq.value && r.facts.xSvq.value)) continue;
    refused |= ALL_BITS & ~svqAllowedMask(svq);
  }
  return refused;
}

const set = (mask: bigint, cls: DeviceDoc['class']): FeatureSetDoc => ({ bits: formatMask(mask), names: featureNames(mask, cls) });

interface SourceView {
  doc: DeviceDoc;
  offered: bigint;
  needed: bigint;
  pairs: number | null;
  /** The MAC the new device should carry ({@link guestMac}). */
  mac: string | null;
}

/**
 * A plan's source device, with everything a plan derives from the source alone: a fleet plans one
 * source device on many management devices (fleet/matrix.ts), and deriving this once instead of
 * once a target is most of what is not the target's. Every plan of it reads it, none changes it:
 * the plan documents share its `document`.
 */
export interface PlanSource {
  profile: Profile;
  facts: DeviceFacts;
  vm: VmConfig;
  /** The VM as the options gave it, for a proof by check. */
  vmGiven: Partial<VmConfig> | undefined;
  /** Facts the plan needs on the source that are unknown, with how to get them. */
  unknown: Requirement[];
  /** What a candidate is assessed against; null when no candidate can be (a fact is unknown). */
  view: SourceView | null;
  /** The plan document's `source`. */
  document: PlanDocument['source'];
}

/** The parent's answer to "which `dev add` attributes?", or a requirement when unknown. */
function devAddAttributes(mgmtdev: MgmtdevDoc, kernel: string | null): { known: true; value: readonly string[] } | { known: false; why: string } {
  const answer = parentView(mgmtdev, mgmtdev.handle, kernel).fact('devAddAttributes');
  return answer.known ? { known: true, value: answer.value } : { known: false, why: answer.why };
}

/** Plans one management device up to the proof; the engine then decides. */
function assess(source: SourceView, mgmtdev: MgmtdevDoc, target: Profile, name: string, refusedBySvq: bigint): { candidate: Candidate; attributes?: DevAddAttributes } {
  const cls = source.doc.class;
  const parent = parentView(mgmtdev, mgmtdev.handle, target.host.kernel);
  const candidate: Candidate = { mgmtdev: mgmtdev.handle, parent: parent.id, status: 'fails', requirements: [], attributes: null, verdict: null, limiting: [], predicted: null };
  const fail = (code: RequirementCode, message: string, hint?: string) => candidate.requirements.push({ code, status: 'fails', message, ...(hint !== undefined ? { hint } : {}) });
  const unknown = (code: RequirementCode, message: string, hint?: string) => candidate.requirements.push({ code, status: 'unknown', message, ...(hint !== undefined ? { hint } : {}) });
  const done = () => {
    candidate.status = candidate.requirements.some((r) => r.status === 'fails') ? 'fails' : 'unknown';
    return { candidate };
  };

  // iproute2 and the netlink reader spell the classes "net" and "block" (vdpa/vdpa.c class names).
  const className = cls === 'blk' ? 'block' : cls;
  if (!mgmtdev.classes.includes(className)) {
    fail('class', `${mgmtdev.handle} provisions ${mgmtdev.classes.join(', ') || 'no class'}, not ${className}`);
    return done();
  }
  // vp_vdpa keeps one device per parent: vp_vdpa_dev_add stores the new device in the parent's one
  // vp_vdpa pointer before registering it (drivers/vdpa/virtio_pci/vp_vdpa.c, 6.12.117), so a second
  // dev add, or one refused while a device exists, leaves the pointer dangling for the next dev del.
  const existing = target.devices.filter((d) => d.mgmtdev === mgmtdev.handle);
  if (parent.id === 'vp_vdpa' && existing.length > 0) {
    fail(
      'one-device-per-parent',
      `${mgmtdev.handle} (vp_vdpa) already has ${existing.map((d) => d.name).join(', ')}: vp_vdpa keeps one device per parent`,
      `Delete it first (\`vdpa dev del ${existing[0]?.name ?? ''}\`) if nothing uses it, or use another parent.`,
    );
  }
  const provisionable = mgmtdev.supportedFeatures === null ? null : (parseMask(mgmtdev.supportedFeatures.bits) ?? null);
  if (provisionable === null) {
    unknown(
      'provisionable-features',
      `what ${mgmtdev.handle} can provision is unknown (${mgmtdev.unknown.find((u) => u.fact === '/supportedFeatures')?.reason ?? 'not read'})`,
      'Collect the target with iproute2 >= 5.18 or raw netlink (`collect --source netlink`): `vdpa mgmtdev show` prints dev_features.',
    );
    return done();
  }
  const lacking = source.needed & ~provisionable;
  if (lacking !== 0n) fail('needed-features', `${mgmtdev.handle} cannot provision ${describeBits(lacking, cls)}, which the guest needs`);

  // Offer what the source offers and the parent can give, less what the target's shadow virtqueue refuses and the guest does not need.
  const offer = source.offered & provisionable & ~(refusedBySvq & ~source.needed);
  const attrs = devAddAttributes(mgmtdev, target.host.kernel);
  const accepts = (a: string) => attrs.known && attrs.value.includes(a);
  const attributes: DevAddAttributes = {};
  const predictedUnknown: UnknownFact[] = [];
  const notAccepted = (a: string) => (attrs.known ? `${parent.name} takes no ${a} at dev add (its config_attr_mask)` : `whether ${mgmtdev.handle} takes ${a} at dev add is unknown: ${attrs.why}`);

  // A parent that takes no device_features offers all it can; the check below decides whether that is fine.
  if (offer !== provisionable) {
    if (accepts('device_features')) attributes.deviceFeatures = offer;
    else if (!attrs.known) unknown('dev-add-attributes', notAccepted('device_features'), 'Collect the target live, so sysfs names the parent driver of each management device.');
  }
  const offered = attributes.deviceFeatures ?? provisionable;

  // The attributes and config below are virtio-net's (VDPA_ATTR_DEV_NET_CFG_*); a block device's config is its parent's.
  const net = cls === 'net';
  // Queue pairs: the kernel shows max_vq_pairs when MQ or RSS is offered (drivers/vdpa/vdpa.c vdpa_dev_net_mq_config_fill).
  let pairs: number | null = net ? 1 : null;
  const multiqueue = net && (hasBit(offered, NET.MQ) || hasBit(offered, NET.RSS));
  if (!net) {
    // Nothing to provision beyond the features: check reads the block config the parent gives.
  } else if (source.pairs === null) {
    unknown('queue-pairs', `the source's queue pairs are unknown (${unknownReason(source.doc, '/config/maxVqPairs') ?? 'max_vq_pairs not shown'})`, 'Collect the source with raw netlink (`collect --source netlink`).');
    pairs = null;
  } else if (multiqueue) {
    pairs = source.pairs;
    if (accepts('max_vqp')) attributes.maxVqp = source.pairs;
    else {
      // Without max_vqp the parent decides (vp_vdpa: the virtio-net-pci under it); nothing in the profile says what.
      unknown(
        'max-vqp-refused',
        `${notAccepted('max_vqp')}: how many queue pairs the new device gets is the parent's choice`,
        'Check the queue pairs the device under the parent has (for vp_vdpa, queues= of the virtio-net-pci), or use a parent that takes max_vqp.',
      );
      pairs = null;
      predictedUnknown.push({ fact: '/config/maxVqPairs', reason: "not provisioned: the parent's choice" });
    }
  } else if (source.pairs > 1) {
    fail('queue-pairs', `the source has ${source.pairs} queue pairs, and the device would offer neither MQ nor RSS`);
  }
  const vqs = pairs === null ? null : 2 * pairs + (hasBit(offered, NET.CTRL_VQ) ? 1 : 0);
  if (!net) predictedUnknown.push({ fact: '/maxVqs', reason: "the parent's choice" });
  if (vqs !== null) {
    if (mgmtdev.maxSupportedVqs === null) unknown('max-supported-vqs', `${mgmtdev.handle}'s max_supported_vqs is unknown`, 'Collect the target with iproute2 >= 5.18 or raw netlink.');
    else if (mgmtdev.maxSupportedVqs < vqs)
      fail('max-supported-vqs', `${mgmtdev.handle} supports ${mgmtdev.maxSupportedVqs} virtqueues; ${pairs} pair${pairs === 1 ? '' : 's'}${hasBit(offered, NET.CTRL_VQ) ? ' and a control queue' : ''} need ${vqs}`);
  }

  let mtu: number | null = null;
  if (net && hasBit(offered, NET.MTU)) {
    if (source.doc.config.mtu === null) {
      // The source has no MTU to copy; the rules say what that means (mtu-match).
      predictedUnknown.push({ fact: '/config/mtu', reason: "not provisioned: the source's MTU is not known" });
    } else if (accepts('mtu')) {
      attributes.mtu = source.doc.config.mtu;
      mtu = source.doc.config.mtu;
    } else {
      predictedUnknown.push({ fact: '/config/mtu', reason: `not provisioned: ${notAccepted('mtu')}` });
    }
  }
  let mac: string | null = null;
  const wantMac = source.mac;
  if (net && hasBit(offered, NET.MAC)) {
    if (wantMac !== null && accepts('mac')) {
      attributes.mac = wantMac;
      mac = wantMac;
    } else {
      predictedUnknown.push({ fact: '/config/mac', reason: wantMac === null ? "not provisioned: the parent's default" : `not provisioned: ${notAccepted('mac')}` });
    }
  }
  if (net) for (const r of kernelRefusals(attributes, provisionable)) fail('kernel', r.message);
  for (const r of iproute2Refusals(attributes, target.host.iproute2)) {
    if (r.code === 'iproute2-unknown') unknown('iproute2', r.message, 'Collect the target where the vdpa tool is on PATH (collect records `vdpa -V`), or pass a profile that has host.iproute2.');
    else fail('iproute2', r.message);
  }
  if (candidate.requirements.length > 0) return done();

  const status = net && hasBit(offered, NET.STATUS);
  const maxVqSize = parent.fact('maxVqSize');
  if (!(maxVqSize.known && typeof maxVqSize.value === 'number')) predictedUnknown.push({ fact: '/maxVqSize', reason: maxVqSize.known ? `${parent.name}: the hardware's` : maxVqSize.why });
  predictedUnknown.push({ fact: '/charDev', reason: 'assigned by vhost_vdpa at bind' });
  candidate.predicted = {
    name,
    class: cls,
    virtioDeviceId: source.doc.virtioDeviceId,
    mgmtdev: mgmtdev.handle,
    vendorId: null,
    maxVqs: vqs,
    maxVqSize: maxVqSize.known && typeof maxVqSize.value === 'number' ? maxVqSize.value : null,
    config: { mac, mtu, maxVqPairs: multiqueue ? pairs : null, linkUp: status ? true : null, announce: status ? false : null },
    features: { negotiated: null, offered: { present: set(offered, cls), absent: set(ALL_BITS & ~offered, cls) }, provisionable: set(provisionable, cls) },
    driver: 'vhost_vdpa',
    charDev: null,
    // The plan creates it: no process can have its char device open yet.
    holders: [],
    unknown: [{ fact: '/vendorId', reason: 'set by the parent at dev add' }, ...predictedUnknown],
  };
  candidate.attributes = {
    mac: attributes.mac ?? null,
    mtu: attributes.mtu ?? null,
    maxVqp: attributes.maxVqp ?? null,
    deviceFeatures: attributes.deviceFeatures === undefined ? null : set(attributes.deviceFeatures, cls),
  };
  return { candidate, attributes };
}

/** The proof of a plan by `check`: its verdict, and the codes that held it back. */
function proveByCheck(source: Profile, proof: Profile, options: CheckOptions): { verdict: Verdict; codes: string[] } {
  const report = check(source, proof, options);
  return { verdict: report.verdict, codes: limitingCodes(report.findings) };
}

/** The name a plan gives its device, or a usage error when the target cannot take it. */
function deviceName(target: Profile, options: Pick<PlanOptions, 'name' | 'targetInput'>): string {
  const name = options.name ?? DEFAULT_DEVICE_NAME;
  if (!DEVICE_NAME.test(name)) throw new UsageError('USAGE', `--name "${name}" is not a device name the plan writes`, 'Use 1 to 32 letters, digits, ".", "_" or "-", starting with a letter or digit.');
  if (target.devices.some((d) => d.name === name)) {
    throw new UsageError('USAGE', `${options.targetInput ?? 'target'}: already has a vdpa device "${name}"`, 'Pass --name with a name the target host does not use.');
  }
  return name;
}

/** Plans a device on `target` that the source device's guest can migrate to, proved by `check`. */
export function plan(source: Profile, target: Profile, options: PlanOptions = {}): PlanDocument {
  // The name first: a bad name is the error even when the source device is missing too.
  deviceName(target, options);
  const { sourceDevice: _device, sourceInput: _input, vm: _vm, ...rest } = options;
  return planPrepared(preparePlanSource(source, options), target, rest);
}

/** The source side of {@link plan}, for {@link planPrepared} on as many targets as it is planned on. */
export function preparePlanSource(source: Profile, options: Pick<PlanOptions, 'sourceDevice' | 'sourceInput' | 'vm'> = {}): PlanSource {
  const sourceInput = options.sourceInput ?? 'source';
  const index = selectDevice(source, options.sourceDevice, 'source', sourceInput);
  const facts = deviceFacts(source, index);
  const vm: VmConfig = { ...DEFAULT_VM, ...options.vm };
  const cls = facts.cls;
  const sourceUnknown: Requirement[] = [];
  const offeredKnown = offeredUnknown(facts) === 0n;
  if (!offeredKnown) {
    sourceUnknown.push({
      code: 'needed-features',
      status: 'unknown',
      message: `the features source ${facts.name} offers are unknown (${unknownReason(facts.doc, '/features/offered') ?? 'not read'}): the plan offers the source's set`,
      hint: 'Collect the source with raw netlink (`vdpa-compat collect --source netlink`): iproute2 never prints the offered set.',
    });
  }
  const neededFrom = facts.negotiated !== null ? 'negotiated' : 'offered';
  const needed = facts.negotiated ?? (offeredKnown ? facts.offeredPresent : null);
  const pairs = queuePairs(facts);
  return {
    profile: source,
    facts,
    vm,
    vmGiven: options.vm,
    unknown: sourceUnknown,
    view: sourceUnknown.length === 0 && needed !== null ? { doc: facts.doc, offered: facts.offeredPresent, needed, pairs, mac: guestMac(facts.doc.config.mac, vm) } : null,
    document: {
      input: sourceInput,
      hostname: source.host.hostname,
      device: facts.name,
      class: cls,
      mgmtdev: facts.doc.mgmtdev,
      needed: needed === null ? null : set(needed, cls),
      neededFrom,
      offered: offeredKnown ? set(facts.offeredPresent, cls) : null,
      queuePairs: pairs,
      mtu: facts.doc.config.mtu,
      mac: facts.doc.config.mac,
    },
  };
}

/** {@link plan} of a prepared source: the source's device, input and VM are the preparation's. */
export function planPrepared(source: PlanSource, target: Profile, options: Omit<PlanOptions, 'sourceDevice' | 'sourceInput' | 'vm'> = {}): PlanDocument {
  const name = deviceName(target, options);
  const targetInput = options.targetInput ?? 'target';
  const { facts, vm, view } = source;
  const cls = facts.cls;
  const targetQemu = options.targetQemu !== undefined && options.targetQemu.text !== null ? options.targetQemu : profileQemu(target, 'target');
  const qemu = qemuView(targetQemu.text, targetQemu.origin, targetQemu.why);
  const refusedBySvq = cls === 'net' ? svqRefused(qemu.candidates, vm) : 0n;

  const candidates: Candidate[] = [];
  let chosen: { candidate: Candidate; argv: string[]; verdict: Verdict; predicted: DeviceDoc } | null = null;
  if (view !== null) {
    for (const mgmtdev of target.mgmtdevs) {
      const { candidate, attributes } = assess(view, mgmtdev, target, name, refusedBySvq);
      candidates.push(candidate);
      if (attributes === undefined || candidate.predicted === null) continue;
      const predicted = candidate.predicted;
      const proof: Profile = { ...target, devices: [...target.devices, predicted] };
      const report =
        options.prove?.(proof, name) ??
        proveByCheck(source.profile, proof, {
          ...options,
          ...(source.vmGiven !== undefined ? { vm: source.vmGiven } : {}),
          sourceInput: source.document.input,
          targetInput: `${targetInput} after the plan`,
          sourceDevice: facts.name,
          targetDevice: name,
        });
      candidate.verdict = report.verdict;
      candidate.limiting = report.codes;
      if (report.verdict === 'identical' || report.verdict === 'compatible') {
        candidate.status = 'planned';
        const argv = devAddArgv(name, mgmtdev.handle, attributes);
        if (chosen === null || (report.verdict === 'identical' && chosen.verdict !== 'identical')) chosen = { candidate, argv, verdict: report.verdict, predicted };
      } else {
        candidate.status = report.verdict === 'unverified' ? 'unknown' : 'fails';
        candidate.requirements.push({
          code: 'check',
          status: candidate.status === 'unknown' ? 'unknown' : 'fails',
          message: `check on the device the plan would make: ${report.verdict} (${candidate.limiting.join(', ')})`,
          hint: `\`vdpa-compat explain ${candidate.limiting[0] ?? 'CODE'}\``,
        });
      }
    }
  }
  const status: PlanDocument['status'] = chosen !== null ? 'planned' : source.unknown.length > 0 || candidates.some((c) => c.status === 'unknown') ? 'unknown' : 'no-plan';
  return {
    planVersion: PLAN_VERSION,
    kind: 'vdpa-compat/plan',
    generator: { name: TOOL_NAME, version: TOOL_VERSION },
    status,
    exitStatus: status === 'planned' ? 0 : status === 'no-plan' ? 1 : 2,
    name,
    source: source.document,
    target: { input: targetInput, hostname: target.host.hostname, kernel: target.host.kernel, iproute2: target.host.iproute2, qemu: qemu.version },
    unknown: source.unknown,
    plan:
      chosen === null
        ? null
        : {
            mgmtdev: chosen.candidate.mgmtdev,
            parent: chosen.candidate.parent,
            argv: chosen.argv,
            commands: [chosen.argv.map(shellWord).join(' '), ...bindLines(name)],
            verdict: chosen.verdict,
            predicted: chosen.predicted,
          },
    candidates,
  };
}
