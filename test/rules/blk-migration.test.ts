import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blkMigration } from '../../src/rules/builtin/blk-migration.js';
import { device } from '../helpers/devices.js';
import { codes, run } from '../helpers/rules.js';

// Real devices: simulator block devices (vdpasim_blk) on 6.12 bound to
// vhost_vdpa and to virtio_vdpa, on 6.1 without sysfs, and net devices.
const VHOST = 'profiles/vdpasim/k6.12-vhost';
const VIRTIO_BOUND = 'k6.12-virtio-bound';
const NEGOTIATED = 'profiles/vdpasim/k6.12-negotiated';
const VP_THREE = 'profiles/vp_vdpa/k6.12-three-vhost';
const K61_CONFIG_STOPS = 'k6.1-config-dump-stops-at-blk';

describe('blk-migration', () => {
  describe('valid', () => {
    it('says nothing about a net source', async () => {
      assert.deepEqual(codes(run(blkMigration, await device(NEGOTIATED), await device(VHOST))), []);
      assert.deepEqual(codes(run(blkMigration, await device(VP_THREE, 'vdpa0'), await device(VP_THREE, 'vdpa1'))), []);
    });
    it('looks only at the source: a net source with a block target is device-class-match\'s finding', async () => {
      assert.deepEqual(codes(run(blkMigration, await device(VHOST, 'vdpa0'), await device(VHOST, 'vdpa1'))), []);
    });
  });

  describe('invalid', () => {
    it('warns that QEMU will likely refuse to migrate a block source', async () => {
      const findings = run(blkMigration, await device(VIRTIO_BOUND, 'vdpa1'), await device(VHOST, 'vdpa1'));
      assert.deepEqual(codes(findings), ['blk-migration/likelyBlocked']);
      const [f] = findings;
      assert.equal(f?.severity, 'warning');
      assert.equal(f?.unverified, false);
      assert.equal(f?.path, '/class');
      assert.equal(f?.source, 'blk');
      assert.equal(f?.target, null);
      assert.deepEqual(f?.data, { source: 'vdpa1' });
    });
    it('stays a warning under --strict (a known limitation, not a missing fact)', async () => {
      const findings = run(blkMigration, await device(VIRTIO_BOUND, 'vdpa1'), await device(VHOST, 'vdpa1'), true);
      assert.deepEqual(codes(findings), ['blk-migration/likelyBlocked']);
      assert.equal(findings[0]?.severity, 'warning');
    });
    it('warns for a 6.1 block source whose other facts are unknown', async () => {
      const findings = run(blkMigration, await device(K61_CONFIG_STOPS, 'vdpa1'), await device(VHOST, 'vdpa1'));
      assert.deepEqual(codes(findings), ['blk-migration/likelyBlocked']);
    });
  });
});
