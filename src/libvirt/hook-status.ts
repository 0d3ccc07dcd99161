/**
 * `vdpa-compat hook status`: what is installed, whether the node and the CLI
 * it runs still exist and run, and whether libvirt will call it. libvirt looks
 * for hooks once, when the daemon starts: if neither hooks/qemu nor an
 * executable in hooks/qemu.d existed then, scripts added later are not called
 * until it restarts; if one did, libvirt lists qemu.d again on every call
 * (libvirt src/util/virhook.c virHookInitialize, virHookCall; measured with
 * libvirt 9.0).
 */
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HOOK_MARKER, parseHookScript, type InstalledHook } from './hook-install.js';

/** A libvirt daemon that runs qemu hooks, as /proc shows it. */
export interface LibvirtDaemon {
  pid: number;
  name: string;
  /** When it started, from /proc/PID/stat and /proc/stat btime; null when unreadable. */
  startedAt: Date | null;
}

/** Whether libvirt will call the installed script. */
export type Visibility = { state: 'seen'; why: string } | { state: 'restart-needed'; why: string } | { state: 'not-running'; why: string } | { state: 'unknown'; why: string };

/** Everything `hook status` reports. */
export interface HookStatus {
  path: string;
  /** The file exists. */
  present: boolean;
  /** Ours: written by `hook install` (null settings when the file is foreign or absent). */
  settings: InstalledHook | null;
  executable: boolean;
  nodeExists: boolean;
  cliExists: boolean;
  /** `node CLI --version` output, or why it failed. */
  cliRuns: { ok: true; version: string } | { ok: false; why: string } | null;
  libvirt: Visibility;
  daemons: LibvirtDaemon[];
  /** Problems in one line each; empty when the hook is healthy. */
  problems: string[];
}

/** Linux reports process start times in clock ticks of USER_HZ, 100 on every architecture. */
const USER_HZ = 100;

/** libvirt daemons that run qemu hooks: the monolithic libvirtd and the modular virtqemud. */
const DAEMONS = new Set(['libvirtd', 'virtqemud']);

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/**
 * libvirt daemons running on this host, read from `root`/proc. A start time
 * is the boot time plus the process's start in clock ticks; the boot time
 * comes from /proc/uptime (centiseconds) rather than /proc/stat's btime
 * (whole seconds), which would make a hook written just before the daemon
 * started look newer than it.
 */
export function libvirtDaemons(root: string, now: () => number = Date.now): LibvirtDaemon[] {
  const proc = join(root, 'proc');
  let bootMs: number | null = null;
  try {
    const uptime = Number(readFileSync(join(proc, 'uptime'), 'utf8').split(' ')[0]);
    if (Number.isFinite(uptime)) bootMs = now() - uptime * 1000;
  } catch {
    try {
      const btime = /^btime (\d+)$/m.exec(readFileSync(join(proc, 'stat'), 'utf8'))?.[1];
      bootMs = btime === undefined ? null : Number(btime) * 1000;
    } catch {
      // Neither: start times stay unknown.
    }
  }
  let entries: string[];
  try {
    entries = readdirSync(proc).filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const daemons: LibvirtDaemon[] = [];
  for (const pid of entries) {
    try {
      const name = readFileSync(join(proc, pid, 'comm'), 'utf8').trim();
      if (!DAEMONS.has(name)) continue;
      // Field 22 (starttime), counted after the parenthesised command name, which may hold spaces.
      const stat = readFileSync(join(proc, pid, 'stat'), 'utf8');
      const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
      const startedAt = bootMs === null || !Number.isFinite(ticks) ? null : new Date(bootMs + (ticks / USER_HZ) * 1000);
      daemons.push({ pid: Number(pid), name, startedAt });
    } catch {
      // The process ended while we looked.
    }
  }
  return daemons;
}

/** When a file came into being: its birth time where the filesystem keeps one, else its ctime (later or equal). */
function createdAt(info: Stats): number {
  return info.birthtimeMs > 0 ? info.birthtimeMs : info.ctimeMs;
}

/** Executable hook files libvirt would find: DIR/* and, for a qemu.d, the single-file hook beside it. */
function hookFiles(dir: string): Array<{ path: string; info: Stats }> {
  const files: Array<{ path: string; info: Stats }> = [];
  const add = (path: string) => {
    const info = statOrNull(path);
    if (info?.isFile() && (info.mode & 0o111) !== 0) files.push({ path, info });
  };
  try {
    for (const name of readdirSync(dir)) if (!name.startsWith('.')) add(join(dir, name));
  } catch {
    // No directory: nothing libvirt could find there.
  }
  if (basename(dir) === 'qemu.d') add(join(dirname(dir), 'qemu'));
  return files;
}

/** Whether libvirt will call scripts in `dir` (see module comment). */
export function visibility(dir: string, daemons: readonly LibvirtDaemon[]): Visibility {
  if (daemons.length === 0) return { state: 'not-running', why: 'no libvirtd or virtqemud is running; it will find the hook when it starts' };
  const files = hookFiles(dir);
  const names = daemons.map((d) => `${d.name} (pid ${d.pid})`).join(', ');
  for (const daemon of daemons) {
    if (daemon.startedAt === null) return { state: 'unknown', why: `cannot tell when ${daemon.name} (pid ${daemon.pid}) started` };
    const started = daemon.startedAt.getTime();
    const older = files.find((f) => createdAt(f.info) < started);
    if (older === undefined) {
      return {
        state: 'restart-needed',
        why: `every executable hook there is newer than ${daemon.name} (pid ${daemon.pid}, started ${daemon.startedAt.toISOString()}); libvirt looks for hooks when it starts, and calls later ones only if one was there then: restart it once (systemctl restart ${daemon.name})`,
      };
    }
  }
  return { state: 'seen', why: `${names} found hooks in ${dir} when it started and lists the directory again on every call` };
}

/** Runs `node CLI --version`, bounded. */
function cliVersion(node: string, cli: string, timeoutMs: number): Promise<{ ok: true; version: string } | { ok: false; why: string }> {
  // Required when a command runs, not at import: the library API loads this module for every check,
  // and child_process brings net and the streams with it (~4 ms a run, measured with npm run bench).
  const { execFile } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  return new Promise((resolve) => {
    execFile(node, [cli, '--version'], { timeout: timeoutMs, maxBuffer: 64 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) resolve({ ok: false, why: (stderr.trim().split('\n')[0] ?? '') || error.message });
      else resolve({ ok: true, version: stdout.trim() });
    });
  });
}

