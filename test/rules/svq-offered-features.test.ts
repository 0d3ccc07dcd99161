import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NET } from '../../src/profile/feature-bits.js';
import { svqOfferedFeatures } from '../../src/rules/builtin/svq-offered-features.js';
import type { Finding } from '../../src/rules/finding.js';
import { device, edits, onQemu } from '../helpers/devices.js';
import { codes, run, status, vmWith } from '../helpers/rules.js';

// Real devices read with raw netlink on kernel 6.12 (the e2e run): the simulator (offers only
// bits every shadow virtqueue handles), vp_vdpa parents A and B over a default virtio-net-pci
// (offer GUEST_ANNOUNCE, INDIRECT_DESC, RING_RESET, CTRL_RX…, no ACCESS_PLATFORM), and parents
// D and E, whose virtio-net-pci was configured to offer only SVQ-handled bits.
const VP = 'e2e/k6.12/vp2-netlink';
const SIM = 'e2e/k6.12/sim-netlink';
const TOOL = 'e2e/k6.12/sim-tool615';
const on = (version: string) => async (dump: string, name: string) => device(dump, name, undefined, version);
const features = (f: { data: Record<string, unknown> } | undefined) => String(f?.data['features'] ?? '');
const serious = (findings: Finding[]) => codes(findings.filter((f) => f.severity !== 'info'));

describe('svq-offered-features', () => {
  describe('valid', () => {
    it('passes the simulator and vp_vdpa parents D/E on every QEMU, and with the version unknown', async () => {
      for (const version of ['7.2.22', '8.0.0', '10.0.2', '10.2.2', null]) {
        const at = (dump: string, name: string) => device(dump, name, undefined, version);
        assert.deepEqual(serious(run(svqOfferedFeatures, await at(SIM, 'src'), await at(SIM, 'same'))), [], String(version));
        assert.deepEqual(serious(run(svqOfferedFeatures, await at(VP, 'vpd'), await at(VP, 'vpe'))), [], String(version));
      }
    });
    it('is not applicable to block devices', async () => {
      assert.equal(status(svqOfferedFeatures, await device(SIM, 'blk'), await device(SIM, 'blk')), 'not-applicable');
    });
  });

  describe('invalid', () => {
    it('blocks a source that offers what no shadow virtqueue handles, even with the version unknown (vp_vdpa parent A)', async () => {
      const findings = run(svqOfferedFeatures, await device(VP, 'vpa'), await device(VP, 'vpe'));
      const refused = findings.find((f) => f.code === 'svq-offered-features/sourceOffers');
      assert.ok(refused, codes(findings).join(', '));
      assert.equal(refused.severity, 'error');
      assert.equal(refused.blocker, true);
      for (const bit of ['GUEST_ANNOUNCE', 'RING_INDIRECT_DESC', 'RING_RESET']) assert.match(features(refused), new RegExp(bit));
      assert.match(refused.message, /: QEMU 8\.0 and later blocks migrating this VM/);
      // 7.2 with x-svq checks the same set when the netdev starts: that is a netdev that does not start.
      const withXSvq = run(svqOfferedFeatures, await device(VP, 'vpa', undefined, '7.2.22'), await device(VP, 'vpe', undefined, '7.2.22'), false, vmWith({ xSvq: true }));
      assert.match(withXSvq.find((f) => f.code === 'svq-offered-features/sourceOffers')?.message ?? '', /: with x-svq=on the netdev of QEMU 7\.2 does not start$/);
      // A offers no ACCESS_PLATFORM: the shadow virtqueue requires it.
      assert.match(features(findings.find((f) => f.code === 'svq-offered-features/sourceMissing')), /ACCESS_PLATFORM/);
    });
    it('fails a target that offers them, as an error that is not the hypervisor\'s (vp_vdpa parent B)', async () => {
      const at = on('10.0.2');
      const findings = run(svqOfferedFeatures, await at(VP, 'vpd'), await at(VP, 'vpb'));
      assert.deepEqual(codes(findings), ['svq-offered-features/targetOffers', 'svq-offered-features/targetMissing']);
      assert.equal(findings[0]?.blocker, false);
      assert.equal(findings[0]?.remedy, 'reprovision-target');
      // The suggested device_features keep what the SVQ takes (B offers CTRL_RX, which 10.0.2 handles).
      assert.doesNotMatch(features(findings[0]), /CTRL_RX /);
    });
    it('names the releases when a bit is refused by some (CTRL_RX: 8.0 refuses it, 8.1 on accept it; 7.2 checks only with x-svq)', async () => {
      const withCtrlRx = (version: string | null) => device(VP, 'vpe', (d) => edits.offer(d, NET.CTRL_RX), version);
      const unknown = run(svqOfferedFeatures, await withCtrlRx(null), await device(VP, 'vpe'));
      assert.deepEqual(codes(unknown), ['svq-offered-features/sourceDependsOnVersion']);
      assert.deepEqual([unknown[0]?.unverified, unknown[0]?.failsSafe, unknown[0]?.data['refusing'], unknown[0]?.data['accepting']], [true, true, '8.0', '8.1 and later']);
      const xSvq = vmWith({ xSvq: true });
      assert.deepEqual(codes(run(svqOfferedFeatures, await withCtrlRx('7.2.22'), await device(VP, 'vpe', undefined, '7.2.22'), false, xSvq)), ['svq-offered-features/sourceOffers']);
      // 7.2 without x-svq never shadows: its LOG_ALL blocker is hypervisor-blockers' finding.
      assert.deepEqual(codes(run(svqOfferedFeatures, await withCtrlRx('7.2.22'), await device(VP, 'vpe', undefined, '7.2.22'))), ['svq-offered-features/noShadowVirtqueue']);
      assert.deepEqual(codes(run(svqOfferedFeatures, await withCtrlRx('10.0.13'), await device(VP, 'vpe', undefined, '10.0.13'))), []);
      // On the target the same uncertainty is not safe: QEMU does not refuse an incoming migration.
      const target = run(svqOfferedFeatures, await device(VP, 'vpd'), await withCtrlRx(null));
      assert.deepEqual([codes(target), target[0]?.failsSafe], [['svq-offered-features/targetDependsOnVersion'], false]);
    });
    it('warns, unverified, when iproute2 could not show the offered set: failsSafe on the source only', async () => {
      const findings = run(svqOfferedFeatures, await device(TOOL, 'same'), await device(TOOL, 'idle'));
      assert.deepEqual(codes(findings), ['svq-offered-features/sourceUnverified', 'svq-offered-features/targetUnverified']);
      assert.deepEqual(findings.map((f) => [f.unverified, f.failsSafe]), [[true, true], [true, false]]);
      assert.match(features(findings[1]), /VERSION_1.*ACCESS_PLATFORM/);
      assert.equal(run(svqOfferedFeatures, await device(TOOL, 'same'), await device(TOOL, 'idle'), true)[1]?.severity, 'error');
    });
    it('notes that QEMU 5.2 has no shadow virtqueue at all (hypervisor-blockers reports the rest)', async () => {
      const source = onQemu(await device(VP, 'vpa'), '5.2.0');
      assert.deepEqual(codes(run(svqOfferedFeatures, source, await device(VP, 'vpe', undefined, '5.2.0'))), ['svq-offered-features/noShadowVirtqueue']);
    });
  });
});
