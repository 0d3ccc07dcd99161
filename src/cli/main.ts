#!/usr/bin/env node
/**
 * The vdpa-compat command line: a thin layer over the library. Parses
 * arguments with commander, calls a handler, maps errors to exit status 2
 * with one clear message (a stack only with --debug).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import { realpathSync } from 'node:fs';
import { DEFAULT_TIMEOUT_MS } from '../collect/limits.js';
import { ToolError, ValidationError } from '../errors.js';
import { SET_METADATA_COMMAND } from '../libvirt/namespace.js';
import { errorReport, renderJson } from '../verdict/render-json.js';
import { TOOL_VERSION } from '../version.js';
import type { AnnotateOptions } from './commands/annotate.js';
import type { CheckCommandOptions } from './commands/check.js';
import type { CollectCommandOptions } from './commands/collect.js';
import type { HookCommandOptions, HookInstallOptions, HookPlaceOptions, HookStatusOptions } from './commands/hook.js';
import { CHECK_EXIT_HELP, EXIT, EXIT_HELP } from './exit.js';
import type { Io } from './io.js';
import { fdStream } from './stdio.js';

// Command handlers are loaded when their command runs: a hook call for another phase, or
// --version, then never loads the collector, the rules or the parsers (README, "Speed").
/** A ring size QEMU accepts for virtio-net: a power of 2 from 256 to 1024 (hw/net/virtio-net.c). */
function queueSize(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 256 || n > 1024 || (n & (n - 1)) !== 0) throw new InvalidArgumentError('must be a power of 2 from 256 to 1024 (QEMU refuses others)');
  return n;
}

/** An Ethernet MTU the kernel accepts: 68 (RFC 791's minimum) to 65535. */
function mtu(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 68 || n > 65535) throw new InvalidArgumentError('must be an MTU from 68 to 65535');
  return n;
}

/** Collects a repeated option into a list. */
function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer (milliseconds)');
  return n;
}

/** Where libvirt looks for qemu hook scripts (libvirt >= 6.5), and our script's name there. */
const HOOK_DIR = '/etc/libvirt/hooks/qemu.d';
const HOOK_NAME = 'vdpa-compat';

/** Every command's help text ends with real examples; the man page prints the same. */
export const EXAMPLES: Readonly<Record<string, string>> = {
  collect: `
Examples:
  vdpa-compat collect -o src.yaml                      this host, live
  vdpa-compat collect --device vdpa0 -o src.yaml       only vdpa0 (all management devices stay)
  vdpa-compat collect --save-raw dump/                 record the raw output for offline use
  vdpa-compat collect --from dump/ -o dst.json         a profile from a recorded dump directory
  vdpa-compat collect --source vdpa-tool -o src.yaml   only what iproute2 prints (no raw netlink)`,
  check: `
SOURCE and TARGET are profile files (.yaml, .yml, .json) or dump directories.

Examples:
  vdpa-compat check src.yaml dst.yaml
  vdpa-compat check src-dump/ dst-dump/ --source-device vdpa0 --target-device vdpa1 --json
  vdpa-compat check src.yaml dst.yaml --format junit > vdpa-compat.xml
  vdpa-compat check src.yaml dst.yaml --source-qemu 8.1.0 --target-qemu 8.1.0
  vdpa-compat check src.yaml dst.yaml --target-qemu "QEMU emulator version 10.0.13 (Debian 1:10.0.13+ds-0+deb13u1)"
  vdpa-compat check src.yaml dst.yaml --x-svq --rx-queue-size 1024 --tx-queue-size 1024 --host-mtu 1500
  vdpa-compat check src-dump/ dst-dump/ --allow-unverified
  vdpa-compat check src.yaml dst.yaml --policy site-policy.yaml --decision-log /var/log/vdpa-compat.jsonl
  vdpa-compat check src.yaml dst.yaml --rules our-rules.yaml
  vdpa-compat check profiles/vdpasim/k6.12-negotiated profiles/vdpasim/k6.12-mtu9000`,
  explain: `
Examples:
  vdpa-compat explain                       list every finding code
  vdpa-compat explain mtu-match/targetSmaller   one code
  vdpa-compat explain svq-offered-features      a whole rule
  vdpa-compat explain site-min-ring --rules our-rules.yaml   a rule of a rule pack`,
  annotate: `
On the source host, before migrating, put the source devices' profiles into the domain:

  ${SET_METADATA_COMMAND}

Examples:
  vdpa-compat annotate domain.xml                      profiles of this host's devices, live
  vdpa-compat annotate domain.xml src.yaml -o meta.xml from a profile; meta.xml also serves --profile-dir`,
  'hook qemu': `
libvirt runs the installed hook with DOMAIN OPERATION SUB-OPERATION EXTRA and the domain XML on
stdin. On "migrate begin" (on the destination) it checks every vDPA device of the domain against
the source profiles in the domain metadata; every other call exits 0 at once. It prints nothing
on stdout; each blocking finding is one line on stderr, which libvirt logs.

Examples:
  vdpa-compat hook qemu vm1 migrate begin - < vm1.xml
  vdpa-compat hook qemu --on-error allow --profile-dir /etc/vdpa-compat/domains vm1 migrate begin - < vm1.xml`,
  'hook install': `
Examples:
  vdpa-compat hook install                              /etc/libvirt/hooks/qemu.d/vdpa-compat
  vdpa-compat hook install --timeout 3000 --profile-dir /etc/vdpa-compat/domains
  vdpa-compat hook install --dir /etc/libvirt/hooks/qemu.d --name 50-vdpa-compat --force`,
  'hook status': `
Examples:
  vdpa-compat hook status                               the script in /etc/libvirt/hooks/qemu.d
  vdpa-compat hook status --json`,
  'hook uninstall': `
Examples:
  vdpa-compat hook uninstall                            removes /etc/libvirt/hooks/qemu.d/vdpa-compat
  vdpa-compat hook uninstall --name 50-vdpa-compat`,
};

