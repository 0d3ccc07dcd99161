/**
 * What iproute2's output tells about the features a device offers, although
 * it never prints them (iproute2 vdpa/vdpa.c pr_out_dev_net_config prints only
 * the negotiated set, 5.17 on). Three kinds of evidence:
 *
 * 1. Negotiated ⊆ offered: a driver can only accept offered bits.
 * 2. Offered ⊆ the management device's `dev_features`: a parent never gives a
 *    device a feature it does not support (the kernel refuses
 *    `device_features` outside it). An empty `dev_features` (vdpasim_blk)
 *    means "not reported", not "nothing".
 * 3. The kernel fills config keys by the device's offered features, so which
 *    keys `dev config show` prints says which bits are offered. How much it
 *    says depends on the kernel (see {@link configGating}).
 */
import coerce from 'semver/functions/coerce.js';
import gte from 'semver/functions/gte.js';
import { ALL_BITS, NET, bitMask, hasBit } from './feature-bits.js';
import type { ConfigEntry } from './observations.js';

/** Which config keys the kernel gates on the device's offered features. */
export interface ConfigGating {
  /** mac ⇔ F_MAC, mtu ⇔ F_MTU, max_vq_pairs ⇔ F_MQ or F_RSS. */
  macMtuMq: boolean;
  /** link / link_announce ⇔ F_STATUS. */
  status: boolean;
}

/**
 * The kernel's gating by release. Kernel 6.1 gates mac, mtu and max_vq_pairs
 * on the device features but always sends the status (fixtures k6.1, and the
 * 6.1-era vdpa_dev_net_config_fill); 6.12 gates all four (fixtures k6.12).
 * Status gating came with "vdpa: conditionally read STATUS in config space",
 * taken here as 6.2 (release not verified against tags). Before 6.1 the keys
 * were always sent or gated on *negotiated* features, so presence says
 * nothing. Unknown kernel: assume nothing.
 *
 * Absence is different: a key the kernel does not send is never printed, and
 * no kernel omits mac, mtu or status for a device that offers the feature
 * (before 6.1 they were always sent, from 6.1 on they follow the offered
 * bits), so an absent mac/mtu/link key means "not offered" on every kernel.
 * max_vq_pairs is the exception: before 6.1 it followed the *negotiated* MQ,
 * so its absence is read only where gating says it follows the offered bits.
 */
export function configGating(kernelRelease: string | null): ConfigGating {
  const version = kernelRelease === null ? null : coerce(kernelRelease);
  if (version === null) return { macMtuMq: false, status: false };
  return { macMtuMq: gte(version, '6.1.0'), status: gte(version, '6.2.0') };
}

/** Known-offered and known-not-offered bits; the rest is unknown. */
export interface OfferedKnowledge {
  present: bigint;
  absent: bigint;
  /** Which kinds of evidence were used, for the unknown-fact reason. */
  evidence: string[];
}

/** Inputs of {@link inferOffered}. */
export interface OfferedInputs {
  isNet: boolean;
  negotiated: bigint | null;
  provisionable: bigint | null;
  /** The device's `dev config show` entry, when it was shown. */
  config: ConfigEntry | null;
  gating: ConfigGating;
}

/** Combines the evidence into known-present and known-absent masks. */
export function inferOffered({ isNet, negotiated, provisionable, config, gating }: OfferedInputs): OfferedKnowledge {
  let present = 0n;
  let absent = 0n;
  const evidence: string[] = [];
  if (negotiated !== null && negotiated !== 0n) {
    present |= negotiated;
    evidence.push('the negotiated set');
  }
  if (provisionable !== null) {
    absent |= ALL_BITS & ~provisionable;
    evidence.push("the parent's dev_features");
  }
  if (isNet && config !== null) {
    const keyed: Array<[boolean, number, boolean]> = [
      [config.mac !== undefined, NET.MAC, gating.macMtuMq],
      [config.mtu !== undefined, NET.MTU, gating.macMtuMq],
      [config.linkUp !== undefined || config.announce !== undefined, NET.STATUS, gating.status],
    ];
    for (const [shown, bit, gated] of keyed) {
      if (!shown) absent |= bitMask(bit);
      else if (gated) present |= bitMask(bit);
    }
    if (gating.macMtuMq) {
      const mqOrRss = bitMask(NET.MQ) | bitMask(NET.RSS);
      if (config.maxVqPairs === undefined) {
        absent |= mqOrRss;
      } else if (hasBit(absent, NET.RSS)) {
        present |= bitMask(NET.MQ);
      } else if (hasBit(absent, NET.MQ)) {
        present |= bitMask(NET.RSS);
      }
    }
    evidence.push('config keys');
  }
  // Observed evidence beats a bound from another snapshot (e.g. a dump assembled at two moments).
  absent &= ~present;
  return { present, absent, evidence };
}
