/**
 * The live source chain: what collect records on the host itself (raw
 * netlink, the vdpa tool, sysfs and procfs, the VMM's versions), as the raw
 * material a dump directory holds. Every effect of collection is here; the
 * parsing of that material is observe.ts, pure.
 */
import { CollectError, ToolError } from '../errors.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { RawDump } from './dump-layout.js';
import { DEFAULT_TIMEOUT_MS } from './limits.js';
import { SourceUnavailable, type LiveContext, type LiveSource, type PartialDump } from './source.js';

/** How {@link captureLive} reads the host. */
export interface LiveOptions {
  /** The iproute2 `vdpa` binary (live only). Default: `vdpa` from PATH. */
  vdpaPath?: string;
  /** Root under which /sys and /proc are read (live only). Default: `/`. */
  sysfsRoot?: string;
  /** Per-command timeout in milliseconds (live only). Default: 5000. */
  timeoutMs?: number;
  /** Time limit of the look through /proc for char device holders (live only); past it they are unknown. Default: none. */
  holdersMs?: number;
  /** Keep only this vdpa device in the profile. */
  device?: string;
  /**
   * Which live source reads the devices: raw netlink (sees offered features
   * and block config), the vdpa tool, or netlink when it works and the tool
   * otherwise (default).
   */
  source?: SourceMode;
  /** QEMU binaries to record (live only); default: every qemu-system-* on PATH and /usr/libexec/qemu-kvm. */
  qemuPaths?: readonly string[];
  /** Where to look for QEMU and libvirt (live only); default: $PATH. */
  searchPath?: string;
  /** Clock, for tests. */
  now?: () => Date;
}

/** How `collect` reads the devices (`--source`). */
export type SourceMode = 'auto' | 'vdpa-tool' | 'netlink';

/** A source in the chain: required sources fail the collection, optional ones record why they could not run. */
interface Step {
  source: LiveSource;
  required: boolean | ((dump: PartialDump) => boolean);
}

/** The live sources for a mode, in order; loaded on demand so that checks of files never load child_process. */
async function liveSteps(mode: SourceMode): Promise<Step[]> {
  const [{ vdpaToolSource }, { sysfsSource }, { netlinkSource }, { vmmSource }] = await Promise.all([import('./vdpa-tool.js'), import('./sysfs.js'), import('./netlink.js'), import('./vmm.js')]);
  const host = [
    { source: sysfsSource, required: true },
    { source: vmmSource, required: false },
  ];
  if (mode === 'vdpa-tool') return [{ source: vdpaToolSource, required: true }, ...host];
  if (mode === 'netlink') return [{ source: netlinkSource, required: true }, ...host];
  // auto: netlink when it works; the vdpa tool too (its output is the dump's public files), required only without netlink.
  return [{ source: netlinkSource, required: false }, { source: vdpaToolSource, required: (dump) => !dump.netlink }, ...host];
}

/** Records the live host through every live source: `vdpa`, then sysfs and procfs. */
export async function captureLive(options: LiveOptions = {}): Promise<RawDump> {
  const context: LiveContext = {
    vdpaPath: options.vdpaPath ?? 'vdpa',
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    root: options.sysfsRoot ?? '/',
    ...(options.holdersMs !== undefined ? { holdersMs: options.holdersMs } : {}),
    ...(options.device !== undefined ? { device: options.device } : {}),
    ...(options.qemuPaths !== undefined ? { qemuPaths: options.qemuPaths } : {}),
    ...(options.searchPath !== undefined ? { searchPath: options.searchPath } : {}),
    commands: [],
  };
  const dump: PartialDump = {};
  const used: string[] = [];
  const unavailable: Record<string, string> = {};
  for (const { source, required } of await liveSteps(options.source ?? 'auto')) {
    const mustRun = typeof required === 'function' ? required(dump) : required;
    try {
      Object.assign(dump, await source.capture(dump, context));
      used.push(source.name);
    } catch (error) {
      if (mustRun && error instanceof SourceUnavailable) {
        throw new CollectError('VDPA_NETLINK_MISSING', `raw netlink cannot be used: ${error.message}`, 'Load the vdpa module and a parent driver, install the optional netlink package, or pass --source vdpa-tool.', { cause: error });
      }
      if (mustRun || !(error instanceof SourceUnavailable || error instanceof ToolError)) throw error;
      unavailable[source.name] = error.message;
    }
  }
  return {
    mgmtdevShow: dump.mgmtdevShow ?? null,
    devShow: dump.devShow ?? null,
    devConfigShow: dump.devConfigShow ?? null,
    vdpaVersion: dump.vdpaVersion ?? null,
    unameR: dump.unameR ?? null,
    hostname: dump.hostname ?? null,
    perDeviceConfig: dump.perDeviceConfig ?? null,
    sysfs: dump.sysfs ?? null,
    netlink: dump.netlink ?? null,
    vmm: dump.vmm ?? null,
    meta: {
      format: 'vdpa-compat-dump/1',
      collectedAt: (options.now ?? (() => new Date()))().toISOString(),
      generator: `${TOOL_NAME} ${TOOL_VERSION}`,
      sources: used,
      unavailable,
      commands: context.commands.map(({ stdout: _stdout, ...rest }) => rest),
    },
  };
}
