import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { NET, TRANSPORT } from '../../src/profile/feature-bits.js';
import type { DeviceDoc, HolderDoc } from '../../src/profile/types.js';
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

/** The edit: holders as collect records them (the captures predate holders), with the unknown entry gone. */
function heldBy(...holders: HolderDoc[]): (d: DeviceDoc) => void {
  return (d) => {
    d.holders = holders;
    d.unknown = d.unknown.filter((u) => u.fact !== '/holders');
  };
}

/** The edit: both edits in turn. */
const both =
  (...changes: Array<(d: DeviceDoc) => void>) =>
  (d: DeviceDoc) => {
    for (const change of changes) change(d);
  };

const QEMU_4242 = { pid: 4242, comm: 'qemu-system-x86' };

describe('target-unused', () => {
  describe('valid', () => {
    cases(targetUnused, [
      { shows: 'passes an idle vhost_vdpa target', source: () => device(NEGOTIATED), target: () => device(VHOST), codes: [] },
      { shows: 'passes an idle unbound target', source: () => device(NEGOTIATED), target: () => device(MTU9000), codes: [] },
      { shows: 'looks only at the target: a source in use is the normal case', source: () => device(VP_B_NEGOTIATED), target: () => device(VP_THREE, 'vdpa1'), codes: [] },
      {
        shows: 'looks only at the target: a source held by its QEMU is the normal case (edit: held)',
        source: () => device(VP_THREE, 'vdpa0', both(negotiatedUnderQemu, heldBy(QEMU_4242))),
        target: () => device(VP_THREE, 'vdpa1', heldBy()),
        codes: [],
      },
      {
        shows: 'passes a block target whose negotiated features are unknown when nobody holds it (edit: no holders)',
        source: () => device(VIRTIO_BOUND, 'vdpa1'),
        target: () => device(VHOST, 'vdpa1', heldBy()),
        codes: [],
      },
      {
        shows: 'passes a net target of unknown config nobody holds (6.1 config dump that stops at a block device; edit: no holders)',
        source: () => device(VHOST),
        target: () => device(K61_CONFIG_STOPS, 'vdpa0', heldBy()),
        codes: [],
      },
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
          // No sysfs.json: the character device and its holders are unknown too.
          assert.equal(f?.data['charDev'], '/dev/vhost-vdpa-N');
          assert.equal(f?.data['holdersWhy'], target.doc.unknown.find((u) => u.fact === '/holders')?.reason);
          assert.match(String(f?.data['holdersWhy']), /sysfs/);
        },
      },
      {
        shows: 'fails a block target a QEMU holds open, though its negotiated features are unknown (edit: held)',
        source: () => device(VIRTIO_BOUND, 'vdpa1'),
        target: () => device(VHOST, 'vdpa1', heldBy(QEMU_4242)),
        codes: ['target-unused/inUse'],
        and: ([f]) => {
          assert.equal(f?.severity, 'error');
          assert.equal(f?.unverified, false);
          assert.equal(f?.path, '/holders');
          assert.deepEqual(f?.target, ['pid 4242 (qemu-system-x86)']);
          assert.deepEqual(f?.data['holders'], ['pid 4242 (qemu-system-x86)']);
          assert.equal(f?.data['user'], 'pid 4242 (qemu-system-x86)');
          assert.equal(f?.data['features'], null);
        },
      },
      {
        shows: 'fails an idle-looking net target a QEMU holds before negotiating (started with -S; edit: held by two, one comm unreadable)',
        source: () => device(NEGOTIATED),
        target: () => device(VHOST, 'vdpa0', heldBy(QEMU_4242, { pid: 17, comm: null })),
        codes: ['target-unused/inUse'],
        and: ([f], { target }) => {
          assert.equal(target.negotiated, null, 'nothing negotiated, and known so');
          assert.equal(target.negotiatedUnknown, undefined);
          assert.equal(f?.path, '/holders');
          assert.deepEqual(f?.data['holders'], ['pid 4242 (qemu-system-x86)', 'pid 17']);
        },
      },
      {
        shows: 'fails a held target with negotiated features once, naming the holder (edit: negotiated under a QEMU, held)',
        source: () => device(NEGOTIATED),
        target: () => device(VHOST, 'vdpa0', both(negotiatedUnderQemu, heldBy(QEMU_4242))),
        codes: ['target-unused/inUse'],
        and: ([f]) => {
          assert.equal(f?.path, '/holders');
          assert.equal(f?.data['user'], 'pid 4242 (qemu-system-x86)');
          assert.match(String(f?.data['features']), /VERSION_1/);
        },
      },
      {
        shows: 'fails a target with negotiated features nobody holds open now, conservatively (edit: negotiated, no holders)',
        source: () => device(NEGOTIATED),
        target: () => device(VHOST, 'vdpa0', both(negotiatedUnderQemu, heldBy())),
        codes: ['target-unused/inUse'],
        and: ([f]) => {
          assert.equal(f?.path, '/features/negotiated');
          assert.deepEqual(f?.data['holders'], []);
          assert.match(String(f?.data['user']), /vhost-vdpa/);
        },
      },
      {
        shows: 'warns, unverified, when the holders could not be read either (edit: holders null, not root)',
        source: () => device(VIRTIO_BOUND, 'vdpa1'),
        target: () =>
          device(VHOST, 'vdpa1', (d) => {
            d.holders = null;
            d.unknown = [...d.unknown.filter((u) => u.fact !== '/holders'), { fact: '/holders', reason: 'could not read /proc/9/fd: EACCES (collect as root)' }];
          }),
        codes: ['target-unused/unverified'],
        and: ([f]) => assert.equal(f?.data['holdersWhy'], 'could not read /proc/9/fd: EACCES (collect as root)'),
      },
      {
        shows: 'warns, unverified, on a profile from before holders (schema 1.2: no holders, no unknown entry)',
        source: () => device(VIRTIO_BOUND, 'vdpa1'),
        target: () =>
          device(VHOST, 'vdpa1', (d) => {
            delete d.holders;
            d.unknown = d.unknown.filter((u) => u.fact !== '/holders');
          }),
        codes: ['target-unused/unverified'],
        and: ([f]) => assert.match(String(f?.data['holdersWhy']), /1\.3/),
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
