/**
 * The command-line definition: every command, its options and its help, in
 * commander. Handlers are loaded when their command runs: a hook call for
 * another phase, or --version, then never loads the collector, the rules or
 * the parsers (README, "Speed"). The man page and the shell completion are
 * generated from this same program.
 */
import { Argument, Command, Option } from 'commander';
import type { AnnotateOptions } from './commands/annotate.js';
import type { BaselineCommandOptions } from './commands/baseline.js';
import type { MatrixCommandOptions } from './commands/matrix.js';
import type { NfdCommandOptions } from './commands/nfd.js';
import type { CheckCommandOptions } from './commands/check.js';
import type { CollectCommandOptions } from './commands/collect.js';
import type { PlanCommandOptions } from './commands/plan.js';
import type { HookCommandOptions, HookInstallOptions, HookPlaceOptions, HookStatusOptions } from './commands/hook.js';
import { BASELINE_EXIT_HELP, CHECK_EXIT_HELP, EXAMPLES, EXIT_HELP, HOOK_EXIT_HELP, HOOK_STATUS_EXIT_HELP, PLAN_EXIT_HELP } from './help.js';
import type { Io } from './io.js';
import { allowUnverifiedOption, collectList, hookOptions, hostOptions, jobCount, MAX_JOBS, mtu, positiveInt, sourceDeviceOption, stdinTimeoutOption, strictOption, vmOptions } from './options.js';
import { TOOL_VERSION } from '../index.js';

/** What the command prints its result as; errors follow it (an error document, a failed test case). */
export type OutputFormat = 'text' | 'json' | 'junit';

/** Where libvirt looks for qemu hook scripts (libvirt >= 6.5), and our script's name there. */
const HOOK_DIR = '/etc/libvirt/hooks/qemu.d';
const HOOK_NAME = 'vdpa-compat';

function withOptions(command: Command, options: readonly Option[]): Command {
  for (const option of options) command.addOption(option);
  return command;
}

/** The hook's --dir and --name, for install, status and uninstall. */
function placeOptions(command: Command, what: string): Command {
  return command.option('--dir <dir>', what, HOOK_DIR).option('--name <name>', 'file name of the script', HOOK_NAME);
}

/**
 * The program with every command. `run` receives the handler to execute;
 * `output.format` is set from the parsed options of a command that has
 * machine-readable output, so an error later is printed in that format too.
 */
