/**
 * A device whose features are negotiated is being driven (by a QEMU on this
 * host, or by virtio_vdpa); the incoming QEMU cannot take it over, and
 * opening it resets it under its user (drivers/vhost/vdpa.c: vhost_vdpa_open
 * refuses a second open with EBUSY; it and vhost_vdpa_release call
 * vhost_vdpa_reset).
 */
import { describeBits } from '../../profile/feature-bits.js';
import { defineRule } from '../define.js';

export const targetUnused = defineRule({
  id: 'target-unused',
  summary: 'Target is not already in use by a driver',
  messages: {
    inUse: {
      severity: 'error',
      remedy: 'reprovision-target',
      text: 'target {target} already has negotiated features ({features}): {user} is driving it',
      fix: 'Pick an idle target device, or stop its user first; create a fresh one with `vdpa dev add name NAME mgmtdev {mgmtdev}`.',
    },
    unverified: {
      severity: 'warning',
      remedy: 'collect-more-facts',
      unverified: true,
      text: 'could not verify that target {target} is idle: {why}',
      fix: 'Check that no QEMU on the target host has {charDev} open (`fuser {charDev}`).',
    },
  },
  reads: 'target',
  check({ target, report }) {
    const place = { path: '/features/negotiated', target: target.doc.features.negotiated?.names ?? null };
    const driver = target.doc.driver;
    if (target.negotiated !== null) {
      const user = driver === 'virtio_vdpa' ? 'the host kernel (virtio_vdpa)' : driver === 'vhost_vdpa' ? 'a vhost-vdpa user such as QEMU' : 'a driver';
      report('inUse', { target: target.name, features: describeBits(target.negotiated, target.cls), user, mgmtdev: target.doc.mgmtdev }, place);
    } else if (target.negotiatedUnknown !== undefined && (driver === 'vhost_vdpa' || driver === null)) {
      // Unbound devices have no user; virtio_vdpa-bound ones are target-vhost-vdpa's finding.
      report('unverified', { target: target.name, why: target.negotiatedUnknown, charDev: target.doc.charDev ?? '/dev/vhost-vdpa-N' }, place);
    }
  },
});
