/**
 * The `vdpa dev add` line a plan prints, and the rules the kernel and the
 * target's iproute2 hold it to. Pure: it builds argv, it runs nothing.
 *
 * Kernel (drivers/vdpa/vdpa.c vdpa_nl_cmd_dev_add_set_doit, 6.1 and 6.12):
 * an attribute outside the parent's config_attr_mask is refused ("Some
 * provided attributes are not supported"); with device_features given, `mac`
 * needs VIRTIO_NET_F_MAC, `mtu` VIRTIO_NET_F_MTU and `max_vqp` VIRTIO_NET_F_MQ
 * ("Missing features … for provided attributes", 6.12; 6.1 has no such check
 * and the parent then decides), and device_features must lie within the
 * parent's supported features (vdpa_dev_add of each parent: vp_vdpa refuses
 * other bits with -EINVAL: vp_vdpa.c vp_vdpa_dev_add). `max_vqp 0` is refused
 * ("At least one pair of VQs is required"); `mtu` is a u16 of at least 68
 * (vdpa_nl_policy: NLA_POLICY_MIN(NLA_U16, 68), virtio spec 1.1 5.1.4.1).
 *
 * iproute2 (vdpa/vdpa.c cmd_dev_add, vdpa_argv_parse): `mac` and `mtu` from
 * 5.17, `max_vqp` from 5.18, `device_features` from 6.2 (commit a4442ce5),
 * parsed as hexadecimal whatever the prefix. From 6.2 to 6.6 `device_features`
 * does not consume its value, so anything after it fails with `Unknown option
 * "0x…"`: fixed by commit 92eac7e4 (6.7). The line is always built with
 * device_features last, in hex with 0x, so it is right on every version.
 */
import { formatMask, hasBit, NET } from '../profile/feature-bits.js';
// The functions only, as elsewhere: semver's index loads every module it has (startup cost on every run).
import coerce from 'semver/functions/coerce.js';
import lt from 'semver/functions/lt.js';
import rcompare from 'semver/functions/rcompare.js';

/** The attributes of one `vdpa dev add`, beyond name and mgmtdev. */
export interface DevAddAttributes {
  mac?: string;
  mtu?: number;
  maxVqp?: number;
  /** The features the new device will offer; omitted when it offers all the parent can. */
  deviceFeatures?: bigint;
}

/** The `vdpa dev add` keyword of each attribute (iproute2 vdpa/vdpa.c vdpa_argv_parse). */
export const ATTRIBUTE_KEYWORDS = { mac: 'mac', mtu: 'mtu', maxVqp: 'max_vqp', deviceFeatures: 'device_features' } as const;

/** The iproute2 release that first parses each keyword (iproute2 vdpa/vdpa.c history). */
const KEYWORD_SINCE: Readonly<Record<keyof DevAddAttributes, string>> = { mac: '5.17.0', mtu: '5.17.0', maxVqp: '5.18.0', deviceFeatures: '6.2.0' };

/** Smallest and largest MTU the kernel takes at `dev add`: vdpa_nl_policy's NLA_POLICY_MIN(NLA_U16, 68) for VDPA_ATTR_DEV_NET_CFG_MTU. */
export const MTU_RANGE = { min: 68, max: 65535 } as const;

/** Why the kernel or the tool would refuse a line: a stable code and the words. */
export interface Refusal {
  code: 'mac-without-f-mac' | 'mtu-without-f-mtu' | 'mtu-range' | 'max-vqp-without-f-mq' | 'max-vqp-zero' | 'features-beyond-parent' | 'iproute2-too-old' | 'iproute2-unknown';
  message: string;
}

/**
 * What the kernel refuses in these attributes for a parent offering
 * `parentFeatures`. `offered` is what the device will offer: device_features
 * when given, the parent's whole set otherwise.
 */
