/**
 * QEMU drives a vdpa device through /dev/vhost-vdpa-N, which exists only
 * while the device is bound to the vhost_vdpa bus driver; a device bound to
 * virtio_vdpa is used by the host kernel (drivers/vhost/vdpa.c vhost_vdpa_probe
 * adds vhost-vdpa-N under the vdpa device; seen in sysfs on kernel 6.12.117).
 */
import { unknownReason } from '../../profile/facts.js';
import { defineRule } from '../define.js';

const FIX_BIND = 'Bind it to vhost_vdpa: `echo {target} > /sys/bus/vdpa/drivers/{driver}/unbind; echo {target} > /sys/bus/vdpa/drivers/vhost_vdpa/bind` (or `driverctl -b vdpa set-override {target} vhost_vdpa`).';

export const targetVhostVdpa = defineRule({
  id: 'target-vhost-vdpa',
  summary: 'Target is bound to vhost_vdpa so QEMU can open it',
  messages: {
    boundElsewhere: {
      severity: 'error',
      remedy: 'rebind-target',
      text: 'target {target} is bound to {driver}, not vhost_vdpa: QEMU cannot use it (no /dev/vhost-vdpa-N)',
      fix: FIX_BIND,
    },
    unbound: {
      severity: 'error',
      remedy: 'rebind-target',
      text: 'target {target} is bound to no driver: there is no /dev/vhost-vdpa-N for QEMU',
      fix: 'Bind it: `echo {target} > /sys/bus/vdpa/drivers/vhost_vdpa/bind` (load the module first: `modprobe vhost_vdpa`).',
    },
    unverified: {
      severity: 'warning',
      remedy: 'collect-more-facts',
      unverified: true,
      text: 'could not verify the driver of target {target} ({why})',
      fix: 'Collect the target live (it reads /sys/bus/vdpa/devices/{target}/driver), or record a dump with `vdpa-compat collect --save-raw`.',
    },
  },
  reads: 'target',
  check({ target, report }) {
    const driver = target.doc.driver;
    const place = { path: '/driver', target: driver };
    if (driver === null) report('unverified', { target: target.name, why: unknownReason(target.doc, '/driver') ?? 'unknown' }, place);
    else if (driver === 'none') report('unbound', { target: target.name }, place);
    else if (driver !== 'vhost_vdpa') report('boundElsewhere', { target: target.name, driver }, place);
  },
});
