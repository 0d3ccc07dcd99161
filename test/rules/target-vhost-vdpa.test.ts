import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { unknownReason } from '../../src/profile/facts.js';
import { targetVhostVdpa } from '../../src/rules/builtin/target-vhost-vdpa.js';
import { device } from '../helpers/devices.js';
import { cases } from '../helpers/rules.js';

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
    cases(targetVhostVdpa, [
      { shows: 'passes a target bound to vhost_vdpa', source: () => device(NEGOTIATED), target: () => device(VHOST), codes: [] },
      { shows: 'passes a vhost_vdpa block target', source: () => device(VIRTIO_BOUND, 'vdpa1'), target: () => device(VHOST, 'vdpa1'), codes: [] },
      { shows: 'passes a vp_vdpa target bound to vhost_vdpa', source: () => device(VHOST), target: () => device(VP_THREE, 'vdpa2'), codes: [] },
      { shows: 'looks only at the target: a source bound to virtio_vdpa is fine', source: () => device(NEGOTIATED), target: () => device(VP_THREE, 'vdpa0'), codes: [] },
      { shows: 'looks only at the target: a source bound to nothing is fine', source: () => device(NO_MTU), target: () => device(VP_THREE, 'vdpa0'), codes: [] },
    ]);
  });

  describe('invalid', () => {
    cases(targetVhostVdpa, [
      {
        shows: 'fails a target bound to virtio_vdpa',
        source: () => device(VHOST),
        target: () => device(NEGOTIATED),
        codes: ['target-vhost-vdpa/boundElsewhere'],
        and: ([f]) => {
          assert.equal(f?.severity, 'error');
          assert.equal(f?.unverified, false);
          assert.equal(f?.path, '/driver');
          assert.equal(f?.source, null);
          assert.equal(f?.target, 'virtio_vdpa');
          assert.deepEqual(f?.data, { target: 'vdpa0', driver: 'virtio_vdpa' });
        },
      },
      {
        shows: 'fails a block target bound to virtio_vdpa',
        source: () => device(VHOST, 'vdpa1'),
        target: () => device(VIRTIO_BOUND, 'vdpa1'),
        codes: ['target-vhost-vdpa/boundElsewhere'],
        and: ([f]) => assert.deepEqual(f?.data, { target: 'vdpa1', driver: 'virtio_vdpa' }),
      },
      {
        shows: 'fails a target bound to no driver',
        source: () => device(VHOST),
        target: () => device(NO_MTU),
        codes: ['target-vhost-vdpa/unbound'],
        and: ([f]) => {
          assert.equal(f?.severity, 'error');
          assert.equal(f?.unverified, false);
          assert.equal(f?.path, '/driver');
          assert.equal(f?.target, 'none');
          assert.deepEqual(f?.data, { target: 'vdpa0' });
        },
      },
      {
        shows: 'warns, unverified, when the target driver is unknown (6.1 dump without sysfs.json)',
        source: () => device(VHOST),
        target: () => device(K61_CONFIG_STOPS, 'vdpa0'),
        codes: ['target-vhost-vdpa/unverified'],
        and: ([f], { target }) => {
          assert.equal(f?.severity, 'warning');
          assert.equal(f?.unverified, true);
          assert.equal(f?.path, '/driver');
          assert.equal(f?.target, null);
          assert.equal(f?.data['target'], 'vdpa0');
          assert.equal(f?.data['why'], unknownReason(target.doc, '/driver'));
        },
      },
    ]);
  });
});
