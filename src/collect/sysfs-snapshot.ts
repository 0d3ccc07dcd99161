/**
 * Reading a sysfs snapshot (a dump's sysfs.json, or what the live sysfs
 * source just recorded) back into observations. Every member is checked
 * before it becomes a profile fact, and the result holds only the members
 * read, in objects without a prototype, so a device named `__proto__` or
 * `constructor` is looked up like any other name.
 */
import { hasControls } from '../control-chars.js';
import { InputError } from '../errors.js';
import type { CharDevHolder, SysfsDevice, SysfsMgmtdev, SysfsSnapshot, VhostVdpaChild } from '../profile/observations.js';
import { isRecord, ownValue, pointerToken, previewJson } from './json-value.js';
import { MAX_COMM, MAX_HOLDER_SCAN } from './limits.js';

const SNAPSHOT_FIX = 'Record the dump again with `vdpa-compat collect --save-raw DIR`, or delete the file (driver binding and PCI identity then become unknown).';

function bad(where: string, pointer: string, what: string, value: unknown): InputError {
  return new InputError('VDPA_OUTPUT_UNEXPECTED', `${where}: ${pointer} ${what}, got ${previewJson(value)}`, SNAPSHOT_FIX);
}

/** What sysfs can hold in each member, as it prints it; `what` is said when a value does not match. */
interface Shape {
  pattern: RegExp;
  what: string;
}

/** An absolute path under /sys, at most PATH_MAX (4096) bytes. */
const SYS_PATH: Shape = { pattern: /^\/sys\/[^\0]{0,4091}$/, what: 'an absolute path under /sys' };
/** A driver is the basename of the `driver` link: one path component (NAME_MAX, 255). */
const DRIVER: Shape = { pattern: /^[^/\0]{1,255}$/, what: 'a driver name (one path component)' };
/** drivers/vhost/vdpa.c vhost_vdpa_probe names the char device "vhost-vdpa-%u" (dev_set_name). */
const VHOST_VDPA: Shape = { pattern: /^vhost-vdpa-[0-9]{1,10}$/, what: 'vhost-vdpa-N' };
/** The `dev` attribute: "major:minor". */
const DEV_NUMBER: Shape = { pattern: /^[0-9]{1,10}:[0-9]{1,10}$/, what: 'major:minor' };
/** A PCI function: domain:bus:slot.function (sysfs.ts PCI_ADDRESS). */
const PCI_ADDRESS: Shape = { pattern: /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, what: 'a PCI address (dddd:bb:ss.f)' };
/** PCI config ids as sysfs prints them: 16-bit vendor/device ids, a 24-bit class, an 8-bit revision. */
const hexId = (digits: number): Shape => ({ pattern: new RegExp(`^0x[0-9a-fA-F]{1,${digits}}$`), what: `a ${digits * 4}-bit hex id (0x…)` });

/** A string member matching `shape` (or null where `nullable`). */
function text(record: Record<string, unknown>, key: string, where: string, pointer: string, shape: Shape, nullable: boolean): string | null {
  const value = ownValue(record, key);
  if (nullable && value === null) return null;
  if (typeof value !== 'string') throw bad(where, `${pointer}/${key}`, nullable ? 'must be a string or null' : 'must be a string', value);
  if (!shape.pattern.test(value)) throw bad(where, `${pointer}/${key}`, `must be ${shape.what}${nullable ? ' or null' : ''}`, value);
  return value;
}

/**
 * Linux pids are below pid_max, at most PID_MAX_LIMIT (4 * 1024 * 1024 on 64-bit,
 * include/linux/threads.h); pid 0 is the idle task, never in /proc.
 */
const MAX_PID = 4 * 1024 * 1024 - 1;
/** A comm as collect records it: MAX_COMM characters, each control character escaped to at most 6. */
const MAX_COMM_TEXT = MAX_COMM * 6;
/** Why holders are unknown: a sentence collect wrote. */
const MAX_REASON = 1024;

function holder(value: unknown, where: string, pointer: string): CharDevHolder {
  if (!isRecord(value)) throw bad(where, pointer, 'must be an object with "pid" and "comm"', value);
  const pid = ownValue(value, 'pid');
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 1 || pid > MAX_PID) throw bad(where, `${pointer}/pid`, `must be a process id (an integer from 1 to ${MAX_PID})`, pid);
  const comm = ownValue(value, 'comm');
  if (comm !== null && (typeof comm !== 'string' || comm === '' || comm.length > MAX_COMM_TEXT || hasControls(comm))) {
    throw bad(where, `${pointer}/comm`, `must be a process name (1 to ${MAX_COMM_TEXT} printable characters) or null`, comm);
  }
  return { pid, comm };
}

