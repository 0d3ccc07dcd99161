/**
 * How the CLI reports a failure that is not a verdict: one line on stderr
 * (the same renderer as the hook's), and in the output format the command was
 * asked for, a document on stdout too, so that a consumer of --json or
 * --format junit always gets something it can parse.
 */
import type { Io } from './io.js';
import type { OutputFormat } from './program.js';
import { errorReport, escapeControls, renderErrorLine, renderJson, renderJunitError, summarizeError } from '../index.js';

/** The stack of `error` and of each cause, escaped like any other line we print. */
function stackOf(error: unknown): string {
  let text = '';
  for (let e: unknown = error; e instanceof Error; e = e.cause) text += `${(e.stack ?? e.message).split('\n').map(escapeControls).join('\n')}\n`;
  return text;
}

/** Prints `error`: the line (and with --debug its stack) on stderr, the error document on stdout for json and junit. */
export async function reportError(error: unknown, io: Io, options: { format: OutputFormat; debug: boolean }): Promise<void> {
  const summary = summarizeError(error);
  io.stderr.write(`${renderErrorLine(summary)}${options.debug ? stackOf(error) : ''}`);
  if (options.format === 'json') io.stdout.write(renderJson(errorReport(summary)));
  // Loaded only for JUnit: the XML builder is not needed by any other output.
  else if (options.format === 'junit') io.stdout.write(renderJunitError(summary));
}
