import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unknownReason } from '../../src/profile/facts.js';
import { targetVhostVdpa } from '../../src/rules/builtin/target-vhost-vdpa.js';
import { device } from '../helpers/devices.js';
import { codes, run } from '../helpers/rules.js';

// Real devices with the driver each dump's sysfs.json recorded: vhost_vdpa
// (k6.12-vhost, vp_vdpa three-vhost), virtio_vdpa (the negotiated dumps),
// none (the unbound simulators), and a 6.1 dump without sysfs.json (driver
// unknown).
const NEGOTIATED = 'profiles/vdpasim/k6.12-negotiated';
const VHOST = 'profiles/vdpasim/k6.12-vhost';
const NO_MTU = 'profiles/vdpasim/k6.12-no-mtu';
const VP_THREE = 'profiles/vp_vdpa/k6.12-three-vhost';
const VIRTIO_BOUND = 'k6.12-virtio-bound';
const K61_CONFIG_STOPS = 'k6.1-config-dump-stops-at-blk';

describe('target-vhost-vdpa', () => {
  describe('valid', () => {
    it('passes a target bound to vhost_vdpa', async () => {
      assert.deepEqual(codes(run(targetVhostVdpa, await device(NEGOTIATED), await device(VHOST))), []);
    });
    it('passes a vhost_vdpa block target', async () => {
      assert.deepEqual(codes(run(targetVhostVdpa, await device(VIRTIO_BOUND, 'vdpa1'), await device(VHOST, 'vdpa1'))), []);
    });
    it('passes a vp_vdpa target bound to vhost_vdpa', async () => {
      assert.deepEqual(codes(run(targetVhostVdpa, await device(VHOST), await device(VP_THREE, 'vdpa2'))), []);
    });
    it('looks only at the target: a source bound to virtio_vdpa or to nothing is fine', async () => {
      assert.deepEqual(codes(run(targetVhostVdpa, await device(NEGOTIATED), await device(VP_THREE, 'vdpa0'))), []);
      assert.deepEqual(codes(run(targetVhostVdpa, await device(NO_MTU), await device(VP_THREE, 'vdpa0'))), []);
    });
  });

  describe('invalid', () => {
    it('fails a target bound to virtio_vdpa', async () => {
      const findings = run(targetVhostVdpa, await device(VHOST), await device(NEGOTIATED));
      assert.deepEqual(codes(findings), ['target-vhost-vdpa/boundElsewhere']);
      const [f] = findings;
      assert.equal(f?.severity, 'error');
      assert.equal(f?.unverified, false);
      assert.equal(f?.path, '/driver');
      assert.equal(f?.source, null);
      assert.equal(f?.target, 'virtio_vdpa');
      assert.deepEqual(f?.data, { target: 'vdpa0', driver: 'virtio_vdpa' });
    });
    it('fails a block target bound to virtio_vdpa', async () => {
      const findings = run(targetVhostVdpa, await device(VHOST, 'vdpa1'), await device(VIRTIO_BOUND, 'vdpa1'));
      assert.deepEqual(codes(findings), ['target-vhost-vdpa/boundElsewhere']);
      assert.deepEqual(findings[0]?.data, { target: 'vdpa1', driver: 'virtio_vdpa' });
    });
    it('fails a target bound to no driver', async () => {
      const findings = run(targetVhostVdpa, await device(VHOST), await device(NO_MTU));
      assert.deepEqual(codes(findings), ['target-vhost-vdpa/unbound']);
      assert.equal(findings[0]?.severity, 'error');
      assert.equal(findings[0]?.unverified, false);
      assert.equal(findings[0]?.path, '/driver');
      assert.equal(findings[0]?.target, 'none');
      assert.deepEqual(findings[0]?.data, { target: 'vdpa0' });
    });
    it('warns, unverified, when the target driver is unknown; --strict makes it an error', async () => {
      const target = await device(K61_CONFIG_STOPS, 'vdpa0');
      const lax = run(targetVhostVdpa, await device(VHOST), target);
      assert.deepEqual(codes(lax), ['target-vhost-vdpa/unverified']);
      assert.equal(lax[0]?.severity, 'warning');
      assert.equal(lax[0]?.unverified, true);
      assert.equal(lax[0]?.path, '/driver');
      assert.equal(lax[0]?.target, null);
      assert.equal(lax[0]?.data['target'], 'vdpa0');
      assert.equal(lax[0]?.data['why'], unknownReason(target.doc, '/driver'));
      const strict = run(targetVhostVdpa, await device(VHOST), target, true);
      assert.deepEqual(codes(strict), ['target-vhost-vdpa/unverified']);
      assert.equal(strict[0]?.severity, 'error');
    });
  });
});
