/**
 * The sysfs source: which bus driver each vdpa device is bound to, its
 * vhost-vdpa char device and the processes holding that open (from /proc),
 * and the PCI identity behind each management device. Everything is read
 * under an injectable root so tests point it at a fixture tree. A missing
 * attribute is absent, not fatal.
 */
import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { hostname as osHostname } from 'node:os';
import { escapeControls } from '../control-chars.js';
import type { CharDevHolder, SysfsDevice, SysfsMgmtdev, SysfsSnapshot } from '../profile/observations.js';
import { MAX_COMM, MAX_HOLDER_SCAN } from './limits.js';
import type { LiveSource } from './source.js';
import { parseDevShow, parseMgmtdevShow } from './vdpa-json.js';
import { decodeNetlink } from './vdpa-netlink.js';

/** Sysfs attributes are one short line; anything longer is not an attribute we want. */
const MAX_ATTRIBUTE = 4096;

/** A PCI function name in sysfs: domain:bus:slot.function. */
const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** A name from vdpa output used as one path component: never a separator or a dot entry. */
function isSafeComponent(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

async function readAttribute(path: string): Promise<string | null> {
  try {
    const text = await readFile(path, { encoding: 'utf8', flag: 'r' });
    return text.length > MAX_ATTRIBUTE ? null : text.trim();
  } catch {
    return null;
  }
}

async function linkTarget(path: string): Promise<string | null> {
  try {
    return basename(await readlink(path));
  } catch {
    return null;
  }
}

/** The path as the host sees it (/sys/...), whatever root we read under. */
function hostPath(root: string, path: string): string {
  return `/${relative(root, path).split(sep).join('/')}`;
}

async function readDevice(root: string, name: string): Promise<SysfsDevice | null> {
  let path: string;
  try {
    path = await realpath(join(root, 'sys/bus/vdpa/devices', name));
  } catch {
    return null;
  }
  let vhostVdpa: SysfsDevice['vhostVdpa'] = null;
  try {
    const child = (await readdir(path)).find((entry) => /^vhost-vdpa-\d+$/.test(entry));
    if (child) vhostVdpa = { name: child, dev: await readAttribute(join(path, child, 'dev')) };
  } catch {
    // An unreadable directory leaves the char device unknown below.
  }
  return { path: hostPath(root, path), driver: await linkTarget(join(path, 'driver')), vhostVdpa };
}

async function readPci(path: string): Promise<SysfsMgmtdev['pci']> {
  const attr = (file: string) => readAttribute(join(path, file));
  return {
    address: basename(path),
    vendor: await attr('vendor'),
    device: await attr('device'),
    subsystemVendor: await attr('subsystem_vendor'),
    subsystemDevice: await attr('subsystem_device'),
    class: await attr('class'),
    revision: await attr('revision'),
  };
}

async function readMgmtdev(root: string, bus: string, name: string): Promise<SysfsMgmtdev | null> {
  let path: string;
  try {
    path = await realpath(join(root, 'sys/bus', bus, 'devices', name));
  } catch {
    return null;
  }
  // The PCI function is the device itself (pci/BDF) or an ancestor (auxiliary/mlx5_core.sf.N).
  let pci: SysfsMgmtdev['pci'] = null;
  const devicesRoot = join(root, 'sys/devices');
  for (let dir = path; dir.startsWith(devicesRoot) && dir !== devicesRoot; dir = dirname(dir)) {
    if (PCI_ADDRESS.test(basename(dir)) && (await readAttribute(join(dir, 'vendor'))) !== null) {
      pci = await readPci(dir);
      break;
    }
  }
  return { path: hostPath(root, path), driver: await linkTarget(join(path, 'driver')), pci };
}

/** A process directory in /proc: a pid, never 0 or a leading zero. */
const PID_DIR = /^[1-9][0-9]{0,9}$/;

/** The init PID namespace as /proc/PID/ns/pid names it (include/linux/proc_ns.h PROC_PID_INIT_INO, 0xEFFFFFFC). */
const INIT_PID_NS = `pid:[${0xeffffffc}]`;

/** readlinks in flight at once for one process: measured fastest at about 16 (2 CPUs). */
const READLINK_BATCH = 16;

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : 'error';
}

