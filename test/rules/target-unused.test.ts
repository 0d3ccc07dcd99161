import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NET, TRANSPORT } from '../../src/profile/feature-bits.js';
import { targetUnused } from '../../src/rules/builtin/target-unused.js';
import { device, edits } from '../helpers/devices.js';
import { codes, run } from '../helpers/rules.js';

// Real devices: idle vhost-bound targets (nothing negotiated, known), targets
// that virtio_net is driving (negotiated, bound to virtio_vdpa), a 6.1 dump
// whose config dump is empty (negotiated unknown, no sysfs) and a block device
// (iproute2 prints no negotiated features for block devices).
const NEGOTIATED = 'profiles/vdpasim/k6.12-negotiated';
const VHOST = 'profiles/vdpasim/k6.12-vhost';
const MTU9000 = 'profiles/vdpasim/k6.12-mtu9000';
const VP_THREE = 'profiles/vp_vdpa/k6.12-three-vhost';
const VP_B_NEGOTIATED = 'vp-k6.12-B-negotiated';
const K61_CONFIG_STOPS = 'k6.1-config-dump-stops-at-blk';
const VIRTIO_BOUND = 'k6.12-virtio-bound';

describe('target-unused', () => {
  describe('valid', () => {
    it('passes an idle vhost_vdpa target', async () => {
      assert.deepEqual(codes(run(targetUnused, await device(NEGOTIATED), await device(VHOST))), []);
    });
    it('passes an idle unbound target', async () => {
      assert.deepEqual(codes(run(targetUnused, await device(NEGOTIATED), await device(MTU9000))), []);
    });
    it('looks only at the target: a source in use is the normal case', async () => {
      assert.deepEqual(codes(run(targetUnused, await device(VP_B_NEGOTIATED), await device(VP_THREE, 'vdpa1'))), []);
    });
  });

  describe('invalid', () => {
    it('fails a target that virtio_net is driving', async () => {
      const findings = run(targetUnused, await device(VHOST), await device(NEGOTIATED));
      assert.deepEqual(codes(findings), ['target-unused/inUse']);
      const [f] = findings;
      assert.equal(f?.severity, 'error');
      assert.equal(f?.unverified, false);
      assert.equal(f?.path, '/features/negotiated');
      assert.equal(f?.source, null);
      assert.deepEqual(f?.target, ['MTU', 'MAC', 'STATUS', 'CTRL_VQ', 'CTRL_MAC_ADDR', 'VERSION_1', 'ACCESS_PLATFORM']);
      assert.equal(f?.data['target'], 'vdpa0');
      assert.equal(f?.data['mgmtdev'], 'vdpasim_net');
      assert.match(String(f?.data['user']), /virtio_vdpa/);
    });
    it('fails a vp_vdpa target that virtio_net is driving', async () => {
      const findings = run(targetUnused, await device(VP_THREE, 'vdpa1'), await device(VP_B_NEGOTIATED));
      assert.deepEqual(codes(findings), ['target-unused/inUse']);
      assert.equal(findings[0]?.data['mgmtdev'], 'pci/0000:00:06.0');
    });
    it('names vhost_vdpa as the user of a negotiated vhost-bound target', async () => {
      // Edit: no capture has a vhost-bound device with a running QEMU.
      const target = await device(VHOST, 'vdpa0', (d) => edits.negotiated(d, [NET.MTU, NET.MAC, NET.STATUS, TRANSPORT.VERSION_1, TRANSPORT.ACCESS_PLATFORM]));
      const findings = run(targetUnused, await device(NEGOTIATED), target);
      assert.deepEqual(codes(findings), ['target-unused/inUse']);
      assert.deepEqual(findings[0]?.target, ['MTU', 'MAC', 'STATUS', 'VERSION_1', 'ACCESS_PLATFORM']);
      assert.match(String(findings[0]?.data['user']), /vhost-vdpa/);
    });
    it('warns, unverified, when the target negotiated features are unknown; --strict makes it an error', async () => {
      const target = await device(K61_CONFIG_STOPS, 'vdpa0');
      const lax = run(targetUnused, await device(VHOST), target);
      assert.deepEqual(codes(lax), ['target-unused/unverified']);
      assert.equal(lax[0]?.severity, 'warning');
      assert.equal(lax[0]?.unverified, true);
      assert.equal(lax[0]?.path, '/features/negotiated');
      assert.equal(lax[0]?.target, null);
      assert.equal(lax[0]?.data['target'], 'vdpa0');
      assert.equal(lax[0]?.data['why'], target.negotiatedUnknown);
      // No sysfs.json: the character device is unknown too.
      assert.equal(lax[0]?.data['charDev'], '/dev/vhost-vdpa-N');
      const strict = run(targetUnused, await device(VHOST), target, true);
      assert.deepEqual(codes(strict), ['target-unused/unverified']);
      assert.equal(strict[0]?.severity, 'error');
    });
    it('warns, unverified, for a block target, naming its character device', async () => {
      const target = await device(VHOST, 'vdpa1');
      const lax = run(targetUnused, await device(VIRTIO_BOUND, 'vdpa1'), target);
      assert.deepEqual(codes(lax), ['target-unused/unverified']);
      assert.equal(lax[0]?.data['target'], 'vdpa1');
      assert.equal(lax[0]?.data['charDev'], '/dev/vhost-vdpa-1');
      assert.equal(lax[0]?.data['why'], target.negotiatedUnknown);
    });
  });
});
