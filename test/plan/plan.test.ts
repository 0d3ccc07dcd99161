import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { validatePlan } from '../../src/generated/plan-validator.js';
import { validateProfile } from '../../src/generated/profile-validator.js';
import { devAddArgv, iproute2Refusals, kernelRefusals } from '../../src/plan/commands.js';
import { plan, planPrepared, preparePlanSource, type PlanDocument, type PlanOptions } from '../../src/plan/plan.js';
import { bitMask, featureNames, formatMask, NET, TRANSPORT } from '../../src/profile/feature-bits.js';
import type { DeviceDoc, MgmtdevDoc, Profile } from '../../src/profile/types.js';
import { check } from '../../src/verdict/check.js';
import { profileOf } from '../helpers/devices.js';
import { repoPath } from '../helpers/paths.js';

const Q10 = { sourceQemu: { text: '10.0.2', origin: 'the test' }, targetQemu: { text: '10.0.2', origin: 'the test' } };
// x-svq=on: what a VM on vp_vdpa needs to migrate at all (vq-state).
const SVQ = { vm: { xSvq: { value: true, origin: 'the test' } } };
const SIM_NETLINK = 'profiles/vdpasim/k6.12-netlink'; // nine simulator devices read with raw netlink; iproute2 unknown
const SIM_TOOL = 'e2e/k6.12/sim-tool615'; // the simulator read with iproute2 6.15 (offered sets unknown)
const VP_TOOL = 'e2e/k6.12/vp-tool615'; // three vp_vdpa parents (A: 4 pairs, MTU 9000; B: 2 pairs; C: 1 pair), iproute2 6.15

/** Every requirement code of a candidate, by management device. */
function requirements(doc: PlanDocument): Record<string, string[]> {
  return Object.fromEntries(doc.candidates.map((c) => [c.mgmtdev, c.requirements.map((r) => `${r.code}/${r.status}`)]));
}

/** The document as JSON would carry it, validated against schemas/plan.v1.json. */
function assertValid(doc: PlanDocument): void {
  const json = JSON.parse(JSON.stringify(doc)) as unknown;
  assert.ok(validatePlan(json), JSON.stringify(validatePlan.errors));
}

/** Re-checks a plan independently: the predicted device, added to the target, checked as check would. */
function recheck(source: Profile, target: Profile, doc: PlanDocument, options: PlanOptions = {}) {
  assert.ok(doc.plan);
  const after: Profile = { ...target, devices: [...target.devices, doc.plan.predicted] };
  return check(source, after, { ...options, sourceDevice: doc.source.device, targetDevice: doc.name });
}

const setFeatures = (mask: bigint) => ({ bits: formatMask(mask), names: featureNames(mask, 'net') });
const bits = (...b: number[]) => b.reduce((m, x) => m | bitMask(x), 0n);

/** Drops bits from a device's offered and negotiated sets (the device as if provisioned without them). */
function withoutBits(doc: DeviceDoc, mask: bigint): void {
  const present = BigInt(doc.features.offered.present.bits) & ~mask;
  doc.features.offered.present = setFeatures(present);
  doc.features.offered.absent = setFeatures(BigInt(doc.features.offered.absent.bits) | mask);
  if (doc.features.negotiated) doc.features.negotiated = setFeatures(BigInt(doc.features.negotiated.bits) & ~mask);
  if (mask & bitMask(NET.MTU)) doc.config.mtu = null;
  if (mask & bitMask(NET.MAC)) doc.config.mac = null;
  delete doc.fingerprint;
}

/** A target host with no devices on its vp_vdpa parents (as after boot), the parents over iommu_platform=on. */
async function freshVpTarget(): Promise<Profile> {
  const target = await profileOf(VP_TOOL);
  target.devices = target.devices.filter((d) => !d.mgmtdev.startsWith('pci/'));
  for (const m of target.mgmtdevs) {
    if (m.handle.startsWith('pci/') && m.supportedFeatures) m.supportedFeatures = setFeatures(BigInt(m.supportedFeatures.bits) | bitMask(TRANSPORT.ACCESS_PLATFORM));
  }
  return target;
}

