/**
 * The host's VMM as a live source: every `qemu-system-*` on PATH,
 * /usr/libexec/qemu-kvm (RHEL's), and the binaries given with --qemu, each
 * run once with `--version` (execFile, an argument array, bounded); and
 * libvirt's daemon (`virtqemud` or `libvirtd --version`). What they printed is
 * kept raw (dump file vmm.json) and read into the profile's host.vmm by
 * {@link observeVmm}. Never fatal: a binary that does not run is recorded
 * with why.
 */
import { createRequire } from 'node:module';
import { readdirSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { InputError } from '../errors.js';
import type { VmmDoc } from '../profile/types.js';
import { parseQemuVersion } from '../profile/software-versions.js';
import { escapeControls } from '../control-chars.js';
import { firstLine } from './command-output.js';
import { isRecord, ownValue, previewJson } from './json-value.js';
import type { LiveSource } from './source.js';

/** What a binary's `--version` printed. */
export interface VersionRecord {
  path: string;
  rc: number | null;
  stdout: string;
  stderr: string;
  /** Why it could not be run, when it could not. */
  error?: string;
}

/** The content of vmm.json. */
export interface VmmCapture {
  format: 'vdpa-compat-vmm/1';
  qemu: VersionRecord[];
  libvirt: VersionRecord | null;
}

/** A host has a handful of QEMU binaries; more is not a host we should run dozens of processes on. */
const MAX_BINARIES = 64;

/** --version prints one line; anything long is not QEMU. */
const MAX_VERSION_OUTPUT = 64 * 1024;

/** RHEL and CentOS install QEMU outside PATH. */
const EXTRA_QEMU = ['/usr/libexec/qemu-kvm'];

/** libvirt's daemons, modular first, and where distributions put them. */
const LIBVIRT_DAEMONS = ['virtqemud', 'libvirtd'];
const SBIN = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

function isExecutableFile(path: string): boolean {
  try {
    const info = statSync(path);
    return info.isFile() && (info.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** qemu-system-* binaries in the PATH directories, first of each name wins (as the shell would). */
export function findQemuBinaries(searchPath: string): string[] {
  const found = new Map<string, string>();
  for (const dir of searchPath.split(delimiter).filter((d) => isAbsolute(d))) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => /^qemu-system-[A-Za-z0-9_.-]+$/.test(n)).sort()) {
      const path = join(dir, name);
      if (!found.has(name) && isExecutableFile(path)) found.set(name, path);
    }
  }
  const paths = [...found.values(), ...EXTRA_QEMU.filter(isExecutableFile)];
  return [...new Set(paths)].slice(0, MAX_BINARIES);
}

/** Runs `path --version`, bounded; resolves whatever happens. */
function version(path: string, timeoutMs: number): Promise<VersionRecord> {
  // Required when a command runs, not at import: the library API loads this module for every check,
  // and child_process brings net and the streams with it (~4 ms a run, measured with npm run bench).
  const { execFile } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  return new Promise((resolve) => {
    execFile(path, ['--version'], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_VERSION_OUTPUT, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
      if (!error) {
        resolve({ path, rc: 0, stdout, stderr });
        return;
      }
      const err = error as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
      const why = err.killed ? `did not finish within ${timeoutMs} ms` : typeof err.code === 'string' ? err.code : `exit status ${String(err.code)}`;
      resolve({ path, rc: typeof err.code === 'number' ? err.code : null, stdout: String(stdout ?? ''), stderr: String(stderr ?? ''), error: why });
    });
  });
}

/** One QEMU binary's version (the domain's <emulator>), read the same way as collect does. */
export async function qemuVersionOf(path: string, timeoutMs: number): Promise<VmmDoc['qemu'][number]> {
  if (!isAbsolute(path) || !isExecutableFile(path)) return { path, version: null, versionText: null, error: 'not an executable file on this host' };
  const [doc] = observeVmm({ format: 'vdpa-compat-vmm/1', qemu: [await version(path, timeoutMs)], libvirt: null }, path).qemu;
  return doc ?? { path, version: null, versionText: null, error: 'no output' };
}

