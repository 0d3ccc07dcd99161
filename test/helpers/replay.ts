/**
 * The stand-in `vdpa` binary (replay-vdpa.mjs): a real process that prints recorded output of a
 * real `vdpa`, chosen per argument list by the VDPA_REPLAY environment variable.
 */
import { execFileSync } from 'node:child_process';
import { capturePath, repoPath } from './paths.js';

/** Pass as --vdpa. */
export const REPLAY = repoPath('test/helpers/replay-vdpa.mjs');

/** Kernel 6.12 + iproute2 6.15, net and block simulator devices bound to vhost_vdpa (captures 010, 123, 124). */
export function k612VhostBoundReplay(): Record<string, string> {
  const k612 = (name: string) => capturePath('k6.12-ip6.15', name);
  return {
    VDPA_REPLAY: JSON.stringify({
      '-V': { stdout: 'vdpa utility, iproute2-6.15.0\n' },
      '-j mgmtdev show': k612('010-mgmtdev-show.json'),
      '-j dev show': k612('123-vhost-bound-dev-show.json'),
      '-j dev config show': k612('124-vhost-bound-config-show.json'),
    }),
  };
}

/** Whether a program runs here (`command args` exits 0 within 10 s). */
export function hasCommand(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