describe('plan', () => {
  it('plans the simulator device with mtu only when the source offers all the parent can (no device_features)', async () => {
    const [source, target] = await Promise.all([profileOf(SIM_NETLINK), profileOf(SIM_TOOL)]);
    const doc = plan(source, target, { ...Q10, sourceDevice: 'src' });
    assertValid(doc);
    assert.equal(doc.status, 'planned');
    assert.equal(doc.exitStatus, 0);
    assert.deepEqual(doc.plan?.argv, ['vdpa', 'dev', 'add', 'name', 'vdpa-mig0', 'mgmtdev', 'vdpasim_net', 'mtu', '1500']);
    assert.match(doc.plan?.commands.at(-1) ?? '', /\/sys\/bus\/vdpa\/drivers\/vhost_vdpa\/bind/);
    assert.deepEqual(requirements(doc), { vdpasim_net: [], vdpasim_blk: ['class/fails'] });
    assert.ok(['identical', 'compatible'].includes(recheck(source, target, doc, Q10).verdict));
  });

  it('offers the source set with device_features, last, and copies the MAC', async () => {
    const [source, target] = await Promise.all([profileOf(SIM_NETLINK), profileOf(SIM_TOOL)]);
    const fewer = plan(source, target, { ...Q10, sourceDevice: 'fewer' });
    assert.equal(fewer.plan?.argv.at(-2), 'device_features');
    assert.equal(fewer.plan?.argv.at(-1), `0x${BigInt(source.devices.find((d) => d.name === 'fewer')?.features.offered.present.bits ?? '0').toString(16)}`);
    const othermac = plan(source, target, { ...Q10, sourceDevice: 'othermac' });
    assert.deepEqual(othermac.plan?.argv.slice(7, 9), ['mac', '00:11:22:33:44:55']);
  });

  it('iproute2 6.1 cannot pass device_features: no plan; 6.2 can, with device_features last; unknown is unknown', async () => {
    const source = await profileOf(SIM_NETLINK);
    const on = async (iproute2: string | null) => {
      const target = await profileOf(SIM_TOOL);
      target.host.iproute2 = iproute2;
      return plan(source, target, { ...Q10, sourceDevice: 'fewer' });
    };
    const old = await on('6.1.0');
    assert.equal(old.status, 'no-plan');
    assert.equal(old.exitStatus, 1);
    assert.deepEqual(requirements(old)['vdpasim_net'], ['iproute2/fails']);
    const v62 = await on('6.2.0');
    assert.equal(v62.status, 'planned');
    assert.deepEqual(v62.plan?.argv.slice(7), ['mtu', '1500', 'device_features', '0x308010028']);
    const unknown = await on(null);
    assert.equal(unknown.status, 'unknown');
    assert.equal(unknown.exitStatus, 2);
    assert.deepEqual(requirements(unknown)['vdpasim_net'], ['iproute2/unknown']);
  });

  it('a source whose offered set is unknown (vdpa tool only) gets no plan, and is told to collect with raw netlink', async () => {
    const [source, target] = await Promise.all([profileOf(SIM_TOOL), profileOf(SIM_TOOL)]);
    const doc = plan(source, target, { ...Q10, sourceDevice: 'src' });
    assertValid(doc);
    assert.equal(doc.status, 'unknown');
    assert.equal(doc.exitStatus, 2);
    assert.equal(doc.plan, null);
    assert.deepEqual(
      doc.unknown.map((u) => u.code),
      ['needed-features'],
    );
    assert.match(doc.unknown[0]?.hint ?? '', /--source netlink/);
  });

  it('vp_vdpa takes only device_features: no mac, mtu or max_vqp on its line; without x-svq it cannot take a running guest', async () => {
    const [source, target] = await Promise.all([profileOf(SIM_NETLINK), freshVpTarget()]);
    target.mgmtdevs = target.mgmtdevs.filter((m) => m.handle !== 'vdpasim_net');
    // The simulator's device as if provisioned without MTU and MAC, which vp_vdpa could not set.
    withoutBits(source.devices.find((d) => d.name === 'src') as DeviceDoc, bits(NET.MTU, NET.MAC));
    // Without x-svq no vp_vdpa device can take a running guest: it cannot take the rings' positions.
    const plain = plan(source, target, { ...Q10, sourceDevice: 'src' });
    assert.equal(plain.status, 'no-plan');
    assert.ok(plain.candidates.every((c) => c.parent !== 'vp_vdpa' || c.limiting.includes('vq-state/targetCannot')));
    // With x-svq (QEMU shadows the rings, and replays the guest's MAC through the shadowed CVQ) it can.
    const doc = plan(source, target, { ...Q10, ...SVQ, sourceDevice: 'src' });
    assertValid(doc);
    const a = doc.candidates.find((c) => c.mgmtdev === 'pci/0000:00:05.0');
    assert.equal(a?.parent, 'vp_vdpa');
    assert.deepEqual({ ...a?.attributes, deviceFeatures: a?.attributes?.deviceFeatures !== null }, { mac: null, mtu: null, maxVqp: null, deviceFeatures: true });
    assert.equal(doc.plan?.mgmtdev, 'pci/0000:00:05.0');
    assert.deepEqual(doc.plan?.argv.slice(7, 8), ['device_features']);
    assert.equal(doc.plan?.argv.length, 9);
  });

  it('vp_vdpa cannot set the MTU the guest has: unknown (the check on the predicted device is unverified), not a plan', async () => {
    const [source, target] = await Promise.all([profileOf(SIM_NETLINK), freshVpTarget()]);
    target.mgmtdevs = target.mgmtdevs.filter((m) => m.handle !== 'vdpasim_net');
    const doc = plan(source, target, { ...Q10, ...SVQ, sourceDevice: 'src' });
    assert.equal(doc.status, 'unknown');
    const a = doc.candidates.find((c) => c.mgmtdev === 'pci/0000:00:05.0');
    assert.equal(a?.verdict, 'unverified');
    assert.ok(a?.limiting.includes('mtu-match/unverified'), a?.limiting.join());
  });

  it('a vp_vdpa parent that already has a device is not used (vp_vdpa keeps one device per parent)', async () => {
    const [source, target] = await Promise.all([profileOf(SIM_NETLINK), profileOf(VP_TOOL)]);
    const doc = plan(source, target, { ...Q10, sourceDevice: 'src' });
    for (const c of doc.candidates.filter((x) => x.parent === 'vp_vdpa'))
      assert.ok(
        c.requirements.some((r) => r.code === 'one-device-per-parent'),
        c.mgmtdev,
      );
  });

  it('an MQ source whose queue pairs no management device can give: no plan, each says why', async () => {
    const [source, target] = await Promise.all([profileOf('e2e/k6.12/vp-netlink'), profileOf(SIM_TOOL)]);
    const doc = plan(source, target, { ...Q10, sourceDevice: 'vpa' });
    assertValid(doc);
    assert.equal(doc.source.queuePairs, 4);
    assert.equal(doc.status, 'no-plan');
    assert.deepEqual(requirements(doc)['vdpasim_net'], ['needed-features/fails', 'queue-pairs/fails']);
  });

  it('max_vqp on a parent that takes it, and max_supported_vqs must hold 2 × pairs + 1', async () => {
    const source = await profileOf(SIM_NETLINK);
    const src = source.devices.find((d) => d.name === 'src') as DeviceDoc;
    // The device as if it offered and negotiated MQ with 2 pairs.
    src.features.offered.present = setFeatures(BigInt(src.features.offered.present.bits) | bitMask(NET.MQ));
    src.features.offered.absent = setFeatures(BigInt(src.features.offered.absent.bits) & ~bitMask(NET.MQ));
    src.features.negotiated = setFeatures(BigInt(src.features.negotiated?.bits ?? '0') | bitMask(NET.MQ));
    src.config.maxVqPairs = 2;
    delete src.fingerprint;
    const withMlx5 = async (maxSupportedVqs: number) => {
      const target = await profileOf(SIM_TOOL);
      const sim = target.mgmtdevs.find((m) => m.handle === 'vdpasim_net') as MgmtdevDoc;
      // A management device of the mlx5_vdpa parent (takes mac, max_vqp, mtu, device_features on 6.12).
      const mlx5: MgmtdevDoc = { ...structuredClone(sim), handle: 'pci/0000:08:00.2', bus: 'pci', name: '0000:08:00.2', driver: 'mlx5_core', maxSupportedVqs, supportedFeatures: setFeatures(BigInt(src.features.offered.present.bits)) };
      target.mgmtdevs = [mlx5];
      return plan(source, target, { ...Q10, sourceDevice: 'src' });
    };
    const few = await withMlx5(4);
    assert.deepEqual(requirements(few)['pci/0000:08:00.2'], ['max-supported-vqs/fails']);
    const enough = await withMlx5(5);
    const c = enough.candidates[0];
    assert.equal(c?.attributes?.maxVqp, 2, JSON.stringify(c?.requirements));
    assert.equal(c?.predicted?.config.maxVqPairs, 2);
  });

  it("masks out what the target QEMU's shadow virtqueue refuses and the guest does not need (CTRL_RX: 8.1 takes it, 8.0 does not)", async () => {
    const source = await profileOf(SIM_NETLINK);
    const src = source.devices.find((d) => d.name === 'src') as DeviceDoc;
    // The source device as if it also offered CTRL_RX, which its guest did not negotiate.
    src.features.offered.present = setFeatures(BigInt(src.features.offered.present.bits) | bitMask(NET.CTRL_RX));
    src.features.offered.absent = setFeatures(BigInt(src.features.offered.absent.bits) & ~bitMask(NET.CTRL_RX));
    delete src.fingerprint;
    // x-svq=on: QEMU 8.0 and 8.1 block a CVQ without it.
    const vm = { xSvq: { value: true, origin: 'the test' } };
    const on = async (targetQemu: string) => {
      const target = await profileOf(SIM_TOOL);
      const sim = target.mgmtdevs.find((m) => m.handle === 'vdpasim_net') as MgmtdevDoc;
      sim.supportedFeatures = setFeatures(BigInt(sim.supportedFeatures?.bits ?? '0') | bitMask(NET.CTRL_RX));
      return plan(source, target, { sourceDevice: 'src', vm, sourceQemu: { text: '8.1.0', origin: 'the test' }, targetQemu: { text: targetQemu, origin: 'the test' } });
    };
    const v80 = await on('8.0.0');
    assert.equal(v80.plan?.argv.at(-2), 'device_features', JSON.stringify(v80.candidates[0]?.requirements));
    assert.equal(BigInt(v80.plan?.argv.at(-1) ?? '0'), BigInt(src.features.offered.present.bits) & ~bitMask(NET.CTRL_RX));
    const v81 = await on('8.1.0');
    assert.equal(v81.status, 'planned', JSON.stringify(v81.candidates[0]?.requirements));
    assert.ok(!v81.plan?.argv.includes('device_features'), v81.plan?.argv.join(' '));
  });

  it('a source QEMU blocks: no target can fix it, and the limiting codes say why', async () => {
    const [source, target] = await Promise.all([profileOf('e2e/k6.12/vp-netlink'), freshVpTarget()]);
    const doc = plan(source, target, { ...Q10, sourceDevice: 'vpc' });
    assert.equal(doc.status, 'no-plan');
    const c = doc.candidates.find((x) => x.mgmtdev === 'pci/0000:00:07.0');
    assert.equal(c?.verdict, 'blocked-by-hypervisor');
    assert.ok(c?.limiting.includes('svq-offered-features/sourceOffers'));
  });

  it('refuses a name the target has, and a name that is not a plain word (USAGE, exit 2)', async () => {
    const [source, target] = await Promise.all([profileOf(SIM_NETLINK), profileOf(SIM_TOOL)]);
    assert.throws(() => plan(source, target, { sourceDevice: 'src', name: 'idle' }), { code: 'USAGE' });
    assert.throws(() => plan(source, target, { sourceDevice: 'src', name: 'a b' }), { code: 'USAGE' });
  });
});

