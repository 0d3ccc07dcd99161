import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateFit } from '../../src/generated/fit-validator.js';
import { validateReport } from '../../src/generated/report-validator.js';
import { checkHost, fitTargets, freeDeviceName, type FitDocument } from '../../src/plan/fit.js';
import { plan } from '../../src/plan/plan.js';
import { renderFitText } from '../../src/plan/render-fit.js';
import type { Profile } from '../../src/profile/types.js';
import { check } from '../../src/verdict/check.js';
import { renderText } from '../../src/verdict/render-text.js';
import type { Report } from '../../src/verdict/types.js';
import { profileOf } from '../helpers/devices.js';

const Q10 = { sourceQemu: { text: '10.0.2', origin: 'the test' }, targetQemu: { text: '10.0.2', origin: 'the test' } };
const SIM_NETLINK = 'profiles/vdpasim/k6.12-netlink'; // nine simulator devices read with raw netlink
const SIM_TOOL = 'e2e/k6.12/sim-tool615'; // the simulator read with iproute2 6.15 (offered sets unknown)

function assertReport(report: Report): void {
  assert.ok(validateReport(JSON.parse(JSON.stringify(report))), JSON.stringify(validateReport.errors));
}

function assertFit(doc: FitDocument): void {
  assert.ok(validateFit(JSON.parse(JSON.stringify(doc))), JSON.stringify(validateFit.errors));
  for (const r of doc.reports) assertReport(r);
}

/**
 * The source as its own target host, with only the named devices left on it; its iproute2 the
 * 6.15 the lab runs (the netlink profile was read without the vdpa tool, so a plan for it is unknown).
 */
async function hostWith(names: readonly string[]): Promise<{ source: Profile; target: Profile }> {
  const [source, target] = await Promise.all([profileOf(SIM_NETLINK), profileOf(SIM_NETLINK)]);
  target.devices = target.devices.filter((d) => names.includes(d.name));
  target.host.iproute2 = '6.15.0';
  return { source, target };
}

describe('check with the target host (compatible-after-provisioning)', () => {
  it('an incompatible pair on a host that can provision a fitting device: compatible-after-provisioning, exit 1, the commands', async () => {
    // nomacctl lacks CTRL_MAC_ADDR, which src's guest negotiated; vdpasim_net can make a device that has it.
    const { source, target } = await hostWith(['nomacctl']);
    const options = { ...Q10, sourceDevice: 'src', targetDevice: 'nomacctl', sourceInput: 'src.yaml', targetInput: 'dst.yaml' };
    const pair = check(source, target, options);
    assert.equal(pair.verdict, 'incompatible');
    assert.equal(pair.provisioning, undefined, 'the pure pair check (the hook) does not plan');
    const report = checkHost(source, target, options);
    assertReport(report);
    assert.equal(report.verdict, 'compatible-after-provisioning');
    assert.equal(report.exitStatus, 1);
    assert.deepEqual(report.findings, pair.findings, 'the findings are the pair’s');
    const p = report.provisioning;
    assert.ok(p);
    assert.equal(p.pairVerdict, 'incompatible');
    assert.equal(p.status, 'planned');
    assert.equal(p.mgmtdev, 'vdpasim_net');
    assert.match(p.commands[0] ?? '', /^vdpa dev add name vdpa-mig0 mgmtdev vdpasim_net /);
    assert.equal(p.planCommand, 'vdpa-compat plan src.yaml dst.yaml --source-device src');
    // The same answer plan gives: the commands are plan's, for the device check proved.
    const doc = plan(source, target, { ...Q10, sourceDevice: 'src' });
    assert.deepEqual(p.commands, doc.plan?.commands);
    const text = renderText(report, { color: false });
    assert.match(text, /verdict: COMPATIBLE AFTER PROVISIONING \(not this device\)/);
    assert.match(text, /this device cannot take the guest; a device vdpa-mig0 created on vdpasim_net can/);
  });

  it('an incompatible pair on a host whose management devices cannot: stays incompatible, says no plan', async () => {
    const { source, target } = await hostWith(['nomacctl']);
    target.mgmtdevs = target.mgmtdevs.filter((m) => m.handle !== 'vdpasim_net');
    const report = checkHost(source, target, { ...Q10, sourceDevice: 'src', targetDevice: 'nomacctl' });
    assertReport(report);
    assert.equal(report.verdict, 'incompatible');
    assert.equal(report.provisioning?.status, 'no-plan');
    assert.deepEqual(report.provisioning?.commands, []);
    assert.match(renderText(report, { color: false }), /no management device of the target host can create a device the guest can move to/);
  });

  it('a pair that goes is not planned for; the name of a planned device is one the host does not use', async () => {
    const { source, target } = await hostWith(['src', 'same']);
    const report = checkHost(source, target, { ...Q10, sourceDevice: 'src', targetDevice: 'same' });
    assert.ok(['identical', 'compatible'].includes(report.verdict), report.verdict);
    assert.equal(report.provisioning, undefined);
    target.devices[0] = { ...(target.devices[0] as Profile['devices'][number]), name: 'vdpa-mig0' };
    assert.equal(freeDeviceName(target), 'vdpa-mig1');
  });

  it('an unverified pair keeps its verdict (exit 2) and carries the plan that would be proved', async () => {
    const [source, tool] = await Promise.all([profileOf(SIM_NETLINK), profileOf(SIM_TOOL)]);
    const report = checkHost(source, tool, { ...Q10, sourceDevice: 'fewer', targetDevice: 'same' });
    assertReport(report);
    assert.equal(report.verdict, 'unverified');
    assert.equal(report.exitStatus, 2);
    assert.equal(report.provisioning?.pairVerdict, 'unverified');
    assert.equal(report.provisioning?.status, 'planned');
    assert.match(renderText(report, { color: false }), /a device vdpa-mig0 created on vdpasim_net would be proved compatible/);
  });

  it('a pair the hypervisor blocks gets no plan: no target device helps', async () => {
    const { source, target } = await hostWith(['nomacctl']);
    const report = checkHost(source, target, { sourceQemu: { text: '7.2.22', origin: 'the test' }, targetQemu: { text: '7.2.22', origin: 'the test' }, sourceDevice: 'src', targetDevice: 'nomacctl' });
    assert.equal(report.verdict, 'blocked-by-hypervisor');
    assert.equal(report.provisioning, undefined);
  });
});

