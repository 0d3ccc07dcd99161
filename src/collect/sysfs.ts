/**
 * The sysfs source: which bus driver each vdpa device is bound to, its
 * vhost-vdpa char device, and the PCI identity behind each management device.
 * Everything is read under an injectable root so tests point it at a fixture
 * tree. A missing attribute is absent, not fatal.
 */
import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { hostname as osHostname } from 'node:os';
import type { SysfsDevice, SysfsMgmtdev, SysfsSnapshot } from '../profile/observations.js';
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

/** Reads what sysfs knows about these devices and management devices. */
export async function readSysfs(root: string, deviceNames: readonly string[], mgmtdevs: ReadonlyArray<{ handle: string; bus: string | null; name: string }>): Promise<SysfsSnapshot> {
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
      sysfs: await readSysfs(context.root, names, parents),
      unameR: host.kernelRelease === null ? null : `${host.kernelRelease}\n`,
      hostname: hostname === null ? null : `${hostname}\n`,
    };
  },
};