describe('every plan over the real captures', () => {
  // Netlink sources (offered sets known) × every target host recorded, under a known and an unknown QEMU.
  const SOURCES = [SIM_NETLINK, 'profiles/vp_vdpa/k6.12-netlink', 'e2e/k6.12/sim-netlink', 'e2e/k6.12/vp-netlink', 'e2e/k6.12/vp2-netlink', 'e2e/k6.1/sim-netlink', 'e2e/k6.1/vp-netlink'];
  const TARGETS = ['e2e/k6.12/sim-tool615', 'e2e/k6.12/sim-tool61', 'e2e/k6.12/vp-tool615', 'e2e/k6.12/vp2-tool615', 'e2e/k6.1/sim-tool61', 'e2e/k6.1/sim-tool615', 'e2e/k6.1/vp-tool615', SIM_NETLINK];
  it('is valid, passes the kernel and iproute2 rules, and its predicted device passes check', async (t) => {
    let plans = 0;
    let docs = 0;
    const statuses = new Set<string>();
    for (const s of SOURCES) {
      const source = await profileOf(s);
      for (const t of TARGETS) {
        const targets = [await profileOf(t), await freshed(t)];
        for (const target of targets) {
          for (const qemu of [Q10, {}]) {
            for (const device of source.devices) {
              const doc = plan(source, target, { ...qemu, sourceDevice: device.name });
              docs++;
              statuses.add(doc.status);
              assertValid(doc);
              if (doc.plan === null) continue;
              plans++;
              const chosen = doc.candidates.find((c) => c.mgmtdev === doc.plan?.mgmtdev);
              const attrs = chosen?.attributes;
              assert.ok(attrs);
              const attributes = {
                ...(attrs.mac !== null ? { mac: attrs.mac } : {}),
                ...(attrs.mtu !== null ? { mtu: attrs.mtu } : {}),
                ...(attrs.maxVqp !== null ? { maxVqp: attrs.maxVqp } : {}),
                ...(attrs.deviceFeatures !== null ? { deviceFeatures: BigInt(attrs.deviceFeatures.bits) } : {}),
              };
              const parent = target.mgmtdevs.find((m) => m.handle === doc.plan?.mgmtdev);
              assert.deepEqual(kernelRefusals(attributes, BigInt(parent?.supportedFeatures?.bits ?? '0')), []);
              assert.deepEqual(iproute2Refusals(attributes, target.host.iproute2), []);
              assert.deepEqual(doc.plan.argv, devAddArgv(doc.name, doc.plan.mgmtdev, attributes));
              // The predicted device is a device a profile may hold (schemas/profile.v1.json).
              assert.ok(validateProfile({ ...target, devices: [...target.devices, doc.plan.predicted] }), JSON.stringify(validateProfile.errors?.slice(0, 3)));
              const verdict = recheck(source, target, doc, qemu).verdict;
              assert.ok(verdict === 'identical' || verdict === 'compatible', `${s} ${device.name} → ${t}: ${verdict}`);
            }
          }
        }
      }
    }
    // Not vacuous: plans were made, and the three outcomes all occur.
    assert.ok(plans >= 40, `only ${plans} plans of ${docs}`);
    t.diagnostic(`${plans} plans of ${docs} documents`);
    assert.deepEqual([...statuses].sort(), ['no-plan', 'planned', 'unknown']);
  });
});

