import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateBaseline } from '../../src/generated/baseline-validator.js';
import { baseline, baselineFingerprint, baselineProfile, BASELINE_EXAMPLE_MAC, planBaseline, type BaselineDocument } from '../../src/plan/baseline.js';
import { plan } from '../../src/plan/plan.js';
import { parseMask } from '../../src/profile/feature-bits.js';
import type { Profile } from '../../src/profile/types.js';
import { check } from '../../src/verdict/check.js';
import { profileOf } from '../helpers/devices.js';

const QEMU = { qemu: { text: '10.0.2', origin: 'the test' } };
const Q10 = { sourceQemu: QEMU.qemu, targetQemu: QEMU.qemu };
// Three real hosts: the simulator on 6.12 (vdpa tool 6.15), 6.12 with vp_vdpa parents too, and 6.1 (whose simulator lacks STATUS).
const HOSTS = ['e2e/k6.12/sim-tool615', 'e2e/k6.12/vp-tool615', 'e2e/k6.1/sim-tool615'];

async function hosts(names = HOSTS): Promise<{ profile: Profile; input: string }[]> {
  return Promise.all(names.map(async (input) => ({ input, profile: await profileOf(input) })));
}

function assertValid(doc: BaselineDocument): void {
  assert.ok(validateBaseline(JSON.parse(JSON.stringify(doc))), JSON.stringify(validateBaseline.errors));
}