/** How to read this host: every command that collects live accepts these. */
function readerOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--source <source>', 'read devices over raw netlink, with the vdpa tool, or netlink when it works (auto)')
        .choices(['auto', 'netlink', 'vdpa-tool'])
        .default('auto'),
    )
    .option('--vdpa <path>', 'the iproute2 vdpa binary', 'vdpa')
    .option('--sysfs-root <dir>', 'read /sys and /proc under this directory', '/');
}

/** Options every command that reads this host accepts. */
function hostOptions(command: Command): Command {
  return readerOptions(command).option('--timeout <ms>', 'limit for each vdpa command', positiveInt, DEFAULT_TIMEOUT_MS);
}

/** Hook options (also baked into the installed script by `hook install`). */
function hookOptions(command: Command): Command {
  return readerOptions(command)
    .option('--timeout <ms>', 'limit for the whole hook, reading stdin and every vdpa call included', positiveInt, 5000)
    .addOption(new Option('--on-error <policy>', 'on a timeout or internal fault: veto the migration (deny) or let it in (allow)').choices(['deny', 'allow']).default('deny'))
    .addOption(new Option('--missing-profile <policy>', 'for a vdpa device without a source profile: veto (deny) or let it in (allow)').choices(['deny', 'allow']).default('deny'))
    .option('--profile-dir <dir>', 'where to look for DOMAIN.xml (annotate output) when the domain has no metadata')
    .option('--from <dump-dir>', 'read this host from a recorded dump directory instead of live (dry runs, tests)')
    .option('--strict', 'treat "could not verify" warnings as errors', false)
    .option('--allow-unverified', 'let in what depends on facts that could not be verified (default: veto, exit 2)', false)
    .option('--policy <file>', 'site policy (YAML or JSON), as for check')
    .option('--rules <file>', 'a rule pack, as for check; may be given more than once', collectList)
    .option('--decision-log <file>', 'append one JSON line per decision to this file');
}

