/**
 * A target someone already uses cannot take the incoming QEMU: the vhost-vdpa
 * char device opens only once (drivers/vhost/vdpa.c: vhost_vdpa_open refuses
 * a second open with EBUSY, and QEMU stops with "Could not open
 * '/dev/vhost-vdpa-N': Device or resource busy"), and opening it resets it
 * under its user (vhost_vdpa_open and vhost_vdpa_release call
 * vhost_vdpa_reset). Two signs of use: a process holding the char device open
 * (/proc/PID/fd), which a QEMU is from its start, before it negotiates
 * anything (-S, a guest not booted yet); and negotiated features, which a
 * driver (a QEMU, or the host kernel through virtio_vdpa) leaves once it got
 * as far as FEATURES_OK.
 */
import { describeBits } from '../../profile/feature-bits.js';
import { unknownReason } from '../../profile/facts.js';
import type { HolderDoc } from '../../profile/types.js';
import { defineRule } from '../define.js';

/** Holders named in a message; the rest are counted. */
const HOLDERS_NAMED = 8;

function describeHolder(h: HolderDoc): string {
  return h.comm === null ? `pid ${h.pid}` : `pid ${h.pid} (${h.comm})`;
}

function describeHolders(holders: readonly HolderDoc[]): string {
  const named = holders.slice(0, HOLDERS_NAMED).map(describeHolder).join(', ');
  return holders.length > HOLDERS_NAMED ? `${named} and ${holders.length - HOLDERS_NAMED} more` : named;
}

export const targetUnused = defineRule({
  id: 'target-unused',
  summary: 'Target is not already in use by a driver',
  messages: {
    inUse: {
      severity: 'error',
      remedy: 'reprovision-target',
      text: 'target {target} is in use: {seen}',
      fix: 'Pick an idle target device, or stop its user ({user}) first; create a fresh one with `vdpa dev add name NAME mgmtdev {mgmtdev}`.',
    },
    unverified: {
      severity: 'warning',
      remedy: 'collect-more-facts',
      unverified: true,
      text: 'could not verify that target {target} is idle: {why}; who holds it open is unknown: {holdersWhy}',
      fix: 'Check that no QEMU on the target host has {charDev} open (`fuser {charDev}`), or collect the target again as root in the host PID namespace, so its holders are read.',
    },
  },
  reads: 'target',
  check({ target, report }) {
    const doc = target.doc;
    const driver = doc.driver;
    // Only a list is known: absent (a profile before schema 1.3) and null are unknown.
    const holders = Array.isArray(doc.holders) ? doc.holders : null;
    const features = target.negotiated === null ? null : describeBits(target.negotiated, target.cls);
    const mgmtdev = doc.mgmtdev;
    if (holders !== null && holders.length > 0) {
      const user = describeHolders(holders);
      const seen = `${doc.charDev ?? 'its char device'} is held open by ${user}${features === null ? '' : `, and it has negotiated features (${features})`}`;
      report('inUse', { target: target.name, seen, user, holders: holders.map(describeHolder), features, mgmtdev }, { path: '/holders', target: holders.map(describeHolder) });
    } else if (features !== null) {
      // Nobody holds it (or nobody could tell) yet something took it as far as FEATURES_OK: taken as in use.
      const user = driver === 'virtio_vdpa' ? 'the host kernel (virtio_vdpa)' : driver === 'vhost_vdpa' ? 'a vhost-vdpa user such as QEMU' : 'a driver';
      const seen = `it already has negotiated features (${features}): ${user} is driving it${holders === null ? '' : ', though no process holds it open now'}`;
      report('inUse', { target: target.name, seen, user, holders: holders === null ? null : [], features, mgmtdev }, { path: '/features/negotiated', target: doc.features.negotiated?.names ?? null });
    } else if (holders === null && target.negotiatedUnknown !== undefined && (driver === 'vhost_vdpa' || driver === null)) {
      // A known-empty holder list answers it: no process has the device open, so nothing drives it through vhost-vdpa.
      // Unbound devices have no user; virtio_vdpa-bound ones are target-vhost-vdpa's finding.
      const holdersWhy = unknownReason(doc, '/holders') ?? 'the profile records no holders (written before profile schema 1.3)';
      report('unverified', { target: target.name, why: target.negotiatedUnknown, holdersWhy, charDev: doc.charDev ?? '/dev/vhost-vdpa-N' }, { path: '/features/negotiated', target: null });
    }
  },
});
