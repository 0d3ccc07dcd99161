import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { DeviceDoc, Profile } from '../../src/profile/types.js';
import { vqState } from '../../src/rules/builtin/vq-state.js';
import { device } from '../helpers/devices.js';
import { cases } from '../helpers/rules.js';

// Real devices (raw netlink, kernel 6.12): the simulator reports and takes ring positions;
// vp_vdpa (parents D, E) does neither (get_vq_state -EOPNOTSUPP, set_vq_state only a fresh ring).
const SIM = 'e2e/k6.12/sim-netlink';
const VP = 'e2e/k6.12/vp2-netlink';
const q = (dump: string, name: string, edit?: (doc: DeviceDoc, profile: Profile) => void) => device(dump, name, edit, '10.0.2');

/** The management device presented as a PCI function of a driver the knowledge pack does not know. */
function unknownParent(doc: DeviceDoc, profile: Profile): void {
  const mgmtdev = profile.mgmtdevs.find((m) => m.handle === doc.mgmtdev);
  if (!mgmtdev) throw new Error('no mgmtdev');
  Object.assign(mgmtdev, { handle: 'pci/0000:00:0a.0', bus: 'pci', name: '0000:00:0a.0', driver: 'acme_vdpa' });
  doc.mgmtdev = 'pci/0000:00:0a.0';
}

describe('vq-state', () => {
  describe('valid', () => {
    cases(vqState, [
      { shows: 'passes the simulator on both sides: it reports and takes the rings positions', source: () => q(SIM, 'src'), target: () => q(SIM, 'same'), codes: [] },
      { shows: 'passes vp_vdpa with x-svq=on: QEMU keeps the positions (measured: the pair keeps its datapath)', source: () => q(VP, 'vpd'), target: () => q(VP, 'vpe'), vm: { xSvq: true }, codes: [] },
      { shows: 'passes the block simulator (vdpa_sim.c serves both)', source: () => q(SIM, 'blk'), target: () => q(SIM, 'blk'), codes: [] },
    ]);
  });

  describe('invalid', () => {
    cases(vqState, [
      {
        shows: 'refuses vp_vdpa on both sides without x-svq: the source cannot report the positions, the target cannot take them (measured: the destination falls back on userspace virtio)',
        source: () => q(VP, 'vpd'),
        target: () => q(VP, 'vpe'),
        codes: ['vq-state/sourceCannot', 'vq-state/targetCannot'],
        and: (findings) => {
          assert.deepEqual(
            findings.map((f) => [f.severity, f.remedy]),
            [
              ['error', 'change-vm-config'],
              ['error', 'change-vm-config'],
            ],
          );
          assert.match(findings[0]?.message ?? '', /source parent vp_vdpa .* cannot report where each ring stands/);
        },
      },
      { shows: 'refuses a vp_vdpa target for a simulator source', source: () => q(SIM, 'src'), target: () => q(VP, 'vpe'), codes: ['vq-state/targetCannot'] },
      { shows: 'refuses a vp_vdpa source whatever the target', source: () => q(VP, 'vpd'), target: () => q(SIM, 'same'), codes: ['vq-state/sourceCannot'] },
      {
        shows: 'cannot verify a parent the pack does not know: an unverified warning',
        source: () => q(SIM, 'src', unknownParent),
        target: () => q(SIM, 'same'),
        codes: ['vq-state/unknown'],
        and: (findings) =>
          assert.deepEqual(
            findings.map((f) => [f.severity, f.unverified]),
            [['warning', true]],
          ),
      },
      { shows: 'x-svq does not excuse a block device: it has no shadow virtqueues', source: () => q(SIM, 'blk', unknownParent), target: () => q(SIM, 'blk'), vm: { xSvq: true }, codes: ['vq-state/unknown'] },
    ]);
  });
});