/** Why a /proc path could not be read, with the usual fix when it is permissions. */
function unreadable(path: string, error: unknown): string {
  const code = errorCode(error);
  return `could not read ${path}: ${code}${code === 'EACCES' || code === 'EPERM' ? ' (collect as root)' : ''}`;
}

/** The char device a /proc/PID/fd link names, when it is one of `names` (a Map from that name to itself). */
function charDevOf(target: string, names: ReadonlyMap<string, string>): string | undefined {
  // The link is d_path of the open file: " (deleted)" once the node is unlinked, and a QEMU in
  // libvirt's private /dev (its mount namespace) shows that tmpfs's /dev/vhost-vdpa-N. Any
  // .../dev/vhost-vdpa-N counts: taking an unrelated node of that name for the device errs
  // towards "in use", missing the real one towards a wrong "compatible".
  const match = /(?:^|\/)dev\/(vhost-vdpa-[0-9]+)(?: \(deleted\))?$/.exec(target);
  return match === null ? undefined : names.get(match[1] as string);
}

async function readComm(path: string): Promise<string | null> {
  const text = await readAttribute(path);
  // One line, as the kernel writes it; escaped so a process cannot put an escape sequence in our output.
  return text === null || text === '' ? null : escapeControls(text.split('\n', 1)[0]!.slice(0, MAX_COMM));
}

/**
 * The processes holding each of these char devices open, found through
 * /proc/PID/fd, or why that could not be told. The scan must see every
 * process, or an empty list would clear a device someone holds: so a
 * /proc of a PID namespace other than the host's, an fd directory that
 * cannot be read, or a host past `limits` ({@link MAX_HOLDER_SCAN} unless
 * a test says otherwise) leave every device's holders unknown. A process that exits mid-scan (ENOENT) held
 * nothing by the time it was looked at.
 */
export async function readHolders(root: string, charDevs: readonly string[], limits: { processes: number; openFiles: number; ms?: number } = MAX_HOLDER_SCAN): Promise<{ holders: Map<string, CharDevHolder[]> } | { missing: string }> {
  // A time limit as well as the counts: a libvirt hook that collects must decide within its own
  // deadline, and under TCG a scan of a few hundred processes took seconds.
  const deadline = limits.ms === undefined ? Infinity : Date.now() + limits.ms;
  const proc = join(root, 'proc');
  const names = new Map(charDevs.map((name) => [name, name]));
  // Process 1 of a procfs is the init of the namespace it was mounted for: the host's only if its pid namespace is the initial one.
  let namespace: string;
  try {
    namespace = await readlink(join(proc, '1/ns/pid'));
  } catch (error) {
    return { missing: unreadable('/proc/1/ns/pid', error) };
  }
  if (namespace !== INIT_PID_NS) return { missing: `/proc shows the processes of another PID namespace only (${escapeControls(namespace.slice(0, 64))}), not the host's: collect in the host's PID namespace` };
  let entries: string[];
  try {
    // In pid order, so the same host gives the same snapshot.
    entries = (await readdir(proc)).filter((entry) => PID_DIR.test(entry)).sort((a, b) => Number(a) - Number(b));
  } catch (error) {
    return { missing: unreadable('/proc', error) };
  }
  if (entries.length > limits.processes) return { missing: `more than ${limits.processes} processes in /proc, more than collect looks through` };
  const holders = new Map<string, CharDevHolder[]>(charDevs.map((name) => [name, []]));
  let openFiles = 0;
  for (const [index, pid] of entries.entries()) {
    if (Date.now() > deadline) return { missing: `looking through /proc took more than ${limits.ms} ms (${index} of ${entries.length} processes read)` };
    const fdDir = join(proc, pid, 'fd');
    let fds: string[];
    try {
      fds = await readdir(fdDir);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue;
      return { missing: unreadable(`/proc/${pid}/fd`, error) };
    }
    openFiles += fds.length;
    if (openFiles > limits.openFiles) return { missing: `more than ${limits.openFiles} open files in /proc/*/fd, more than collect looks through` };
    const held = new Set<string>();
    for (let i = 0; i < fds.length; i += READLINK_BATCH) {
      const links = await Promise.all(
        fds.slice(i, i + READLINK_BATCH).map((fd) =>
          readlink(join(fdDir, fd)).then(
            (target) => ({ fd, target }),
            (error: unknown) => ({ fd, target: null, error }),
          ),
        ),
      );
      for (const link of links) {
        if (link.target !== null) {
          const name = charDevOf(link.target, names);
          if (name !== undefined) held.add(name);
        } else if (errorCode(link.error) !== 'ENOENT') {
          // Not closed since readdir nor exited (an LSM refusing the ptrace check, say): this fd may be the device.
          return { missing: unreadable(`/proc/${pid}/fd/${link.fd}`, link.error) };
        }
      }
    }
    if (held.size === 0) continue;
    const holder = { pid: Number(pid), comm: await readComm(join(proc, pid, 'comm')) };
    for (const name of held) holders.get(name)?.push(holder);
  }
  return { holders };
}