/** The holders members of a vhost-vdpa child: absent in snapshots from before they were recorded. */
function holdersOf(vhost: Record<string, unknown>, where: string, pointer: string): Pick<VhostVdpaChild, 'holders' | 'holdersMissing'> {
  const value = ownValue(vhost, 'holders');
  const missing = ownValue(vhost, 'holdersMissing');
  if (value === undefined) {
    if (missing !== undefined) throw bad(where, `${pointer}/holdersMissing`, 'must come with "holders": null', missing);
    return {};
  }
  if (value === null) {
    if (typeof missing !== 'string' || missing === '' || missing.length > MAX_REASON || hasControls(missing)) {
      throw bad(where, `${pointer}/holdersMissing`, `must say why holders are unknown (1 to ${MAX_REASON} printable characters) when "holders" is null`, missing);
    }
    return { holders: null, holdersMissing: missing };
  }
  if (missing !== undefined) throw bad(where, `${pointer}/holdersMissing`, 'must be absent when "holders" is a list', missing);
  if (!Array.isArray(value) || value.length > MAX_HOLDER_SCAN.processes) {
    throw bad(where, `${pointer}/holders`, `must be a list of at most ${MAX_HOLDER_SCAN.processes} processes, or null`, value);
  }
  const seen = new Set<number>();
  const holders = value.map((item: unknown, index) => {
    const read = holder(item, where, `${pointer}/holders/${index}`);
    // collect looks at each process once: a pid listed twice is not its output.
    if (seen.has(read.pid)) throw bad(where, `${pointer}/holders/${index}/pid`, 'must not repeat a pid listed before', read.pid);
    seen.add(read.pid);
    return read;
  });
  return { holders };
}

function device(value: unknown, where: string, pointer: string): SysfsDevice {
  if (!isRecord(value)) throw bad(where, pointer, 'must be an object', value);
  const vhost = ownValue(value, 'vhostVdpa');
  let vhostVdpa: SysfsDevice['vhostVdpa'] = null;
  if (vhost !== null) {
    if (!isRecord(vhost)) throw bad(where, `${pointer}/vhostVdpa`, 'must be an object or null', vhost);
    const name = text(vhost, 'name', where, `${pointer}/vhostVdpa`, VHOST_VDPA, false)!;
    vhostVdpa = { name, dev: text(vhost, 'dev', where, `${pointer}/vhostVdpa`, DEV_NUMBER, true), ...holdersOf(vhost, where, `${pointer}/vhostVdpa`) };
  }
  return { path: text(value, 'path', where, pointer, SYS_PATH, false)!, driver: text(value, 'driver', where, pointer, DRIVER, true), vhostVdpa };
}

const PCI_IDS = { vendor: hexId(4), device: hexId(4), subsystemVendor: hexId(4), subsystemDevice: hexId(4), class: hexId(6), revision: hexId(2) } as const;

function mgmtdev(value: unknown, where: string, pointer: string): SysfsMgmtdev {
  if (!isRecord(value)) throw bad(where, pointer, 'must be an object', value);
  const pciValue = ownValue(value, 'pci');
  let pci: SysfsMgmtdev['pci'] = null;
  if (pciValue !== null) {
    if (!isRecord(pciValue)) throw bad(where, `${pointer}/pci`, 'must be an object or null', pciValue);
    const at = `${pointer}/pci`;
    const ids = Object.fromEntries(Object.entries(PCI_IDS).map(([key, shape]) => [key, text(pciValue, key, where, at, shape, true)])) as Record<keyof typeof PCI_IDS, string | null>;
    pci = { address: text(pciValue, 'address', where, at, PCI_ADDRESS, false)!, ...ids };
  }
  return { path: text(value, 'path', where, pointer, SYS_PATH, false)!, driver: text(value, 'driver', where, pointer, DRIVER, true), pci };
}

/** Checks a parsed snapshot and returns what it says; `where` names the file in errors. */
export function readSysfsSnapshot(doc: unknown, where: string): SysfsSnapshot {
  const devices = isRecord(doc) ? ownValue(doc, 'devices') : undefined;
  const mgmtdevs = isRecord(doc) ? ownValue(doc, 'mgmtdevs') : undefined;
  if (!isRecord(doc) || ownValue(doc, 'format') !== 'vdpa-compat-sysfs/1' || !isRecord(devices) || !isRecord(mgmtdevs)) {
    throw new InputError('VDPA_OUTPUT_UNEXPECTED', `${where}: / must be a "vdpa-compat-sysfs/1" snapshot with "devices" and "mgmtdevs" objects`, SNAPSHOT_FIX);
  }
  const snapshot: SysfsSnapshot = { format: 'vdpa-compat-sysfs/1', devices: Object.create(null) as SysfsSnapshot['devices'], mgmtdevs: Object.create(null) as SysfsSnapshot['mgmtdevs'] };
  for (const [name, value] of Object.entries(devices)) snapshot.devices[name] = device(value, where, `/devices/${pointerToken(name)}`);
  for (const [handle, value] of Object.entries(mgmtdevs)) snapshot.mgmtdevs[handle] = mgmtdev(value, where, `/mgmtdevs/${pointerToken(handle)}`);
  return snapshot;
}