export function kernelRefusals(attributes: DevAddAttributes, parentFeatures: bigint): Refusal[] {
  const offered = attributes.deviceFeatures ?? parentFeatures;
  const refusals: Refusal[] = [];
  if (attributes.deviceFeatures !== undefined && (attributes.deviceFeatures & ~parentFeatures) !== 0n) {
    refusals.push({ code: 'features-beyond-parent', message: `device_features ${formatMask(attributes.deviceFeatures)} has bits the parent does not support (dev_features ${formatMask(parentFeatures)})` });
  }
  if (attributes.mac !== undefined && !hasBit(offered, NET.MAC)) refusals.push({ code: 'mac-without-f-mac', message: 'mac needs VIRTIO_NET_F_MAC in the device features' });
  if (attributes.mtu !== undefined) {
    if (!hasBit(offered, NET.MTU)) refusals.push({ code: 'mtu-without-f-mtu', message: 'mtu needs VIRTIO_NET_F_MTU in the device features' });
    if (!Number.isInteger(attributes.mtu) || attributes.mtu < MTU_RANGE.min || attributes.mtu > MTU_RANGE.max) {
      refusals.push({ code: 'mtu-range', message: `mtu ${attributes.mtu} is outside ${MTU_RANGE.min}..${MTU_RANGE.max}` });
    }
  }
  if (attributes.maxVqp !== undefined) {
    if (attributes.maxVqp < 1) refusals.push({ code: 'max-vqp-zero', message: 'max_vqp must be at least 1' });
    if (attributes.maxVqp > 1 && !hasBit(offered, NET.MQ)) refusals.push({ code: 'max-vqp-without-f-mq', message: `max_vqp ${attributes.maxVqp} needs VIRTIO_NET_F_MQ in the device features` });
  }
  return refusals;
}

/** What the target's iproute2 (null: unknown) cannot pass of these attributes. */
export function iproute2Refusals(attributes: DevAddAttributes, iproute2: string | null): Refusal[] {
  const used = (Object.keys(KEYWORD_SINCE) as Array<keyof DevAddAttributes>).filter((k) => attributes[k] !== undefined);
  if (used.length === 0) return [];
  const version = iproute2 === null ? null : coerce(iproute2);
  if (version === null) {
    return [
      {
        code: 'iproute2-unknown',
        message: `the target's iproute2 version is unknown, and ${used.map((k) => ATTRIBUTE_KEYWORDS[k]).join(', ')} need${used.length === 1 ? 's' : ''} iproute2 >= ${used.map((k) => KEYWORD_SINCE[k]).sort(rcompare)[0]}`,
      },
    ];
  }
  return used
    .filter((k) => lt(version, KEYWORD_SINCE[k]))
    .map((k) => ({ code: 'iproute2-too-old' as const, message: `iproute2 ${version.version} has no ${ATTRIBUTE_KEYWORDS[k]} (iproute2 >= ${KEYWORD_SINCE[k]}): upgrade iproute2 on the target` }));
}

/** The argv of `vdpa dev add`: device_features last (iproute2 6.2–6.6, fixed by 92eac7e4 in 6.7), in hex with 0x. */
export function devAddArgv(name: string, mgmtdev: string, attributes: DevAddAttributes): string[] {
  const argv = ['vdpa', 'dev', 'add', 'name', name, 'mgmtdev', mgmtdev];
  if (attributes.mac !== undefined) argv.push('mac', attributes.mac);
  if (attributes.mtu !== undefined) argv.push('mtu', String(attributes.mtu));
  if (attributes.maxVqp !== undefined) argv.push('max_vqp', String(attributes.maxVqp));
  if (attributes.deviceFeatures !== undefined) argv.push('device_features', `0x${attributes.deviceFeatures.toString(16)}`);
  return argv;
}

/** A word as a POSIX shell reads it back: bare when it is safe, single-quoted otherwise. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shell lines that bind the new device to vhost_vdpa: a new vdpa device
 * is probed by whichever vdpa bus driver is loaded (drivers/vdpa/vdpa.c
 * __vdpa_register_device → device_add), so it may come up on virtio_vdpa; the
 * bus's sysfs unbind/bind files move it (drivers/base/bus.c unbind_store,
 * bind_store; bind fails on a device that already has a driver).
 */
export function bindLines(name: string): string[] {
  const dev = shellWord(name);
  return [
    'modprobe vhost_vdpa',
    `cur=$(basename "$(readlink /sys/bus/vdpa/devices/${dev}/driver 2>/dev/null)")`,
    `[ -z "$cur" ] || [ "$cur" = vhost_vdpa ] || echo ${dev} > "/sys/bus/vdpa/drivers/$cur/unbind"`,
    `[ "$cur" = vhost_vdpa ] || echo ${dev} > /sys/bus/vdpa/drivers/vhost_vdpa/bind`,
  ];
}

/** A vdpa device name the plan accepts: a word that is safe as a sysfs path component and in a shell line. */
export const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
