/** `vdpa-compat hook qemu …` (libvirt calls it), `hook install`, `hook status` and `hook uninstall`. */
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import type { SourceMode } from '../../collect/collect.js';
import { hookScript, installHook, uninstallHook } from '../../hook/install.js';
import { runHook, type HookOptions } from '../../hook/libvirt.js';
import { EXIT } from '../exit.js';
import type { Io } from '../io.js';
import { readStdin } from '../stdin.js';

/** Hook options as commander parses them. */
export interface HookCommandOptions {
  timeout: number;
  onError: 'deny' | 'allow';
  missingProfile: 'deny' | 'allow';
  profileDir?: string;
  from?: string;
  strict: boolean;
  allowUnverified: boolean;
  policy?: string;
  rules?: string[];
  decisionLog?: string;
  vdpa: string;
  source: SourceMode;
  sysfsRoot: string;
}

function hookOptions(o: HookCommandOptions): HookOptions {
  return {
    timeoutMs: o.timeout,
    onError: o.onError,
    missingProfile: o.missingProfile,
    ...(o.profileDir !== undefined ? { profileDir: o.profileDir } : {}),
    ...(o.from !== undefined ? { from: o.from } : {}),
    strict: o.strict,
    allowUnverified: o.allowUnverified,
    ...(o.policy !== undefined ? { policy: o.policy } : {}),
    ...(o.rules !== undefined ? { rules: o.rules } : {}),
    ...(o.decisionLog !== undefined ? { decisionLog: o.decisionLog } : {}),
    vdpaPath: o.vdpa,
    source: o.source,
    sysfsRoot: o.sysfsRoot,
  };
}

/** Runs the hook as libvirt calls it: DOMAIN OPERATION SUB-OPERATION [EXTRA], XML on stdin. */
export function hookQemuCommand(args: string[], options: HookCommandOptions, io: Io): Promise<number> {
  const [domain = '', operation = '', subOperation = '', extra = '-'] = args;
  return runHook({ domain, operation, subOperation, extra }, hookOptions(options), { stderr: io.stderr, readStdin });
}

/** Where the script goes. */
export interface HookPlaceOptions {
  dir: string;
  name: string;
}

/** Options of `hook install`: where, and the hook options to bake in. */
export interface HookInstallOptions extends HookCommandOptions, HookPlaceOptions {
  force: boolean;
  createDir: boolean;
}

/** Options of `hook install` that say where and how to install, not how the hook runs. */
const INSTALL_ONLY = new Set(['dir', 'name', 'force', 'createDir']);

/** Options whose value is a path: made absolute, since libvirt runs hooks from /. */
const PATH_OPTIONS = new Set(['profileDir', 'from', 'sysfsRoot', 'policy', 'rules', 'decisionLog']);

/**
 * The hook options the user gave `hook install`, as command-line words for
 * the script: every option of the command but the install-only ones, read
 * from commander itself so that no option can be forgotten. Defaults are left
 * out, so the installed CLI's own defaults apply.
 */
export function bakedArgs(command: Command): string[] {
  const words: string[] = [];
  const values = command.opts();
  for (const option of command.options) {
    const key = option.attributeName();
    if (INSTALL_ONLY.has(key) || command.getOptionValueSource(key) !== 'cli') continue;
    const value = values[key] as unknown;
    if (option.isBoolean()) {
      if (value === true) words.push(option.long ?? '');
      continue;
    }
    for (const one of Array.isArray(value) ? (value as unknown[]) : [value]) {
      let text = String(one);
      if (PATH_OPTIONS.has(key) || (key === 'vdpa' && text.includes('/'))) text = isAbsolute(text) ? text : resolve(text);
      words.push(option.long ?? '', text);
    }
  }
  return words;
}

/** Installs the hook script that runs this vdpa-compat with these options. */
export async function hookInstallCommand(options: HookInstallOptions, command: Command, io: Io): Promise<number> {
  // The CLI entry node was started with: the bundle when installed, dist/cli/main.js from a build.
  const script = hookScript({
    nodePath: process.execPath,
    cliPath: realpathSync(process.argv[1] ?? ''),
    hookArgs: bakedArgs(command),
    onError: options.onError,
    timeoutMs: options.timeout,
  });
  const path = await installHook(options.dir, options.name, script, { force: options.force, createDir: options.createDir });
  const { hookStatus } = await import('../../hook/status.js');
  const status = await hookStatus(options.dir, options.name, { root: options.sysfsRoot, timeoutMs: 5000 });
  io.stderr.write(`vdpa-compat: installed ${path}\n`);
  for (const problem of status.problems) io.stderr.write(`vdpa-compat: warning: ${problem}\n`);
  return EXIT.OK;
}

/** Options of `hook status`. */
export interface HookStatusOptions extends HookPlaceOptions {
  json: boolean;
  sysfsRoot: string;
}

/** Prints what is installed and whether it works; exit 0 healthy, 1 a problem found. */
export async function hookStatusCommand(options: HookStatusOptions, io: Io): Promise<number> {
  const { hookStatus } = await import('../../hook/status.js');
  const status = await hookStatus(options.dir, options.name, { root: options.sysfsRoot, timeoutMs: 5000 });
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ kind: 'vdpa-compat/hook-status', ...status, healthy: status.problems.length === 0 }, null, 2)}\n`);
  } else {
    const s = status.settings;
    const lines = [
      `hook:        ${status.path} (${!status.present ? 'not installed' : s === null ? 'not installed by vdpa-compat' : status.executable ? 'installed, executable' : 'installed, NOT executable'})`,
      ...(s === null
        ? []
        : [
            `node:        ${s.nodePath} (${status.nodeExists ? 'present' : 'MISSING'})`,
            `vdpa-compat: ${s.cliPath} (${!status.cliExists ? 'MISSING' : status.cliRuns?.ok ? `runs, version ${status.cliRuns.version}` : `does not run: ${status.cliRuns?.ok === false ? status.cliRuns.why : 'unknown'}`})`,
            `options:     --on-error ${s.onError}${s.hookArgs.length > 0 ? ` ${s.hookArgs.join(' ')}` : ''}`,
          ]),
      `libvirt:     ${status.libvirt.state}: ${status.libvirt.why}`,
      ...status.problems.map((p) => `problem:     ${p}`),
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
  }
  return status.problems.length === 0 ? EXIT.OK : EXIT.INCOMPATIBLE;
}

/** Removes the script vdpa-compat installed. */
export async function hookUninstallCommand(options: HookPlaceOptions, io: Io): Promise<number> {
  const removed = await uninstallHook(options.dir, options.name);
  io.stderr.write(removed ? `vdpa-compat: removed ${options.dir}/${options.name}\n` : `vdpa-compat: nothing installed as ${options.dir}/${options.name}\n`);
  return EXIT.OK;
}
