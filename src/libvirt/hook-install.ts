/**
 * The libvirt hook script: what `hook install` writes into
 * /etc/libvirt/hooks/qemu.d (libvirt ≥ 6.5 runs every executable there;
 * libvirt docs/hooks.rst), and how `hook status`/`hook uninstall` read it back.
 *
 * libvirt runs every script in qemu.d for every phase of every domain, and a
 * script that fails blocks the operation: a hook whose node or CLI moved must
 * never block a VM start. So the script itself, in plain sh, lets every call
 * but `migrate begin` through before it starts node, and lets a domain
 * through whose XML cannot hold a vDPA device. Only then does it need node;
 * if node or the CLI is gone, it says so and follows --on-error. The script
 * is fixed text: libvirt's arguments pass through as "$@", never evaluated.
 */
// Synchronous on purpose: a few small files, and node:fs/promises costs every run that loads the library ~1.5 ms (measured).
import { mkdirSync, readFileSync, rmSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ToolError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../output-file.js';

/** The line that marks a hook script as ours. */
export const HOOK_MARKER = '# vdpa-compat libvirt hook';

/** libvirt's incoming domain XML is kilobytes; the script reads at most this much (the CLI refuses more). */
const STDIN_LIMIT = 8 * 1024 * 1024 + 1;

/** Seconds past the hook's own --timeout after which the script kills node (coreutils timeout). */
const KILL_GRACE_S = 3;

/** Single-quotes a word for sh. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Reads back a word written by {@link shellQuote}. */
function shellUnquote(text: string): string {
  return text.slice(1, -1).replace(/'\\''/g, "'");
}

/**
 * The sh patterns of XML that may hold a vDPA device, as libvirt reads it:
 * an attribute value that is exactly vdpa or vhostvdpa (`<interface
 * type='vdpa'>`, `<disk type='vhostvdpa'>`; libvirt compares types exactly),
 * a vhost-vdpa netdev or device on the QEMU command line, and anything the
 * script cannot read as plainly as libvirt does: a character reference
 * (`type='vd&#112;a'`) or a DOCTYPE with entities. Words like "vdpa" in a
 * name, a description or our own metadata namespace do not count: a domain
 * without vDPA devices must never depend on node.
 */
const MAY_HOLD_VDPA = `*"'vdpa'"*|*'"vdpa"'*|*"'vhostvdpa'"*|*'"vhostvdpa"'*|*vhost-vdpa*|*'&#'*|*'<!DOCTYPE'*|*'<!ENTITY'*`;

/** What the script runs: this node, this CLI, these options. */
export interface HookScriptSpec {
  nodePath: string;
  cliPath: string;
  /** The `hook qemu` options, as command-line words. */
  hookArgs: readonly string[];
  onError: 'deny' | 'allow';
  timeoutMs: number;
}

/** The hook script (see module comment). */
export function hookScript(spec: HookScriptSpec): string {
  const killAfter = Math.ceil(spec.timeoutMs / 1000) + KILL_GRACE_S;
  const command = ['"$NODE"', '"$CLI"', 'hook', 'qemu', ...spec.hookArgs.map(shellQuote), '--', '"$@"'].join(' ');
  return `#!/bin/sh
${HOOK_MARKER}: installed by \`vdpa-compat hook install\`; run it again to change the options.
# libvirt runs this with DOMAIN OPERATION SUB-OPERATION EXTRA and the domain XML on stdin.
# Only an incoming migration (migrate begin, on the destination) is checked, and only for a
# domain whose XML can hold a vDPA device; everything else exits 0 here, without node, so a
# moved or removed vdpa-compat never blocks a VM start. \`vdpa-compat hook status\` checks it.
NODE=${shellQuote(spec.nodePath)}
CLI=${shellQuote(spec.cliPath)}
ON_ERROR=${shellQuote(spec.onError)}
[ "$2" = migrate ] && [ "$3" = begin ] || exit 0
xml=$(head -c ${STDIN_LIMIT})
case $xml in ${MAY_HOLD_VDPA}) ;; *) exit 0 ;; esac
missing=
[ -x "$NODE" ] || missing="node ($NODE)"
[ -f "$CLI" ] || missing="\${missing:+$missing and }vdpa-compat ($CLI)"
fail() {
  if [ "$ON_ERROR" = allow ]; then
    echo "vdpa-compat: cannot check this incoming migration of a domain with vDPA devices: $1; letting it in (--on-error allow)" >&2
    exit 0
  fi
  echo "vdpa-compat: cannot check this incoming migration of a domain with vDPA devices: $1; vetoing it (--on-error deny)" >&2
  exit 2
}
[ -z "$missing" ] || fail "missing $missing; reinstall with \\\`vdpa-compat hook install\\\`"
set -- ${command}
command -v timeout >/dev/null 2>&1 && set -- timeout -k 1 ${killAfter} "$@"
printf '%s\\n' "$xml" | "$@"
rc=$?
case $rc in 124|137) fail "vdpa-compat did not finish within ${killAfter} s" ;; esac
exit $rc
`;
}

/** What an installed script runs, read back from its text; null when the file is not ours. */
export interface InstalledHook {
  nodePath: string;
  cliPath: string;
  onError: string;
  /** The `hook qemu` options it passes. */
  hookArgs: string[];
}

/** Reads our script's settings back (the lines {@link hookScript} writes). */
export function parseHookScript(text: string): InstalledHook | null {
  if (!text.includes(HOOK_MARKER)) return null;
  const variable = (name: string) => {
    const match = new RegExp(`^${name}=('(?:[^']|'\\\\'')*')$`, 'm').exec(text);
    return match?.[1] === undefined ? null : shellUnquote(match[1]);
  };
  const nodePath = variable('NODE');
  const cliPath = variable('CLI');
  const onError = variable('ON_ERROR');
  const command = /^set -- "\$NODE" "\$CLI" hook qemu(.*) -- "\$@"$/m.exec(text)?.[1];
  if (nodePath === null || cliPath === null || onError === null || command === undefined) return null;
  const hookArgs = [...command.matchAll(/'(?:[^']|'\\'')*'/g)].map((m) => shellUnquote(m[0]));
  return { nodePath, cliPath, onError, hookArgs };
}

/** A script file name: one path component. */
export function checkHookName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new UsageError('USAGE', `--name ${JSON.stringify(name)}: must be a file name, not a path`, 'Pass a plain name such as vdpa-compat or 50-vdpa-compat; --dir says where.');
  }
}

