/**
 * The destination QEMU sets each ring to the size the guest uses, and a
 * device refuses a ring larger than its max_vq_size (reference §4 R4). The
 * ring size in use is not in any profile: it is at most the source's
 * max_vq_size, and 256 unless QEMU was given rx_queue_size/tx_queue_size.
 */
import { defineRule } from '../define.js';

/** QEMU's default virtio-net rx_queue_size / tx_queue_size. */
const QEMU_DEFAULT_RING = 256;

export const maxVqSize = defineRule({
  id: 'max-vq-size',
  summary: 'Target accepts rings as large as the source does',
  messages: {
    tooSmall: {
      severity: 'error',
      text: 'target {target} accepts rings of at most {targetSize} entries, below QEMU\'s default of 256 and the source\'s {sourceSize}',
      fix: 'Pick a target whose parent supports {sourceSize}-entry rings, or start the guest with rx_queue_size/tx_queue_size <= {targetSize} before migrating.',
    },
    possiblyTooSmall: {
      severity: 'warning',
      unverified: true,
      text: 'target {target} accepts rings of at most {targetSize} entries, the source {sourceSize}: fine for QEMU\'s default 256-entry rings, not for larger rx_queue_size/tx_queue_size',
      fix: 'Check the guest\'s rx_queue_size/tx_queue_size in its QEMU command line or libvirt XML (<driver rx_queue_size=…>); they must be <= {targetSize}.',
    },
    unverified: {
      severity: 'warning',
      unverified: true,
      text: 'could not compare ring sizes: max_vq_size of the {side} is unknown',
      fix: 'Collect the host again; `vdpa dev show` prints max_vq_size on every iproute2.',
    },
  },
  check({ source, target, report }) {
    const sourceSize = source.doc.maxVqSize;
    const targetSize = target.doc.maxVqSize;
    const place = { path: '/maxVqSize', source: sourceSize, target: targetSize };
    if (sourceSize === null || targetSize === null) {
      const side = sourceSize === null && targetSize === null ? 'source and target' : sourceSize === null ? 'source' : 'target';
      report('unverified', { side }, place);
    } else if (targetSize < sourceSize) {
      const data = { target: target.name, sourceSize, targetSize };
      report(targetSize < QEMU_DEFAULT_RING ? 'tooSmall' : 'possiblyTooSmall', data, place);
    }
  },
});
