/**
 * `plan --apply`: the plan's side effects, kept apart from the pure plan. On
 * the target host, live: collect it, plan, run `vdpa dev add` (execFile, an
 * argument array, a timeout), bind the device to vhost_vdpa through sysfs,
 * collect again and check the source against the device it made, strictly.
 * When a step after `dev add` fails, or the check does not pass, the device it
 * created is deleted again. It never touches a device it did not create: a
 * name the host has is refused unless `replace` says to delete it first. After
 * a refused `dev add` nothing was created, so nothing is deleted — on vp_vdpa
 * a `dev del` then would find the parent's stale device pointer and oops the
 * kernel (fixtures/VP_VDPA.md). The plan is a source's (`plan SOURCE --apply`) or a
 * baseline's (`plan --baseline FILE --apply`): the same steps, the same undo.
 */
import { createRequire } from 'node:module';
import { readlinkSync, writeFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { collect, type CollectOptions } from '../collect/collect.js';
import { parseVdpaVersion } from '../collect/vdpa-json.js';
import { runVdpa } from '../collect/vdpa-tool.js';
import { UsageError } from '../errors.js';
import { baselineProfile, planBaseline, type BaselineDocument } from '../plan/baseline.js';
import { plan, type PlanDocument, type PlanOptions } from '../plan/plan.js';
import type { Profile } from '../profile/types.js';
import { check } from '../verdict/check.js';
import type { Report } from '../verdict/types.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';

/** One thing `--apply` did, with what it saw. */
export interface ApplyStep {
  action: 'collect' | 'dev del' | 'dev add' | 'modprobe' | 'unbind' | 'bind' | 'check' | 'undo';
  /** The command run (argv), or the sysfs file written. */
  what: string;
  ok: boolean;
  detail: string;
}

/** What `plan --apply` did (`kind: vdpa-compat/apply`). */
export interface ApplyReport {
  kind: 'vdpa-compat/apply';
  generator: { name: string; version: string };
  /** applied: made, bound and checked; no-plan / unknown: nothing to run; failed: a step failed; refused: check did not pass. */
  status: 'applied' | 'no-plan' | 'unknown' | 'failed' | 'refused';
  /** 0 applied; 1 no plan, or the check refused the device; 2 unknown, or a step failed. */
  exitStatus: 0 | 1 | 2;
  name: string;
  /** Whether a device it created is still there: true only when applied. */
  created: boolean;
  steps: ApplyStep[];
  plan: PlanDocument;
  /** check of the source against the device made, as collected after the bind; null when it did not get there. */
  check: Report | null;
}

/** Options of {@link applyPlan}: the plan's, how to read and change this host, and --replace. */
export interface ApplyOptions extends PlanOptions, Pick<CollectOptions, 'vdpaPath' | 'source' | 'sysfsRoot'> {
  timeoutMs: number;
  /** Delete a device of the same name first (it is then one the user asked to replace). */
  replace?: boolean;
  /** The modprobe binary, run only when vhost_vdpa is not loaded. */
  modprobe?: string;
}

/** Runs `modprobe vhost_vdpa` once, bounded; resolves with its exit status and stderr. */
function runModprobe(path: string, timeoutMs: number): Promise<{ rc: number | null; stderr: string }> {
  // Required when a command runs: loading child_process costs every run of the CLI otherwise.
  const { execFile } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  return new Promise((resolve) => {
    execFile(path, ['vhost_vdpa'], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024, encoding: 'utf8' }, (error, _stdout, stderr) => {
      const err = error as (NodeJS.ErrnoException & { killed?: boolean; code?: string | number }) | null;
      resolve({ rc: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stderr: err !== null && typeof err.code === 'string' ? `${err.code}: ${err.message}` : err?.killed ? `killed after ${timeoutMs} ms` : stderr.trim() });
    });
  });
}

