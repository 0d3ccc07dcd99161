/**
 * The libvirt qemu hook (libvirt docs/hooks.rst). For `migrate begin`,
 * libvirt runs it on the destination with the incoming domain XML on stdin:
 * exit 0 lets the migration in, anything else cancels it and libvirt logs
 * stderr; stdout would be read as a replacement XML, so it stays empty. Every
 * other phase, and domains without vdpa devices, exit 0 at once. The whole run
 * is bounded; a timeout or internal fault vetoes unless told otherwise.
 * Never calls back into libvirt.
 */
import { join } from 'node:path';
import type { SourceMode } from '../collect/collect.js';
import { DEFAULT_TIMEOUT_MS } from '../collect/limits.js';
import { InputError, ToolError } from '../errors.js';
import { readInputFile } from '../input-file.js';
import type { AnnotatedDevice, DomainVdpaDevice } from './domain.js';
import { SET_METADATA_COMMAND } from './namespace.js';
import { appendLine } from '../output-file.js';
import type { Profile } from '../profile/types.js';
import type { VmConfig } from '../rules/context.js';
import { escapeControls } from '../control-chars.js';
import { decisionRecord } from '../verdict/decision.js';
import { holdsVerdict } from '../verdict/grade.js';
import { renderErrorLine, summarizeError } from '../verdict/render-error.js';

/** Exit statuses of the hook: 0 lets libvirt go on; any other status cancels the migration. */
export const HOOK_EXIT = { ALLOW: 0, INCOMPATIBLE: 1, UNDECIDED: 2 } as const;

/** How the hook behaves; `hook install` bakes these into the installed script. */
export interface HookOptions {
  /** Limit for the whole hook, stdin included. */
  timeoutMs: number;
  /** What a timeout or internal fault does: veto (deny, default) or let the migration in (allow). */
  onError: 'deny' | 'allow';
  /** What a vdpa device without a source profile does. */
  missingProfile: 'deny' | 'allow';
  /** Fallback for source profiles: DIR/<domain>.xml, as `annotate` writes it. */
  profileDir?: string;
  /** Read this host from a dump directory instead of live (tests, dry runs). */
  from?: string;
  strict: boolean;
  /** Accept facts that could not be verified (as check --allow-unverified). */
  allowUnverified: boolean;
  /** A site policy file, and rule pack files. */
  policy?: string;
  rules?: readonly string[];
  /** Append one JSON line per decision here. */
  decisionLog?: string;
  vdpaPath: string;
  source: SourceMode;
  sysfsRoot: string;
}

/** libvirt's arguments: object (domain), operation, sub-operation, extra. */
export interface HookCall {
  domain: string;
  operation: string;
  subOperation: string;
  extra: string;
}

/** Where the hook writes: stderr only. */
export interface HookIo {
  stderr: { write(text: string): unknown };
  readStdin(limit: number): Promise<string>;
}

/** A word as sh reads it: left alone when it is plain, single-quoted otherwise. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_.:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** How to annotate this domain: the virsh command with its own name, ready to paste on the source. */
function annotateHint(domain: string): string {
  return `annotate the domain on the source before migrating: ${SET_METADATA_COMMAND.replaceAll('DOMAIN', domain === '' ? 'DOMAIN' : shellWord(domain))}`;
}

/** The domain as the hook's lines name it (libvirt always passes a name; a bare call may not). */
function subjectOf(call: HookCall): string {
  return `domain ${call.domain === '' ? '(no name given)' : call.domain}`;
}

/** How a device is matched between the domain and its annotation: kind and guest-visible key. */
function keyOf(device: { kind: string; key: string }): string {
  return `${device.kind} ${device.key}`;
}

function describe(device: DomainVdpaDevice): string {
  return `${device.kind} ${device.key || '(no key)'}${device.charDev ? ` (${device.charDev})` : ''}`;
}

/** A domain name as one path component (libvirt names never hold "/"). */
function safeName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/** Thrown between steps once the hook's deadline has passed. */
class DeadlinePassed extends Error {}