/** The status of DIR/NAME; `root` is where /proc is read (tests). */
export async function hookStatus(dir: string, name: string, options: { root: string; timeoutMs: number }): Promise<HookStatus> {
  const path = join(dir, name);
  const info = statOrNull(path);
  const daemons = libvirtDaemons(options.root);
  const libvirt = visibility(dir, daemons);
  const problems: string[] = [];
  let settings: InstalledHook | null = null;
  if (info === null) {
    problems.push(`${path}: not installed (run \`vdpa-compat hook install\`)`);
  } else {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      problems.push(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    settings = parseHookScript(text);
    if (settings === null && text.includes(HOOK_MARKER)) {
      problems.push(`${path}: written by an older vdpa-compat, which starts node for every phase of every domain (a moved node or CLI then blocks every VM start): run \`vdpa-compat hook install\` again`);
    } else if (settings === null && text !== '') {
      problems.push(`${path}: not a script vdpa-compat installed`);
    }
  }
  const executable = info !== null && info.isFile() && (info.mode & 0o111) !== 0;
  if (info !== null && !executable) problems.push(`${path}: not executable, so libvirt skips it (chmod 0755, or install again)`);
  const nodeExists = settings !== null && (statOrNull(settings.nodePath)?.isFile() ?? false);
  const cliExists = settings !== null && (statOrNull(settings.cliPath)?.isFile() ?? false);
  if (settings !== null && !nodeExists) problems.push(`node ${settings.nodePath} is missing: migrations of vDPA domains are ${settings.onError === 'allow' ? 'let in unchecked' : 'vetoed'}; install again with the node you use now`);
  if (settings !== null && !cliExists) problems.push(`vdpa-compat ${settings.cliPath} is missing: migrations of vDPA domains are ${settings.onError === 'allow' ? 'let in unchecked' : 'vetoed'}; install again from where vdpa-compat is now`);
  const cliRuns = settings !== null && nodeExists && cliExists ? await cliVersion(settings.nodePath, settings.cliPath, options.timeoutMs) : null;
  if (cliRuns !== null && !cliRuns.ok) problems.push(`${settings?.nodePath} ${settings?.cliPath} --version fails: ${cliRuns.why}`);
  if (libvirt.state === 'restart-needed') problems.push(`libvirt will not call it yet: ${libvirt.why}`);
  return { path, present: info !== null, settings, executable, nodeExists, cliExists, cliRuns, libvirt, daemons, problems };
}