/**
 * What is applied: the plan for this host as collected, and the source the device it makes is
 * checked against (a source profile, or a baseline's device on the planned parent).
 */
type Planner = (target: Profile, name: string) => { doc: PlanDocument; source: (mgmtdev: string) => Profile };

/** Applies the plan for `source` on this host. */
export async function applyPlan(source: Profile, options: ApplyOptions): Promise<ApplyReport> {
  const { name: _name, ...planOptions } = options;
  return applyWith((target, name) => ({ doc: plan(source, target, { ...planOptions, name, targetInput: 'this host' }), source: () => source }), options);
}

/**
 * Applies the baseline's plan on this host (`plan --baseline FILE --apply`): the device every host of
 * the group can take, made here, then checked strictly against the baseline's device on the parent
 * it was made on, as {@link planBaseline} proved it.
 */
export async function applyBaseline(b: BaselineDocument, options: Omit<ApplyOptions, 'sourceDevice'>): Promise<ApplyReport> {
  const { name: _name, ...planOptions } = options;
  return applyWith(
    (target, name) => ({
      doc: planBaseline(b, target, { ...planOptions, name, targetInput: 'this host' }),
      source: (mgmtdev) => baselineProfile(b, { profile: target, mgmtdev, mac: null }),
    }),
    { ...options, sourceInput: `baseline ${b.name} (${b.fingerprint})` },
  );
}