/** The program with every command; `run` receives the handler to execute. */
export function buildProgram(io: Io, run: (task: () => Promise<number>) => void, json: { on: boolean }): Command {
  const program = new Command('vdpa-compat')
    .description("Decide before a live migration whether a VM's vDPA devices can move from a source host to a target host.")
    .version(TOOL_VERSION)
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride()
    .addHelpText('after', `${EXIT_HELP}\n\nRun \`vdpa-compat COMMAND --help\` for examples.`);

  hostOptions(
    program
      .command('collect')
      .description("read this host's vdpa management devices and devices into a profile")
      .option('-o, --output <file>', 'write the profile here (.yaml, .yml or .json) instead of stdout')
      .option('--from <dump-dir>', 'read a recorded dump directory instead of this host')
      .option('--save-raw <dump-dir>', 'also write the raw output as a dump directory')
      .option('--device <name>', 'keep only this vdpa device')
      .option('--qemu <path>', 'a QEMU binary to record with its --version (may be given more than once); default: every qemu-system-* on PATH and /usr/libexec/qemu-kvm', collectList),
  )
    .addOption(new Option('--format <format>', 'stdout format').choices(['yaml', 'json']))
    .option('--force', 'replace an existing output file or dump directory', false)
    .addHelpText('after', `${EXAMPLES['collect']}\n${EXIT_HELP}`)
    .action((options: CollectCommandOptions) => run(async () => (await import('./commands/collect.js')).collectCommand(options, io)));

  program
    .command('check')
    .description('decide whether the source device can live-migrate to the target device')
    .argument('<source>', 'source profile file or dump directory')
    .argument('<target>', 'target profile file or dump directory')
    .option('--source-device <name>', 'the source vdpa device, when the source has several')
    .option('--target-device <name>', 'the target vdpa device, when the target has several')
    .option('--source-qemu <version>', 'QEMU on the source: a version (8.1.0) or what `qemu-system-x86_64 --version` prints; overrides the profile')
    .option('--target-qemu <version>', 'QEMU on the target, likewise')
    .option('--x-svq', "the VM's netdev runs with x-svq=on (every queue shadowed)", false)
    .option('--rx-queue-size <n>', "the VM's virtio-net rx_queue_size (QEMU's default: 256)", queueSize)
    .option('--tx-queue-size <n>', "the VM's virtio-net tx_queue_size (QEMU's default: 256)", queueSize)
    .option('--host-mtu <n>', "the VM's virtio-net host_mtu (then F_MTU is QEMU's own)", mtu)
    .option('--allow-unverified', 'accept facts that could not be verified: such warnings no longer hold the verdict at "unverified" (exit 2)', false)
    .option('--policy <file>', 'site policy (YAML or JSON): severity overrides, waivers, failOn')
    .option('--decision-log <file>', 'append one JSON line per decision to this file')
    .option('--rules <file>', 'a rule pack (YAML or JSON) with site rules; may be given more than once', collectList)
    .option('-j, --json', 'print one JSON report (schemas/report.v1.json); same as --format json', false)
    .addOption(new Option('--format <format>', 'text (default), json, or junit (one test case per rule)').choices(['text', 'json', 'junit']))
    .option('--strict', 'treat "could not verify" warnings as errors', false)
    .addHelpText('after', `${EXAMPLES['check']}\n${CHECK_EXIT_HELP}`)
    .action((source: string, target: string, options: CheckCommandOptions) => {
      json.on = options.json || options.format === 'json';
      run(async () => (await import('./commands/check.js')).checkCommand(source, target, options, io));
    });

  program
    .command('explain')
    .description('what a finding code means, why migration breaks, how to fix it')
    .argument('[code]', 'a finding code such as mtu-match/targetSmaller, or a rule id')
    .option('--rules <file>', 'a rule pack whose site rules to explain too; may be given more than once', collectList)
    .addHelpText('after', `${EXAMPLES['explain']}\n${EXIT_HELP}`)
    .action((code: string | undefined, options: { rules?: string[] }) => run(async () => (await import('./commands/explain.js')).explainCommand(code, options, io)));

  hostOptions(
    program
      .command('annotate')
      .description("print the domain <metadata> element carrying the source devices' profiles, for the destination hook")
      .argument('<domain-xml>', 'the domain XML (virsh dumpxml), or - for stdin')
      .argument('[source]', 'profile file or dump directory of this (the source) host; default: collect it live')
      .option('-o, --output <file>', 'write the element here instead of stdout')
      .option('--namespaced', 'declare the namespace on the element, to paste it into a domain XML by hand (virsh metadata --set wants it without)', false)
      .option('--force', 'replace an existing output file', false),
  )
    .addHelpText('after', `${EXAMPLES['annotate']}\n${EXIT_HELP}`)
    .action((domainXml: string, source: string | undefined, options: AnnotateOptions) =>
      run(async () => (await import('./commands/annotate.js')).annotateCommand(domainXml, source, options, io)),
    );

  const hook = program.command('hook').description('libvirt hook: check incoming migrations of domains with vDPA devices');
  hookOptions(
    hook
      .command('qemu')
      .description('run as libvirt runs /etc/libvirt/hooks/qemu.d scripts (exit 0 lets the migration in)')
      .argument('<args...>', 'DOMAIN OPERATION SUB-OPERATION EXTRA, as libvirt passes them'),
  )
    .addHelpText('after', `${EXAMPLES['hook qemu']}\n\nExit status: 0 lets libvirt go on; 1 vetoes (incompatible); 2 vetoes (could not decide).`)
    .action((args: string[], options: HookCommandOptions) => run(async () => (await import('./commands/hook.js')).hookQemuCommand(args, options, io)));
  hookOptions(
    hook
      .command('install')
      .description('install the hook script for libvirt (atomically, mode 0755)')
      .option('--dir <dir>', 'hook directory (libvirt >= 6.5 runs every executable in it)', HOOK_DIR)
      .option('--name <name>', 'file name of the script', HOOK_NAME)
      .option('--create-dir', 'create --dir when it does not exist', false)
      .option('--force', 'replace a file vdpa-compat did not install', false),
  )
    .addHelpText('after', `${EXAMPLES['hook install']}\n${EXIT_HELP}`)
    .action((options: HookInstallOptions, command: Command) => run(async () => (await import('./commands/hook.js')).hookInstallCommand(options, command, io)));
  hook
    .command('status')
    .description('what is installed, whether its node and vdpa-compat exist and run, whether libvirt will call it')
    .option('--dir <dir>', 'hook directory', HOOK_DIR)
    .option('--name <name>', 'file name of the script', HOOK_NAME)
    .option('--sysfs-root <dir>', 'read /proc under this directory', '/')
    .option('--json', 'print one JSON document', false)
    .addHelpText('after', `${EXAMPLES['hook status']}\n\nExit status: 0 healthy; 1 a problem found (each printed); 2 could not check.`)
    .action((options: HookStatusOptions) => run(async () => (await import('./commands/hook.js')).hookStatusCommand(options, io)));
  hook
    .command('uninstall')
    .description('remove the hook script vdpa-compat installed (a file it did not write is left alone)')
    .option('--dir <dir>', 'hook directory', HOOK_DIR)
    .option('--name <name>', 'file name of the script', HOOK_NAME)
    .addHelpText('after', `${EXAMPLES['hook uninstall']}\n${EXIT_HELP}`)
    .action((options: HookPlaceOptions) => run(async () => (await import('./commands/hook.js')).hookUninstallCommand(options, io)));

  return program;
}

