// bench/fleet.mjs, the synthetic fleet for the matrix benchmarks: its profiles load with the
// project's loader, its device groups are as many as asked, a seed gives one fleet, and every
// device is one the kernel could show.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { ALL_BITS, NET, bitMask, parseMask } from '../../src/profile/feature-bits.js';
import { canonicalJson, verifiedFingerprint } from '../../src/profile/fingerprint.js';
import { loadProfile, toProfile } from '../../src/profile/load.js';
import type { DeviceDoc, Profile } from '../../src/profile/types.js';
import { check } from '../../src/verdict/check.js';
import { repoPath } from '../helpers/paths.js';

interface FleetModule {
  generateFleet: (options: { hosts: number; groups?: number; seed?: number; distinct?: boolean }) => Profile[];
  groupKey: (profile: Profile, device: DeviceDoc) => string;
}
// A plain-JS module outside the typed tree: imported by URL, typed here.
const fleetModule = (await import(pathToFileURL(repoPath('bench/fleet.mjs')).href)) as FleetModule;
const { generateFleet } = fleetModule;

/**
 * The group key as bench/fleet.mjs documents it, written again here so the test does not grade the
 * generator with its own code: the host minus its name, the device's management device minus its
 * handle, name and PCI address, the device minus name, mgmtdev, charDev and fingerprint, its MAC
 * reduced to none / zero / set.
 */
function key(profile: Profile, device: DeviceDoc): string {
  const { hostname: _hostname, ...host } = profile.host;
  const parent = profile.mgmtdevs.find((m) => m.handle === device.mgmtdev);
  assert.ok(parent, `${profile.host.hostname}/${device.name}: management device ${device.mgmtdev} is in the profile`);
  const { handle: _handle, name: _name, pci, ...mgmtdev } = parent;
  const { name: _n, mgmtdev: _m, charDev: _c, fingerprint: _f, ...rest } = device;
  const mac = device.config.mac === null ? 'none' : device.config.mac === '00:00:00:00:00:00' ? 'zero' : 'set';
  const pciFacts = pci === null ? null : (({ address: _address, ...facts }) => facts)(pci);
  return canonicalJson({ host, mgmtdev: { ...mgmtdev, pci: pciFacts }, device: { ...rest, config: { ...device.config, mac } } });
}

const keys = (fleet: Profile[]): string[] => fleet.flatMap((p) => p.devices.map((d) => key(p, d)));
const mask = (bits: string): bigint => parseMask(bits) ?? assert.fail(`mask ${bits}`);

/**
 * What a device breaks of the kernel's rules (empty when none). Offered bits come from the
 * profile's present/absent sets: exact from raw netlink, partly unknown from the vdpa tool, so
 * each rule is read as "the profile does not contradict it" (and as the rule itself where exact).
 */