async function applyWith(planFor: Planner, options: ApplyOptions): Promise<ApplyReport> {
  const name = options.name ?? 'vdpa-mig0';
  const steps: ApplyStep[] = [];
  const reader: CollectOptions = {
    ...(options.vdpaPath !== undefined ? { vdpaPath: options.vdpaPath } : {}),
    ...(options.source !== undefined ? { source: options.source } : {}),
    ...(options.sysfsRoot !== undefined ? { sysfsRoot: options.sysfsRoot } : {}),
    timeoutMs: options.timeoutMs,
  };
  const vdpa = { vdpaPath: options.vdpaPath ?? 'vdpa', timeoutMs: options.timeoutMs };
  const sysfs = (...parts: string[]) => join(options.sysfsRoot ?? '/', 'sys', 'bus', 'vdpa', ...parts);
  const live = async (): Promise<Profile> => {
    const { profile } = await collect(reader);
    steps.push({ action: 'collect', what: 'this host', ok: true, detail: `${profile.devices.length} devices, ${profile.mgmtdevs.length} management devices` });
    // The plan's commands run with this vdpa binary: its version is what the plan must fit, also
    // when the devices were read over raw netlink (which does not run the tool).
    if (profile.host.iproute2 === null) {
      const version = await runVdpa(vdpa, ['-V']).catch(() => null);
      const parsed = version !== null && version.rc === 0 ? parseVdpaVersion(version.stdout) : null;
      if (parsed !== null) return { ...profile, host: { ...profile.host, iproute2: parsed, unknown: profile.host.unknown.filter((u) => u.fact !== '/iproute2') } };
    }
    return profile;
  };

  let target = await live();
  if (target.devices.some((d) => d.name === name)) {
    if (options.replace !== true) throw new UsageError('USAGE', `this host already has a vdpa device "${name}"`, 'Pass --name with a name the host does not use, or --replace to delete that device first (nothing may be using it).');
    const del = await runVdpa(vdpa, ['dev', 'del', name]);
    steps.push({ action: 'dev del', what: ['vdpa', 'dev', 'del', name].join(' '), ok: del.rc === 0, detail: del.rc === 0 ? 'deleted (--replace)' : del.stderr.trim() });
    if (del.rc !== 0) throw new UsageError('USAGE', `--replace: \`vdpa dev del ${name}\` failed: ${del.stderr.trim()}`, 'Delete it by hand, or choose another --name.');
    target = await live();
  }
  const { name: _name, ...planOptions } = options;
  const planned = planFor(target, name);
  const doc = planned.doc;
  const report = (status: ApplyReport['status'], created: boolean, checked: Report | null = null): ApplyReport => ({
    kind: 'vdpa-compat/apply',
    generator: { name: TOOL_NAME, version: TOOL_VERSION },
    status,
    exitStatus: status === 'applied' ? 0 : status === 'no-plan' || status === 'refused' ? 1 : 2,
    name,
    created,
    steps,
    plan: doc,
    check: checked,
  });
  if (doc.plan === null) return report(doc.status === 'no-plan' ? 'no-plan' : 'unknown', false);

  const add = await runVdpa(vdpa, doc.plan.argv.slice(1));
  steps.push({ action: 'dev add', what: doc.plan.argv.join(' '), ok: add.rc === 0, detail: add.rc === 0 ? 'created' : add.stderr.trim() });
  if (add.rc !== 0) {
    // Refused: nothing was created, so nothing is deleted (vp_vdpa oopses on a dev del now).
    steps.push({ action: 'undo', what: 'nothing', ok: true, detail: 'dev add was refused: no device was created, none is deleted' });
    return report('failed', false);
  }
  const undo = async (why: string): Promise<void> => {
    const del = await runVdpa(vdpa, ['dev', 'del', name]).catch((error: Error) => ({ rc: null, stderr: error.message }));
    steps.push({ action: 'undo', what: ['vdpa', 'dev', 'del', name].join(' '), ok: del.rc === 0, detail: del.rc === 0 ? `deleted the device it created (${why})` : `could not delete ${name}: ${del.stderr.trim()}; delete it by hand` });
  };
  try {
    if (!existsSync(sysfs('drivers', 'vhost_vdpa'))) {
      const modprobe = options.modprobe ?? 'modprobe';
      const r = await runModprobe(modprobe, options.timeoutMs);
      steps.push({ action: 'modprobe', what: `${modprobe} vhost_vdpa`, ok: r.rc === 0, detail: r.rc === 0 ? 'loaded' : r.stderr });
      if (r.rc !== 0) {
        await undo('vhost_vdpa could not be loaded');
        return report('failed', false);
      }
    }
    // A new device binds to whichever vdpa bus driver is loaded first; move it to vhost_vdpa.
    let current: string | null = null;
    try {
      current = basename(readlinkSync(sysfs('devices', name, 'driver')));
    } catch {
      current = null;
    }
    if (current !== null && current !== 'vhost_vdpa') {
      const path = sysfs('drivers', current, 'unbind');
      writeFileSync(path, name);
      steps.push({ action: 'unbind', what: path, ok: true, detail: `unbound from ${current}` });
    }
    if (current !== 'vhost_vdpa') {
      const path = sysfs('drivers', 'vhost_vdpa', 'bind');
      writeFileSync(path, name);
      steps.push({ action: 'bind', what: path, ok: true, detail: 'bound to vhost_vdpa' });
    }
  } catch (error) {
    steps.push({ action: 'bind', what: name, ok: false, detail: (error as Error).message });
    await undo('it could not be bound to vhost_vdpa');
    return report('failed', false);
  }

  let after: Profile;
  try {
    after = await live();
  } catch (error) {
    steps.push({ action: 'collect', what: 'this host', ok: false, detail: (error as Error).message });
    await undo('this host could not be collected again');
    return report('failed', false);
  }
  const source = planned.source(doc.plan.mgmtdev);
  const checked = check(source, after, { ...planOptions, strict: true, sourceInput: options.sourceInput ?? 'source', targetInput: 'this host', sourceDevice: doc.source.device, targetDevice: name });
  const passed = checked.verdict === 'identical' || checked.verdict === 'compatible';
  steps.push({ action: 'check', what: `check --strict --target-device ${name}`, ok: passed, detail: checked.verdict });
  if (!passed) {
    await undo(`check --strict says ${checked.verdict}`);
    return report('refused', false, checked);
  }
  return report('applied', true, checked);
}