describe('baseline', () => {
  it('the largest device every host can provide: each host says what it lacked, and the device is proved on every pair', async () => {
    const group = await hosts();
    const doc = baseline(group, 'net', 'rack7', QEMU);
    assertValid(doc);
    assert.equal(doc.status, 'complete');
    assert.equal(doc.exitStatus, 0);
    // Within what every host's chosen parent can provision.
    const mask = parseMask(doc.device.features.bits) ?? 0n;
    for (const { profile } of group) {
      const m = profile.mgmtdevs.find((x) => x.handle === 'vdpasim_net');
      assert.equal(mask & ~(parseMask(m?.supportedFeatures?.bits ?? '') ?? 0n), 0n);
    }
    assert.deepEqual(doc.device, { features: doc.device.features, queuePairs: 1, mtu: 1500 });
    assert.deepEqual(doc.device.features.names, ['MTU', 'MAC', 'CTRL_VQ', 'CTRL_MAC_ADDR', 'ANY_LAYOUT', 'VERSION_1', 'ACCESS_PLATFORM']);
    // The 6.1 simulator has no STATUS: it is the host that removed it, and says so.
    assert.deepEqual(doc.hosts[2]?.removed, ['STATUS']);
    assert.match(doc.hosts[2]?.notes.join('\n') ?? '', /vdpasim_net cannot provision STATUS \(bit 16\)/);
    assert.equal(doc.fingerprint, baselineFingerprint(doc));
    assert.deepEqual(
      doc.hosts.map((h) => h.status),
      ['ok', 'ok', 'ok'],
    );
  });

  it('re-proved independently: planned on each host, every ordered pair of the planned devices checks compatible', async () => {
    const group = await hosts();
    const doc = baseline(group, 'net', 'rack7', QEMU);
    const made = group.map(({ profile }, i) => {
      const source = baselineProfile(doc, { profile, mgmtdev: doc.hosts[i]?.mgmtdev ?? '', mac: BASELINE_EXAMPLE_MAC });
      const p = plan(source, profile, { ...Q10, sourceDevice: 'rack7' });
      assert.ok(p.plan, `${HOSTS[i]}: ${p.status}`);
      // Exactly the baseline: a guest started on any host can negotiate nothing another lacks.
      assert.equal(parseMask(p.plan.predicted.features.offered.present.bits), parseMask(doc.device.features.bits));
      return { ...profile, devices: [...profile.devices, p.plan.predicted] };
    });
    for (const from of made) for (const to of made) if (from !== to) assert.ok(['identical', 'compatible'].includes(check(from, to, { ...Q10, sourceDevice: 'vdpa-mig0', targetDevice: 'vdpa-mig0' }).verdict));
  });

  it('a host that cannot give exactly the baseline fails, and says why (iproute2 6.1 has no device_features)', async () => {
    const group = await hosts();
    // The 6.12 simulator offers STATUS, which the baseline lacks: only device_features can leave it out.
    const k612 = group[0];
    assert.ok(k612);
    k612.profile.host.iproute2 = '6.1.0';
    const doc = baseline(group, 'net', 'rack7', QEMU);
    assertValid(doc);
    assert.equal(doc.status, 'partial');
    assert.equal(doc.exitStatus, 1);
    assert.deepEqual(
      doc.hosts.map((h) => h.status),
      ['fails', 'ok', 'ok'],
    );
    assert.match(doc.hosts[0]?.notes.join('\n') ?? '', /iproute2 6\.1\.0 has no device_features/);
  });

  it("vp_vdpa parents take only device_features: MQ, RSS and F_MTU are left out, each said; QEMU's shadow virtqueue decides the rest", async () => {
    const group = await hosts(['e2e/k6.12/vp-tool615', 'e2e/k6.1/vp-tool615']);
    for (const { profile } of group) {
      profile.mgmtdevs = profile.mgmtdevs.filter((m) => m.handle.startsWith('pci/'));
      profile.devices = [];
    }
    const doc = baseline(group, 'net', 'vp', QEMU);
    assertValid(doc);
    const notes = doc.hosts[0]?.notes.join('\n') ?? '';
    assert.match(notes, /vp_vdpa takes no max_vqp, so MQ \(bit 22\), RSS \(bit 60\)/);
    assert.match(notes, /vp_vdpa takes no mtu, so MTU \(bit 3\)/);
    assert.match(notes, /shadow virtqueue refuses/);
    assert.ok(!doc.device.features.names.some((n) => ['MQ', 'RSS', 'MTU'].includes(n)));
    assert.equal(doc.device.mtu, null);
    // Parents A–C offer no ACCESS_PLATFORM, which QEMU 10.0's shadow virtqueue needs: no host can take it.
    assert.equal(doc.status, 'partial');
    assert.match(notes, /svq-offered-features/);
  });

  it('a host whose management devices cannot say what they provision: unknown, exit 2; no device of the class: fails', async () => {
    const group = await hosts(HOSTS.slice(0, 2));
    const [a, b] = group;
    assert.ok(a && b);
    for (const m of a.profile.mgmtdevs) m.supportedFeatures = null;
    b.profile.mgmtdevs = b.profile.mgmtdevs.filter((m) => !m.classes.includes('net'));
    const doc = baseline(group, 'net', 'rack7', QEMU);
    assertValid(doc);
    assert.deepEqual(
      doc.hosts.map((h) => h.status),
      ['unknown', 'fails'],
    );
    assert.match(doc.hosts[1]?.notes[0] ?? '', /no management device provisions net/);
  });

  it('plan --baseline: on a host of the group, a device offering exactly the baseline; on one that cannot, no plan and why', async () => {
    const group = await hosts();
    const doc = baseline(group, 'net', 'rack7', QEMU);
    const on = planBaseline(doc, group[1]?.profile as Profile, Q10);
    assert.equal(on.status, 'planned');
    assert.equal(parseMask(on.plan?.predicted.features.offered.present.bits ?? ''), parseMask(doc.device.features.bits));
    assert.equal(on.plan?.predicted.config.mtu, 1500);
    assert.match(on.plan?.commands[0] ?? '', /^vdpa dev add name vdpa-mig0 mgmtdev vdpasim_net mtu 1500 device_features 0x308820028$/);
    // A host with only vp_vdpa parents A–C: none offers ANY_LAYOUT or ACCESS_PLATFORM, which the baseline has.
    const vp = await profileOf('e2e/k6.12/vp-tool615');
    vp.mgmtdevs = vp.mgmtdevs.filter((m) => m.handle.startsWith('pci/'));
    vp.devices = [];
    const off = planBaseline(doc, vp, Q10);
    assert.equal(off.status, 'no-plan');
    assert.equal(off.exitStatus, 1);
    assert.ok(off.candidates.every((c) => c.requirements.some((r) => r.code === 'needed-features')));
  });

  it("plan --baseline with only the target's QEMU given: the baseline device, a source on that same host, runs that QEMU too", async () => {
    const group = await hosts();
    const doc = baseline(group, 'net', 'rack7', QEMU);
    const host = group[1]?.profile as Profile;
    // The lab dump's own QEMU is 7.2, which blocks a migration without x-svq (VHOST_F_LOG_ALL).
    assert.ok(host.host.vmm?.qemu.every((q) => q.version?.startsWith('7.2.')));
    const own = planBaseline(doc, host);
    assert.equal(own.status, 'no-plan');
    assert.ok(own.candidates.some((c) => c.limiting.includes('hypervisor-blockers/logAll')));
    const given = planBaseline(doc, host, { targetQemu: QEMU.qemu });
    assert.equal(given.status, 'planned');
    assert.equal(given.target.qemu, '10.0.2');
  });
});