function kernelViolations(profile: Profile, d: DeviceDoc): string[] {
  const out: string[] = [];
  const at = `${profile.host.hostname}/${d.name}`;
  const present = mask(d.features.offered.present.bits);
  const absent = mask(d.features.offered.absent.bits);
  const exact = (present | absent) === ALL_BITS;
  const parent = profile.mgmtdevs.find((m) => m.handle === d.mgmtdev);
  if (parent === undefined) return [`${at}: no management device ${d.mgmtdev}`];
  if ((present & absent) !== 0n) out.push(`${at}: bits both present and absent`);
  // The parent gives a device only what it supports (an empty dev_features, vdpasim_blk, says nothing).
  if (parent.supportedFeatures !== null) {
    const supported = mask(parent.supportedFeatures.bits);
    if ((present & ~supported) !== 0n) out.push(`${at}: offers bits its parent does not support`);
    if (d.features.provisionable === null || mask(d.features.provisionable.bits) !== supported) out.push(`${at}: provisionable is not its parent's dev_features`);
  }
  if (d.features.negotiated !== null) {
    const negotiated = mask(d.features.negotiated.bits);
    if ((negotiated & ~present) !== 0n) out.push(`${at}: negotiated bits not offered`);
  }
  if (d.class !== 'net') return out;
  const offered = (bit: number): boolean | null => ((present & bitMask(bit)) !== 0n ? true : (absent & bitMask(bit)) !== 0n ? false : null);
  // drivers/vdpa/vdpa.c: mtu and mac are sent iff the device offers MTU, MAC (6.1 on).
  if ((d.config.mtu !== null) !== (offered(NET.MTU) === true)) out.push(`${at}: mtu ${d.config.mtu} with MTU offered ${offered(NET.MTU)}`);
  if ((d.config.mac !== null) !== (offered(NET.MAC) === true)) out.push(`${at}: mac ${d.config.mac} with MAC offered ${offered(NET.MAC)}`);
  // max_vq_pairs is sent iff MQ or RSS is offered; more than one pair needs MQ.
  const mqOrRss = offered(NET.MQ) !== false || offered(NET.RSS) !== false;
  if ((d.config.maxVqPairs !== null) !== mqOrRss) out.push(`${at}: max_vq_pairs ${d.config.maxVqPairs} with MQ ${offered(NET.MQ)}, RSS ${offered(NET.RSS)}`);
  if (d.config.maxVqPairs !== null && d.config.maxVqPairs > 1 && offered(NET.MQ) === false) out.push(`${at}: ${d.config.maxVqPairs} queue pairs without MQ`);
  if (exact && d.config.maxVqPairs !== null && d.config.maxVqPairs > 1 && offered(NET.MQ) !== true) out.push(`${at}: ${d.config.maxVqPairs} queue pairs without MQ`);
  if (parent.maxSupportedVqs !== null && parent.maxSupportedVqs > 3 && d.config.maxVqPairs !== null && 2 * d.config.maxVqPairs + 1 > parent.maxSupportedVqs) out.push(`${at}: more pairs than its parent's virtqueues`);
  // The raw netlink reader sees every offered bit; the vdpa tool never prints them (an unknown fact
  // says so), though the inference can happen to cover all 64.
  if (profile.host.iproute2 === null && !exact) out.push(`${at}: offered partial from raw netlink`);
  if (profile.host.iproute2 !== null && !d.unknown.some((u) => u.fact === '/features/offered')) out.push(`${at}: offered read by the vdpa tool, not said to be inferred`);
  return out;
}

const small = generateFleet({ hosts: 200, groups: 20, seed: 1 });
const distinct = generateFleet({ hosts: 200, seed: 1, distinct: true });

