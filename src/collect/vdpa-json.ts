/**
 * Parsers for `vdpa -j` output (iproute2 5.17 and later), quirks included:
 * keys ending in a space (`"link "`), feature arrays mixing names and bare
 * bit numbers, empty `{}` entries for block devices, keys that exist only when
 * the device offers the matching feature. Sources: iproute2 vdpa/vdpa.c
 * (pr_out_mgmtdev_show, pr_out_dev, pr_out_dev_net_config, print_features) and
 * lib/json_print.c; seen in real output of iproute2 6.1.0 and 6.15.0.
 */
import { InputError } from '../errors.js';
import { featureBit, type DeviceClass } from '../profile/feature-bits.js';
import type { ConfigEntry, DeviceObservation, MgmtdevObservation } from '../profile/observations.js';
import { controlString, pointerToken, previewJson } from './json-value.js';
import { MAX_VQ_PAIRS, MTU, U16, U32, rangeText, type Range } from './kernel-limits.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function unexpected(where: string, pointer: string, what: string): InputError {
  return new InputError('VDPA_OUTPUT_UNEXPECTED', `${where}: ${pointer} ${what}`, 'The file does not look like `vdpa -j` output; record it again with the command named in the dump directory layout (README).');
}

/** JSON.parse with an error that names the file and the fix. */
export function parseJsonText(text: string, where: string, command: string): unknown {
  if (text.trim() === '') {
    throw new InputError('VDPA_JSON_INVALID', `${where}: empty output, expected the JSON printed by \`${command}\``, `Record it again: \`${command} > ${where}\`.`);
  }
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new InputError('VDPA_JSON_INVALID', `${where}: not valid JSON (${detail}); truncated or not from \`${command}\``, `Record it again: \`${command} > ${where}\`.`, { cause: error });
  }
  const pointer = controlString(doc);
  if (pointer !== null) throw unexpected(where, pointer, 'holds a control character, which no name the kernel reports has');
  return doc;
}

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function topObject(doc: unknown, key: string, where: string): Record<string, Json> {
  if (!isObject(doc) || !isObject(doc[key])) {
    throw unexpected(where, '', `must be an object with a "${key}" object`);
  }
  return doc[key];
}

/** A count the kernel sent as an integer of the width `range` names; null when the key is absent. */
function optionalCount(value: Json | undefined, where: string, pointer: string, range: Range): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw unexpected(where, pointer, `must be an integer ${rangeText(range)}, got ${previewJson(value)}`);
  }
  return value;
}

/**
 * Why a management device handle is not one the kernel can print, or null.
 * A handle is BUS/NAME or NAME (iproute2 vdpa/vdpa.c pr_out_handle_start,
 * vdpa_argv_handle); neither part is empty, and a kernel device name never
 * holds a "/" (the driver core turns it into "!").
 */
export function handleProblem(handle: string): string | null {
  const parts = handle.split('/');
  if (parts.length > 2) return 'must be BUS/NAME or NAME (one "/" at most)';
  if (parts.some((part) => part === '')) return parts.length === 2 ? 'must be BUS/NAME with neither part empty' : 'must not be empty';
  return null;
}

/**
 * Turns an iproute2 feature array into a mask. Strings are names in the
 * context's table, integers are bit numbers (iproute2 prints unnamed bits
 * as bare numbers in JSON), `bit_N` is the text spelling. An unknown name is
 * an error: dropping it would silently lose a feature.
 */
export function parseFeatureArray(value: Json | undefined, cls: DeviceClass, where: string, pointer: string): bigint {
  if (!Array.isArray(value)) throw unexpected(where, pointer, 'must be an array of feature names and bit numbers');
  let mask = 0n;
  value.forEach((item, index) => {
    let bit: number | undefined;
    if (typeof item === 'number' && Number.isInteger(item) && item >= 0 && item < 64) bit = item;
    else if (typeof item === 'string') bit = featureBit(item, cls);
    if (bit === undefined) {
      const at = `${pointer}/${index}`;
      if (typeof item === 'string') {
        throw new InputError(
          'UNKNOWN_FEATURE',
          `${where}: ${at} unknown ${cls === 'net' ? 'virtio-net' : 'virtio transport'} feature name ${previewJson(item)}`,
          'This iproute2 prints a name vdpa-compat does not know. Upgrade vdpa-compat, or report the name with the output of `vdpa -V`.',
        );
      }
      throw unexpected(where, at, `must be a feature name or a bit number 0..63, got ${previewJson(item)}`);
    }
    mask |= 1n << BigInt(bit);
  });
  return mask;
}

