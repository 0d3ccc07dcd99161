import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NET } from '../../src/profile/feature-bits.js';
import type { DeviceDoc, Profile } from '../../src/profile/types.js';
import { macMatch } from '../../src/rules/builtin/mac-match.js';
import { device, edits } from '../helpers/devices.js';
import { codes, run, vmWith } from '../helpers/rules.js';

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

describe('mac-match', () => {
  describe('valid', () => {
    it('notes the CTRL_MAC_ADDR replay when QEMU shadows the target CVQ (the simulator isolates it)', async () => {
      const findings = run(macMatch, await q(SIM, 'src'), await q(SIM, 'othermac'));
      assert.deepEqual(codes(findings), ['mac-match/replayed']);
      assert.equal(findings[0]?.severity, 'info');
    });
    it('notes that QEMU writes the MAC into a simulator target without CTRL_MAC_ADDR (measured)', async () => {
      const findings = run(macMatch, await q(SIM, 'nomacctl'), await q(SIM, 'othermac'));
      assert.deepEqual(codes(findings), ['mac-match/writtenByQemu']);
      // Both parents take QEMU's write: whatever the domain's MAC is, both devices end with it.
      assert.deepEqual([findings[0]?.data['domainMac'], findings[0]?.data['targetMac']], ["the domain's MAC", '00:11:22:33:44:55']);
      const known = run(macMatch, await q(SIM, 'nomacctl'), await q(SIM, 'othermac'), false, vmWith({ mac: '52:54:00:00:00:01' }));
      assert.deepEqual([codes(known), known[0]?.data['guestMac']], [['mac-match/writtenByQemu'], '52:54:00:00:00:01']);
    });
    it('passes equal MACs on a parent that ignores config writes', async () => {
      const source = await q(SIM, 'nomacctl', (d) => (d.config.mac = '00:11:22:33:44:55'));
      assert.deepEqual(codes(run(macMatch, source, await q(SIM, 'othermac', asMlx5))), []);
    });
    it('notes the replay on an mlx5 target too: it isolates the CVQ', async () => {
      assert.deepEqual(codes(run(macMatch, await q(SIM, 'src'), await q(SIM, 'othermac', asMlx5))), ['mac-match/replayed']);
    });
  });

  describe('invalid', () => {
    it('fails different MACs on a parent that ignores config writes (mlx5) without CTRL_MAC_ADDR', async () => {
      const findings = run(macMatch, await q(SIM, 'nomacctl'), await q(SIM, 'othermac', asMlx5), false, vmWith({ mac: '52:54:00:00:00:01' }));
      assert.deepEqual(codes(findings), ['mac-match/mismatch']);
      assert.deepEqual([findings[0]?.severity, findings[0]?.remedy, findings[0]?.source, findings[0]?.target], ['error', 'reprovision-target', '52:54:00:00:00:01', '00:11:22:33:44:55']);
      // Without the domain's MAC, the simulator source takes one that is not known: could not verify.
      assert.deepEqual(codes(run(macMatch, await q(SIM, 'nomacctl'), await q(SIM, 'othermac', asMlx5))), ['mac-match/parentUnknown']);
    });
    it('fails when QEMU will write the domain MAC into a target that takes it, but the guest uses the source device\'s own', async () => {
      // The source is an mlx5 keeping its provisioned MAC, the target the simulator.
      const findings = run(macMatch, await q(SIM, 'othermac', asMlx5), await q(SIM, 'same'), false, vmWith({ mac: '52:54:00:00:00:09' }));
      assert.deepEqual([codes(findings), findings[0]?.data['guestMac'], findings[0]?.data['domainMac']], [['mac-match/domainMacDiffers'], '00:11:22:33:44:55', '52:54:00:00:00:09']);
    });
    it('warns, unverified, on a vp_vdpa target: the write goes to the device under it, and no replay without an isolated CVQ', async () => {
      const findings = run(macMatch, await q(VP, 'vpd'), await q(VP, 'vpe'));
      assert.deepEqual(codes(findings), ['mac-match/parentUnknown']);
      assert.equal(findings[0]?.unverified, true);
      assert.match(String(findings[0]?.data['replayWhy']), /cannot isolate the CVQ/);
    });
    it('warns, unverified, not an error, when the CTRL_MAC_ADDR replay depends on the unknown target QEMU', async () => {
      // mlx5 isolates the CVQ: 8.2 and later shadow it and replay the guest MAC, 7.2 does so only with x-svq.
      const target = await q(SIM, 'othermac', asMlx5, null);
      const findings = run(macMatch, await q(SIM, 'src'), target, false, vmWith({ mac: '52:54:00:00:00:01' }));
      assert.deepEqual([codes(findings), findings[0]?.severity, findings[0]?.unverified], [['mac-match/replayUncertain'], 'warning', true]);
      assert.match(String(findings[0]?.data['replayWhy']), /not replayed: the CVQ is shadowed only with x-svq on 7\.2 to 8\.1; replayed on 8\.2 and later/);
      // Known to be 10.0.2 on the target: replayed.
      assert.deepEqual(codes(run(macMatch, await q(SIM, 'src'), await q(SIM, 'othermac', asMlx5), false, vmWith({ mac: '52:54:00:00:00:01' }))), ['mac-match/replayed']);
    });
    it('warns, unverified, when a vp_vdpa target shows no MAC: the device under it may keep its own', async () => {
      // The edit: vpe's MAC (and its offered F_MAC) forgotten, as a device whose config was not read.
      const target = await q(VP, 'vpe', (d) => {
        d.config.mac = null;
        edits.forget(d, NET.MAC);
      });
      const findings = run(macMatch, await q(VP, 'vpd'), target, false, vmWith({ mac: '52:54:00:00:0d:01' }));
      assert.deepEqual([codes(findings), findings[0]?.data['side']], [['mac-match/unverified'], 'target']);
      assert.match(String(findings[0]?.message), /whether it offers F_MAC is unknown: test: forgotten\) and vp_vdpa \(virtio-pci device as a parent\) forwards QEMU's config write to the device/);
    });
    it('warns, unverified, when the source MAC is unknown', async () => {
      const source = await q(SIM, 'nomacctl', (d, profile) => {
        asMlx5(d, profile);
        d.config.mac = null;
        edits.forget(d, NET.MAC);
      });
      assert.deepEqual(codes(run(macMatch, source, await q(SIM, 'othermac'))), ['mac-match/unverified']);
    });
  });
});
