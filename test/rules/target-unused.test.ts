import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { NET, TRANSPORT } from '../../src/profile/feature-bits.js';
import type { DeviceDoc } from '../../src/profile/types.js';
import { targetUnused } from '../../src/rules/builtin/target-unused.js';
import { device, edits } from '../helpers/devices.js';
import { cases } from '../helpers/rules.js';

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

/** The edit: no capture has a vhost-bound device with a running QEMU, so features as a guest would negotiate them. */
function negotiatedUnderQemu(d: DeviceDoc): void {
  edits.negotiated(d, [NET.MTU, NET.MAC, NET.STATUS, TRANSPORT.VERSION_1, TRANSPORT.ACCESS_PLATFORM]);
}

describe('target-unused', () => {
  describe('valid', () => {
    cases(targetUnused, [
      { shows: 'passes an idle vhost_vdpa target', source: () => device(NEGOTIATED), target: () => device(VHOST), codes: [] },
      { shows: 'passes an idle unbound target', source: () => device(NEGOTIATED), target: () => device(MTU9000), codes: [] },
      { shows: 'looks only at the target: a source in use is the normal case', source: () => device(VP_B_NEGOTIATED), target: () => device(VP_THREE, 'vdpa1'), codes: [] },
    ]);
  });

  describe('invalid', () => {
    cases(targetUnused, [
      {
        shows: 'fails a target that virtio_net is driving',
        source: () => device(VHOST),
        target: () => device(NEGOTIATED),
        codes: ['target-unused/inUse'],
        and: ([f]) => {
          assert.equal(f?.severity, 'error');
          assert.equal(f?.unverified, false);
          assert.equal(f?.path, '/features/negotiated');
          assert.equal(f?.source, null);
          assert.deepEqual(f?.target, ['MTU', 'MAC', 'STATUS', 'CTRL_VQ', 'CTRL_MAC_ADDR', 'VERSION_1', 'ACCESS_PLATFORM']);
          assert.equal(f?.data['target'], 'vdpa0');
          assert.equal(f?.data['mgmtdev'], 'vdpasim_net');
          assert.match(String(f?.data['user']), /virtio_vdpa/);
        },
      },
      {
        shows: 'fails a vp_vdpa target that virtio_net is driving',
        source: () => device(VP_THREE, 'vdpa1'),
        target: () => device(VP_B_NEGOTIATED),
        codes: ['target-unused/inUse'],
        and: ([f]) => assert.equal(f?.data['mgmtdev'], 'pci/0000:00:06.0'),
      },
      {
        shows: 'names vhost_vdpa as the user of a negotiated vhost-bound target (edit: negotiated under a QEMU)',
        source: () => device(NEGOTIATED),
        target: () => device(VHOST, 'vdpa0', negotiatedUnderQemu),
        codes: ['target-unused/inUse'],
        and: ([f]) => {
          assert.deepEqual(f?.target, ['MTU', 'MAC', 'STATUS', 'VERSION_1', 'ACCESS_PLATFORM']);
          assert.match(String(f?.data['user']), /vhost-vdpa/);
        },
      },
      {
        shows: 'warns, unverified, when the target negotiated features are unknown (6.1 config dump that stops at a block device, no sysfs.json)',
        source: () => device(VHOST),
        target: () => device(K61_CONFIG_STOPS, 'vdpa0'),
        codes: ['target-unused/unverified'],
        and: ([f], { target }) => {
          assert.equal(f?.severity, 'warning');
          assert.equal(f?.unverified, true);
          assert.equal(f?.path, '/features/negotiated');
          assert.equal(f?.target, null);
          assert.equal(f?.data['target'], 'vdpa0');
          assert.equal(f?.data['why'], target.negotiatedUnknown);
          // No sysfs.json: the character device is unknown too.
          assert.equal(f?.data['charDev'], '/dev/vhost-vdpa-N');
        },
      },
      {
        shows: 'warns, unverified, for a block target, naming its character device',
        source: () => device(VIRTIO_BOUND, 'vdpa1'),
        target: () => device(VHOST, 'vdpa1'),
        codes: ['target-unused/unverified'],
        and: ([f], { target }) => {
          assert.equal(f?.data['target'], 'vdpa1');
          assert.equal(f?.data['charDev'], '/dev/vhost-vdpa-1');
          assert.equal(f?.data['why'], target.negotiatedUnknown);
        },
      },
    ]);
  });
});
