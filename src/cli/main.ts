#!/usr/bin/env node
/**
 * The vdpa-compat command line: a thin layer over the library. Parses
 * arguments with commander, calls a handler, maps errors to exit status 2
 * with one clear message (a stack only with --debug).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import { realpathSync } from 'node:fs';
import { DEFAULT_TIMEOUT_MS } from '../collect/collect.js';
import { ToolError, ValidationError } from '../errors.js';
import { errorReport, renderJson } from '../verdict/render-json.js';
import { TOOL_VERSION } from '../version.js';
import { checkCommand } from './commands/check.js';
import { collectCommand, type CollectCommandOptions } from './commands/collect.js';
import { explainCommand } from './commands/explain.js';
import { EXIT, EXIT_HELP } from './exit.js';
import type { Io } from './io.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer (milliseconds)');
  return n;
}

const COLLECT_EXAMPLES = `
Examples:
  vdpa-compat collect -o src.yaml                      this host, live
  vdpa-compat collect --device vdpa0 -o src.yaml       only vdpa0 (all management devices stay)
  vdpa-compat collect --save-raw dump/                 record the raw vdpa output for offline use
  vdpa-compat collect --from dump/ -o dst.json         a profile from a recorded dump directory
  vdpa-compat collect --source vdpa-tool -o src.yaml   only what iproute2 prints (no raw netlink)`;

const CHECK_EXAMPLES = `
SOURCE and TARGET are profile files (.yaml, .yml, .json) or dump directories.

Examples:
  vdpa-compat check src.yaml dst.yaml
  vdpa-compat check src-dump/ dst-dump/ --source-device vdpa0 --target-device vdpa1 --json
  vdpa-compat check profiles/sim-k6.12/negotiated profiles/sim-k6.12/mtu9000`;

const EXPLAIN_EXAMPLES = `
Examples:
  vdpa-compat explain                       list every finding code
  vdpa-compat explain mtu-match/mismatch    one code
  vdpa-compat explain mtu-match             a whole rule`;

function buildProgram(io: Io, run: (task: () => Promise<number>) => void, json: { on: boolean }): Command {
  const program = new Command('vdpa-compat')
    .description('Decide before a live migration whether a VM\'s vDPA devices can move from a source host to a target host.')
    .version(TOOL_VERSION)
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride()
    .addHelpText('after', `${EXIT_HELP}\n\nRun \`vdpa-compat COMMAND --help\` for examples.`);

  program
    .command('collect')
    .description('read this host\'s vdpa management devices and devices into a profile')
    .option('-o, --output <file>', 'write the profile here (.yaml, .yml or .json) instead of stdout')
    .option('--from <dump-dir>', 'read a recorded dump directory instead of this host')
    .option('--save-raw <dump-dir>', 'also write the raw vdpa output as a dump directory')
    .option('--device <name>', 'keep only this vdpa device')
    .addOption(
      new Option('--source <source>', 'read devices over raw netlink, with the vdpa tool, or netlink when it works (auto)')
        .choices(['auto', 'netlink', 'vdpa-tool'])
        .default('auto'),
    )
    .option('--vdpa <path>', 'the iproute2 vdpa binary', 'vdpa')
    .option('--sysfs-root <dir>', 'read /sys and /proc under this directory', '/')
    .option('--timeout <ms>', 'limit for each vdpa command', positiveInt, DEFAULT_TIMEOUT_MS)
    .addOption(new Option('--format <format>', 'stdout format').choices(['yaml', 'json']))
    .option('--force', 'replace an existing output file or dump directory', false)
    .addHelpText('after', `${COLLECT_EXAMPLES}\n${EXIT_HELP}`)
    .action((options: CollectCommandOptions) => run(() => collectCommand(options, io)));

  program
    .command('check')
    .description('decide whether the source device can live-migrate to the target device')
    .argument('<source>', 'source profile file or dump directory')
    .argument('<target>', 'target profile file or dump directory')
    .option('--source-device <name>', 'the source vdpa device, when the source has several')
    .option('--target-device <name>', 'the target vdpa device, when the target has several')
    .option('--json', 'print one JSON report (schemas/report.v1.json)', false)
    .option('--strict', 'treat "could not verify" warnings as errors', false)
    .addHelpText('after', `${CHECK_EXAMPLES}\n${EXIT_HELP}`)
    .action((source: string, target: string, options: { sourceDevice?: string; targetDevice?: string; json: boolean; strict: boolean }) => {
      json.on = options.json;
      run(() => checkCommand(source, target, options, io));
    });

  program
    .command('explain')
    .description('what a finding code means, why migration breaks, how to fix it')
    .argument('[code]', 'a finding code such as mtu-match/mismatch, or a rule id')
    .addHelpText('after', `${EXPLAIN_EXAMPLES}\n${EXIT_HELP}`)
    .action((code: string | undefined) => run(() => explainCommand(code, io)));

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
      io.stdout.write(renderJson(errorReport(e?.code ?? 'INTERNAL', e?.message ?? String(error), e?.hint ?? null)));
    }
    return EXIT.UNDECIDED;
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  void main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then((code) => {
    process.exitCode = code;
  });
}