async function decide(call: HookCall, options: HookOptions, io: HookIo, deadline: number): Promise<number> {
  // Names, paths and messages come from the domain XML and the profiles: escaped, so no line of
  // libvirt's log can be forged by a device name.
  const say = (line: string) => io.stderr.write(`vdpa-compat: ${escapeControls(`${subjectOf(call)}: ${line}`)}\n`);
  const annotate = annotateHint(call.domain);
  // CPU work (a huge XML, many devices) is not interrupted by the timer: look at the clock between steps.
  const inTime = () => {
    if (Date.now() > deadline) throw new DeadlinePassed();
  };
  // Loaded only for the one phase that checks: libvirt calls the hook for every phase of every domain.
  const [{ MAX_DOMAIN_XML, parseAnnotationXml, parseDomainXml }, { collect }, { qemuVersionOf }, { toProfile }, { check }, { loadPolicy, loadRules }] = await Promise.all([
    import('./domain.js'),
    import('../collect/collect.js'),
    import('../collect/vmm.js'),
    import('../profile/load.js'),
    import('../verdict/check.js'),
    import('../input.js'),
  ]);
  const xml = await io.readStdin(MAX_DOMAIN_XML);
  inTime();
  const domain = parseDomainXml(xml, 'domain XML on stdin');
  inTime();
  if (domain.unchecked.length > 0) {
    for (const line of domain.unchecked) say(`${line}: vdpa-compat cannot check it; vetoing the migration`);
    return HOOK_EXIT.UNDECIDED;
  }
  if (domain.devices.length === 0) return HOOK_EXIT.ALLOW;

  let annotated = domain.annotation;
  if (annotated === null && options.profileDir !== undefined && safeName(call.domain)) {
    const file = join(options.profileDir, `${call.domain}.xml`);
    // No file for this domain: the no-source-profile policy decides below.
    const text = readInputFile(file, MAX_DOMAIN_XML, 'annotate output', 'Write it with `vdpa-compat annotate DOMAIN_XML -o FILE`.');
    if (text !== null) annotated = parseAnnotationXml(text, file);
  }

  const sources = new Map<string, AnnotatedDevice>((annotated?.devices ?? []).map((a) => [keyOf(a), a]));
  const missing = domain.devices.filter((d) => !sources.has(keyOf(d)));
  if (missing.length > 0) {
    for (const d of missing) say(`${describe(d)}: no source profile in the domain metadata${options.profileDir ? ` or ${options.profileDir}` : ''}; ${annotate}`);
    if (options.missingProfile === 'deny') return HOOK_EXIT.UNDECIDED;
  }

  const [rules, policy] = await Promise.all([loadRules(options.rules), options.policy === undefined ? undefined : loadPolicy(options.policy)]);
  const emulator = domain.vmm.emulator;
  const { profile: target } = await collect({
    ...(options.from !== undefined ? { from: options.from } : {}),
    vdpaPath: options.vdpaPath,
    source: options.source,
    sysfsRoot: options.sysfsRoot,
    // The target's QEMU is asked below, once; no other QEMU on the host matters.
    qemuPaths: [],
    // Each vdpa call within what is left of the hook's own deadline.
    timeoutMs: Math.max(1, Math.min(DEFAULT_TIMEOUT_MS, deadline - Date.now())),
    // The holders, at most a fifth of what is left: past it they are unknown, and target-unused
    // decides from the negotiated features as before. On a lab guest under TCG the whole scan
    // made the hook miss its 5 s (measured 2026-12-03: HOOK_TIMEOUT on kernels 6.1 and 6.12).
    holdersMs: Math.max(1, Math.floor((deadline - Date.now()) / 5)),
  });
  inTime();
  // The target's QEMU: the incoming domain's <emulator> on this host, as libvirt will run it.
  const targetQemu = emulator === null ? null : await qemuVersionOf(emulator, Math.max(1, Math.min(DEFAULT_TIMEOUT_MS, deadline - Date.now())));
  if (targetQemu?.error !== undefined) say(`the incoming <emulator> ${emulator}: ${targetQemu.error}; the target QEMU version stays unknown`);
  // The source's QEMU as annotate recorded it on the source (no hook runs there).
  const sourceVmm = annotated?.vmm ?? null;
  const sourceQemu = sourceVmm?.versionText ?? sourceVmm?.version ?? null;
  const now = new Date();
  let verdict: number = HOOK_EXIT.ALLOW;
  // Devices annotated on one source host carry the same profile text: parse and validate each text once.
  const parsed = new Map<string, Promise<Profile>>();
  const sourceProfile = (annotation: AnnotatedDevice, device: DomainVdpaDevice): Promise<Profile> => {
    let profile = parsed.get(annotation.profile);
    if (profile === undefined) {
      profile = Promise.resolve().then(() => toProfile(JSON.parse(annotation.profile), `source profile of ${describe(device)} in the domain metadata`));
      parsed.set(annotation.profile, profile);
    }
    return profile;
  };
  for (const device of domain.devices) {
    inTime();
    const annotation = sources.get(keyOf(device));
    if (!annotation) continue;
    const local = target.devices.find((d) => d.charDev !== null && d.charDev === device.charDev);
    if (!local) {
      say(`${describe(device)}: no vdpa device on this host is bound to vhost_vdpa at ${device.charDev ?? '(no source dev)'}; fix: create and bind the target device before migrating, or correct <source dev>`);
      verdict = Math.max(verdict, HOOK_EXIT.INCOMPATIBLE);
      continue;
    }
    let source: Profile;
    try {
      source = await sourceProfile(annotation, device);
    } catch (error) {
      if (error instanceof SyntaxError) {
        say(`${describe(device)}: the source profile in the metadata is not JSON; ${annotate}`);
        verdict = Math.max(verdict, HOOK_EXIT.UNDECIDED);
        continue;
      }
      throw error;
    }
    inTime();
    const report = check(source, target, {
      targetDevice: local.name,
      strict: options.strict,
      allowUnverified: options.allowUnverified,
      rules,
      rulePacks: options.rules ?? [],
      ...(policy !== undefined && options.policy !== undefined ? { policy: { policy, file: options.policy } } : {}),
      ...(sourceQemu !== null ? { sourceQemu: { text: sourceQemu, origin: `the annotation (${sourceVmm?.emulator ?? 'the emulator'} --version on the source)` } } : {}),
      ...(targetQemu?.versionText ? { targetQemu: { text: targetQemu.versionText, origin: `the incoming domain's <emulator> (${emulator} --version on this host)` } } : {}),
      vm: vmOf(device, annotation, domain.vmm.xSvq),
      sourceInput: 'domain metadata',
      targetInput: 'this host',
      now,
    });
    if (options.decisionLog !== undefined) appendLine(options.decisionLog, JSON.stringify(decisionRecord(report, now, { domain: call.domain, device: `${device.kind} ${device.key}` })));
    // One line per finding that stops the migration: errors, and unverified facts that hold the verdict.
    for (const f of report.findings.filter((x) => x.severity === 'error' || holdsVerdict(x, report.allowUnverified))) {
      say(`${describe(device)} → ${local.name}: ${f.code}: ${f.message}${f.remediation ? `; fix: ${f.remediation}` : ''}`);
    }
    verdict = Math.max(verdict, report.exitStatus === 0 ? HOOK_EXIT.ALLOW : report.exitStatus === 1 ? HOOK_EXIT.INCOMPATIBLE : HOOK_EXIT.UNDECIDED);
  }
  return verdict;
}

