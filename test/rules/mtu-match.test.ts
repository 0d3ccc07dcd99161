import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { NET } from '../../src/profile/feature-bits.js';
import type { DeviceDoc, Profile } from '../../src/profile/types.js';
import { mtuMatch } from '../../src/rules/builtin/mtu-match.js';
import { device, edits } from '../helpers/devices.js';
import { cases } from '../helpers/rules.js';

// Real devices: a 6.12 simulator device negotiated by virtio_net (MTU 1500, F_MTU negotiated), the
// same parent provisioned with mtu 9000, one provisioned without F_MTU (no mtu key), and idle ones.
// The lab migrated 1500 → 9000 and a guest with F_MTU to a target without it (host_mtu set): both worked.
const NEGOTIATED = 'profiles/vdpasim/k6.12-negotiated';
const MTU9000 = 'profiles/vdpasim/k6.12-mtu9000';
const NO_MTU = 'profiles/vdpasim/k6.12-no-mtu';
const VHOST = 'profiles/vdpasim/k6.12-vhost';
const SIM = 'e2e/k6.12/sim-netlink';

/** Edit: a guest that negotiated MAC and the transport bits only (no F_MTU), on a device known not to offer F_MTU. */
function withoutFMtu(d: DeviceDoc): void {
  edits.negotiated(d, [NET.MAC, 32, 33]);
  edits.withhold(d, NET.MTU);
}

/**
 * Edit: the idle 9000 source's offered F_MTU forgotten, and its management device's dev_features
 * removed with the device's provisionable set (as a parent that lists none, like vdpasim_blk, shows):
 * F_MTU may or may not be offered.
 */
function fMtuUnbounded(d: DeviceDoc, profile: Profile): void {
  edits.forget(d, NET.MTU);
  d.features.provisionable = null;
  for (const m of profile.mgmtdevs) if (m.handle === d.mgmtdev) m.supportedFeatures = null;
}

/** Edit: the same, but with dev_features that lack MTU: F_MTU cannot be offered. */
function fMtuBoundedOut(d: DeviceDoc, profile: Profile): void {
  edits.forget(d, NET.MTU);
  d.features.provisionable = { bits: '0x0000000300000000', names: ['VERSION_1', 'ACCESS_PLATFORM'] };
  for (const m of profile.mgmtdevs) if (m.handle === d.mgmtdev) m.supportedFeatures = d.features.provisionable;
}

/** Edit: the target's config (and with it the MTU and whether F_MTU is offered) not shown. */
function configNotShown(d: DeviceDoc): void {
  d.config.mtu = null;
  d.unknown.push({ fact: '/config', reason: 'test: config not shown' });
  edits.forget(d, NET.MTU);
}

describe('mtu-match', () => {
  describe('valid', () => {
    cases(mtuMatch, [
      { shows: 'passes equal MTUs', source: () => device(NEGOTIATED), target: () => device(VHOST), codes: [] },
      {
        shows: 'notes a larger target MTU: the guest keeps its own (measured: 1500 → 9000 migrated and worked)',
        source: () => device(NEGOTIATED),
        target: () => device(MTU9000),
        codes: ['mtu-match/targetLarger'],
        and: ([f]) => assert.deepEqual([f?.severity, f?.data['guestMtu'], f?.data['targetMtu']], ['info', 1500, 9000]),
      },
      { shows: 'notes a target without an MTU field', source: () => device(NEGOTIATED), target: () => device(NO_MTU), codes: ['mtu-match/targetHasNoMtu'] },
      {
        shows: 'with host_mtu, notes that QEMU offers F_MTU itself to a target without an MTU field',
        source: () => device(NEGOTIATED),
        target: () => device(NO_MTU),
        vm: { hostMtu: 1500 },
        codes: ['mtu-match/targetHasNoMtu'],
        and: ([f]) => assert.match(String(f?.data['hostMtuNote']), /host_mtu 1500/),
      },
      {
        shows: 'does not compare when neither F_MTU nor host_mtu is in play (edit: F_MTU neither negotiated nor offered)',
        source: () => device(NEGOTIATED, 'vdpa0', withoutFMtu),
        target: () => device(MTU9000),
        codes: ['mtu-match/notInPlay'],
      },
      { shows: 'is not applicable to block devices', source: () => device(SIM, 'blk'), target: () => device(SIM, 'blk'), codes: [], status: 'not-applicable' },
    ]);
  });

  describe('invalid', () => {
    cases(mtuMatch, [
      {
        shows: "fails a target MTU below the guest's (idle 9000 source, before negotiation)",
        source: () => device(MTU9000),
        target: () => device(VHOST),
        codes: ['mtu-match/targetSmaller'],
        and: ([f]) => assert.deepEqual([f?.severity, f?.remedy, f?.path, f?.source, f?.target], ['error', 'reprovision-target', '/config/mtu', 9000, 1500]),
      },
      {
        shows: "with host_mtu and a source without an MTU field, cannot tell the guest MTU: the guest reads the device's config bytes",
        source: () => device(NO_MTU),
        target: () => device(VHOST),
        vm: { hostMtu: 9000 },
        codes: ['mtu-match/unverified'],
        and: ([f]) => assert.deepEqual([f?.data['side'], f?.unverified], ['source', true]),
      },
      {
        shows: 'warns, unverified, for a smaller target when nothing bounds whether the idle source offers F_MTU (edit: offered F_MTU and dev_features forgotten)',
        source: () => device(MTU9000, 'vdpa0', fMtuUnbounded),
        target: () => device(VHOST),
        codes: ['mtu-match/inPlayUnknown'],
        and: ([f]) => assert.deepEqual([f?.severity, f?.unverified], ['warning', true]),
      },
      {
        shows: 'does not compare when dev_features that lack MTU bound the same source: F_MTU cannot be offered (edit: offered F_MTU forgotten, dev_features without it)',
        source: () => device(MTU9000, 'vdpa0', fMtuBoundedOut),
        target: () => device(VHOST),
        codes: ['mtu-match/notInPlay'],
      },
      {
        shows: 'warns, unverified, when the target MTU is unknown (edit: its config not shown)',
        source: () => device(NEGOTIATED),
        target: () => device(VHOST, 'vdpa0', configNotShown),
        codes: ['mtu-match/unverified'],
        and: ([f]) => assert.deepEqual([f?.data['side'], f?.unverified], ['target', true]),
      },
    ]);
  });
});