describe('a prepared plan source', () => {
  // The matrix prepares each source device once and plans it on every management device: the
  // preparation must not carry anything from one target to the next, nor differ from plan's own.
  const SOURCES = [SIM_NETLINK, SIM_TOOL, 'e2e/k6.12/vp-netlink', 'e2e/k6.1/sim-netlink'];
  const TARGETS = ['e2e/k6.12/sim-tool615', 'e2e/k6.12/vp-tool615', 'e2e/k6.1/sim-tool61', SIM_NETLINK];
  it('plans every target as plan does, and is the same after as before', async () => {
    const targets = await Promise.all(TARGETS.flatMap((t) => [profileOf(t), freshed(t)]));
    const statuses = new Set<string>();
    for (const s of SOURCES) {
      const source = await profileOf(s);
      for (const options of [{ ...Q10 }, { ...SVQ, sourceInput: 'the source' }, { vm: { mac: { value: '02:00:00:00:00:07', origin: 'the test' } } }]) {
        for (const device of source.devices) {
          const prepared = preparePlanSource(source, { ...options, sourceDevice: device.name });
          const before = structuredClone(prepared);
          for (const [i, target] of targets.entries()) {
            const name = i % 2 === 0 ? 'vdpa-mig0' : 'vdpa-mig7';
            const want = plan(source, target, { ...options, sourceDevice: device.name, name, targetInput: `t${i}` });
            const { sourceInput: _input, vm: _vm, ...rest } = options as PlanOptions;
            assert.deepEqual(planPrepared(prepared, target, { ...rest, name, targetInput: `t${i}` }), want, `${s} ${device.name} → ${TARGETS[i >> 1]}`);
            statuses.add(want.status);
          }
          assert.deepEqual(prepared, before);
        }
      }
    }
    assert.deepEqual([...statuses].sort(), ['no-plan', 'planned', 'unknown']);
  });

  it('plan still says a bad name before an unknown source device', async () => {
    const [source, target] = await Promise.all([profileOf(SIM_NETLINK), profileOf(SIM_TOOL)]);
    assert.throws(() => plan(source, target, { sourceDevice: 'nosuch', name: 'a b' }), { code: 'USAGE' });
    assert.throws(() => plan(source, target, { sourceDevice: 'nosuch' }), { code: 'UNKNOWN_DEVICE' });
  });
});

/** The target with its vp_vdpa parents' devices removed (as after boot), or the profile as it is. */
async function freshed(name: string): Promise<Profile> {
  const target = await profileOf(name);
  target.devices = target.devices.filter((d) => !d.mgmtdev.startsWith('pci/'));
  return target;
}

describe('requirement codes', () => {
  it('are the schema’s, each documented in docs/plan.md', () => {
    const schema = JSON.parse(readFileSync(repoPath('schemas/plan.v1.json'), 'utf8')) as { $defs: { requirement: { properties: { code: { enum: string[] } } } } };
    const doc = readFileSync(repoPath('docs/plan.md'), 'utf8');
    const documented = [...doc.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(documented, schema.$defs.requirement.properties.code.enum);
  });
});
