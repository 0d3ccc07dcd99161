import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bindLines, devAddArgv, iproute2Refusals, kernelRefusals, shellWord } from '../../src/plan/commands.js';
import { collect } from '../../src/collect/collect.js';
import { parentView } from '../../src/knowledge/parents.js';
import { bitMask, NET, TRANSPORT } from '../../src/profile/feature-bits.js';
import { repoPath } from '../helpers/paths.js';

const bits = (...b: number[]) => b.reduce((m, x) => m | bitMask(x), 0n);
const PARENT = bits(NET.MTU, NET.MAC, NET.MQ, NET.CTRL_VQ, TRANSPORT.VERSION_1);
const codes = (r: Array<{ code: string }>) => r.map((x) => x.code);

describe('kernelRefusals (drivers/vdpa/vdpa.c vdpa_nl_cmd_dev_add_set_doit)', () => {
  const valid = [
    { what: 'nothing but name and mgmtdev', attributes: {} },
    { what: 'mac with F_MAC', attributes: { mac: '52:54:00:00:0a:01', deviceFeatures: bits(NET.MAC, TRANSPORT.VERSION_1) } },
    { what: 'mtu 68 and 65535 with F_MTU', attributes: { mtu: 68, deviceFeatures: bits(NET.MTU) } },
    { what: 'mtu 65535', attributes: { mtu: 65535 } },
    { what: 'max_vqp 4 with F_MQ', attributes: { maxVqp: 4, deviceFeatures: bits(NET.MQ, NET.CTRL_VQ) } },
    { what: 'max_vqp 1 without F_MQ', attributes: { maxVqp: 1, deviceFeatures: bits(NET.MTU) } },
    { what: "no device_features: the parent's set has F_MAC", attributes: { mac: '52:54:00:00:0a:01' } },
  ];
  for (const v of valid) it(`accepts ${v.what}`, () => assert.deepEqual(kernelRefusals(v.attributes, PARENT), []));

  const invalid = [
    { what: 'mac without F_MAC', attributes: { mac: '52:54:00:00:0a:01', deviceFeatures: bits(TRANSPORT.VERSION_1) }, codes: ['mac-without-f-mac'] },
    { what: 'mac on a parent without F_MAC', attributes: { mac: '52:54:00:00:0a:01' }, parent: bits(NET.MTU), codes: ['mac-without-f-mac'] },
    { what: 'mtu without F_MTU', attributes: { mtu: 1500, deviceFeatures: bits(NET.MAC) }, codes: ['mtu-without-f-mtu'] },
    { what: 'mtu 67', attributes: { mtu: 67 }, codes: ['mtu-range'] },
    { what: 'mtu 65536', attributes: { mtu: 65536 }, codes: ['mtu-range'] },
    { what: 'max_vqp 2 without F_MQ', attributes: { maxVqp: 2, deviceFeatures: bits(NET.MAC) }, codes: ['max-vqp-without-f-mq'] },
    { what: 'max_vqp 0', attributes: { maxVqp: 0 }, codes: ['max-vqp-zero'] },
    { what: "device_features beyond the parent's dev_features", attributes: { deviceFeatures: bits(NET.RSS) }, codes: ['features-beyond-parent'] },
  ];
  for (const v of invalid) it(`refuses ${v.what}`, () => assert.deepEqual(codes(kernelRefusals(v.attributes, v.parent ?? PARENT)), v.codes));
});

