import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unknownReason } from '../../src/profile/facts.js';
import { NET } from '../../src/profile/feature-bits.js';
import type { DeviceDoc } from '../../src/profile/types.js';
import { negotiatedFeaturesOffered } from '../../src/rules/builtin/negotiated-features-offered.js';
import type { Finding } from '../../src/rules/finding.js';
import { device, edits } from '../helpers/devices.js';
import { cases, codes, run } from '../helpers/rules.js';

// Real devices:
// - SIM (raw netlink, kernel 6.12, the e2e run): src negotiated by virtio_net (MTU MAC STATUS CTRL_VQ
//   CTRL_MAC_ADDR VERSION_1 ACCESS_PLATFORM); same/idle idle twins; fewer provisioned without CTRL_VQ
//   and CTRL_MAC_ADDR (0x308010028): the real "Features 0x… unsupported" case of the lab.
// - VP (raw netlink): vp_vdpa A negotiated by virtio_net (GUEST_ANNOUNCE, RSS…), B and C idle, D/E idle.
// - iproute2-only: NEGOTIATED (6.12 simulator negotiated), NO_MTU (provisioned without F_MTU),
//   VHOST (idle, offered set unknown), K61_UNBOUND (6.1 parent cannot offer STATUS).
const SIM = 'e2e/k6.12/sim-netlink';
const VP = 'e2e/k6.12/vp2-netlink';
const NEGOTIATED = 'profiles/vdpasim/k6.12-negotiated';
const NO_MTU = 'profiles/vdpasim/k6.12-no-mtu';
const VHOST = 'profiles/vdpasim/k6.12-vhost';
const K61_UNBOUND = 'k6.1-default-unbound';
const K61_CONFIG_STOPS = 'k6.1-config-dump-stops-at-blk';
const VP_THREE = 'profiles/vp_vdpa/k6.12-three-vhost';
const at =
  (version: string | null) =>
  (dump: string, name = 'vdpa0', edit?: Parameters<typeof device>[2]) =>
    device(dump, name, edit, version);
const q =
  (dump: string, name = 'vdpa0', edit?: Parameters<typeof device>[2]) =>
  () =>
    at('10.0.2')(dump, name, edit);
const ofCode = (findings: readonly Finding[], code: string) => findings.filter((f) => f.code === code);

/** The two notes of every pair whose source virtio_vdpa negotiated (SIM src, NEGOTIATED): it took MAC, which is QEMU's own, so the target need not offer it. */
const HOST_NOTES = ['negotiated-features-offered/negotiatedByHost', 'negotiated-features-offered/qemuOwn'];

/** Edit: F_MTU known not offered. */
const withoutFMtu = (d: DeviceDoc) => edits.withhold(d, NET.MTU);

