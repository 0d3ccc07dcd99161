/**
 * The destination QEMU sets each ring to the size the guest uses; a device
 * refuses a ring larger than its max_vq_size (reference §4 R4).
 */
import { defineRule } from '../define.js';

export const maxVqSize = defineRule({
  id: 'max-vq-size',
  summary: 'Target accepts rings as large as the source does',
  messages: {
    tooSmall: {
      severity: 'error',
      text: 'target {target} accepts rings of at most {targetSize} entries, the source {sourceSize}; the guest may use rings of {sourceSize}',
      fix: 'Pick a target whose parent supports {sourceSize}-entry rings, or start the guest with rx_queue_size/tx_queue_size <= {targetSize} before migrating.',
    },
    unverified: {
      severity: 'warning',
      unverified: true,
      text: 'could not compare ring sizes: max_vq_size of the {side} is unknown',
      fix: 'Collect the {side} host again; `vdpa dev show` prints max_vq_size on every iproute2.',
    },
  },
  check({ source, target, report }) {
    const sourceSize = source.doc.maxVqSize;
    const targetSize = target.doc.maxVqSize;
    const place = { path: '/maxVqSize', source: sourceSize, target: targetSize };
    if (sourceSize === null || targetSize === null) {
      report('unverified', { side: sourceSize === null ? 'source' : 'target' }, place);
    } else if (targetSize < sourceSize) {
      report('tooSmall', { target: target.name, sourceSize, targetSize }, place);
    }
  },
});