describe('iproute2Refusals (iproute2 vdpa/vdpa.c: device_features from 6.2, a4442ce5; 92eac7e4 in 6.7)', () => {
  const features = { deviceFeatures: bits(NET.MAC) };
  it('6.1 has no device_features', () => assert.deepEqual(codes(iproute2Refusals(features, '6.1.0')), ['iproute2-too-old']));
  it('6.2, 6.6, 6.7 and 6.15 take it', () => {
    for (const v of ['6.2.0', '6.6.0', '6.7.0', '6.15.0']) assert.deepEqual(iproute2Refusals(features, v), [], v);
  });
  it('an unknown iproute2 is unknown, not assumed', () => assert.deepEqual(codes(iproute2Refusals(features, null)), ['iproute2-unknown']));
  it('name and mgmtdev alone need no version', () => assert.deepEqual(iproute2Refusals({}, null), []));
  it('mac and mtu from 5.17, max_vqp from 5.18', () => {
    assert.deepEqual(codes(iproute2Refusals({ mac: 'x', mtu: 1500 }, '5.16.0')), ['iproute2-too-old', 'iproute2-too-old']);
    assert.deepEqual(codes(iproute2Refusals({ mac: 'x', maxVqp: 2 }, '5.17.0')), ['iproute2-too-old']);
    assert.deepEqual(iproute2Refusals({ mac: 'x', maxVqp: 2 }, '5.18.0'), []);
  });
});

describe('devAddArgv', () => {
  it('puts device_features last, in hex with 0x (iproute2 6.2–6.6 parse nothing after it)', () => {
    const argv = devAddArgv('vdpa-mig0', 'vdpasim_net', { deviceFeatures: 0x308010028n, mtu: 1500, mac: '52:54:00:00:0a:01', maxVqp: 2 });
    assert.deepEqual(argv, ['vdpa', 'dev', 'add', 'name', 'vdpa-mig0', 'mgmtdev', 'vdpasim_net', 'mac', '52:54:00:00:0a:01', 'mtu', '1500', 'max_vqp', '2', 'device_features', '0x308010028']);
  });
  it('has only name and mgmtdev when nothing is provisioned', () => assert.deepEqual(devAddArgv('a', 'pci/0000:00:05.0', {}), ['vdpa', 'dev', 'add', 'name', 'a', 'mgmtdev', 'pci/0000:00:05.0']));
});

describe('bindLines and shellWord', () => {
  it('binds through the vdpa bus sysfs files, unbinding another driver first', () => {
    const lines = bindLines('vdpa-mig0');
    assert.ok(lines.some((l) => l.includes('/sys/bus/vdpa/drivers/vhost_vdpa/bind')));
    assert.ok(lines.some((l) => l.includes('/sys/bus/vdpa/drivers/$cur/unbind')));
  });
  it('quotes what the shell would read otherwise', () => {
    assert.equal(shellWord('pci/0000:00:05.0'), 'pci/0000:00:05.0');
    assert.equal(shellWord("a b'c"), `'a b'\\''c'`);
  });
});

