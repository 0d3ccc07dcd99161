/** `vdpa-compat hook qemu …` (libvirt calls it) and `vdpa-compat hook install`. */
import { realpathSync } from 'node:fs';
import type { SourceMode } from '../../collect/collect.js';
import { hookScript, installHook } from '../../hook/install.js';
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

/** Options of `hook install`: where, and the hook options to bake in. */
export interface HookInstallOptions extends HookCommandOptions {
  dir: string;
  name: string;
  force: boolean;
}

/** The hook options as command-line words, for the installed script. */
function bakedArgs(o: HookCommandOptions): string[] {
  return [
    '--timeout', String(o.timeout),
    '--on-error', o.onError,
    '--missing-profile', o.missingProfile,
    ...(o.profileDir !== undefined ? ['--profile-dir', o.profileDir] : []),
    ...(o.strict ? ['--strict'] : []),
    '--vdpa', o.vdpa,
    '--source', o.source,
  ];
}

/** Installs the hook script that runs this vdpa-compat with these options. */
export async function hookInstallCommand(options: HookInstallOptions, io: Io): Promise<number> {
  // The CLI entry node was started with: the bundle when installed, dist/cli/main.js from a build.
  const script = hookScript(process.execPath, realpathSync(process.argv[1] ?? ''), bakedArgs(options));
  const path = await installHook(options.dir, options.name, script, { force: options.force });
  io.stderr.write(`vdpa-compat: installed ${path}; libvirt uses hooks present when the daemon starts: restart libvirtd (or virtqemud) once\n`);
  return EXIT.OK;
}