describe('check --target-device any', () => {
  it('ranks every device of the host, best first, and names the best; exit 0', async () => {
    const [source, target] = await Promise.all([profileOf(SIM_NETLINK), profileOf(SIM_NETLINK)]);
    const doc = fitTargets(source, target, { ...Q10, sourceDevice: 'fewer' });
    assertFit(doc);
    assert.equal(doc.devices.length, target.devices.length);
    const order = ['identical', 'compatible', 'compatible-after-provisioning', 'unverified', 'blocked-by-hypervisor', 'incompatible'];
    const ranks = doc.devices.map((d) => order.indexOf(d.verdict));
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
      'sorted by verdict',
    );
    assert.equal(doc.devices[0]?.device, 'fewer');
    assert.equal(doc.best, 'fewer');
    assert.equal(doc.verdict, 'identical');
    assert.equal(doc.exitStatus, 0);
    assert.equal(doc.provisioning, null, 'no plan when a device fits');
    // Each entry is what check says of that pair on its own.
    for (const d of doc.devices) assert.equal(d.verdict, check(source, target, { ...Q10, sourceDevice: 'fewer', targetDevice: d.device }).verdict, d.device);
    const blk = doc.devices.find((d) => d.device === 'blk');
    assert.deepEqual(blk?.limiting, ['device-class-match/mismatch']);
    assert.match(renderFitText(doc), /verdict: IDENTICAL: use fewer \(exit 0\)\n$/);
  });

  it('no device fits, a plan does: compatible-after-provisioning, exit 1, best null', async () => {
    const { source, target } = await hostWith(['nomacctl', 'blk']);
    const doc = fitTargets(source, target, { ...Q10, sourceDevice: 'src' });
    assertFit(doc);
    assert.deepEqual(
      doc.devices.map((d) => [d.device, d.verdict]),
      [
        ['nomacctl', 'incompatible'],
        ['blk', 'incompatible'],
      ],
    );
    assert.equal(doc.verdict, 'compatible-after-provisioning');
    assert.equal(doc.exitStatus, 1);
    assert.equal(doc.best, null);
    assert.equal(doc.provisioning?.status, 'planned');
    assert.match(renderFitText(doc), /a new device vdpa-mig0 on vdpasim_net: compatible after provisioning/);
  });

  it('a device that could not be decided, and none fits: exit 2; a host with no devices is planned for', async () => {
    const [source, tool] = await Promise.all([profileOf(SIM_NETLINK), profileOf(SIM_TOOL)]);
    const undecided = fitTargets(source, tool, { ...Q10, sourceDevice: 'fewer' });
    assertFit(undecided);
    assert.ok(undecided.devices.some((d) => d.verdict === 'unverified'));
    assert.ok(!undecided.devices.some((d) => d.exitStatus === 0));
    assert.equal(undecided.exitStatus, 2);
    const empty = { ...tool, devices: [] };
    const fresh = fitTargets(source, empty, { ...Q10, sourceDevice: 'fewer' });
    assertFit(fresh);
    assert.deepEqual(fresh.devices, []);
    assert.equal(fresh.verdict, 'compatible-after-provisioning');
    assert.equal(fresh.exitStatus, 1);
  });
});
