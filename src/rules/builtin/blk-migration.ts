/**
 * vhost-vdpa block devices reach a guest through QEMU's generic
 * vhost-vdpa-device-pci, which a 2022 QEMU patch marks unmigratable
 * (reference §4 R11; whether and when it merged is unverified), or through
 * libvirt's <disk type='vhostvdpa'> and libblkio, whose migration support is
 * unverified too (reference libvirt.md). Hence a warning, not an error.
 */
import { defineRule } from '../define.js';

export const blkMigration = defineRule({
  id: 'blk-migration',
  summary: 'Block devices: QEMU may refuse to migrate vhost-vdpa block devices',
  messages: {
    likelyBlocked: {
      severity: 'warning',
      text: '{source} is a block device: QEMU\'s generic vhost-vdpa device is marked unmigratable, and migration through libvirt\'s vhostvdpa disk (libblkio) is unverified, so QEMU may refuse to migrate it',
      fix: 'Check the QEMU version on both hosts; plan a cold migration for vhost-vdpa block devices.',
    },
  },
  check({ source, report }) {
    if (source.cls === 'blk') report('likelyBlocked', { source: source.name }, { path: '/class', source: 'blk' });
  },
});