/** Installs the script as DIR/NAME; DIR must exist unless `createDir`. */
export function installHook(dir: string, name: string, script: string, options: { force: boolean; createDir: boolean }): string {
  checkHookName(name);
  let info: Stats | null;
  try {
    info = statSync(dir);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    // Only ENOENT is "no such directory"; a directory we may not look at is another failure.
    if (e.code !== 'ENOENT') throw new ToolError('OUTPUT_FAILED', `cannot look at ${dir}: ${e.code ?? e.message}`, 'Run as root, or choose --dir.', { cause: error });
    info = null;
  }
  if (info === null && !options.createDir) {
    throw new ToolError('OUTPUT_FAILED', `${dir}: no such directory`, 'Check --dir (libvirt reads /etc/libvirt/hooks/qemu.d), or pass --create-dir to create it.');
  }
  if (info !== null && !info.isDirectory()) throw new ToolError('OUTPUT_FAILED', `${dir}: not a directory`, 'Pass the hook directory as --dir.');
  const path = join(dir, name);
  let existing: string | null = null;
  try {
    existing = readFileSync(path, 'utf8');
  } catch (error) {
    // Nothing there yet. Anything else (unreadable, a directory) is not known to be ours: never replaced unasked.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !options.force) {
      throw new ToolError(
        'OUTPUT_EXISTS',
        `${path}: exists and cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}), so it is not known to be ours`,
        'Pass --force to replace it, or install under another --name.',
        { cause: error },
      );
    }
  }
  if (existing !== null && !existing.includes(HOOK_MARKER) && !options.force) {
    throw new ToolError('OUTPUT_EXISTS', `${path}: exists and was not installed by vdpa-compat`, 'Pass --force to replace it, or install under another --name.');
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new ToolError('OUTPUT_FAILED', `cannot create ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'Run as root, or choose --dir.', { cause: error });
  }
  // Whole or not at all, and on disk before libvirt can see it.
  writeFileAtomic(path, script, { force: true, mode: 0o755 });
  return path;
}

/** Removes our script DIR/NAME; refuses a file we did not write. False when nothing was there. */
export function uninstallHook(dir: string, name: string): boolean {
  checkHookName(name);
  const path = join(dir, name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new ToolError('OUTPUT_FAILED', `cannot read ${path}: ${(error as Error).message}`, 'Run as root.', { cause: error });
  }
  if (!text.includes(HOOK_MARKER)) {
    throw new ToolError('OUTPUT_EXISTS', `${path}: was not installed by vdpa-compat; left alone`, 'Remove it by hand if it is yours to remove, or pass the --name vdpa-compat installed.');
  }
  try {
    rmSync(path);
  } catch (error) {
    throw new ToolError('OUTPUT_FAILED', `cannot remove ${path}: ${(error as Error).message}`, 'Run as root.', { cause: error });
  }
  return true;
}