/** The VMM source: what `collect` learns of QEMU and libvirt on this host. */
export const vmmSource: LiveSource = {
  name: 'vmm',
  async capture(_dump, context) {
    const searchPath = context.searchPath ?? process.env['PATH'] ?? '';
    // Binaries given (--qemu, the hook's <emulator>) are the only ones asked; none given, the host is searched.
    const qemuPaths = context.qemuPaths ?? findQemuBinaries(searchPath);
    const qemu = await Promise.all(qemuPaths.slice(0, MAX_BINARIES).map((p) => version(p, context.timeoutMs)));
    const dirs = [...searchPath.split(delimiter).filter((d) => isAbsolute(d)), ...SBIN];
    const daemon = LIBVIRT_DAEMONS.flatMap((name) => dirs.map((d) => join(d, name))).find(isExecutableFile);
    const libvirt = daemon === undefined ? null : await version(daemon, context.timeoutMs);
    return { vmm: { format: 'vdpa-compat-vmm/1', qemu, libvirt } satisfies VmmCapture };
  },
};

function libvirtVersion(text: string): string | null {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(firstLine(text));
  return match ? `${Number(match[1])}.${Number(match[2])}.${Number(match[3])}` : null;
}

const VMM_FIX = 'Record the dump again with `vdpa-compat collect --save-raw DIR`, or delete the file (the QEMU version then becomes unknown).';

/** A recorded `--version` run, checked member by member before it becomes a profile fact. */
function asRecord(value: unknown, where: string, field: string): VersionRecord {
  const refuse = (pointer: string, what: string, got: unknown) => new InputError('VDPA_OUTPUT_UNEXPECTED', `${where}: ${pointer} ${what}, got ${previewJson(got)}`, VMM_FIX);
  if (!isRecord(value)) throw refuse(field, 'must be a record with "path", "stdout" and "stderr" strings', value);
  const path = ownValue(value, 'path');
  const stdout = ownValue(value, 'stdout');
  const stderr = ownValue(value, 'stderr');
  const rc = ownValue(value, 'rc');
  const error = ownValue(value, 'error');
  // PATH_MAX is 4096 bytes; the profile keeps the path whole, so a longer one is not a path.
  if (typeof path !== 'string' || path === '' || path.length > 4096) throw refuse(`${field}/path`, 'must be a path (1 to 4096 characters)', path);
  if (typeof stdout !== 'string') throw refuse(`${field}/stdout`, 'must be a string', stdout);
  if (typeof stderr !== 'string') throw refuse(`${field}/stderr`, 'must be a string', stderr);
  if (rc !== undefined && rc !== null && !Number.isInteger(rc)) throw refuse(`${field}/rc`, 'must be an exit status (an integer) or null', rc);
  if (error !== undefined && typeof error !== 'string') throw refuse(`${field}/error`, 'must be a string saying why the binary did not run', error);
  return { path, rc: (rc as number | null | undefined) ?? null, stdout, stderr, ...(error !== undefined ? { error } : {}) };
}

/** What the profile says of the VMM, from vmm.json; `where` names it in errors. */
export function observeVmm(capture: unknown, where: string): VmmDoc {
  const list = isRecord(capture) ? ownValue(capture, 'qemu') : undefined;
  if (!isRecord(capture) || ownValue(capture, 'format') !== 'vdpa-compat-vmm/1' || !Array.isArray(list)) {
    throw new InputError('VDPA_OUTPUT_UNEXPECTED', `${where}: / must be a "vdpa-compat-vmm/1" record with a "qemu" list`, VMM_FIX);
  }
  const libvirtRecord = ownValue(capture, 'libvirt');
  const qemu = list.slice(0, MAX_BINARIES).map((value: unknown, i) => {
    const r = asRecord(value, where, `/qemu/${i}`);
    const parsed = r.error === undefined ? parseQemuVersion(r.stdout) : null;
    // What a binary prints is free text: kept, with control characters made visible (profiles refuse raw ones).
    const line = escapeControls(firstLine(r.stdout));
    return {
      path: escapeControls(r.path),
      version: parsed?.version ?? null,
      versionText: line === '' ? null : line.slice(0, 1024),
      // The profile keeps at most 1024 characters of why (schemas/profile.v1.json).
      ...(parsed === null ? { error: escapeControls(r.error ?? `no version in its --version output${line ? ` ("${line.slice(0, 200)}")` : ''}`).slice(0, 1024) } : {}),
    };
  });
  const l = libvirtRecord === undefined || libvirtRecord === null ? null : asRecord(libvirtRecord, where, '/libvirt');
  return {
    qemu,
    libvirt: l === null ? null : { path: escapeControls(l.path), version: l.error === undefined ? libvirtVersion(l.stdout) : null, versionText: escapeControls(firstLine(l.stdout)).slice(0, 1024) || null },
  };
}
