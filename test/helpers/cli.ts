/** Runs the built CLI as a real process, the way a user or libvirt would. */
import { execFile } from 'node:child_process';
import { CLI } from './paths.js';

/** Exit status and the two streams of one CLI run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node dist/cli/main.js ARGS`, with optional extra environment and working directory. */
export function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, NO_COLOR: '1', ...options.env }, cwd: options.cwd, timeout: 60_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** No JavaScript stack frames in the text. */
export function hasStack(text: string): boolean {
  return /^\s+at .+\(?.*:\d+:\d+\)?$/m.test(text);
}
