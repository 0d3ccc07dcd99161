import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { DeviceDoc, Profile } from '../../src/profile/types.js';
import { cvqIsolation } from '../../src/rules/builtin/cvq-isolation.js';
import { device } from '../helpers/devices.js';
import { cases } from '../helpers/rules.js';

// Real devices (raw netlink, kernel 6.12): the simulator isolates the CVQ (2 groups, 2 address
// spaces); vp_vdpa cannot (1 and 1). D (negotiated CTRL_VQ and MQ, 2 pairs) and E (4 pairs).
const SIM = 'e2e/k6.12/sim-netlink';
const VP = 'e2e/k6.12/vp2-netlink';
const q = (dump: string, name: string, edit?: (doc: DeviceDoc, profile: Profile) => void, version: string | null = '10.0.2') => device(dump, name, edit, version);

/** The test's one edit: the management device presented as a PCI function of a driver the knowledge pack does not know. */
function unknownParent(doc: DeviceDoc, profile: Profile): void {
  const mgmtdev = profile.mgmtdevs.find((m) => m.handle === doc.mgmtdev);
  if (!mgmtdev) throw new Error('no mgmtdev');
  Object.assign(mgmtdev, { handle: 'pci/0000:00:0a.0', bus: 'pci', name: '0000:00:0a.0', driver: 'acme_vdpa' });
  doc.mgmtdev = 'pci/0000:00:0a.0';
}

describe('cvq-isolation', () => {
  describe('valid', () => {
    cases(cvqIsolation, [
      { shows: "passes the simulator on both sides: QEMU shadows its CVQ, and replays the guest's state", source: () => q(SIM, 'src'), target: () => q(SIM, 'same'), codes: [] },
      { shows: 'passes anything with x-svq=on: every queue is shadowed (vp_vdpa D → E)', source: () => q(VP, 'vpd'), target: () => q(VP, 'vpe'), vm: { xSvq: true }, codes: [] },
    ]);
  });

  describe('invalid', () => {
    cases(cvqIsolation, [
      {
        shows: "warns that the guest's CVQ state never reached QEMU on a vp_vdpa source, and that a vp_vdpa target restores none of it (D → E)",
        source: () => q(VP, 'vpd'),
        target: () => q(VP, 'vpe'),
        codes: ['cvq-isolation/sourceNotIsolated', 'cvq-isolation/queuePairsNotRestored'],
        and: (findings) => {
          assert.deepEqual(
            findings.map((f) => [f.severity, f.unverified]),
            [
              ['warning', false],
              ['warning', true],
            ],
          );
          assert.equal(findings[1]?.data['pairs'], 2);
        },
      },
      {
        shows: 'warns that nothing is replayed into a vp_vdpa target for a single-queue guest (simulator → E)',
        source: () => q(SIM, 'src'),
        target: () => q(VP, 'vpe'),
        codes: ['cvq-isolation/targetNoReplay'],
        and: ([f]) => assert.equal(f?.unverified, false),
      },
      {
        shows: 'says per release why nothing is replayed into a vp_vdpa target of unknown QEMU, not one reason for all',
        source: () => q(SIM, 'src'),
        target: () => device(VP, 'vpe'),
        codes: ['cvq-isolation/targetNoReplay'],
        and: ([f]) => {
          const why = String(f?.data['why']);
          assert.match(why, /the CVQ is shadowed only with x-svq on 7\.2 to 8\.1/);
          assert.match(why, /vp_vdpa \(virtio-pci device as a parent\) cannot isolate the CVQ in an address space of its own on 8\.2 and later/);
        },
      },
      {
        shows: 'warns, unverified, for a parent the knowledge pack does not know (edit: the simulator as an acme_vdpa PCI function)',
        source: () => q(SIM, 'src', unknownParent),
        target: () => q(SIM, 'same', unknownParent),
        codes: ['cvq-isolation/sourceUnknown', 'cvq-isolation/targetUnknown'],
        and: ([f]) => assert.match(String(f?.data['why']), /acme_vdpa/),
      },
    ]);
  });
});
