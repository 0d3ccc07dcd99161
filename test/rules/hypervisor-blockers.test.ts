import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { hypervisorBlockers } from '../../src/rules/builtin/hypervisor-blockers.js';
import { device } from '../helpers/devices.js';
import { cases, type Case } from '../helpers/rules.js';

// Real devices read with raw netlink on kernel 6.12: the simulator offers CTRL_VQ; "fewer" was
// provisioned without it (device_features 0x308010028). The QEMU versions are the pack's.
const SIM = 'e2e/k6.12/sim-netlink';
const on =
  (version: string | null, name = 'src') =>
  () =>
    device(SIM, name, undefined, version);
/** Simulator src (or another source) → same, both under one QEMU version. */
const pair = (version: string | null, source = 'src') => ({ source: on(version, source), target: on(version, 'same') });

describe('hypervisor-blockers', () => {
  describe('valid', () => {
    cases(hypervisorBlockers, [
      ...['8.2.0', '9.2.0', '10.0.2', '10.0.13', '10.2.2'].map((version): Case => ({ shows: `passes QEMU ${version} (8.2 and later)`, ...pair(version), codes: [] })),
      { shows: 'passes 8.1 with a device that does not offer CTRL_VQ (simulator "fewer")', ...pair('8.1.0', 'fewer'), codes: [] },
      ...['7.2.22', '8.1.0'].map((version): Case => ({ shows: `passes ${version} with x-svq=on`, ...pair(version), vm: { xSvq: true }, codes: [] })),
    ]);
  });

  describe('invalid', () => {
    cases(hypervisorBlockers, [
      ...['5.2.0', '7.2.22'].map((version): Case => ({
        shows: `blocks ${version} without x-svq with the LOG_ALL message`,
        ...pair(version),
        codes: ['hypervisor-blockers/logAll'],
        and: ([f]) => {
          assert.deepEqual([f?.severity, f?.blocker, f?.remedy], ['error', true, 'change-vmm']);
          assert.equal(f?.data['message'], 'Migration disabled: vhost lacks VHOST_F_LOG_ALL feature.');
        },
      })),
      { shows: 'refuses x-svq=on on 5.2, which has no such option', ...pair('5.2.0'), vm: { xSvq: true }, codes: ['hypervisor-blockers/noXSvqOption'] },
      ...['8.0.0', '8.1.2'].map((version): Case => ({
        shows: `blocks ${version} without x-svq when the device offers CTRL_VQ`,
        ...pair(version),
        codes: ['hypervisor-blockers/cvq'],
        and: ([f]) => assert.equal(f?.data['message'], 'net vdpa cannot migrate with CVQ feature'),
      })),
      {
        shows: 'warns, failsSafe, naming the releases, when the source version is unknown',
        ...pair(null),
        codes: ['hypervisor-blockers/dependsOnVersion'],
        and: ([f]) => {
          assert.deepEqual([f?.unverified, f?.failsSafe], [true, true]);
          assert.match(String(f?.data['outcomes']), /on 5\.2 and 7\.2; .* on 8\.0 to 8\.1; fine on 8\.2 and later/);
        },
      },
      {
        shows: 'treats a downstream build that backports changes as unknown (qemu-kvm-8.0.0-16.el9_3)',
        source: on('QEMU emulator version 8.0.0 (qemu-kvm-8.0.0-16.el9_3)'),
        target: on(null, 'same'),
        codes: ['hypervisor-blockers/dependsOnVersion'],
      },
      { shows: 'blocks the generic vhost-vdpa-device-pci', ...pair('10.0.2'), vm: { model: 'vhost-vdpa-device-pci' }, codes: ['hypervisor-blockers/genericDevice'] },
      {
        shows: 'warns that block devices need shared storage (simulator blk)',
        source: on('10.0.2', 'blk'),
        target: on('10.0.2', 'blk'),
        codes: ['hypervisor-blockers/blockSharedStorage'],
        and: ([f]) => assert.deepEqual([f?.severity, f?.unverified], ['warning', false]),
      },
    ]);
  });
});
