/** Runs the built CLI as a real process, the way a user or libvirt would. */
import { execFile } from 'node:child_process';
import { CLI } from './paths.js';

/** Exit status and the two streams of one CLI run, and how long it took. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * `node dist/bin/vdpa-compat.cjs ARGS`, with optional extra environment, working directory, and
 * text written to stdin and closed (without `stdin`, it is closed empty).
 */
export function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string; stdin?: string } = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', ...options.env }, cwd: options.cwd, timeout: 60_000, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
    // A CLI that exits without reading stdin (an error found first) closes it early.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.stdin ?? '');
  });
}

/** No JavaScript stack frames in the text. */
export function hasStack(text: string): boolean {
  return /^\s+at .+\(?.*:\d+:\d+\)?$/m.test(text);
}
