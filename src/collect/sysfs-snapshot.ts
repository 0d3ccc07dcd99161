/**
 * Reading a sysfs snapshot (a dump's sysfs.json, or what the live sysfs
 * source just recorded) back into observations. Every member is checked
 * before it becomes a profile fact, and the result holds only the members
 * read, in objects without a prototype, so a device named `__proto__` or
 * `constructor` is looked up like any other name.
 */
import { InputError } from '../errors.js';
import type { SysfsDevice, SysfsMgmtdev, SysfsSnapshot } from '../profile/observations.js';
import { isRecord, ownValue, pointerToken, previewJson } from './json-value.js';

const SNAPSHOT_FIX = 'Record the dump again with `vdpa-compat collect --save-raw DIR`, or delete the file (driver binding and PCI identity then become unknown).';

function bad(where: string, pointer: string, what: string, value: unknown): InputError {
  return new InputError('VDPA_OUTPUT_UNEXPECTED', `${where}: ${pointer} ${what}, got ${previewJson(value)}`, SNAPSHOT_FIX);
}

/** A string member (or null where `nullable`). */
function text(record: Record<string, unknown>, key: string, where: string, pointer: string, nullable: boolean): string | null {
  const value = ownValue(record, key);
  if (typeof value === 'string') return value;
  if (nullable && value === null) return null;
  throw bad(where, `${pointer}/${key}`, nullable ? 'must be a string or null' : 'must be a string', value);
}

function device(value: unknown, where: string, pointer: string): SysfsDevice {
  if (!isRecord(value)) throw bad(where, pointer, 'must be an object', value);
  const vhost = ownValue(value, 'vhostVdpa');
  let vhostVdpa: SysfsDevice['vhostVdpa'] = null;
  if (vhost !== null) {
    if (!isRecord(vhost)) throw bad(where, `${pointer}/vhostVdpa`, 'must be an object or null', vhost);
    const name = text(vhost, 'name', where, `${pointer}/vhostVdpa`, false)!;
    vhostVdpa = { name, dev: text(vhost, 'dev', where, `${pointer}/vhostVdpa`, true) };
  }
  return { path: text(value, 'path', where, pointer, false)!, driver: text(value, 'driver', where, pointer, true), vhostVdpa };
}

const PCI_FIELDS = ['vendor', 'device', 'subsystemVendor', 'subsystemDevice', 'class', 'revision'] as const;

function mgmtdev(value: unknown, where: string, pointer: string): SysfsMgmtdev {
  if (!isRecord(value)) throw bad(where, pointer, 'must be an object', value);
  const pciValue = ownValue(value, 'pci');
  let pci: SysfsMgmtdev['pci'] = null;
  if (pciValue !== null) {
    if (!isRecord(pciValue)) throw bad(where, `${pointer}/pci`, 'must be an object or null', pciValue);
    const at = `${pointer}/pci`;
    const ids = Object.fromEntries(PCI_FIELDS.map((key) => [key, text(pciValue, key, where, at, true)])) as Record<(typeof PCI_FIELDS)[number], string | null>;
    pci = { address: text(pciValue, 'address', where, at, false)!, ...ids };
  }
  return { path: text(value, 'path', where, pointer, false)!, driver: text(value, 'driver', where, pointer, true), pci };
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