/**
 * The VM as the destination QEMU will run it: the incoming domain XML's
 * settings for the device, or the annotation's where the XML has none (the
 * source's ring sizes are what the stream carries).
 */
function vmOf(device: DomainVdpaDevice, annotation: AnnotatedDevice, xSvq: boolean): Partial<VmConfig> {
  const pick = (own: number | null, annotated: number | null, what: string) =>
    own !== null ? { value: own, origin: `the domain XML (${what})` } : annotated !== null ? { value: annotated, origin: `the annotation (${what} on the source)` } : { value: null, origin: "QEMU's default" };
  return {
    xSvq: { value: xSvq, origin: xSvq ? 'the domain XML (<qemu:commandline> x-svq=on)' : 'the domain XML (no x-svq: libvirt has no setting for it)' },
    rxQueueSize: pick(device.rxQueueSize, annotation.rxQueueSize, '<driver rx_queue_size>'),
    txQueueSize: pick(device.txQueueSize, annotation.txQueueSize, '<driver tx_queue_size>'),
    hostMtu: pick(device.hostMtu, annotation.hostMtu, '<mtu size>'),
    model: { value: device.kind === 'interface' ? 'virtio-net-pci' : 'virtio-blk-vhost-vdpa', origin: `the domain XML (<${device.kind} type='${device.kind === 'interface' ? 'vdpa' : 'vhostvdpa'}'>)` },
    ...(device.kind === 'interface' ? { mac: { value: device.key, origin: "the domain XML (<mac address>, QEMU's mac=)" } } : {}),
  };
}

/** Runs the hook for one libvirt call; resolves to the exit status. */
export async function runHook(call: HookCall, options: HookOptions, io: HookIo): Promise<number> {
  // Only the incoming migration is checked; every other phase goes on untouched.
  if (call.operation !== 'migrate' || call.subOperation !== 'begin') return HOOK_EXIT.ALLOW;
  const deadline = Date.now() + options.timeoutMs;
  const subject = subjectOf(call);
  const outcome = options.onError === 'deny' ? 'vetoing the migration (--on-error deny)' : 'letting it in (--on-error allow)';
  const onError = (error: unknown): number => {
    io.stderr.write(renderErrorLine(summarizeError(error), { subject, outcome }));
    return options.onError === 'deny' ? HOOK_EXIT.UNDECIDED : HOOK_EXIT.ALLOW;
  };
  const late = (): number =>
    onError(new ToolError('HOOK_TIMEOUT', `could not decide within ${options.timeoutMs} ms`, 'Find what is slow (vdpa, the <emulator>, the domain XML), or raise the limit: `vdpa-compat hook install --timeout MS`.'));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  try {
    const result = await Promise.race([decide(call, options, io, deadline), timeout]);
    return result === 'timeout' ? late() : result;
  } catch (error) {
    if (error instanceof DeadlinePassed) return late();
    // What the domain XML or its metadata says and we cannot read is vetoed whatever --on-error says:
    // libvirt reads it, so a device may be there that no check saw.
    if (error instanceof InputError) {
      io.stderr.write(renderErrorLine(summarizeError(error), { subject, outcome: 'vetoing the migration' }));
      return HOOK_EXIT.UNDECIDED;
    }
    return onError(error);
  } finally {
    clearTimeout(timer);
  }
}
