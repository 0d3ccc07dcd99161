#!/usr/bin/env node
/**
 * The vdpa-compat command line: a thin layer over the library. Parses
 * arguments (program.ts), calls a handler, and turns every failure into exit
 * status 2 with one line on stderr (report-error.ts; a stack only with
 * --debug), never 1, which an orchestrator reads as "incompatible".
 */
import { CommanderError, type Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { realpathSync } from 'node:fs';
import { EXIT } from './exit.js';
import type { Io } from './io.js';
import { MATRIX_WORKER_ARG } from './options.js';
import { buildProgram, type OutputFormat } from './program.js';
import { reportError } from './report-error.js';
import { fdStream } from './stdio.js';
import { UsageError } from '../index.js';

/** The command words at the start of argv ("check", "hook status"), options skipped. */
function commandPath(words: readonly string[]): string[] {
  const names = words.filter((w) => !w.startsWith('-'));
  return names[0] === 'hook' ? names.slice(0, 2) : names.slice(0, 1);
}

/**
 * The output format argv asks for, read before commander parses it: a usage
 * error (a missing argument, a bad choice) stops commander before any action
 * sees its options, and `--json` must still get a JSON error document then.
 * Once a command parses, its action sets the format from the real options.
 */
export function requestedFormat(argv: readonly string[]): OutputFormat {
  const end = argv.indexOf('--');
  const words = end === -1 ? argv : argv.slice(0, end);
  const command = commandPath(words).join(' ');
  if (command !== 'check' && command !== 'plan' && command !== 'hook status') return 'text';
  let json = false;
  let format: OutputFormat | undefined;
  words.forEach((word, i) => {
    // --json, -j, and -j among other short flags (-qj).
    if (word === '--json' || /^-[a-zA-Z]*j[a-zA-Z]*$/.test(word)) json = true;
    const value = word === '--format' ? words[i + 1] : word.startsWith('--format=') ? word.slice('--format='.length) : undefined;
    if (command === 'check' && (value === 'text' || value === 'json' || value === 'junit')) format = value;
  });
  return format ?? (json ? 'json' : 'text');
}

/** A commander usage error as ours: one line, the code USAGE, and the --help to read (of the command as far as it exists). */
function usageError(error: CommanderError, argv: readonly string[], program: Command): UsageError {
  const known: string[] = [];
  let at = program;
  for (const word of commandPath(argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv)) {
    const sub = at.commands.find((c) => c.name() === word);
    if (sub === undefined) break;
    known.push(word);
    at = sub;
  }
  const command = known.join(' ');
  const message = error.message
    .replace(/^error: /, '')
    .replace(/\n+/g, ' ')
    .trim();
  return new UsageError('USAGE', message || 'bad usage', `Run \`vdpa-compat ${command ? `${command} ` : ''}--help\` for the usage and examples.`);
}

/** Runs the CLI with these arguments (without node and script); resolves to the exit status. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const debug = argv.includes('--debug');
  const output = { format: requestedFormat(argv) };
  let task: (() => Promise<number>) | undefined;
  const program = buildProgram(io, (t) => (task = t), output);
  try {
    await program.parseAsync(argv, { from: 'user' });
    if (task === undefined) {
      // No command (or `hook` alone): the usage, as any CLI does.
      program.outputHelp({ error: true });
      return EXIT.UNDECIDED;
    }
    return await task();
  } catch (error) {
    // --help and --version end here with exit code 0; every usage error is a 2.
    if (error instanceof CommanderError && error.exitCode === 0) return EXIT.OK;
    // `hook` without a subcommand: commander has printed the usage, as for no command at all.
    if (error instanceof CommanderError && error.code === 'commander.help') return EXIT.UNDECIDED;
    await reportError(error instanceof CommanderError ? usageError(error, argv, program) : error, io, { format: output.format, debug });
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

/** The file this CLI runs from (dist/cli/main.js, or the bundle's entry): `matrix --jobs` starts its workers from it. */
export function cliEntry(): URL {
  return new URL(import.meta.url);
}

// A worker thread of `matrix --jobs` (matrix-jobs.ts) runs this same file with one argument no command
// has; the module loads only then.
if (invokedDirectly && process.argv[2] === MATRIX_WORKER_ARG) {
  void import('./matrix-jobs.js').then((m) => m.runMatrixWorker());
} else if (invokedDirectly) {
  const hookMode = process.argv[2] === 'hook' && process.argv[3] === 'qemu';
  void main(process.argv.slice(2), { stdout: fdStream(1), stderr: fdStream(2), env: process.env }).then((code) => {
    // libvirt waits for the hook: leave at once, whatever handle (a killed child, a socket) is still open.
    if (hookMode) process.exit(code);
    process.exitCode = code;
  });
}
