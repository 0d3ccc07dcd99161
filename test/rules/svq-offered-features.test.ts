import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { NET } from '../../src/profile/feature-bits.js';
import { svqOfferedFeatures } from '../../src/rules/builtin/svq-offered-features.js';
import type { DeviceDoc } from '../../src/profile/types.js';
import type { FindingValue } from '../../src/rules/define.js';
import { device, edits, onQemu } from '../helpers/devices.js';
import { cases, type Case } from '../helpers/rules.js';

// Real devices read with raw netlink on kernel 6.12 (the e2e run): the simulator (offers only
// bits every shadow virtqueue handles), vp_vdpa parents A and B over a default virtio-net-pci
// (offer GUEST_ANNOUNCE, INDIRECT_DESC, RING_RESET, CTRL_RX…, no ACCESS_PLATFORM), and parents
// D and E, whose virtio-net-pci was configured to offer only SVQ-handled bits.
const VP = 'e2e/k6.12/vp2-netlink';
const SIM = 'e2e/k6.12/sim-netlink';
const TOOL = 'e2e/k6.12/sim-tool615';
const on = (version: string | null) => (dump: string, name: string, edit?: (doc: DeviceDoc) => void) => () => device(dump, name, edit, version);
const features = (f: { data: Record<string, FindingValue> } | undefined) => String(f?.data['features'] ?? '');

/** Edit: CTRL_RX offered, a bit 8.0's shadow virtqueue refuses and 8.1 and later accept. */
const withCtrlRx = (d: DeviceDoc) => edits.offer(d, NET.CTRL_RX);

