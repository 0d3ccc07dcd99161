/**
 * The ranges a kernel can report, so collect never records a value no host
 * has. Each cites where the limit comes from; the parsers of `vdpa -j`
 * output and of recorded netlink replies share them.
 */

/** An inclusive range of integers a field may hold. */
export interface Range {
  min: number;
  max: number;
}

/**
 * u16 attributes: DEV_MAX_VQ_SIZE, DEV_MIN_VQ_SIZE (include/uapi/linux/vdpa.h;
 * drivers/vdpa/vdpa.c vdpa_dev_fill sends them with nla_put_u16).
 */
export const U16: Range = { min: 0, max: 0xffff };

/**
 * u32 attributes: DEV_VENDOR_ID, DEV_MAX_VQS, DEV_MGMTDEV_MAX_VQS
 * (include/uapi/linux/vdpa.h; drivers/vdpa/vdpa.c vdpa_dev_fill and
 * vdpa_mgmtdev_fill send them with nla_put_u32).
 */
export const U32: Range = { min: 0, max: 0xffff_ffff };

/**
 * virtio-net `mtu`: 68 (ETH_MIN_MTU, the kernel's netlink policy minimum for
 * VDPA_ATTR_DEV_NET_CFG_MTU) to 65535 (a le16 config field). drivers/vdpa/vdpa.c
 * vdpa_nl_policy (NLA_POLICY_MIN(NLA_U16, 68)); virtio 1.2 §5.1.4.1.
 */
export const MTU: Range = { min: 68, max: 0xffff };

/**
 * virtio-net `max_virtqueue_pairs`: 1 (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN) to
 * 0x8000 (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX), include/uapi/linux/virtio_net.h;
 * virtio 1.2 §5.1.4.1; drivers/vdpa/vdpa.c vdpa_nl_cmd_dev_add_set_doit
 * refuses 0 (`At least one pair of VQs is required`).
 */
export const MAX_VQ_PAIRS: Range = { min: 1, max: 0x8000 };

/** The largest integer a profile (JSON or YAML number) holds exactly: 2^53 - 1. */
export const EXACT: Range = { min: 0, max: Number.MAX_SAFE_INTEGER };

/** The text of a range for messages: "68..65535", "1..0x8000". */
export function rangeText(range: Range, hex = false): string {
  const show = (n: number) => (hex ? `0x${n.toString(16)}` : String(n));
  return `${show(range.min)}..${show(range.max)}`;
}
