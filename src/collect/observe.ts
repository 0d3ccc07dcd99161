/**
 * Observation: the raw material of a dump or a live capture parsed into what
 * each input says, checked where it is read (file and field in every error).
 * Pure: no I/O, so the same code reads a dump and the live host.
 */
import { InputError } from '../errors.js';
import { escapeControls, hasControls } from '../control-chars.js';
import type { ConfigEntry, ConfigResult, Observations, SysfsSnapshot } from '../profile/observations.js';
import { DUMP_FILES, OWN_DUMP_FILES, type CommandRecord, type RawDump } from './dump-layout.js';
import { controlString, isRecord, ownValue, pointerToken, previewJson } from './json-value.js';
import { readSysfsSnapshot } from './sysfs-snapshot.js';
import { firstLine } from './command-output.js';
import { decodeNetlink } from './vdpa-netlink.js';
import { observeVmm } from './vmm.js';
import { parseDevConfigShow, parseDevShow, parseMgmtdevShow, parseVdpaVersion } from './vdpa-json.js';

function sysfsFrom(raw: RawDump, where: string): { sysfs: SysfsSnapshot | null; missing?: string } {
  if (raw.sysfs === null || raw.sysfs === undefined) return { sysfs: null, missing: `no sysfs data (${OWN_DUMP_FILES.sysfs})` };
  return { sysfs: readSysfsSnapshot(raw.sysfs, where) };
}

const OWN_FILE_FIX = 'Record the dump again with `vdpa-compat collect --save-raw DIR`, or delete the file.';

/** The profile schema's collectedAt (schemas/profile.v1.json). */
const ISO_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$/;

/** What the profile reads from vdpa-compat-dump.json: when, which sources, why netlink was not used. */
interface MetaFacts {
  collectedAt: string | null;
  sources: string[];
  netlinkMissing?: string;
}

function metaFacts(meta: unknown, where: string): MetaFacts {
  if (meta === null || meta === undefined) return { collectedAt: null, sources: [] };
  const refuse = (pointer: string, what: string, value: unknown) => new InputError('VDPA_OUTPUT_UNEXPECTED', `${where}: ${pointer} ${what}, got ${previewJson(value)}`, OWN_FILE_FIX);
  if (!isRecord(meta) || ownValue(meta, 'format') !== 'vdpa-compat-dump/1') throw refuse('/format', 'must be "vdpa-compat-dump/1"', isRecord(meta) ? ownValue(meta, 'format') : meta);
  const collectedAt = ownValue(meta, 'collectedAt') ?? null;
  if (collectedAt !== null && (typeof collectedAt !== 'string' || !ISO_TIME.test(collectedAt) || Number.isNaN(Date.parse(collectedAt)))) {
    throw refuse('/collectedAt', 'must be a date and time (ISO 8601, as Date.toISOString writes it)', collectedAt);
  }
  const sources = ownValue(meta, 'sources') ?? [];
  if (!Array.isArray(sources) || !sources.every((s): s is string => typeof s === 'string' && !hasControls(s))) throw refuse('/sources', 'must be an array of source names (printable)', sources);
  const unavailable = ownValue(meta, 'unavailable') ?? {};
  if (!isRecord(unavailable)) throw refuse('/unavailable', 'must be an object of reasons by source name', unavailable);
  const netlink = ownValue(unavailable, 'netlink');
  if (netlink !== undefined && typeof netlink !== 'string') throw refuse('/unavailable/netlink', 'must be a string', netlink);
  // Why netlink could not be used is free text (an error message) the profile quotes: printable, escaped.
  return { collectedAt, sources, ...(netlink !== undefined ? { netlinkMissing: escapeControls(netlink) } : {}) };
}