export function buildProgram(io: Io, run: (task: () => Promise<number>) => void, output: { format: OutputFormat } = { format: 'text' }): Command {
  const program = new Command('vdpa-compat')
    .description("Decide before a live migration whether a VM's vDPA devices can move from a source host to a target host.")
    .version(TOOL_VERSION)
    .option('--debug', 'print stack traces of errors')
    // Usage errors are printed by main.ts as every other error: one line, in the output format asked for.
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text), outputError: () => {} })
    .exitOverride()
    .addHelpText('after', `${EXIT_HELP}\n\nRun \`vdpa-compat COMMAND --help\` for examples.`);

  withOptions(
    program
      .command('collect')
      .description("read this host's vdpa management devices and devices into a profile")
      .option('-o, --output <file>', 'write the profile here (.yaml, .yml or .json), or - for stdout; default: stdout')
      .option('--from <dump-dir>', 'read a recorded dump directory instead of this host')
      .option('--save-raw <dump-dir>', 'also write the raw output as a dump directory')
      .option('--device <name>', 'keep only this vdpa device')
      .option('--qemu <path>', 'a QEMU binary to record with its --version (may be given more than once); default: every qemu-system-* on PATH and /usr/libexec/qemu-kvm', collectList),
    hostOptions(),
  )
    .addOption(new Option('--format <format>', 'the profile format on stdout (-o FILE: its extension)').choices(['yaml', 'json']))
    .option('--force', 'replace an existing output file or dump directory', false)
    .addHelpText('after', `${EXAMPLES['collect']}\n${EXIT_HELP}`)
    .action((options: CollectCommandOptions) => run(async () => (await import('./commands/collect.js')).collectCommand(options, io)));

  const check = program
    .command('check')
    .description('decide whether the source device can live-migrate to the target device')
    .argument('<source>', 'source profile file or dump directory, or - for a profile on stdin')
    .argument('<target>', 'target profile file or dump directory, or - for a profile on stdin')
    .addOption(sourceDeviceOption())
    .option('--target-device <name>', 'the target vdpa device, when the target has several; any: rank every device of the target host');
  withOptions(check, [...vmOptions(), allowUnverifiedOption()])
    .option('--policy <file>', 'site policy (YAML or JSON): severity overrides, waivers, failOn')
    .option('--decision-log <file>', 'append one JSON line per decision to this file')
    .option('--rules <file>', 'a rule pack (YAML or JSON) with site rules; may be given more than once', collectList)
    .option('-j, --json', 'print one JSON report (schemas/report.v1.json), an error report on any error; same as --format json', false)
    .addOption(new Option('--format <format>', 'text (default), json, or junit (one test case per rule; one failed case on any error)').choices(['text', 'json', 'junit']))
    .option('-q, --quiet', 'text: only the checks that did not pass, and the verdict; nothing when every check passed', false)
    .addOption(new Option('--color <when>', 'colour the text report: on a terminal only (auto), always, or never').choices(['auto', 'always', 'never']).default('auto'))
    .addOption(stdinTimeoutOption())
    .addOption(strictOption())
    .addHelpText('after', `${EXAMPLES['check']}\n${CHECK_EXIT_HELP}`)
    .action((source: string, target: string, options: CheckCommandOptions) => {
      output.format = options.format ?? (options.json ? 'json' : 'text');
      run(async () => (await import('./commands/check.js')).checkCommand(source, target, options, io));
    });

  const planCommand = program
    .command('plan')
    .description("plan a device on the target host that the source device's guest can migrate to: the commands to run there")
    .argument('[source]', 'source profile file or dump directory (with --baseline: the target host; with --baseline and --apply: none, this host is the target)')
    .argument('[target-host]', 'target host profile file or dump directory')
    .addOption(sourceDeviceOption())
    .option('--baseline <file>', 'plan the device of this baseline (`vdpa-compat baseline`) instead of a source device')
    .option('--name <name>', 'name of the vdpa device to create', 'vdpa-mig0')
    .option('--apply', 'on the target host, live: run the plan, bind the device, collect again and check --strict; undo on failure', false)
    .option('--replace', '--apply: delete a device of the same name first (nothing may be using it)', false);
  withOptions(planCommand, [...vmOptions(), allowUnverifiedOption(), strictOption(), ...hostOptions()])
    .option('-j, --json', 'print one JSON plan (schemas/plan.v1.json), an error report on any error', false)
    .addHelpText('after', `${EXAMPLES['plan']}\n${PLAN_EXIT_HELP}`)
    .action((source: string | undefined, target: string | undefined, options: PlanCommandOptions) => {
      output.format = options.json ? 'json' : 'text';
      run(async () => (await import('./commands/plan.js')).planCommand(source, target, options, io));
    });

  program
    .command('baseline')
    .description('the largest device every host of a group can provide, proved to migrate between each pair of them')
    .argument('<hosts...>', 'host profile files or dump directories')
    .addOption(new Option('--class <class>', 'the device class').choices(['net', 'blk']).default('net'))
    .requiredOption('--name <name>', 'the name of the baseline')
    .option('-o, --output <file>', 'write the baseline here (.yaml, .yml or .json), or - for stdout; default: stdout')
    .option('--force', 'replace an existing output file', false)
    .option('--qemu <version>', 'QEMU on every host; overrides the profiles')
    .addOption(new Option('--mtu <n>', 'the MTU of the baseline device when F_MTU stays (default 1500)').argParser(mtu))
    .option('--x-svq', "the VMs' netdevs run with x-svq=on", false)
    .addOption(allowUnverifiedOption())
    .addOption(strictOption())
    .addHelpText('after', `${EXAMPLES['baseline']}\n${BASELINE_EXIT_HELP}`)
    .action((hosts: string[], options: BaselineCommandOptions) => run(async () => (await import('./commands/baseline.js')).baselineCommand(hosts, options, io)));

  program
    .command('matrix')
    .description('who can go where: the best verdict for every ordered pair of hosts and device class')
    .argument('<hosts...>', 'host profile files or dump directories')
    .addOption(new Option('--format <format>', 'table (a grid per class), csv (a line per ordered pair) or json (schemas/matrix.v1.json)').choices(['table', 'csv', 'json']).default('table'))
    .option('--qemu <version>', 'QEMU on every host; overrides the profiles')
    .option('--x-svq', "the VMs' netdevs run with x-svq=on", false)
    .option('--no-progress', 'no progress lines on stderr for long runs')
    .addOption(new Option('--jobs <n>', `worker threads that decide the pairs, 1 to ${MAX_JOBS} (1: this thread); the output is the same for any n`).argParser(jobCount).default(1))
    .addOption(allowUnverifiedOption())
    .addOption(strictOption())
    .addHelpText('after', `${EXAMPLES['matrix']}\n${EXIT_HELP}`)
    .action((hosts: string[], options: MatrixCommandOptions) => run(async () => (await import('./commands/matrix.js')).matrixCommand(hosts, options, io)));

  // `nfd rule` is nfd's argument, not a subcommand: both take --baseline, which commander would
  // give the parent (program options are recognised after subcommands).
  withOptions(
    program
      .command('nfd')
      .description("this node's vDPA device groups and the baselines it can take, as a Node Feature Discovery feature file; `nfd rule`: the NodeFeatureRule of a baseline")
      .addArgument(new Argument('[what]', 'rule: print the NodeFeatureRule (nfd.k8s-sigs.io/v1alpha1) that labels the nodes able to take --baseline').choices(['rule']))
      .option('--from <dump-dir>', 'read a recorded dump directory instead of this host')
      .option('-o, --output <file>', 'write the feature file here, atomically (e.g. /etc/kubernetes/node-feature-discovery/features.d/vdpa-compat); default: stdout')
      .option('--baseline <file>', 'a baseline to advertise when this node can take it; may be given more than once (nfd rule: exactly one)', collectList)
      .addOption(new Option('--expiry <minutes>', 'the entries expire this long from now (# +expiry-time)').argParser(positiveInt))
      .option('--no-labels', 'raw features only (# +no-label): the NodeFeatureRule of `nfd rule` makes the labels')
      .option('--qemu <version>', "this node's QEMU; overrides what collect finds")
      .option('--force', 'nfd rule -o: replace an existing file (the feature file is always replaced: it is refreshed)', false),
    hostOptions(),
  )
    .addHelpText('after', `${EXAMPLES['nfd']}\n${EXIT_HELP}`)
    .action((what: string | undefined, options: NfdCommandOptions) => run(async () => (await import('./commands/nfd.js')).nfdCommand(what, options, io)));

  program
    .command('explain')
    .description('what a finding code means, why migration breaks, how to fix it')
    .argument('[code]', 'a finding code such as mtu-match/targetSmaller, or a rule id')
    .option('--rules <file>', 'a rule pack whose site rules to explain too; may be given more than once', collectList)
    .addHelpText('after', `${EXAMPLES['explain']}\n${EXIT_HELP}`)
    .action((code: string | undefined, options: { rules?: string[] }) => run(async () => (await import('./commands/explain.js')).explainCommand(code, options, io)));

  withOptions(
    program
      .command('annotate')
      .description("print the domain <metadata> element carrying the source devices' profiles, for the destination hook")
      .argument('<domain-xml>', 'the domain XML (virsh dumpxml), or - for stdin')
      .argument('[source]', 'profile file or dump directory of this (the source) host; default: collect it live')
      .option('-o, --output <file>', 'write the element here instead of stdout (- is stdout)')
      .option('--namespaced', 'declare the namespace on the element, to paste it into a domain XML by hand (virsh metadata --set wants it without)', false)
      .option('--force', 'replace an existing output file', false),
    [...hostOptions(), stdinTimeoutOption()],
  )
    .addHelpText('after', `${EXAMPLES['annotate']}\n${EXIT_HELP}`)
    .action((domainXml: string, source: string | undefined, options: AnnotateOptions) => run(async () => (await import('./commands/annotate.js')).annotateCommand(domainXml, source, options, io)));

  const hook = program.command('hook').description('libvirt hook: check incoming migrations of domains with vDPA devices');
  withOptions(hook.command('qemu').description('run as libvirt runs /etc/libvirt/hooks/qemu.d scripts (exit 0 lets the migration in)').argument('<args...>', 'DOMAIN OPERATION SUB-OPERATION EXTRA, as libvirt passes them'), hookOptions())
    .addHelpText('after', `${EXAMPLES['hook qemu']}\n${HOOK_EXIT_HELP}`)
    .action((args: string[], options: HookCommandOptions) => run(async () => (await import('./commands/hook.js')).hookQemuCommand(args, options, io)));
  withOptions(
    placeOptions(hook.command('install').description('install the hook script for libvirt (atomically, mode 0755)'), 'hook directory (libvirt >= 6.5 runs every executable in it)')
      .option('--create-dir', 'create --dir when it does not exist', false)
      .option('--force', 'replace a file vdpa-compat did not install', false),
    hookOptions(),
  )
    .addHelpText('after', `${EXAMPLES['hook install']}\n${EXIT_HELP}`)
    .action((options: HookInstallOptions, command: Command) => run(async () => (await import('./commands/hook.js')).hookInstallCommand(options, command, io)));
  placeOptions(hook.command('status').description('what is installed, whether its node and vdpa-compat exist and run, whether libvirt will call it'), 'hook directory')
    .option('--sysfs-root <dir>', 'read /proc under this directory', '/')
    .option('-j, --json', 'print one JSON document (an error report on any error)', false)
    .option('-q, --quiet', 'print only the problems (nothing when healthy)', false)
    .addHelpText('after', `${EXAMPLES['hook status']}\n${HOOK_STATUS_EXIT_HELP}`)
    .action((options: HookStatusOptions) => {
      output.format = options.json ? 'json' : 'text';
      run(async () => (await import('./commands/hook.js')).hookStatusCommand(options, io));
    });
  placeOptions(hook.command('uninstall').description('remove the hook script vdpa-compat installed (a file it did not write is left alone)'), 'hook directory')
    .addHelpText('after', `${EXAMPLES['hook uninstall']}\n${EXIT_HELP}`)
    .action((options: HookPlaceOptions) => run(async () => (await import('./commands/hook.js')).hookUninstallCommand(options, io)));

  program
    .command('completion')
    .description('print a shell completion script')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash']))
    .addHelpText('after', `${EXAMPLES['completion']}\n${EXIT_HELP}`)
    .action(() => run(async () => (await import('./completion.js')).completionCommand(program, io)));

  return program;
}
