/**
 * Without shadow virtqueues, QEMU moves each ring's position through the
 * parents: the source reads it when the device stops (VHOST_GET_VRING_BASE →
 * drivers/vhost/vdpa.c vhost_vdpa_vring_ioctl → the parent's get_vq_state)
 * and the destination writes it before it starts the device
 * (VHOST_SET_VRING_BASE → set_vq_state). A parent that can do neither
 * mid-run (vp_vdpa: get_vq_state returns -EOPNOTSUPP, set_vq_state takes
 * only a fresh ring) breaks the move without any blocker: measured in the
 * lab with QEMU 10.0.2, the migration completes, the source logs "ring
 * restore failed", the destination "vhost_set_vring_base failed: Operation
 * not supported" and falls back on userspace virtio with its receive
 * stopped. With x-svq=on QEMU keeps the positions itself, and the same pair
 * keeps its datapath. Which parents can: packs/parents.yaml `vqState`.
 */
import type { Side } from '../context.js';
import { defineRule } from '../define.js';

export const vqState = defineRule({
  id: 'vq-state',
  summary: "Both parents move the rings' positions, or QEMU shadows the rings",
  messages: {
    sourceCannot: {
      severity: 'error',
      remedy: 'change-vm-config',
      text: "source parent {parent} cannot report where each ring stands (get_vq_state), and QEMU does not shadow the rings (x-svq): it cannot carry the rings' positions to the destination, which then falls back on userspace virtio (measured on vp_vdpa, QEMU 10.0.2: the migration completes and the destination stops receiving)",
      fix: "Run the netdev with x-svq=on on both hosts (QEMU then keeps the rings' positions itself; libvirt has no setting for it: `<qemu:commandline>`), or place the guest on a parent that reports them (vdpa_sim, mlx5).",
    },
    targetCannot: {
      severity: 'error',
      remedy: 'change-vm-config',
      text: "target parent {parent} cannot take the rings' positions (set_vq_state accepts only a fresh ring), and QEMU does not shadow the rings (x-svq): the destination QEMU's vhost start fails and it falls back on userspace virtio (measured on vp_vdpa, QEMU 10.0.2: the migration completes and the destination stops receiving)",
      fix: 'Run the netdev with x-svq=on on both hosts (`<qemu:commandline>` in libvirt), or use a target device on a parent that takes them (vdpa_sim, mlx5).',
    },
    unknown: {
      severity: 'warning',
      remedy: 'collect-more-facts',
      unverified: true,
      text: "could not verify that {side} parent {parent} moves the rings' positions mid-run (get_vq_state, set_vq_state): {why}; unless QEMU shadows the rings (x-svq), the migration depends on it",
      fix: "Check the parent's driver for get_vq_state and set_vq_state (packs/parents.yaml `vqState` lists the known ones), or run the netdev with x-svq=on.",
    },
  },
  fast: {
    prepare(side) {
      const fact = side.parent.fact('vqState');
      return { net: side.cls === 'net', state: !fact.known ? ('unknown' as const) : fact.value ? ('can' as const) : ('cannot' as const) };
    },
    decide(s, t, vm) {
      if (vm.xSvq.value && s.net) return null;
      const source = s.state === 'unknown' ? 'unknown' : s.state === 'cannot' ? 'sourceCannot' : null;
      const target = t.state === 'unknown' ? 'unknown' : t.state === 'cannot' ? 'targetCannot' : null;
      return source === null ? target : target === null ? source : [source, target];
    },
  },
  check({ source, target, vm, report }) {
    // x-svq=on (a vhost-vdpa netdev's option; block devices have none): QEMU's shadow virtqueues
    // hold the positions, the parents' ops are not used for them.
    if (vm.xSvq.value && source.cls === 'net') return;
    const sides: [Side, 'source' | 'target'][] = [
      [source, 'source'],
      [target, 'target'],
    ];
    for (const [side, role] of sides) {
      const fact = side.parent.fact('vqState');
      const place = { path: '/mgmtdev', [role]: side.parent.name };
      if (!fact.known) report('unknown', { side: role, parent: side.parent.name, why: fact.why }, place);
      else if (!fact.value) report(role === 'source' ? 'sourceCannot' : 'targetCannot', { parent: side.parent.name }, place);
    }
  },
});