/** Parses `vdpa -j mgmtdev show`. */
export function parseMgmtdevShow(text: string, where: string): MgmtdevObservation[] {
  const all = topObject(parseJsonText(text, where, 'vdpa -j mgmtdev show'), 'mgmtdev', where);
  return Object.entries(all).map(([handle, entry]) => {
    const pointer = `/mgmtdev/${pointerToken(handle)}`;
    if (!isObject(entry)) throw unexpected(where, pointer, 'must be an object');
    const problem = handleProblem(handle);
    if (problem !== null) throw unexpected(where, pointer, `is not a management device handle: ${problem}`);
    const slash = handle.indexOf('/');
    const classesValue = entry['supported_classes'] ?? [];
    if (!Array.isArray(classesValue) || !classesValue.every((c) => typeof c === 'string')) {
      throw unexpected(where, `${pointer}/supported_classes`, 'must be an array of strings');
    }
    const classes = classesValue;
    // iproute2 names device bits with the net table only when the class list has net (vdpa/vdpa.c pr_out_mgmtdev_show).
    const context: DeviceClass = classes.includes('net') ? 'net' : 'other';
    return {
      handle,
      bus: slash === -1 ? null : handle.slice(0, slash),
      name: slash === -1 ? handle : handle.slice(slash + 1),
      classes,
      maxSupportedVqs: optionalCount(entry['max_supported_vqs'], where, `${pointer}/max_supported_vqs`, U32),
      supportedFeatures: entry['dev_features'] === undefined ? null : parseFeatureArray(entry['dev_features'], context, where, `${pointer}/dev_features`),
    };
  });
}

/** Parses `vdpa -j dev show`. */
export function parseDevShow(text: string, where: string): DeviceObservation[] {
  const all = topObject(parseJsonText(text, where, 'vdpa -j dev show'), 'dev', where);
  return Object.entries(all).map(([name, entry]) => {
    const pointer = `/dev/${pointerToken(name)}`;
    if (!isObject(entry)) throw unexpected(where, pointer, 'must be an object');
    const type = entry['type'];
    const mgmtdev = entry['mgmtdev'];
    if (name === '') throw unexpected(where, pointer, 'is a device without a name');
    if (typeof type !== 'string') throw unexpected(where, `${pointer}/type`, 'must be a string');
    if (typeof mgmtdev !== 'string') throw unexpected(where, `${pointer}/mgmtdev`, 'must be a string');
    const problem = handleProblem(mgmtdev);
    if (problem !== null) throw unexpected(where, `${pointer}/mgmtdev`, `is not a management device handle: ${problem}`);
    return {
      name,
      type,
      mgmtdev,
      vendorId: optionalCount(entry['vendor_id'], where, `${pointer}/vendor_id`, U32),
      maxVqs: optionalCount(entry['max_vqs'], where, `${pointer}/max_vqs`, U32),
      maxVqSize: optionalCount(entry['max_vq_size'], where, `${pointer}/max_vq_size`, U16),
    };
  });
}

/** Reads a key that iproute2 spells with a trailing space ("link ") in every release; accept both. */
function spacedKey(entry: Record<string, Json>, key: string): [Json | undefined, string] {
  if (entry[`${key} `] !== undefined) return [entry[`${key} `], `${key} `];
  return [entry[key], key];
}

/** Parses `vdpa -j dev config show [DEV]` into one entry per device name. */
export function parseDevConfigShow(text: string, where: string): Map<string, ConfigEntry> {
  const all = topObject(parseJsonText(text, where, 'vdpa -j dev config show'), 'config', where);
  const result = new Map<string, ConfigEntry>();
  for (const [name, entry] of Object.entries(all)) {
    const pointer = `/config/${pointerToken(name)}`;
    if (!isObject(entry)) throw unexpected(where, pointer, 'must be an object');
    const config: ConfigEntry = {};
    const mac = entry['mac'];
    if (mac !== undefined) {
      if (typeof mac !== 'string' || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) {
        throw unexpected(where, `${pointer}/mac`, `must be a MAC address, got ${previewJson(mac)}`);
      }
      config.mac = mac.toLowerCase();
    }
    const [link, linkKey] = spacedKey(entry, 'link');
    if (link !== undefined) {
      if (link !== 'up' && link !== 'down') {
        throw unexpected(where, `${pointer}/${pointerToken(linkKey)}`, `must be "up" or "down", got ${previewJson(link)}`);
      }
      config.linkUp = link === 'up';
    }
    const [announce, announceKey] = spacedKey(entry, 'link_announce');
    if (announce !== undefined) {
      if (typeof announce !== 'boolean') {
        throw unexpected(where, `${pointer}/${pointerToken(announceKey)}`, 'must be true or false');
      }
      config.announce = announce;
    }
    const pairs = optionalCount(entry['max_vq_pairs'], where, `${pointer}/max_vq_pairs`, MAX_VQ_PAIRS);
    if (pairs !== null) config.maxVqPairs = pairs;
    const mtu = optionalCount(entry['mtu'], where, `${pointer}/mtu`, MTU);
    if (mtu !== null) config.mtu = mtu;
    if (entry['negotiated_features'] !== undefined) {
      // iproute2 prints negotiated features only for net devices (pr_out_dev_net_config).
      config.negotiated = parseFeatureArray(entry['negotiated_features'], 'net', where, `${pointer}/negotiated_features`);
    }
    result.set(name, config);
  }
  return result;
}

/** `vdpa utility, iproute2-6.1.0` → `6.1.0`; null when the text has no version. */
export function parseVdpaVersion(text: string): string | null {
  // A version is short and plain ("6.1.0", "6.15.0", "ss200127"); a longer run, or one with other
  // characters (a control sequence), is not one and stays out of the profile.
  const match = /iproute2-([0-9A-Za-z.+~_-]{1,64})(?!\S)/.exec(text);
  return match?.[1] ?? null;
}