function describeError(error: unknown, debug: boolean): string {
  if (error instanceof ToolError) {
    let text: string;
    if (error instanceof ValidationError) {
      text = `vdpa-compat: ${error.file}: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} [${error.code}]\n`;
      text += error.problems.map((p) => `  ${p.pointer || '/'}: ${p.message}\n`).join('');
      if (error.hint) text += `  fix: ${error.hint}\n`;
    } else {
      text = `vdpa-compat: ${error.message} [${error.code}]${error.hint ? `; fix: ${error.hint}` : ''}\n`;
    }
    return debug ? `${text}${stackOf(error)}` : text;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `vdpa-compat: internal error: ${message} [INTERNAL]; fix: run again with --debug and report it\n${debug ? stackOf(error) : ''}`;
}

function stackOf(error: unknown): string {
  let text = '';
  for (let e: unknown = error; e instanceof Error; e = e.cause) text += `${e.stack ?? e.message}\n`;
  return text;
}

/** Runs the CLI with these arguments (without node and script); resolves to the exit status. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const debug = argv.includes('--debug');
  const json = { on: false };
  let task: (() => Promise<number>) | undefined;
  const program = buildProgram(io, (t) => (task = t), json);
  try {
    await program.parseAsync(argv, { from: 'user' });
    if (task === undefined) {
      program.outputHelp({ error: true });
      return EXIT.UNDECIDED;
    }
    return await task();
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; every usage error is a 2.
      return error.exitCode === 0 ? EXIT.OK : EXIT.UNDECIDED;
    }
    io.stderr.write(describeError(error, debug));
    if (json.on) {
      const e = error instanceof ToolError ? error : null;
      const detail = error instanceof ValidationError ? { file: error.file, problems: error.problems } : {};
      io.stdout.write(renderJson(errorReport(e?.code ?? 'INTERNAL', e?.message ?? String(error), e?.hint ?? null, detail)));
    }
    return EXIT.UNDECIDED;
  }
}

const invokedDirectly = (() => {
  try {
    const self = fileURLToPath(import.meta.url);
    // argv[1] is already absolute; realpath (a system call per path component) only for a symlink, as npm's bin link is.
    return process.argv[1] !== undefined && (process.argv[1] === self || realpathSync(process.argv[1]) === self);
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  const hookMode = process.argv[2] === 'hook' && process.argv[3] === 'qemu';
  void main(process.argv.slice(2), { stdout: fdStream(1), stderr: fdStream(2), env: process.env }).then((code) => {
    // libvirt waits for the hook: leave at once, whatever handle (a killed child, a socket) is still open.
    if (hookMode) process.exit(code);
    process.exitCode = code;
  });
}
