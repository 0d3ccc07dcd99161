import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { NET } from '../../src/profile/feature-bits.js';
import type { DeviceDoc, Profile } from '../../src/profile/types.js';
import { macMatch } from '../../src/rules/builtin/mac-match.js';
import { device, edits } from '../helpers/devices.js';
import { cases } from '../helpers/rules.js';

// Real devices (raw netlink, kernel 6.12, the e2e run): simulator src (negotiated CTRL_MAC_ADDR),
// nomacctl (negotiated without it), othermac (idle, MAC 00:11:22:33:44:55); vp_vdpa D (negotiated,
// MAC …0d:01) and E (idle, MAC …0e:01). The lab measured that QEMU's mac= replaced a different MAC on
// vdpa_sim when the destination QEMU started, and the guest's traffic then passed.
const SIM = 'e2e/k6.12/sim-netlink';
const VP = 'e2e/k6.12/vp2-netlink';
const q = (dump: string, name: string, edit?: (doc: DeviceDoc, profile: Profile) => void, version: string | null = '10.0.2') => device(dump, name, edit, version);

/** The test's one edit of a parent: the simulator's management device presented as an mlx5 PF (a no-op set_config, CVQ isolated). */
function asMlx5(doc: DeviceDoc, profile: Profile): void {
  const mgmtdev = profile.mgmtdevs.find((m) => m.handle === doc.mgmtdev);
  if (!mgmtdev) throw new Error('no mgmtdev');
  Object.assign(mgmtdev, { handle: 'pci/0000:65:00.2', bus: 'pci', name: '0000:65:00.2', driver: 'mlx5_core' });
  doc.mgmtdev = 'pci/0000:65:00.2';
}

/** Edit: the source's MAC set to the one othermac was provisioned with. */
const othermacsMac = (d: DeviceDoc) => (d.config.mac = '00:11:22:33:44:55');

/** Edit: the MAC (and the offered F_MAC) forgotten, as a device whose config was not read. */
function macNotShown(d: DeviceDoc): void {
  d.config.mac = null;
  edits.forget(d, NET.MAC);
}