/** Reads what sysfs knows about these devices and management devices. */
export async function readSysfs(root: string, deviceNames: readonly string[], mgmtdevs: ReadonlyArray<{ handle: string; bus: string | null; name: string }>, holdersMs?: number): Promise<SysfsSnapshot> {
  // Without a prototype, so a device named __proto__ becomes an entry, not the object's prototype.
  const snapshot: SysfsSnapshot = { format: 'vdpa-compat-sysfs/1', devices: Object.create(null) as SysfsSnapshot['devices'], mgmtdevs: Object.create(null) as SysfsSnapshot['mgmtdevs'] };
  for (const name of deviceNames) {
    if (!isSafeComponent(name)) continue;
    const device = await readDevice(root, name);
    if (device) snapshot.devices[name] = device;
  }
  for (const { handle, bus, name } of mgmtdevs) {
    // Bus-less management devices (vdpasim_net, vduse) have no bus directory to look in.
    if (bus === null || !isSafeComponent(bus) || !isSafeComponent(name)) continue;
    const mgmtdev = await readMgmtdev(root, bus, name);
    if (mgmtdev) snapshot.mgmtdevs[handle] = mgmtdev;
  }
  // /proc is looked through once for all char devices, and only when there is one to look for.
  const children = Object.values(snapshot.devices).flatMap((d) => (d.vhostVdpa === null ? [] : [d.vhostVdpa]));
  if (children.length > 0) {
    const scan = await readHolders(
      root,
      children.map((c) => c.name),
      holdersMs === undefined ? MAX_HOLDER_SCAN : { ...MAX_HOLDER_SCAN, ms: holdersMs },
    );
    for (const child of children) {
      if ('missing' in scan) {
        child.holders = null;
        child.holdersMissing = scan.missing;
      } else {
        child.holders = scan.holders.get(child.name) ?? [];
      }
    }
  }
  return snapshot;
}

/** Kernel release and host name from procfs under the same root. */
export async function readHostFacts(root: string): Promise<{ kernelRelease: string | null; hostname: string | null }> {
  return {
    kernelRelease: await readAttribute(join(root, 'proc/sys/kernel/osrelease')),
    hostname: await readAttribute(join(root, 'proc/sys/kernel/hostname')),
  };
}

/**
 * sysfs and procfs as a live source: the binding of every device `vdpa dev
 * show` printed, the PCI identity of every management device, kernel release
 * and host name.
 */
export const sysfsSource: LiveSource = {
  name: 'sysfs',
  async capture(dump, context) {
    let names: string[] = [];
    let parents: Array<{ handle: string; bus: string | null; name: string }> = [];
    try {
      if (dump.netlink) {
        const seen = decodeNetlink(dump.netlink, 'netlink');
        names = seen.devices.map((d) => d.name);
        parents = seen.mgmtdevs;
      } else {
        names = parseDevShow(dump.devShow ?? '', 'vdpa -j dev show').map((d) => d.name);
        parents = parseMgmtdevShow(dump.mgmtdevShow ?? '', 'vdpa -j mgmtdev show');
      }
    } catch {
      // Unparseable output is reported, with its file name, when the profile is built.
    }
    const host = await readHostFacts(context.root);
    const hostname = host.hostname ?? (context.root === '/' ? osHostname() : null);
    return {
      sysfs: await readSysfs(context.root, names, parents, context.holdersMs),
      unameR: host.kernelRelease === null ? null : `${host.kernelRelease}\n`,
      hostname: hostname === null ? null : `${hostname}\n`,
    };
  },
};