/** One recorded `vdpa -j dev config show DEV` run from the per-device file, checked. */
function commandRecord(value: unknown, where: string, pointer: string): CommandRecord {
  const refuse = (at: string, what: string, got: unknown) => new InputError('VDPA_OUTPUT_UNEXPECTED', `${where}: ${at} ${what}, got ${previewJson(got)}`, OWN_FILE_FIX);
  if (!isRecord(value)) throw refuse(pointer, 'must be a command record with "stdout", "stderr" and "rc"', value);
  const stdout = ownValue(value, 'stdout');
  const stderr = ownValue(value, 'stderr');
  const rc = ownValue(value, 'rc');
  if (typeof stdout !== 'string') throw refuse(`${pointer}/stdout`, 'must be a string', stdout);
  if (typeof stderr !== 'string') throw refuse(`${pointer}/stderr`, 'must be a string', stderr);
  if (rc !== null && !Number.isInteger(rc)) throw refuse(`${pointer}/rc`, 'must be an exit status (an integer) or null', rc);
  return { argv: [], rc: rc as number | null, stdout, stderr, durationMs: 0 };
}

/**
 * One line of text a dump file holds (`uname -r`, the host name), trimmed;
 * null when empty. Longer than `max` or more than one line is not what the
 * command prints.
 */
function oneLine(text: string | null, max: number, where: string, why: string): string | null {
  const value = text?.trim();
  if (!value) return null;
  if (hasControls(value) || value.length > max) {
    throw new InputError('VDPA_OUTPUT_UNEXPECTED', `${where}: must be one line of at most ${max} printable characters (${why}), got ${previewJson(value)}`, OWN_FILE_FIX);
  }
  return value;
}

/**
 * iproute2 prints config fields only for a net device (vdpa/vdpa.c
 * pr_out_dev_config has only a VIRTIO_ID_NET case, 5.17 on): fields for a
 * device `dev show` calls block mean the two files disagree on what it is.
 */
function refuseNetKeys(entry: ConfigEntry, name: string, type: string, where: string, pointer: string): void {
  if (type === 'network' || Object.keys(entry).length === 0) return;
  throw new InputError(
    'VDPA_OUTPUT_UNEXPECTED',
    `${where}: ${pointer} has net config fields (${Object.keys(entry).join(', ')}), but \`vdpa dev show\` says ${name} is a ${type} device`,
    'The dump mixes output of different hosts or moments: record it again with `vdpa-compat collect --save-raw DIR`.',
  );
}

/** Devices, parents and configs as the vdpa tool's output shows them. */
function observeVdpaTool(raw: RawDump, label: (file: string) => string): Pick<Observations, 'mgmtdevs' | 'devices' | 'configs'> {
  const mgmtdevs = parseMgmtdevShow(raw.mgmtdevShow ?? '', label(DUMP_FILES.mgmtdevShow));
  const devices = parseDevShow(raw.devShow ?? '', label(DUMP_FILES.devShow));
  const configText = raw.devConfigShow ?? '';
  const dumped = configText.trim() === '' ? new Map<string, ConfigEntry>() : parseDevConfigShow(configText, label(DUMP_FILES.devConfigShow));
  const perDevice: unknown = raw.perDeviceConfig ?? {};
  const perDeviceWhere = label(OWN_DUMP_FILES.perDeviceConfig);
  if (!isRecord(perDevice)) {
    throw new InputError('VDPA_OUTPUT_UNEXPECTED', `${perDeviceWhere}: / must be an object of command records by device name, got ${previewJson(perDevice)}`, OWN_FILE_FIX);
  }
  const configs = new Map<string, ConfigResult>();
  for (const { name, type } of devices) {
    const entry = dumped.get(name);
    if (entry) {
      refuseNetKeys(entry, name, type, label(DUMP_FILES.devConfigShow), `/config/${pointerToken(name)}`);
      configs.set(name, { shown: true, entry });
      continue;
    }
    const recorded = ownValue(perDevice, name);
    if (recorded !== undefined) {
      const where = perDeviceWhere;
      const single = commandRecord(recorded, where, `/${pointerToken(name)}`);
      const parsed = single.rc === 0 && single.stdout.trim() !== '' ? parseDevConfigShow(single.stdout, `${where} ${name}`).get(name) : undefined;
      if (parsed) refuseNetKeys(parsed, name, type, where, `/${pointerToken(name)}/stdout`);
      // A failed query still prints a {"config":{}} skeleton, sometimes with exit status 0.
      configs.set(name, parsed ? { shown: true, entry: parsed } : { shown: false, reason: `\`vdpa dev config show ${name}\` failed: ${escapeControls(firstLine(single.stderr)) || `exit status ${single.rc ?? 'unknown'}`}` });
      continue;
    }
    configs.set(name, {
      shown: false,
      reason: 'missing from `vdpa -j dev config show` (kernel 6.1 stops that dump at the first block device; a live collect asks each device by name)',
    });
  }
  return { mgmtdevs, devices, configs };
}