describe('mac-match', () => {
  describe('valid', () => {
    cases(macMatch, [
      {
        shows: 'notes the CTRL_MAC_ADDR replay when QEMU shadows the target CVQ (the simulator isolates it)',
        source: () => q(SIM, 'src'),
        target: () => q(SIM, 'othermac'),
        codes: ['mac-match/replayed'],
        and: ([f]) => assert.equal(f?.severity, 'info'),
      },
      {
        shows: 'notes that QEMU writes the MAC into a simulator target without CTRL_MAC_ADDR (measured)',
        source: () => q(SIM, 'nomacctl'),
        target: () => q(SIM, 'othermac'),
        codes: ['mac-match/writtenByQemu'],
        // Both parents take QEMU's write: whatever the domain's MAC is, both devices end with it.
        and: ([f]) => assert.deepEqual([f?.data['domainMac'], f?.data['targetMac']], ["the domain's MAC", '00:11:22:33:44:55']),
      },
      {
        shows: "notes the same write with the domain's MAC known, as the guest's",
        source: () => q(SIM, 'nomacctl'),
        target: () => q(SIM, 'othermac'),
        vm: { mac: '52:54:00:00:00:01' },
        codes: ['mac-match/writtenByQemu'],
        and: ([f]) => assert.equal(f?.data['guestMac'], '52:54:00:00:00:01'),
      },
      { shows: "passes equal MACs on a parent that ignores config writes (edits: the source given othermac's MAC, othermac as an mlx5)", source: () => q(SIM, 'nomacctl', othermacsMac), target: () => q(SIM, 'othermac', asMlx5), codes: [] },
      { shows: 'notes the replay on an mlx5 target too: it isolates the CVQ (edit: othermac as an mlx5)', source: () => q(SIM, 'src'), target: () => q(SIM, 'othermac', asMlx5), codes: ['mac-match/replayed'] },
    ]);
  });

  describe('invalid', () => {
    cases(macMatch, [
      {
        shows: 'fails different MACs on a parent that ignores config writes (edit: othermac as an mlx5) without CTRL_MAC_ADDR',
        source: () => q(SIM, 'nomacctl'),
        target: () => q(SIM, 'othermac', asMlx5),
        vm: { mac: '52:54:00:00:00:01' },
        codes: ['mac-match/mismatch'],
        and: ([f]) => assert.deepEqual([f?.severity, f?.remedy, f?.source, f?.target], ['error', 'reprovision-target', '52:54:00:00:00:01', '00:11:22:33:44:55']),
      },
      {
        shows: "could not verify the same pair without the domain's MAC: the simulator source takes one that is not known",
        source: () => q(SIM, 'nomacctl'),
        target: () => q(SIM, 'othermac', asMlx5),
        codes: ['mac-match/parentUnknown'],
      },
      {
        shows: "fails when QEMU will write the domain MAC into a target that takes it, but the guest uses the source device's own (edit: an mlx5 source keeping its provisioned MAC)",
        source: () => q(SIM, 'othermac', asMlx5),
        target: () => q(SIM, 'same'),
        vm: { mac: '52:54:00:00:00:09' },
        codes: ['mac-match/domainMacDiffers'],
        and: ([f]) => assert.deepEqual([f?.data['guestMac'], f?.data['domainMac']], ['00:11:22:33:44:55', '52:54:00:00:00:09']),
      },
      {
        shows: 'warns, unverified, on a vp_vdpa target: the write goes to the device under it, and no replay without an isolated CVQ',
        source: () => q(VP, 'vpd'),
        target: () => q(VP, 'vpe'),
        codes: ['mac-match/parentUnknown'],
        and: ([f]) => {
          assert.equal(f?.unverified, true);
          assert.match(String(f?.data['replayWhy']), /cannot isolate the CVQ/);
        },
      },
      {
        // mlx5 isolates the CVQ: 8.2 and later shadow it and replay the guest MAC, 7.2 does so only with x-svq.
        shows: 'warns, unverified, not an error, when the CTRL_MAC_ADDR replay depends on the unknown target QEMU (edit: othermac as an mlx5)',
        source: () => q(SIM, 'src'),
        target: () => q(SIM, 'othermac', asMlx5, null),
        vm: { mac: '52:54:00:00:00:01' },
        codes: ['mac-match/replayUncertain'],
        and: ([f]) => {
          assert.deepEqual([f?.severity, f?.unverified], ['warning', true]);
          assert.match(String(f?.data['replayWhy']), /not replayed: the CVQ is shadowed only with x-svq on 7\.2 to 8\.1; replayed on 8\.2 and later/);
        },
      },
      {
        shows: 'notes the replay once the target QEMU is known to be 10.0.2 (edit: othermac as an mlx5)',
        source: () => q(SIM, 'src'),
        target: () => q(SIM, 'othermac', asMlx5),
        vm: { mac: '52:54:00:00:00:01' },
        codes: ['mac-match/replayed'],
      },
      {
        shows: "warns, unverified, when a vp_vdpa target shows no MAC: the device under it may keep its own (edit: E's MAC not shown)",
        source: () => q(VP, 'vpd'),
        target: () => q(VP, 'vpe', macNotShown),
        vm: { mac: '52:54:00:00:0d:01' },
        codes: ['mac-match/unverified'],
        and: ([f]) => {
          assert.equal(f?.data['side'], 'target');
          assert.match(String(f?.message), /whether it offers F_MAC is unknown: test: forgotten\) and vp_vdpa \(virtio-pci device as a parent\) forwards QEMU's config write to the device/);
        },
      },
      {
        shows: 'warns, unverified, when the source MAC is unknown (edits: nomacctl as an mlx5, its MAC not shown)',
        source: () =>
          q(SIM, 'nomacctl', (d, profile) => {
            asMlx5(d, profile);
            macNotShown(d);
          }),
        target: () => q(SIM, 'othermac'),
        codes: ['mac-match/unverified'],
      },
    ]);
  });
});