describe("what the real kernels said to the plans a planner must not make (the e2e suite's refuse-* commands)", () => {
  // The simulator's parent set on both kernels (6.12 adds STATUS); the planner refuses each of these
  // attribute sets itself, and the kernel's own answer is recorded beside it.
  const SIM = bits(NET.MTU, NET.MAC, NET.STATUS, NET.CTRL_VQ, NET.CTRL_MAC_ADDR, 27 /* ANY_LAYOUT */, TRANSPORT.VERSION_1, TRANSPORT.ACCESS_PLATFORM);
  const recorded = (kernel: string, name: string) => {
    const dir = repoPath(`test/fixtures/e2e/k${kernel}/cmd`);
    const file = readdirSync(dir).find((f) => f.endsWith(`-${name}.rc`));
    assert.ok(file, `${kernel}: ${name} recorded`);
    return { rc: Number(readFileSync(join(dir, file), 'utf8')), stderr: readFileSync(join(dir, file.replace(/\.rc$/, '.stderr')), 'utf8') };
  };
  const cases = [
    { name: 'refuse-mtu-below-68', attributes: { mtu: 60 }, k612: /integer out of range/, k61: /integer out of range/ },
    { name: 'refuse-mac-without-f-mac', attributes: { mac: '00:11:22:33:44:66', deviceFeatures: bits(TRANSPORT.VERSION_1, TRANSPORT.ACCESS_PLATFORM) }, k612: /Missing features 0x20 for provided attributes/, k61: null },
    { name: 'refuse-features-beyond-parent', attributes: { deviceFeatures: bits(NET.MQ, TRANSPORT.VERSION_1, TRANSPORT.ACCESS_PLATFORM) }, k612: /Invalid argument/, k61: /Invalid argument/ },
  ];
  for (const c of cases) {
    it(`${c.name}: the planner refuses it, and so does the kernel (6.1 takes a MAC without F_MAC: no such check there)`, () => {
      assert.notDeepEqual(kernelRefusals(c.attributes, SIM), []);
      const k612 = recorded('6.12', c.name);
      assert.equal(k612.rc, 1);
      assert.match(k612.stderr, c.k612);
      const k61 = recorded('6.1', c.name);
      if (c.k61 === null) assert.equal(k61.rc, 0, '6.1 has no "Missing features" check');
      else {
        assert.equal(k61.rc, 1);
        assert.match(k61.stderr, c.k61);
      }
    });
  }
  it('refuse-max-vqp-sim: the simulator takes no max_vqp (its config_attr_mask), which the knowledge pack says', () => {
    assert.match(recorded('6.12', 'refuse-max-vqp-sim').stderr, /Some provided attributes are not supported: 0x1000/);
    assert.match(recorded('6.1', 'refuse-max-vqp-sim').stderr, /All provided attributes are not supported/);
  });
  // vp_vdpa parents G and H (lab/boot.sh E2E_VP_PAIRS=1), free when the suite tries these last (a dev add
  // refused inside vp_vdpa leaves its device pointer dangling, so nothing is deleted after them).
  const attributeCases = [
    { name: 'refuse-vp-max-vqp', attribute: 'max_vqp', mask: '0x1000' },
    { name: 'refuse-vp-mac', attribute: 'mac', mask: '0x400' },
    { name: 'refuse-vp-mtu', attribute: 'mtu', mask: '0x2000' },
  ];
  for (const c of attributeCases) {
    it(`${c.name}: vp_vdpa takes no ${c.attribute} (its config_attr_mask), which the knowledge pack says, so no plan passes it`, async () => {
      for (const kernel of ['6.1', '6.12']) {
        const { profile } = await collect({ from: repoPath(`test/fixtures/e2e/k${kernel}/dumps/vp3-netlink`) });
        const g = profile.mgmtdevs.find((m) => m.handle === 'pci/0000:00:0b.0');
        assert.ok(g, `${kernel}: parent G recorded`);
        const accepted = parentView(g, g.handle, profile.host.kernel).fact('devAddAttributes');
        assert.ok(accepted.known);
        assert.deepEqual(accepted.value, ['device_features']);
        const answer = recorded(kernel, c.name);
        assert.equal(answer.rc, 1, `${kernel}: ${c.name}`);
        assert.match(answer.stderr, kernel === '6.12' ? new RegExp(`Some provided attributes are not supported: ${c.mask}\\.`) : /All provided attributes are not supported/);
        assert.match(answer.stderr, /kernel answers: Operation not supported/);
      }
    });
  }
  it('refuse-vp-features-beyond-parent: MQ on a parent without it; the planner refuses it, vp_vdpa_dev_add says EINVAL (no extack)', () => {
    // F and G offer MTU MAC MRG_RXBUF STATUS CTRL_VQ CTRL_MAC_ADDR RING_EVENT_IDX VERSION_1 ACCESS_PLATFORM (dmesg: device_features 0x320838028).
    const G = 0x320838028n;
    assert.deepEqual(codes(kernelRefusals({ deviceFeatures: bits(NET.MQ, TRANSPORT.VERSION_1, TRANSPORT.ACCESS_PLATFORM) }, G)), ['features-beyond-parent']);
    for (const kernel of ['6.1', '6.12']) {
      const answer = recorded(kernel, 'refuse-vp-features-beyond-parent');
      assert.equal(answer.rc, 1);
      assert.equal(answer.stderr.trim(), 'kernel answers: Invalid argument');
    }
  });
});