/** Names, drivers and paths in a record collect wrote are printable: the kernel's and sysfs's are. */
function refuseControlStrings(record: unknown, where: string): void {
  const pointer = controlString(record);
  if (pointer !== null) throw new InputError('VDPA_OUTPUT_UNEXPECTED', `${where}: ${pointer} holds a control character, which no name the kernel or sysfs reports has`, OWN_FILE_FIX);
}

/**
 * Parses raw material into observations; `label(file)` names each input in
 * error messages. What raw netlink read wins over the vdpa tool's output: it
 * is the same kernel replies, plus what iproute2 never prints.
 */
export function observe(raw: RawDump, method: 'live' | 'dump', label: (file: string) => string): Observations {
  const fromNetlink = raw.netlink !== null && raw.netlink !== undefined;
  refuseControlStrings(raw.netlink, label(OWN_DUMP_FILES.netlink));
  refuseControlStrings(raw.sysfs, label(OWN_DUMP_FILES.sysfs));
  const { mgmtdevs, devices, configs } = fromNetlink ? decodeNetlink(raw.netlink, label(OWN_DUMP_FILES.netlink)) : observeVdpaTool(raw, label);
  const { sysfs, missing } = sysfsFrom(raw, label(OWN_DUMP_FILES.sysfs));
  // Linux keeps both in struct new_utsname, 64 characters each (__NEW_UTS_LEN); a hand-written
  // dump may give the host's DNS name, up to 253 (RFC 1035).
  const hostname = oneLine(raw.hostname, 253, label(OWN_DUMP_FILES.hostname), 'a host name');
  const kernelRelease = oneLine(raw.unameR, 64, label(DUMP_FILES.unameR), 'uname -r prints at most 64, __NEW_UTS_LEN');
  const iproute2Version = raw.vdpaVersion === null ? null : parseVdpaVersion(raw.vdpaVersion);
  const vmm = raw.vmm === null || raw.vmm === undefined ? undefined : observeVmm(raw.vmm, label(OWN_DUMP_FILES.vmm));
  const meta = metaFacts(raw.meta, label(OWN_DUMP_FILES.meta));
  const where = method === 'dump' ? 'in the dump' : 'on the host';
  return {
    method,
    sources: method === 'live' ? meta.sources : ['dump'],
    offeredSource: fromNetlink ? 'netlink' : 'vdpa-tool',
    ...(meta.netlinkMissing !== undefined ? { netlinkMissing: meta.netlinkMissing } : {}),
    collectedAt: meta.collectedAt,
    host: {
      hostname,
      kernelRelease,
      iproute2Version,
      missing: {
        ...(hostname === null ? { hostname: `no host name ${where} (${OWN_DUMP_FILES.hostname})` } : {}),
        ...(kernelRelease === null ? { kernelRelease: `no kernel release ${where} (${DUMP_FILES.unameR})` } : {}),
        ...(iproute2Version === null
          ? { iproute2Version: raw.vdpaVersion === null && fromNetlink && raw.mgmtdevShow === null ? 'the vdpa tool was not run (raw netlink only)' : `no iproute2 version ${where} (\`vdpa -V\`, ${DUMP_FILES.vdpaVersion})` }
          : {}),
      },
    },
    mgmtdevs,
    devices,
    configs,
    sysfs,
    ...(missing !== undefined ? { sysfsMissing: missing } : {}),
    ...(vmm !== undefined ? { vmm } : {}),
  };
}