describe('bench/fleet.mjs', () => {
  it('writes profiles that the project loads, fingerprints and all', async () => {
    for (const profile of [...small, ...distinct]) {
      const name = `${profile.host.hostname}.json`;
      // Through JSON, as the CLI writes them and `check` reads them.
      const loaded = await toProfile(JSON.parse(JSON.stringify(profile)), name);
      loaded.devices.forEach((d, i) => verifiedFingerprint(d, `/devices/${i}`, name));
      assert.ok(profile.devices.length >= 1 && profile.devices.length <= 4, `${name}: ${profile.devices.length} devices`);
      assert.equal(new Set(profile.devices.map((d) => d.name)).size, profile.devices.length, `${name}: device names unique`);
      assert.equal(new Set(profile.mgmtdevs.map((m) => m.handle)).size, profile.mgmtdevs.length, `${name}: one entry per management device`);
    }
  });

  it('holds at most the groups asked for, and at least half of them', () => {
    const count = new Set(keys(small)).size;
    assert.ok(count <= 20 && count >= 10, `${count} groups for 20`);
    // The generator's own key agrees with the one written here.
    assert.equal(new Set(small.flatMap((p) => p.devices.map((d) => fleetModule.groupKey(p, d)))).size, count);
    // More devices than groups: groups do repeat across hosts.
    assert.ok(keys(small).length > 2 * count);
    // Fewer hosts than groups: no more groups than devices, never more than asked.
    const few = generateFleet({ hosts: 5, groups: 50, seed: 3 });
    assert.ok(new Set(keys(few)).size <= Math.min(50, keys(few).length));
    const wide = generateFleet({ hosts: 600, groups: 300, seed: 2 });
    const wideCount = new Set(keys(wide)).size;
    assert.ok(wideCount <= 300 && wideCount >= 280, `${wideCount} groups for 300`);
  });

  it('gives the same fleet for a seed, another for another seed', () => {
    assert.deepEqual(generateFleet({ hosts: 200, groups: 20, seed: 1 }), small);
    assert.notDeepEqual(generateFleet({ hosts: 200, groups: 20, seed: 2 }), small);
    assert.deepEqual(generateFleet({ hosts: 200, seed: 1, distinct: true }), distinct);
    assert.notDeepEqual(generateFleet({ hosts: 200, seed: 7, distinct: true }), distinct);
  });

  it('makes every device distinct with distinct', () => {
    const all = keys(distinct);
    assert.ok(all.length > distinct.length, 'hosts with several devices');
    assert.equal(new Set(all).size, all.length);
  });

  it('generates only devices the kernel could show', () => {
    for (const fleet of [small, distinct]) for (const p of fleet) for (const d of p.devices) assert.deepEqual(kernelViolations(p, d), []);
  });

  it('sees a device the kernel could not show (the check above can fail)', () => {
    const p = structuredClone(small.find((h) => h.devices.some((d) => d.class === 'net' && d.config.mtu !== null && d.features.negotiated !== null))!);
    const d = p.devices.find((x) => x.class === 'net' && x.config.mtu !== null && x.features.negotiated !== null)!;
    const original = structuredClone(d);
    d.config.mtu = null;
    assert.match(kernelViolations(p, d).join('\n'), /mtu null/);
    Object.assign(d, structuredClone(original));
    d.features.negotiated = { bits: '0xffffffffffffffff', names: [] };
    assert.match(kernelViolations(p, d).join('\n'), /negotiated bits not offered/);
    Object.assign(d, structuredClone(original));
    d.config.maxVqPairs = 4;
    d.features.offered.absent.bits = `0x${(mask(d.features.offered.absent.bits) | bitMask(NET.MQ) | bitMask(NET.RSS)).toString(16)}`;
    d.features.offered.present.bits = `0x${(mask(d.features.offered.present.bits) & ~(bitMask(NET.MQ) | bitMask(NET.RSS))).toString(16)}`;
    assert.match(kernelViolations(p, d).join('\n'), /queue pairs without MQ/);
  });

  it('varies what fleets vary', () => {
    const fleet = generateFleet({ hosts: 1000, groups: 100, seed: 5 });
    const seen = (f: (p: Profile, d: DeviceDoc) => unknown): Set<unknown> => new Set(fleet.flatMap((p) => p.devices.map((d) => f(p, d))));
    const kernels = [...seen((p) => p.host.kernel)] as string[];
    for (const family of [/^6\.1\.0-\d+-amd64$/, /^6\.12\.\d+\+deb13-amd64$/, /^6\.8\.\d+-\d+-(generic|pve)$/])
      assert.ok(
        kernels.some((k) => family.test(k)),
        `a kernel like ${family}`,
      );
    const qemuMajors = seen((p) => p.host.vmm?.qemu[0]?.version?.split('.').slice(0, 2).join('.') ?? null);
    for (const q of ['7.2', '8.2', '9.2', '10.0', null]) assert.ok(qemuMajors.has(q), `QEMU ${q}`);
    assert.deepEqual([...seen((p) => p.host.iproute2)].sort(), ['6.1.0', '6.15.0', null].sort());
    const parents = seen((p, d) => p.mgmtdevs.find((m) => m.handle === d.mgmtdev)!.driver ?? d.mgmtdev);
    for (const parent of ['vdpasim_net', 'vdpasim_blk', 'vp-vdpa', 'mlx5_core', 'mlx5_core.sf']) assert.ok(parents.has(parent), parent);
    const mtus = seen((_, d) => d.config.mtu);
    for (const mtu of [1500, 9000, null]) assert.ok(mtus.has(mtu), `MTU ${mtu}`);
    const pairs = seen((_, d) => d.config.maxVqPairs);
    for (const n of [null, 1, 2, 4, 8]) assert.ok(pairs.has(n), `${n} queue pairs`);
    const drivers = seen((_, d) => d.driver);
    for (const driver of ['vhost_vdpa', 'virtio_vdpa', null]) assert.ok(drivers.has(driver), `driver ${driver}`);
    assert.ok([...seen((_, d) => d.features.negotiated !== null)].length === 2, 'some devices negotiated, some not');
    assert.ok([...seen((_, d) => d.features.offered.present.bits)].length >= 20, 'feature masks vary');
    assert.deepEqual([...new Set(fleet.map((p) => p.devices.length))].sort(), [1, 2, 3, 4]);
    // A MAC per device, except the unprovisioned simulator's zeros.
    const macs = fleet.flatMap((p) => p.devices.map((d) => d.config.mac)).filter((m): m is string => m !== null && m !== '00:00:00:00:00:00');
    assert.equal(new Set(macs).size, macs.length);
    // Most devices are for VMs.
    const vhost = fleet.flatMap((p) => p.devices).filter((d) => d.driver === 'vhost_vdpa').length;
    assert.ok(vhost > fleet.flatMap((p) => p.devices).length / 2);
  });

  it('groups devices that check treats alike', () => {
    // Two devices of one group, checked against the same third device, get the same verdict and the
    // same findings: what `matrix` relies on to compute a group once.
    const devices = small.flatMap((p) => p.devices.map((d) => ({ p, d, k: key(p, d) })));
    const mates = new Map<string, typeof devices>();
    for (const x of devices) mates.set(x.k, [...(mates.get(x.k) ?? []), x]);
    const targets = devices.filter((_, i) => i % 37 === 0);
    const single = (x: (typeof devices)[number]): Profile => ({ ...x.p, devices: [x.d] });
    let compared = 0;
    for (const group of mates.values()) {
      const [a, b] = group.filter((x, i, all) => all.findIndex((y) => y.p === x.p) === i);
      if (a === undefined || b === undefined) continue;
      // Not a device of a's or b's own host: the MAC is left out of the key, and a device checked
      // against itself keeps its MAC (mac-match), which its group mate does not.
      for (const t of targets.filter((x) => x.d.class === a.d.class && x.p !== a.p && x.p !== b.p)) {
        const ra = check(single(a), single(t), { now: new Date('2026-12-01T00:00:00Z') });
        const rb = check(single(b), single(t), { now: new Date('2026-12-01T00:00:00Z') });
        const findings = (r: typeof ra): string[] => r.findings.map((f) => `${f.rule} ${f.severity}`).sort();
        assert.equal(ra.verdict, rb.verdict, `${a.p.host.hostname}/${a.d.name} and ${b.p.host.hostname}/${b.d.name} → ${t.p.host.hostname}/${t.d.name}`);
        assert.deepEqual(findings(ra), findings(rb));
        compared++;
      }
    }
    assert.ok(compared >= 20, `${compared} comparisons`);
  });

  describe('the CLI', () => {
    const out = mkdtempSync(join(tmpdir(), 'vdpa-compat-fleet-'));
    after(() => rmSync(out, { recursive: true, force: true }));

    it('writes one JSON profile per host, as generateFleet makes them', async () => {
      const printed = execFileSync(process.execPath, [repoPath('bench/fleet.mjs'), '--hosts', '12', '--groups', '6', '--seed', '4', '--out', out], { encoding: 'utf8' });
      assert.match(printed, /^12 hosts, \d+ devices, [1-6] device groups;/);
      const files = readdirSync(out).sort();
      assert.deepEqual(
        files,
        Array.from({ length: 12 }, (_, i) => `host-${String(i + 1).padStart(5, '0')}.json`),
      );
      const expected = generateFleet({ hosts: 12, groups: 6, seed: 4 });
      for (const [i, file] of files.entries()) {
        const profile = await loadProfile(join(out, file));
        assert.deepEqual(profile, expected[i]);
        assert.equal(readFileSync(join(out, file), 'utf8'), `${JSON.stringify(expected[i], null, 2)}\n`);
      }
    });

    it('refuses an unknown argument', () => {
      assert.throws(() => execFileSync(process.execPath, [repoPath('bench/fleet.mjs'), '--hosts', '2', '--bogus', '--out', out], { stdio: 'pipe' }), /unknown argument --bogus/);
    });
  });
});
