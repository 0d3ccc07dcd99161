/** `vdpa-compat hook qemu …` (libvirt calls it), `hook install`, `hook status` and `hook uninstall`. */
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import type { Io } from '../io.js';
import { bakedAs } from '../options.js';
import { readStdin } from '../stdin.js';
import { escapeControls, hookScript, hookStatus, installHook, runHook, uninstallHook, type HookOptions } from '../../index.js';

/**
 * Hook options as commander parses them: the library's HookOptions under the
 * option names (--timeout, --vdpa), so a new hook option is declared once there.
 */
export type HookCommandOptions = Omit<HookOptions, 'timeoutMs' | 'vdpaPath' | 'rules'> & { timeout: number; vdpa: string; rules?: string[] };

function hookOptions({ timeout, vdpa, ...rest }: HookCommandOptions): HookOptions {
  return { ...rest, timeoutMs: timeout, vdpaPath: vdpa };
}

/** Runs the hook as libvirt calls it: DOMAIN OPERATION SUB-OPERATION [EXTRA], XML on stdin. */
export function hookQemuCommand(args: string[], options: HookCommandOptions, io: Io): Promise<number> {
  const [domain = '', operation = '', subOperation = '', extra = '-'] = args;
  // The hook's own deadline bounds the wait (and decides, by --on-error); the stdin limit, a second
  // later, only makes sure the pipe is let go of, never races the deadline to a different answer.
  const stdin = (limit: number) =>
    readStdin({ limit, timeoutMs: options.timeout + 1000, what: 'a domain XML', hint: 'libvirt passes the domain XML on stdin; run by hand: `vdpa-compat hook qemu DOMAIN migrate begin - < domain.xml`.', timeoutHint: 'raise --timeout' });
  return runHook({ domain, operation, subOperation, extra }, hookOptions(options), { stderr: io.stderr, readStdin: stdin });
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

/**
 * The hook options the user gave `hook install`, as command-line words for
 * the script: every option options.ts defines as a hook option, read from
 * commander itself so that no option can be forgotten. Paths are made
 * absolute, since libvirt runs hooks from /. Defaults are left out, so the
 * installed CLI's own defaults apply.
 */
export function bakedArgs(command: Command): string[] {
  const words: string[] = [];
  const values = command.opts();
  for (const option of command.options) {
    const key = option.attributeName();
    const as = bakedAs(option);
    if (as === undefined || command.getOptionValueSource(key) !== 'cli') continue;
    const value = values[key] as unknown;
    if (option.isBoolean()) {
      if (value === true) words.push(option.long ?? '');
      continue;
    }
    for (const one of Array.isArray(value) ? (value as unknown[]) : [value]) {
      let text = String(one);
      // A command is looked up on PATH unless it names a path.
      if (as === 'path' || (as === 'command' && text.includes('/'))) text = isAbsolute(text) ? text : resolve(text);
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
  const path = installHook(options.dir, options.name, script, { force: options.force, createDir: options.createDir });
  const status = await hookStatus(options.dir, options.name, { root: options.sysfsRoot, timeoutMs: 5000 });
  io.stderr.write(`vdpa-compat: installed ${escapeControls(path)}\n`);
  for (const problem of status.problems) io.stderr.write(`vdpa-compat: warning: ${escapeControls(problem)}\n`);
  return EXIT.OK;
}

/** Options of `hook status`. */
export interface HookStatusOptions extends HookPlaceOptions {
  json: boolean;
  quiet: boolean;
  sysfsRoot: string;
}

/** Prints what is installed and whether it works; exit 0 healthy, 1 a problem found. */
export async function hookStatusCommand(options: HookStatusOptions, io: Io): Promise<number> {
  const status = await hookStatus(options.dir, options.name, { root: options.sysfsRoot, timeoutMs: 5000 });
  if (options.json) {
    // JSON.stringify escapes control characters itself.
    io.stdout.write(`${JSON.stringify({ kind: 'vdpa-compat/hook-status', ...status, healthy: status.problems.length === 0 }, null, 2)}\n`);
  } else if (options.quiet) {
    for (const p of status.problems) io.stdout.write(`problem: ${escapeControls(p)}\n`);
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
    // Paths and versions come from the installed script and what its CLI printed.
    io.stdout.write(`${lines.map(escapeControls).join('\n')}\n`);
  }
  return status.problems.length === 0 ? EXIT.OK : EXIT.INCOMPATIBLE;
}

/** Removes the script vdpa-compat installed. */
export async function hookUninstallCommand(options: HookPlaceOptions, io: Io): Promise<number> {
  const removed = uninstallHook(options.dir, options.name);
  const path = escapeControls(`${options.dir}/${options.name}`);
  io.stderr.write(removed ? `vdpa-compat: removed ${path}\n` : `vdpa-compat: nothing installed as ${path}\n`);
  return EXIT.OK;
}