describe('svq-offered-features', () => {
  describe('valid', () => {
    cases(svqOfferedFeatures, [
      ...['7.2.22', '8.0.0', '10.0.2', '10.2.2', null].flatMap((version): Case[] => {
        // 7.2 without x-svq never shadows a queue: a note, and nothing to refuse.
        const expected = version === '7.2.22' ? ['svq-offered-features/noShadowVirtqueue'] : [];
        const q = on(version);
        return [
          { shows: `passes the simulator on QEMU ${version ?? 'unknown'}`, source: q(SIM, 'src'), target: q(SIM, 'same'), codes: expected },
          { shows: `passes vp_vdpa parents D/E on QEMU ${version ?? 'unknown'}`, source: q(VP, 'vpd'), target: q(VP, 'vpe'), codes: expected },
        ];
      }),
      { shows: 'is not applicable to block devices', source: on(null)(SIM, 'blk'), target: on(null)(SIM, 'blk'), codes: [], status: 'not-applicable' },
    ]);
  });

  describe('invalid', () => {
    cases(svqOfferedFeatures, [
      {
        shows: 'blocks a source that offers what no shadow virtqueue handles, even with the version unknown (vp_vdpa parent A)',
        source: on(null)(VP, 'vpa'),
        target: on(null)(VP, 'vpe'),
        codes: ['svq-offered-features/sourceOffers', 'svq-offered-features/sourceDependsOnVersion', 'svq-offered-features/sourceMissing'],
        and: ([refused, , missing]) => {
          assert.equal(refused?.severity, 'error');
          assert.equal(refused?.blocker, true);
          for (const bit of ['GUEST_ANNOUNCE', 'RING_INDIRECT_DESC', 'RING_RESET']) assert.match(features(refused), new RegExp(bit));
          assert.match(String(refused?.message), /: QEMU 8\.0 and later blocks migrating this VM/);
          // A offers no ACCESS_PLATFORM: the shadow virtqueue requires it.
          assert.match(features(missing), /ACCESS_PLATFORM/);
        },
      },
      {
        // 7.2 with x-svq checks the same set when the netdev starts: that is a netdev that does not start.
        shows: 'says the netdev of 7.2 with x-svq=on does not start on such a source (vp_vdpa parent A)',
        source: on('7.2.22')(VP, 'vpa'),
        target: on('7.2.22')(VP, 'vpe'),
        vm: { xSvq: true },
        codes: ['svq-offered-features/sourceOffers', 'svq-offered-features/sourceMissing'],
        and: ([f]) => assert.match(String(f?.message), /: with x-svq=on the netdev of QEMU 7\.2 does not start$/),
      },
      {
        shows: "fails a target that offers them, as an error that is not the hypervisor's (vp_vdpa parent B)",
        source: on('10.0.2')(VP, 'vpd'),
        target: on('10.0.2')(VP, 'vpb'),
        codes: ['svq-offered-features/targetOffers', 'svq-offered-features/targetMissing'],
        and: ([f]) => {
          assert.equal(f?.blocker, false);
          assert.equal(f?.remedy, 'reprovision-target');
          // The suggested device_features keep what the SVQ takes (B offers CTRL_RX, which 10.0.2 handles).
          assert.doesNotMatch(features(f), /CTRL_RX /);
        },
      },
      {
        shows: 'names the releases when a bit is refused by some, the version unknown (edit: E offers CTRL_RX; 8.0 refuses it, 8.1 on accept it)',
        source: on(null)(VP, 'vpe', withCtrlRx),
        target: on(null)(VP, 'vpe'),
        codes: ['svq-offered-features/sourceDependsOnVersion'],
        and: ([f]) => assert.deepEqual([f?.unverified, f?.failsSafe, f?.data['refusing'], f?.data['accepting']], [true, true, '8.0', '8.1 and later']),
      },
      {
        shows: 'blocks that CTRL_RX on 7.2 with x-svq=on, which checks the set (edit: E offers CTRL_RX)',
        source: on('7.2.22')(VP, 'vpe', withCtrlRx),
        target: on('7.2.22')(VP, 'vpe'),
        vm: { xSvq: true },
        codes: ['svq-offered-features/sourceOffers'],
      },
      {
        // Its LOG_ALL blocker is hypervisor-blockers' finding.
        shows: 'only notes that 7.2 without x-svq never shadows, whatever the source offers (edit: E offers CTRL_RX)',
        source: on('7.2.22')(VP, 'vpe', withCtrlRx),
        target: on('7.2.22')(VP, 'vpe'),
        codes: ['svq-offered-features/noShadowVirtqueue'],
      },
      { shows: 'passes that CTRL_RX on 10.0.13, which accepts it (edit: E offers CTRL_RX)', source: on('10.0.13')(VP, 'vpe', withCtrlRx), target: on('10.0.13')(VP, 'vpe'), codes: [] },
      {
        // QEMU does not refuse an incoming migration.
        shows: 'warns for the same uncertainty on the target, where it is not safe (edit: E offers CTRL_RX)',
        source: on(null)(VP, 'vpd'),
        target: on(null)(VP, 'vpe', withCtrlRx),
        codes: ['svq-offered-features/targetDependsOnVersion'],
        and: ([f]) => assert.equal(f?.failsSafe, false),
      },
      {
        shows: 'warns, unverified, when iproute2 could not show the offered set: failsSafe on the source only (simulator, iproute2 6.15)',
        source: on(null)(TOOL, 'same'),
        target: on(null)(TOOL, 'idle'),
        codes: ['svq-offered-features/sourceUnverified', 'svq-offered-features/targetUnverified'],
        and: (findings) => {
          assert.deepEqual(
            findings.map((f) => [f.unverified, f.failsSafe]),
            [
              [true, true],
              [true, false],
            ],
          );
          assert.match(features(findings[1]), /VERSION_1.*ACCESS_PLATFORM/);
        },
      },
      {
        shows: 'notes that QEMU 5.2 has no shadow virtqueue at all (hypervisor-blockers reports the rest)',
        source: async () => onQemu(await device(VP, 'vpa'), '5.2.0'),
        target: on('5.2.0')(VP, 'vpe'),
        codes: ['svq-offered-features/noShadowVirtqueue'],
      },
    ]);
  });
});
