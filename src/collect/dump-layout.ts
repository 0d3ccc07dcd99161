/**
 * The dump directory: a fixed layout other tools and tests produce (README,
 * "The dump directory"). The first five files are the public contract; the
 * rest are ours and optional.
 */

/** Public files: stdout of the named command. */
export const DUMP_FILES = {
  mgmtdevShow: 'vdpa-mgmtdev-show.json',
  devShow: 'vdpa-dev-show.json',
  devConfigShow: 'vdpa-dev-config-show.json',
  vdpaVersion: 'vdpa-version.txt',
  unameR: 'uname-r.txt',
} as const;

/** The command whose stdout each public file holds, for messages. */
export const DUMP_COMMANDS: Readonly<Record<string, string>> = {
  [DUMP_FILES.mgmtdevShow]: 'vdpa -j mgmtdev show',
  [DUMP_FILES.devShow]: 'vdpa -j dev show',
  [DUMP_FILES.devConfigShow]: 'vdpa -j dev config show',
  [DUMP_FILES.vdpaVersion]: 'vdpa -V',
  [DUMP_FILES.unameR]: 'uname -r',
};

/** Our own files (documented in docs/dump-format.md). */
export const OWN_DUMP_FILES = {
  /** Per-device `vdpa -j dev config show DEV` results, for devices the dump missed. */
  perDeviceConfig: 'vdpa-dev-config-show-per-device.json',
  /** The sysfs snapshot (profile/observations.ts SysfsSnapshot). */
  sysfs: 'sysfs.json',
  /** The host name. */
  hostname: 'hostname.txt',
  /** When and how the dump was recorded, and every command run. */
  meta: 'vdpa-compat-dump.json',
  /** What the raw-netlink source read (collect/vdpa-netlink.ts NetlinkCapture). */
  netlink: 'vdpa-netlink.json',
  /** What the host's QEMU binaries and libvirt printed for --version (collect/vmm.ts VmmCapture). */
  vmm: 'vmm.json',
} as const;

/** One external command and its outcome, recorded so a run can be replayed. */
export interface CommandRecord {
  argv: string[];
  rc: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** The content of vdpa-compat-dump.json. */
export interface DumpMeta {
  format: 'vdpa-compat-dump/1';
  collectedAt: string;
  generator: string;
  /** The live sources that recorded the dump, in order. */
  sources?: string[];
  /** Sources that could not run, and why. */
  unavailable?: Record<string, string>;
  commands: Array<Omit<CommandRecord, 'stdout'>>;
}

/**
 * The raw material of a profile: the dump directory's files as text (sysfs
 * parsed). A live collection produces one; `--save-raw` writes it out; a dump
 * directory reads back into one.
 */
export interface RawDump {
  /** The vdpa tool's output; null when only raw netlink was read. */
  mgmtdevShow: string | null;
  devShow: string | null;
  devConfigShow: string | null;
  vdpaVersion: string | null;
  unameR: string | null;
  hostname: string | null;
  perDeviceConfig: Record<string, CommandRecord> | null;
  sysfs: unknown;
  netlink: unknown;
  /** The VMM source's record (vmm.json); null when not collected. */
  vmm: unknown;
  meta: DumpMeta | null;
}
