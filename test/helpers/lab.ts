/**
 * What the suites that boot the lab (test/e2e, test/e2e-libvirt, test/e2e-qemu) share: when they
 * cannot run at all (a skip, said in one line), and running their shell steps with a time limit.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { repoPath } from './paths.js';
import { hasCommand } from './replay.js';

/**
 * Why a lab suite cannot run here at all, or null: not Linux on x86_64, not root (`rootWhy` says
 * what root is needed for), or `tool` missing with no apt-get to install it. Anything else that
 * fails is a failure, not a skip.
 */
export function labCannotRun(rootWhy: string, tool: { commands: readonly string[]; missing: string }): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `needs Linux on x86_64 (this is ${process.platform}/${process.arch})`;
  if (process.getuid?.() !== 0) return `needs root: ${rootWhy}`;
  const installed = tool.commands.every((command) => hasCommand(command, ['--version']));
  if (!installed && !existsSync('/usr/bin/apt-get')) return `${tool.missing} and there is no apt-get to install it`;
  return null;
}

/** A finished step: its exit status (null when killed), stdout and stderr together, and how long it took. */
export interface LabRun {
  code: number | null;
  output: string;
  seconds: number;
}

/** Runs `file args` (never through a shell) within `timeoutMs`; resolves however it ends. */
export function runLab(file: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<LabRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', env }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, output: `${stdout}${stderr}`, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/**
 * test/e2e/lab/prepare.sh, which the suites that boot the 6.12 lab guest run first: the e2e
 * suite's cache (kernels, vDPA modules, the Debian 13 root). Fails the suite when it fails;
 * resolves to how long it took, in seconds.
 */
export async function prepareLabCache(): Promise<number> {
  const lab = await runLab('bash', [repoPath('test/e2e/lab/prepare.sh')], 20 * 60_000);
  assert.equal(lab.code, 0, `test/e2e/lab/prepare.sh failed:\n${lab.output}`);
  return lab.seconds;
}
