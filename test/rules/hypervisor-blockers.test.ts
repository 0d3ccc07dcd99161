import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hypervisorBlockers } from '../../src/rules/builtin/hypervisor-blockers.js';
import { device } from '../helpers/devices.js';
import { codes, run, vmWith } from '../helpers/rules.js';

// Real devices read with raw netlink on kernel 6.12: the simulator offers CTRL_VQ; "fewer" was
// provisioned without it (device_features 0x308010028). The QEMU versions are the pack's.
const SIM = 'e2e/k6.12/sim-netlink';
const pair = async (version: string | null, source = 'src') => [await device(SIM, source, undefined, version), await device(SIM, 'same', undefined, version)] as const;

describe('hypervisor-blockers', () => {
  describe('valid', () => {
    it('passes QEMU 8.2 and later, and 8.0-8.1 with a device that does not offer CTRL_VQ', async () => {
      for (const version of ['8.2.0', '9.2.0', '10.0.2', '10.0.13', '10.2.2']) assert.deepEqual(codes(run(hypervisorBlockers, ...(await pair(version)))), [], version);
      assert.deepEqual(codes(run(hypervisorBlockers, ...(await pair('8.1.0', 'fewer')))), []);
    });
    it('passes 7.2 and 8.1 with x-svq=on', async () => {
      for (const version of ['7.2.22', '8.1.0']) assert.deepEqual(codes(run(hypervisorBlockers, ...(await pair(version)), false, vmWith({ xSvq: true }))), [], version);
    });
  });

  describe('invalid', () => {
    it('blocks 5.2 always and 7.2 without x-svq with the LOG_ALL message', async () => {
      for (const version of ['5.2.0', '7.2.22']) {
        const [finding] = run(hypervisorBlockers, ...(await pair(version)));
        assert.equal(finding?.code, 'hypervisor-blockers/logAll', version);
        assert.deepEqual([finding?.severity, finding?.blocker, finding?.remedy], ['error', true, 'change-vmm']);
        assert.equal(finding?.data['message'], 'Migration disabled: vhost lacks VHOST_F_LOG_ALL feature.');
      }
      assert.deepEqual(codes(run(hypervisorBlockers, ...(await pair('5.2.0')), false, vmWith({ xSvq: true }))), ['hypervisor-blockers/noXSvqOption']);
    });
    it('blocks 8.0 and 8.1 without x-svq when the device offers CTRL_VQ', async () => {
      for (const version of ['8.0.0', '8.1.2']) {
        const [finding] = run(hypervisorBlockers, ...(await pair(version)));
        assert.deepEqual([finding?.code, finding?.data['message']], ['hypervisor-blockers/cvq', 'net vdpa cannot migrate with CVQ feature'], version);
      }
    });
    it('warns, failsSafe, naming the releases, when the source version is unknown', async () => {
      const findings = run(hypervisorBlockers, ...(await pair(null)));
      assert.deepEqual(codes(findings), ['hypervisor-blockers/dependsOnVersion']);
      assert.deepEqual([findings[0]?.unverified, findings[0]?.failsSafe], [true, true]);
      assert.match(String(findings[0]?.data['outcomes']), /on 5\.2 and 7\.2; .* on 8\.0 to 8\.1; fine on 8\.2 and later/);
      assert.equal(run(hypervisorBlockers, ...(await pair(null)), true)[0]?.severity, 'error');
      // A downstream build that backports changes is treated as unknown.
      const rhel = await device(SIM, 'src', undefined, 'QEMU emulator version 8.0.0 (qemu-kvm-8.0.0-16.el9_3)');
      assert.deepEqual(codes(run(hypervisorBlockers, rhel, await device(SIM, 'same'))), ['hypervisor-blockers/dependsOnVersion']);
    });
    it('blocks the generic vhost-vdpa-device-pci, and warns that block devices need shared storage', async () => {
      assert.deepEqual(codes(run(hypervisorBlockers, ...(await pair('10.0.2')), false, vmWith({ model: 'vhost-vdpa-device-pci' }))), ['hypervisor-blockers/genericDevice']);
      const blk = run(hypervisorBlockers, await device(SIM, 'blk', undefined, '10.0.2'), await device(SIM, 'blk', undefined, '10.0.2'));
      assert.deepEqual([codes(blk), blk[0]?.severity, blk[0]?.unverified], [['hypervisor-blockers/blockSharedStorage'], 'warning', false]);
    });
  });
});