describe('negotiated-features-offered', () => {
  describe('valid', () => {
    cases(negotiatedFeaturesOffered, [
      {
        shows: "passes a target known to offer every device-controlled bit the guest negotiated; MAC is QEMU's own",
        source: q(SIM, 'src'),
        target: q(SIM, 'same'),
        // virtio_vdpa negotiated MAC, which QEMU never passes to a device.
        codes: ['negotiated-features-offered/negotiatedByHost', 'negotiated-features-offered/qemuOwn'],
        and: ([f]) => {
          assert.equal(f?.data['ignored'], 'MAC (bit 5)');
          // What it says of them: QEMU's on the source, still counted where the target QEMU asks its device.
          assert.match(String(f?.message), /a guest gets MAC \(bit 5\) from the source QEMU's own model, so they count only where the target QEMU asks its device for them/);
        },
      },
      { shows: 'asks the target for F_MTU without host_mtu (edit: F_MTU withheld on the target)', source: q(SIM, 'src'), target: q(SIM, 'same', withoutFMtu), codes: [...HOST_NOTES, 'negotiated-features-offered/missing'] },
      {
        shows: "does not ask the target for F_MTU when host_mtu makes it QEMU's (measured: a target without F_MTU migrated and worked; edit: F_MTU withheld)",
        source: q(SIM, 'src'),
        target: q(SIM, 'same', withoutFMtu),
        vm: { hostMtu: 1500 },
        codes: HOST_NOTES,
      },
    ]);
    it('does not ask the target for GUEST_ANNOUNCE under QEMU 10.x, which emulates it (vp_vdpa A negotiated it)', async () => {
      const findings = run(negotiatedFeaturesOffered, await at('10.0.2')(VP, 'vpa'), await at('10.0.2')(VP, 'vpe'));
      assert.ok(!findings.some((f) => f.severity === 'error' && f.data['feature'] === 'GUEST_ANNOUNCE'), codes(findings).join(', '));
    });
  });

  describe('invalid', () => {
    cases(negotiatedFeaturesOffered, [
      {
        shows: 'fails the lab case: a target without the CTRL_VQ and CTRL_MAC_ADDR the guest negotiated',
        source: q(SIM, 'src'),
        target: q(SIM, 'fewer'),
        codes: [...HOST_NOTES, 'negotiated-features-offered/missing', 'negotiated-features-offered/missing'],
        and: (findings) => {
          const missing = ofCode(findings, 'negotiated-features-offered/missing');
          assert.deepEqual(
            missing.map((f) => f.data['feature']),
            ['CTRL_VQ', 'CTRL_MAC_ADDR'],
          );
          assert.deepEqual([missing[0]?.severity, missing[0]?.remedy, missing[0]?.path, missing[0]?.data['bit']], ['error', 'reprovision-target', '/features/offered', NET.CTRL_VQ]);
          // The suggested device_features restores the guest's set on that parent.
          assert.equal(missing[0]?.data['deviceFeatures'], '0x0000000308830028');
          // ANY_LAYOUT (bit 27) stays: the target offers it.
        },
      },
      {
        shows: 'warns when the target QEMU asks the device for a bit the source QEMU kept to itself (10.x source, 7.2 target)',
        source: q(SIM, 'src'),
        target: () => at('7.2.22')(SIM, 'same'),
        codes: [...HOST_NOTES, 'negotiated-features-offered/emulatedOnSource'],
        and: (findings) => {
          const [hidden] = ofCode(findings, 'negotiated-features-offered/emulatedOnSource');
          assert.equal(hidden?.data['features'], 'GUEST_ANNOUNCE (bit 21)');
          assert.equal(hidden?.unverified, true);
        },
      },
      { shows: 'does not warn so when the target QEMU keeps that bit to itself too (10.0.2 → 10.0.13)', source: q(SIM, 'src'), target: () => at('10.0.13')(SIM, 'same'), codes: HOST_NOTES },
      {
        shows: 'fails with notSupported when the target parent cannot offer the feature (6.12 guest to a 6.1 simulator)',
        source: q(NEGOTIATED),
        target: q(K61_UNBOUND),
        codes: [...HOST_NOTES, 'negotiated-features-offered/notSupported', 'negotiated-features-offered/unverified'],
        and: (findings) =>
          assert.deepEqual(
            ofCode(findings, 'negotiated-features-offered/notSupported').map((f) => [f.data['feature'], f.data['bit'], f.severity]),
            [['STATUS', NET.STATUS, 'error']],
          ),
      },
      {
        shows: 'fails when iproute2 shows the target lacks a negotiated bit (F_MTU known absent from the config)',
        source: q(NEGOTIATED),
        target: q(NO_MTU),
        codes: [...HOST_NOTES, 'negotiated-features-offered/missing', 'negotiated-features-offered/unverified'],
        and: (findings) =>
          assert.deepEqual(
            ofCode(findings, 'negotiated-features-offered/missing').map((f) => f.data['feature']),
            ['MTU'],
          ),
      },
      {
        shows: 'warns, unverified, when iproute2 cannot show whether the target offers them (idle 6.12 simulator profile)',
        source: q(NEGOTIATED),
        target: q(VHOST),
        codes: [...HOST_NOTES, 'negotiated-features-offered/unverified'],
        and: ([, , unverified], { target }) => {
          assert.match(String(unverified?.data['features']), /CTRL_VQ.*CTRL_MAC_ADDR/);
          assert.equal(unverified?.data['why'], unknownReason(target.doc, '/features/offered'));
        },
      },
      {
        shows: 'warns, before negotiation, what vp_vdpa parent A may offer (unknown: iproute2 only) that parent B is known not to',
        source: q(VP_THREE, 'vdpa0'),
        target: q(VP_THREE, 'vdpa1'),
        codes: ['negotiated-features-offered/comparedOffered', 'negotiated-features-offered/notSupported', 'negotiated-features-offered/unverified', 'negotiated-features-offered/possiblyMissing'],
        and: (findings) => {
          const [possibly] = ofCode(findings, 'negotiated-features-offered/possiblyMissing');
          assert.deepEqual([possibly?.severity, possibly?.unverified, possibly?.data['target']], ['warning', true, 'vdpa1']);
        },
      },
      {
        shows: "warns that a block source's features cannot be known at all from iproute2 (simulator block devices)",
        source: q(VHOST, 'vdpa1'),
        target: q(VHOST, 'vdpa1'),
        codes: ['negotiated-features-offered/comparedOffered', 'negotiated-features-offered/sourceUnknown'],
        and: ([, f]) => assert.deepEqual([f?.severity, f?.unverified], ['warning', true]),
      },
      {
        shows: 'says why it compared offered features when the source negotiated set is unknown (6.1 config dump that stops at a block device)',
        source: q(K61_CONFIG_STOPS, 'vdpa0'),
        target: q(SIM, 'same'),
        codes: ['negotiated-features-offered/comparedOffered'],
        and: ([f], { source }) => assert.equal(f?.data['why'], unknownReason(source.doc, '/features/negotiated')),
      },
    ]);

    // Bespoke: what matters is which of the many findings there are, not their full list.
    it('asks for GUEST_ANNOUNCE on a 7.2 target, and says it depends on the version when unknown', async () => {
      const source = await at('7.2.22')(VP, 'vpa');
      const on72 = run(negotiatedFeaturesOffered, source, await at('7.2.22')(VP, 'vpe'));
      // Parent E's virtio-net-pci has guest_announce=off: the parent cannot offer it at all.
      assert.ok(
        on72.some((f) => f.code === 'negotiated-features-offered/notSupported' && f.data['feature'] === 'GUEST_ANNOUNCE'),
        codes(on72).join(', '),
      );
      const unknown = run(negotiatedFeaturesOffered, source, await at(null)(VP, 'vpe'));
      const dependent = unknown.find((f) => f.code === 'negotiated-features-offered/dependsOnVersion');
      assert.match(String(dependent?.data['features']), /GUEST_ANNOUNCE/);
      assert.deepEqual([dependent?.data['controlling'], dependent?.data['emulating'], dependent?.unverified], ['7.2', '8.0 and later', true]);
    });
    it('before negotiation, compares what the source offers and says what parent C cannot offer at all (vp_vdpa B → C)', async () => {
      const findings = run(negotiatedFeaturesOffered, await at('10.0.2')(VP, 'vpb'), await at('10.0.2')(VP, 'vpc'));
      assert.equal(findings[0]?.code, 'negotiated-features-offered/comparedOffered');
      // B offers CSUM (and more) that parent C cannot offer at all.
      const lacking = ofCode(findings, 'negotiated-features-offered/notSupported');
      assert.ok(lacking.length > 0 && lacking.every((f) => f.data['basis'] === 'the source offers (nothing negotiated there yet)'), codes(findings).join(', '));
      assert.ok(lacking.some((f) => f.data['feature'] === 'CSUM'));
    });
  });
});
