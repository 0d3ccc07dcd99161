/**
 * `vdpa-compat hook install`: writes the libvirt hook script, atomically
 * (temporary file, mode 0755, rename), into /etc/libvirt/hooks/qemu.d by
 * default (libvirt ≥ 6.5 runs every executable there; reference libvirt.md
 * §2). It refuses to replace a file it did not write unless forced. The script
 * is fixed text: libvirt's arguments pass through as "$@", never evaluated.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolError } from '../errors.js';

/** The line that marks a hook script as ours. */
export const HOOK_MARKER = '# vdpa-compat libvirt hook';

/** Single-quotes a word for sh. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The hook script: runs this node on this vdpa-compat with the given hook options. */
export function hookScript(nodePath: string, cliPath: string, hookArgs: readonly string[]): string {
  const command = [nodePath, cliPath, 'hook', 'qemu', ...hookArgs].map(shellQuote).join(' ');
  return `#!/bin/sh
${HOOK_MARKER}: installed by \`vdpa-compat hook install\`; run it again to change the options.
# libvirt runs this with DOMAIN OPERATION SUB-OPERATION EXTRA and the domain XML on stdin.
# It checks incoming migrations of domains with vDPA devices and exits 0 at once for anything else.
exec ${command} -- "$@"
`;
}

/** Installs the script as DIR/NAME. */
export async function installHook(dir: string, name: string, script: string, options: { force: boolean }): Promise<string> {
  const path = join(dir, name);
  let existing: string | null = null;
  try {
    existing = await readFile(path, 'utf8');
  } catch {
    // Nothing there yet.
  }
  if (existing !== null && !existing.includes(HOOK_MARKER) && !options.force) {
    throw new ToolError('OUTPUT_EXISTS', `${path}: exists and was not installed by vdpa-compat`, 'Pass --force to replace it, or install under another --name.');
  }
  const temp = join(dir, `.${name}.vdpa-compat-${process.pid}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await writeFile(temp, script, { flag: 'wx', mode: 0o755 });
    // The mode given to open() is filtered by the umask; a hook must be executable.
    await chmod(temp, 0o755);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new ToolError('OUTPUT_FAILED', `cannot install the hook as ${path}: ${(error as Error).message}`, 'Run as root, or choose --dir.', { cause: error });
  }
  return path;
}
