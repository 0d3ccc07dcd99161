// A synthetic fleet of host profiles for benchmarking the `matrix` command (every ordered pair of
// hosts × device class → best verdict). The fleet is built from the repository's real profiles
// (profiles/vdpasim/*.yaml, profiles/vp_vdpa/*.yaml: their management devices, their block device,
// the names they give every feature bit, the bits a guest left out of what was offered) and the 6.1
// capture (test/fixtures/e2e/k6.1/dumps/sim-netlink), varied along the lines real fleets vary:
// kernel and iproute2 releases, QEMU/libvirt builds, how the profile was read (vdpa tool or raw
// netlink), parent drivers, device_features, MTU, queue pairs, MAC, bus driver, negotiation.
//
//   node bench/fleet.mjs --hosts 10000 --groups 500 --seed 1 --out DIR   # one DIR/host-NNNNN.json per host
//   node bench/fleet.mjs --hosts 10000 --distinct --seed 1 --out DIR     # no two devices alike
//   node bench/fleet.mjs --hosts 1 --distinct --devices 10000 --out DIR  # as many hosts as 10,000 such devices take
//   node bench/fleet.mjs --hosts 10000 --groups 500 --layouts 500 --out DIR   # hosts in 500 builds
//
// Library: generateFleet({ hosts, groups, seed, distinct, layouts, devices }) → Profile[] and groupKey(profile, device).
//
// A device group is what `matrix` may compute once for many devices: devices whose facts are the
// same except their name, MAC, charDev, parent address and host name (see groupKey). With
// `groups: G` the fleet holds at most G groups (exactly G when there are at least G hosts and the
// spec space allows it); with `distinct` every device is its own group.
//
// Every device is one the kernel could show (the test checks it): offered ⊆ the parent's
// dev_features, negotiated ⊆ offered, mtu/mac/max_vq_pairs present iff MTU/MAC/MQ|RSS offered
// (drivers/vdpa/vdpa.c vdpa_dev_net_*_config_fill gate them on the offered features, 6.1 on),
// link status gated on STATUS from 6.2 (always sent on 6.1), more than one queue pair only with MQ.
// Plain JavaScript with no dependency beyond the project's own (js-yaml), so the benchmark does not
// need a build.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JSON_SCHEMA, load } from 'js-yaml';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The number after `--NAME` on the command line, or `fallback`: the benches' options. */
export function numberArg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}
const ALL = (1n << 64n) - 1n;
const TOOL_VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

// ---------------------------------------------------------------------------------------------
// PRNG: mulberry32, so a seed gives the same fleet on every machine and Node version
// (Math.random cannot be seeded).

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The random helpers one generation uses, all from one stream. */
function randomness(seed) {
  const next = mulberry32(seed);
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = (list) => list[Math.floor(next() * list.length)];
  const chance = (p) => next() < p;
  /** Picks from [[weight, value], …]. */
  const weighted = (entries) => {
    const total = entries.reduce((sum, [w]) => sum + w, 0);
    let x = next() * total;
    for (const [w, v] of entries) if ((x -= w) < 0) return v;
    return entries[entries.length - 1][1];
  };
  return { next, int, pick, chance, weighted };
}

// ---------------------------------------------------------------------------------------------
// Templates, read from the repository at run time so the fleet follows the real profiles when they
// are regenerated (`npm run profiles`), instead of a copy that drifts.

const bitsOf = (mask) => {
  const bits = [];
  for (let b = 0; b < 64; b++) if ((mask >> BigInt(b)) & 1n) bits.push(b);
  return bits;
};
const formatMask = (mask) => `0x${mask.toString(16).padStart(16, '0')}`;
const popcount = (mask) => bitsOf(mask).length;

let templates;

/** The real profiles' facts the generator starts from (read once per process). */
function loadTemplates() {
  if (templates !== undefined) return templates;
  const profiles = [];
  for (const dir of ['profiles/vdpasim', 'profiles/vp_vdpa']) {
    for (const file of readdirSync(join(ROOT, dir)).sort()) {
      // test/fixtures/profiles holds a profile of a *future* schema minor (fields this version does not
      // write): not a template for profiles this version must load as its own.
      if (file.endsWith('.yaml')) profiles.push(load(readFileSync(join(ROOT, dir, file), 'utf8'), { schema: JSON_SCHEMA }));
    }
  }
  // Bit names per class, taken from the real profiles' masks: the loader checks every mask's names
  // against src/profile/feature-bits.ts, so these are the project's names, and a raw-netlink profile
  // lists all 64 bits of a net and a block device between its offered present and absent sets.
  const names = { net: new Array(64), blk: new Array(64) };
  const learn = (set, cls) => {
    if (set === null || set === undefined) return;
    bitsOf(BigInt(set.bits)).forEach((bit, i) => (names[cls][bit] = set.names[i]));
  };
  const mgmtdevs = new Map();
  let blkTool;
  let blkNetlink;
  const guestLeftOut = new Set();
  for (const p of profiles) {
    for (const m of p.mgmtdevs) {
      learn(m.supportedFeatures, 'net');
      if (!mgmtdevs.has(m.handle)) mgmtdevs.set(m.handle, m);
    }
    for (const d of p.devices) {
      const cls = d.class === 'blk' ? 'blk' : 'net';
      for (const set of [d.features.negotiated, d.features.provisionable, d.features.offered.present, d.features.offered.absent]) learn(set, cls);
      if (d.class === 'blk') {
        if (p.host.iproute2 === null) blkNetlink ??= d;
        else blkTool ??= d;
      }
      // What a guest's virtio_net left out of what the device offered (ANY_LAYOUT, CTRL_RX_EXTRA…):
      // a generated negotiation leaves out the same.
      if (d.class === 'net' && d.features.negotiated !== null) {
        for (const b of bitsOf(BigInt(d.features.offered.present.bits) & ~BigInt(d.features.negotiated.bits))) guestLeftOut.add(b);
      }
    }
  }
  for (const cls of ['net', 'blk']) {
    const missing = names[cls].flatMap((n, b) => (n === undefined ? [b] : []));
    if (missing.length > 0) throw new Error(`bench/fleet.mjs: the real profiles name no ${cls} bit ${missing.join(', ')} (a raw-netlink profile with a ${cls} device lists every bit)`);
  }
  const need = (handle) => {
    const m = mgmtdevs.get(handle);
    if (m === undefined) throw new Error(`bench/fleet.mjs: no management device ${handle} in profiles/`);
    return m;
  };
  if (blkTool === undefined || blkNetlink === undefined) throw new Error('bench/fleet.mjs: profiles/ lost its block devices (k6.12-vhost, k6.12-netlink)');
  const sim = need('vdpasim_net');
  templates = {
    names,
    bit: Object.fromEntries(names.net.map((n, b) => [n, b])),
    simNet: sim,
    simNet61Features: sim61Features(),
    simBlk: need('vdpasim_blk'),
    blkTool,
    blkNetlink,
    // vp_vdpa parents A–E of the lab (profiles/README.md): virtio-net-pci functions of different options.
    vp: ['pci/0000:00:05.0', 'pci/0000:00:06.0', 'pci/0000:00:07.0', 'pci/0000:00:08.0', 'pci/0000:00:09.0'].map(need),
    guestLeftOut: [...guestLeftOut].reduce((m, b) => m | (1n << BigInt(b)), 0n),
  };
  return templates;
}

/**
 * vdpasim_net's dev_features on 6.1, from the raw netlink capture of a 6.1 host (attribute 16,
 * VDPA_ATTR_DEV_SUPPORTED_FEATURES, a little-endian u64): 6.1's simulator does not offer STATUS.
 */
function sim61Features() {
  const dump = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/e2e/k6.1/dumps/sim-netlink/vdpa-netlink.json'), 'utf8'));
  const simName = Buffer.from('vdpasim_net\0').toString('hex');
  const entry = dump.mgmtdevs.find((m) => m.attrs.some(([type, hex]) => type === 2 && hex === simName));
  const features = entry?.attrs.find(([type]) => type === 16)?.[1];
  if (features === undefined) throw new Error('bench/fleet.mjs: the 6.1 capture has no vdpasim_net dev_features');
  return Buffer.from(features, 'hex').readBigUInt64LE(0);
}

// ---------------------------------------------------------------------------------------------
// Hosts: distributions as fleets run them. Kernel releases are what `uname -r` prints: Debian 12
// names its ABI (6.1.0-56-amd64, whatever the 6.1.y), Debian 13 its stable release, Ubuntu and
// Proxmox their ABI on 6.8. The QEMU lines marked "captured" are the lab's (test/fixtures/qemu,
// the e2e vmm.json files); the others are the distributions' own spelling of their release.

const DEBIAN_BINS = ['/usr/bin/qemu-system-i386', '/usr/bin/qemu-system-x86_64', '/usr/bin/qemu-system-x86_64-microvm'];
const DISTROS = [
  {
    id: 'debian12',
    weight: 3,
    kernel: (r) => `6.1.0-${r.pick([37, 41, 44, 48, 52, 56, 57])}-amd64`,
    iproute2: '6.1.0',
    qemu: [
      ['7.2.22', 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)'], // captured
      ['7.2.19', 'QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u16)'],
      ['10.0.2', 'QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)'], // captured (bookworm-backports)
    ],
    bins: DEBIAN_BINS,
    libvirt: ['/usr/sbin/libvirtd', '9.0.0'],
  },
  {
    id: 'debian13',
    weight: 3,
    kernel: (r) => `6.12.${r.pick([38, 43, 48, 57, 63, 111, 117])}+deb13-amd64`,
    iproute2: '6.15.0',
    qemu: [
      ['10.0.13', 'QEMU emulator version 10.0.13 (Debian 1:10.0.13+ds-0+deb13u1)'], // captured
      ['10.0.2', 'QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2)'],
      // A site build of the last 9.x next to the distribution's (upstream builds print no parentheses).
      ['9.2.4', 'QEMU emulator version 9.2.4'],
    ],
    bins: DEBIAN_BINS,
    libvirt: ['/usr/sbin/libvirtd', '11.3.0'],
  },
  {
    id: 'ubuntu2404',
    weight: 2,
    kernel: (r) => `6.8.0-${r.pick([31, 45, 51, 60, 71, 79, 85])}-generic`,
    iproute2: '6.1.0',
    qemu: [
      ['8.2.2', 'QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1.4)'],
      ['8.2.2', 'QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1.10)'],
    ],
    bins: DEBIAN_BINS,
    libvirt: ['/usr/sbin/libvirtd', '10.0.0'],
  },
  {
    id: 'pve8',
    weight: 1,
    kernel: (r) => `6.8.12-${r.pick([4, 9, 11, 13])}-pve`,
    iproute2: '6.1.0',
    qemu: [
      ['9.2.0', 'QEMU emulator version 9.2.0 (pve-qemu-kvm_9.2.0-5)'],
      ['8.2.2', 'QEMU emulator version 8.2.2 (pve-qemu-kvm_8.2.2-1)'],
    ],
    bins: ['/usr/bin/qemu-system-x86_64'],
    // Proxmox runs QEMU itself: no libvirt.
    libvirt: null,
  },
];

/** kernel release → [major, minor, patch] as vdpa-compat reads it (Debian 12's ABI name gives patch 0). */
function kernelVersion(release) {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}
const atLeast = (release, major, minor) => {
  const [a, b] = kernelVersion(release);
  return a > major || (a === major && b >= minor);
};

/**
 * A host platform: what every device on the host shares. `read` is how collect read it: the vdpa
 * tool (offered features mostly inferred) or raw netlink (offered exact, iproute2 unknown); `vmm`
 * false is a profile without host.vmm (older collect, or a dump without vmm.json).
 */
function randomPlatform(r, distro = r.weighted(DISTROS.map((d) => [d.weight, d])), qemu = r.pick(distro.qemu)) {
  return {
    distro: distro.id,
    kernel: distro.kernel(r),
    read: r.weighted([
      [3, 'vdpa-tool'],
      [1, 'netlink'],
    ]),
    qemu,
    vmm: !r.chance(0.1),
  };
}

/**
 * About √G platforms for G groups (a fleet runs a handful of platforms, many device configurations
 * on each): every distribution's QEMU builds first, so a small fleet still spans 7.2 to 10.0, then
 * random ones.
 */
function fleetPlatforms(r, count) {
  const combos = DISTROS.flatMap((distro) => distro.qemu.map((qemu) => [distro, qemu]));
  const platforms = [];
  const seen = new Set();
  for (let tries = 0; platforms.length < count && tries < 10_000; tries++) {
    const p = tries < combos.length ? randomPlatform(r, ...combos[tries]) : randomPlatform(r);
    const key = JSON.stringify(p);
    if (seen.has(key)) continue;
    seen.add(key);
    platforms.push(p);
  }
  return platforms;
}

function hostDoc(platform, hostname) {
  const distro = DISTROS.find((d) => d.id === platform.distro);
  const [version, versionText] = platform.qemu;
  // A site build in /usr/local/bin comes first in PATH and wins for its name (src/collect/vmm.ts
  // findQemuBinaries); the distribution's other binaries, of its own release, are found after it.
  const site = !versionText.includes('(');
  const [distroVersion, distroText] = distro.qemu[0];
  const bins = site
    ? [{ path: '/usr/local/bin/qemu-system-x86_64', version, versionText }, ...distro.bins.filter((path) => !path.endsWith('/qemu-system-x86_64')).map((path) => ({ path, version: distroVersion, versionText: distroText }))]
    : distro.bins.map((path) => ({ path, version, versionText }));
  const vmm = {
    qemu: bins,
    libvirt: distro.libvirt === null ? null : { path: distro.libvirt[0], version: distro.libvirt[1], versionText: `${distro.libvirt[0]} (libvirt) ${distro.libvirt[1]}` },
  };
  const netlink = platform.read === 'netlink';
  return {
    hostname,
    kernel: platform.kernel,
    iproute2: netlink ? null : distro.iproute2,
    ...(platform.vmm ? { vmm } : {}),
    unknown: netlink ? [{ fact: '/iproute2', reason: 'the vdpa tool was not run (raw netlink only)' }] : [],
  };
}

// ---------------------------------------------------------------------------------------------
// Parents and devices.

const set = (mask, cls = 'net') => ({ bits: formatMask(mask), names: bitsOf(mask).map((b) => loadTemplates().names[cls][b]) });
const maskOf = (...names) => names.reduce((m, n) => m | (1n << BigInt(loadTemplates().bit[n])), 0n);

/**
 * Feature groups dropped together, as `vdpa dev add … device_features` or a virtio-net-pci
 * property drops them: a bit goes with the bits that depend on it (virtio 1.3 §5.1.3.1, e.g.
 * CTRL_MAC_ADDR and MQ need CTRL_VQ, RSS needs CTRL_VQ; more than one pair needs MQ).
 */
const DROPS = {
  mtu: ['MTU'],
  mac: ['MAC'],
  status: ['STATUS'],
  cvq: ['CTRL_VQ', 'CTRL_RX', 'CTRL_VLAN', 'CTRL_RX_EXTRA', 'CTRL_MAC_ADDR', 'CTRL_GUEST_OFFLOADS', 'GUEST_ANNOUNCE', 'MQ', 'RSS', 'HASH_REPORT'],
  macAddr: ['CTRL_MAC_ADDR'],
  mq: ['MQ', 'RSS'],
  rss: ['RSS'],
  hash: ['HASH_REPORT'],
  hostTso: ['HOST_TSO4', 'HOST_TSO6', 'HOST_ECN', 'HOST_UFO'],
  guestTso: ['GUEST_TSO4', 'GUEST_TSO6', 'GUEST_ECN', 'GUEST_UFO'],
  csum: ['CSUM', 'HOST_TSO4', 'HOST_TSO6', 'HOST_ECN', 'HOST_UFO'],
  eventIdx: ['RING_EVENT_IDX'],
  mrg: ['MRG_RXBUF'],
  vlan: ['CTRL_VLAN'],
  announce: ['GUEST_ANNOUNCE'],
};
/** A random set of drops from `allowed`, each with probability p; the mask of every bit dropped. */
function randomDrops(r, allowed, p) {
  let mask = 0n;
  for (const d of allowed) if (r.chance(p)) mask |= maskOf(...DROPS[d]);
  return mask;
}

/**
 * mlx5_core-like parent (ConnectX VF or SF): the repository has no mlx5 capture, so these masks
 * follow drivers/vdpa/mlx5/net/mlx5_vnet.c get_supported_features (CSUM, GUEST_CSUM, HOST_TSO4/6
 * and the rest from firmware caps; MTU, MAC, STATUS, CTRL_VQ, CTRL_MAC_ADDR, MQ, VERSION_1,
 * ACCESS_PLATFORM always), not a real host. Firmware decides the extras and max_supported_vqs.
 */
const MLX5_BASE = ['CSUM', 'GUEST_CSUM', 'MTU', 'MAC', 'HOST_TSO4', 'HOST_TSO6', 'STATUS', 'CTRL_VQ', 'MQ', 'CTRL_MAC_ADDR', 'VERSION_1', 'ACCESS_PLATFORM'];
const MLX5_FIRMWARE_EXTRAS = ['GUEST_TSO4', 'GUEST_TSO6', 'MRG_RXBUF', 'CTRL_VLAN'];

/**
 * A parent spec: the facts of one management device except its address (the host gives that).
 * vdpasim's facts follow the kernel alone, so every simulator device of one host shares its one
 * vdpasim_net (the name is fixed); a PCI or auxiliary parent is one function per device.
 */
function randomParent(r, platform, family) {
  const t = loadTemplates();
  if (family === 'sim') {
    // 6.1's simulator does not offer STATUS (the 6.1 capture); 6.2 added it.
    const features = atLeast(platform.kernel, 6, 2) ? BigInt(t.simNet.supportedFeatures.bits) : t.simNet61Features;
    return { family, kind: 'sim', features, addAttrs: ['mac', 'mtu', 'device_features'] };
  }
  if (family === 'blk') return { family, kind: 'blk', features: null, addAttrs: [] };
  if (family === 'vp') {
    const template = r.pick(t.vp);
    // The underlying virtio-net-pci's properties (mq=off, host_mtu unset, csum=off, …) change what the function offers.
    const features = BigInt(template.supportedFeatures.bits) & ~(r.chance(0.5) ? randomDrops(r, ['mtu', 'mq', 'hash', 'csum', 'guestTso', 'eventIdx', 'announce'], 0.2) : 0n);
    return { family, kind: 'vp', template: template.handle, pci: template.pci, features, addAttrs: ['device_features'] };
  }
  // mlx5: device_features at `vdpa dev add` from 6.12 (packs/parents.yaml devAddAttributes); 6.8 is
  // taken as 6.1 (the pack has no fact for it).
  const extras = MLX5_FIRMWARE_EXTRAS.filter(() => r.chance(0.5));
  const features = maskOf(...MLX5_BASE, ...extras);
  const sf = r.chance(0.25);
  return {
    family,
    kind: sf ? 'mlx5-sf' : 'mlx5-vf',
    features,
    maxSupportedVqs: r.pick([65, 129, 257]),
    pciDevice: r.pick(['0x101e', '0x101c']),
    addAttrs: atLeast(platform.kernel, 6, 12) ? ['mac', 'max_vqp', 'mtu', 'device_features'] : ['mac', 'max_vqp', 'mtu'],
  };
}

/** The management device of a parent spec at a host-given address. */
function mgmtdevDoc(parent, at) {
  const t = loadTemplates();
  if (parent.kind === 'sim') return { ...structuredClone(t.simNet), supportedFeatures: set(parent.features) };
  if (parent.kind === 'blk') return structuredClone(t.simBlk);
  if (parent.kind === 'vp') {
    return { handle: `pci/${at}`, bus: 'pci', name: at, classes: ['net'], maxSupportedVqs: 3, supportedFeatures: set(parent.features), driver: 'vp-vdpa', pci: { ...parent.pci, address: at }, unknown: [] };
  }
  if (parent.kind === 'mlx5-sf') {
    return { handle: `auxiliary/${at}`, bus: 'auxiliary', name: at, classes: ['net'], maxSupportedVqs: parent.maxSupportedVqs, supportedFeatures: set(parent.features), driver: 'mlx5_core.sf', pci: null, unknown: [] };
  }
  const pci = { address: at, vendor: '0x15b3', device: parent.pciDevice, subsystemVendor: '0x15b3', subsystemDevice: '0x0016', class: '0x020000', revision: '0x00' };
  return { handle: `pci/${at}`, bus: 'pci', name: at, classes: ['net'], maxSupportedVqs: parent.maxSupportedVqs, supportedFeatures: set(parent.features), driver: 'mlx5_core', pci, unknown: [] };
}

/** MTUs: the default and jumbo frames mostly; 1450 and 8950 leave room for a VXLAN header. */
const MTUS = [
  [5, 1500],
  [3, 9000],
  [1, 1450],
  [1, 8950],
];

/**
 * A device spec: what the device offers and how it is configured, bound and used, i.e. all of a
 * group's facts. `wide` (for --distinct) widens the MTU and pair choices so that tens of thousands
 * of devices can all differ.
 */
function randomDevice(r, platform, parent, wide) {
  const t = loadTemplates();
  const driver = r.weighted([
    [7, 'vhost_vdpa'],
    [2, 'virtio_vdpa'],
    [1, null],
  ]);
  if (parent.kind === 'blk') return { driver: driver === 'virtio_vdpa' ? 'vhost_vdpa' : driver };
  let offered = parent.features;
  if (parent.addAttrs.includes('device_features')) {
    const allowed = parent.kind === 'sim' ? ['mtu', 'mac', 'status', 'cvq', 'macAddr'] : ['mtu', 'mac', 'mq', 'rss', 'hash', 'macAddr', 'cvq', 'mrg', 'vlan', 'guestTso', 'hostTso'];
    offered &= ~(r.chance(0.4) ? randomDrops(r, allowed, 0.25) : 0n);
  }
  const has = (name) => (offered & maskOf(name)) !== 0n;
  // The MTU a device reports: set at `vdpa dev add mtu N` (sim, mlx5) or by the underlying device (vp_vdpa).
  const mtu = has('MTU') ? (wide ? r.int(1280, 9216) : r.weighted(MTUS)) : null;
  let pairs = null;
  if (has('MQ') || has('RSS')) {
    const max = parent.maxSupportedVqs === undefined ? 8 : Math.min(8, Math.floor((parent.maxSupportedVqs - 1) / 2));
    pairs = has('MQ') ? (wide ? r.int(1, max) : r.pick([1, 2, 4, 8].filter((p) => p <= max))) : 1;
  }
  // A MAC per device unless the group is one of unprovisioned simulator devices: vdpasim shows
  // 00:00:00:00:00:00 when `vdpa dev add` gave no mac (profiles/vdpasim).
  const mac = has('MAC') ? (parent.kind === 'sim' && r.chance(0.6) ? 'zero' : 'set') : 'none';
  // Negotiated: the host's virtio_net (virtio_vdpa) always; through vhost_vdpa while a VM runs.
  const negotiated = driver === 'virtio_vdpa' || (driver === 'vhost_vdpa' && r.chance(0.35)) ? offered & ~t.guestLeftOut : null;
  return { driver, offered, mtu, pairs, mac, negotiated };
}

/**
 * What iproute2's output lets collect infer of the offered bits: src/profile/offered.ts
 * inferOffered, given what the kernel prints for this device.
 */
function inferOffered(kernel, negotiated, provisionable, config) {
  let present = 0n;
  let absent = 0n;
  const evidence = [];
  const macMtuMq = atLeast(kernel, 6, 1);
  const status = atLeast(kernel, 6, 2);
  if (negotiated !== null && negotiated !== 0n) {
    present |= negotiated;
    evidence.push('the negotiated set');
  }
  if (provisionable !== null) {
    absent |= ALL & ~provisionable;
    evidence.push("the parent's dev_features");
  }
  for (const [shown, name, gated] of [
    [config.mac !== null, 'MAC', macMtuMq],
    [config.mtu !== null, 'MTU', macMtuMq],
    [config.linkUp !== null || config.announce !== null, 'STATUS', status],
  ]) {
    if (!shown) absent |= maskOf(name);
    else if (gated) present |= maskOf(name);
  }
  if (macMtuMq) {
    if (config.maxVqPairs === null) absent |= maskOf('MQ', 'RSS');
    else if (absent & maskOf('RSS')) present |= maskOf('MQ');
    else if (absent & maskOf('MQ')) present |= maskOf('RSS');
  }
  evidence.push('config keys');
  absent &= ~present;
  return { present, absent, evidence };
}

/** JSON with sorted keys, undefined left out: src/profile/fingerprint.ts canonicalJson. */
function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The fingerprint collect writes (src/profile/fingerprint.ts deviceFingerprint; the test checks they agree). */
function fingerprint(d) {
  const mask = (bits) => formatMask(BigInt(bits));
  const canonical = {
    version: 'vdpa-compat-fingerprint/1',
    class: d.class,
    virtioDeviceId: d.virtioDeviceId,
    vendorId: d.vendorId,
    maxVqSize: d.maxVqSize,
    minVqSize: d.minVqSize,
    blkConfig: d.blkConfig,
    mtu: d.config.mtu,
    maxVqPairs: d.config.maxVqPairs,
    offeredPresent: mask(d.features.offered.present.bits),
    offeredAbsent: mask(d.features.offered.absent.bits),
    provisionable: d.features.provisionable ? mask(d.features.provisionable.bits) : null,
  };
  return `sha256:${createHash('sha256').update(canonicalJson(canonical)).digest('hex')}`;
}

/** The device document: a spec on a parent, on a host, with the per-host name, MAC and charDev. */
function deviceDoc(platform, parent, spec, mgmtdev, at) {
  const t = loadTemplates();
  const netlink = platform.read === 'netlink';
  const charDev = spec.driver === 'vhost_vdpa' ? `/dev/vhost-vdpa-${at.vhostIndex}` : null;
  if (parent.kind === 'blk') {
    // The block device as the real profiles show it: the vdpa tool prints no blk config, netlink does.
    const { fingerprint: _old, ...doc } = structuredClone(netlink ? t.blkNetlink : t.blkTool);
    return { ...doc, name: at.name, driver: spec.driver, charDev, fingerprint: fingerprint(doc) };
  }
  const provisionable = parent.features;
  // What `vdpa dev config show` prints: keys gated on the offered bits (6.1 sends the status always).
  const statusShown = (spec.offered & maskOf('STATUS')) !== 0n || !atLeast(platform.kernel, 6, 2);
  const config = {
    mac: spec.mac === 'none' ? null : spec.mac === 'zero' ? '00:00:00:00:00:00' : at.mac,
    mtu: spec.mtu,
    maxVqPairs: spec.pairs,
    linkUp: statusShown ? true : null,
    announce: statusShown ? false : null,
  };
  const offered = netlink ? { present: spec.offered, absent: ALL & ~spec.offered, evidence: [] } : inferOffered(platform.kernel, spec.negotiated, provisionable, config);
  const unknown = netlink ? [] : [{ fact: '/features/offered', reason: `iproute2 never prints a device's offered features; ${popcount(offered.present | offered.absent)} of 64 bits inferred from ${offered.evidence.join(', ')}` }];
  const cvq = (spec.offered & maskOf('CTRL_VQ')) !== 0n ? 1 : 0;
  const byKind = {
    // vdpasim_net has three virtqueues whatever it offers; vp_vdpa reports QEMU's 3 until a driver
    // once acked MQ, then 2 per pair + the CVQ (test/fixtures/captures/VP_VDPA.md, "The MQ quirk");
    // mlx5 sizes them by max_vqp.
    sim: { vendorId: 0, maxVqs: 3, minVqSize: 1 },
    vp: { vendorId: 0x1af4, maxVqs: spec.negotiated === null ? 3 : 2 * (spec.pairs ?? 1) + cvq, minVqSize: 1 },
    mlx5: { vendorId: 0x15b3, maxVqs: 2 * (spec.pairs ?? 1) + cvq, minVqSize: undefined },
  }[parent.family];
  const doc = {
    name: at.name,
    class: 'net',
    virtioDeviceId: 1,
    mgmtdev: mgmtdev.handle,
    vendorId: byKind.vendorId,
    maxVqs: byKind.maxVqs,
    maxVqSize: 256,
    // Only raw netlink reads the smallest ring, and only from a parent that reports one (mlx5 does not).
    ...(netlink && byKind.minVqSize !== undefined ? { minVqSize: byKind.minVqSize } : {}),
    config,
    features: { negotiated: spec.negotiated === null ? null : set(spec.negotiated), offered: { present: set(offered.present), absent: set(offered.absent) }, provisionable: set(provisionable) },
    driver: spec.driver,
    charDev,
    unknown,
  };
  return { ...doc, fingerprint: fingerprint(doc) };
}

// ---------------------------------------------------------------------------------------------
// Group keys.

/**
 * The key of a device's group: everything about it except what differs per host or per VM, i.e.
 * canonical JSON of
 *   host:    the profile's host minus hostname (kernel, iproute2, vmm, unknown),
 *   mgmtdev: the device's management device minus handle, name and pci.address,
 *   device:  the device minus name, mgmtdev (the handle), charDev (its number) and fingerprint
 *            (derived from the rest), its config.mac replaced by what kind it is: 'none' (MAC not
 *            offered), 'zero' (unprovisioned) or 'set', as mac-match treats them apart.
 * Two devices of one key get the same verdict against a third device of another MAC, whatever their
 * hosts (test/bench/fleet.test.ts checks a sample with `check`): what lets `matrix` decide a group once.
 */
export function groupKey(profile, device) {
  const { hostname: _h, ...host } = profile.host;
  const parent = profile.mgmtdevs.find((m) => m.handle === device.mgmtdev) ?? null;
  const mgmtdev = parent === null ? null : (({ handle: _a, name: _b, pci, ...rest }) => ({ ...rest, pci: pci === null ? null : { ...pci, address: undefined } }))(parent);
  const { name: _n, mgmtdev: _m, charDev: _c, fingerprint: _f, ...rest } = device;
  const mac = device.config.mac === null ? 'none' : /^00(:00){5}$/.test(device.config.mac) ? 'zero' : 'set';
  return canonicalJson({ host, mgmtdev, device: { ...rest, config: { ...device.config, mac } } });
}

// ---------------------------------------------------------------------------------------------
// The fleet.

/** Parent families and how often a fleet's hosts carry them. */
const FAMILIES = [
  [4, 'mlx5'],
  [3, 'vp'],
  [2, 'sim'],
];

/** One group: platform, parent and device spec, plus its key (from a prototype device). */
function randomGroup(r, platform, family, wide) {
  // Simulator hosts load vdpasim_blk next to vdpasim_net; block devices only on the kernel the
  // block template was read on (6.12), as 6.1's block config was not captured as a profile.
  const kind = family === 'sim' && platform.kernel.startsWith('6.12.') && r.chance(0.15) ? 'blk' : family;
  const parent = randomParent(r, platform, kind);
  const spec = randomDevice(r, platform, parent, wide);
  const group = { platform, family, parent, spec };
  const { profile } = buildHost(platform, [group], 'proto', 0);
  return { ...group, key: groupKey(profile, profile.devices[0]) };
}

/** PCI addresses of a host's parents: vp_vdpa functions on bus 0, mlx5 VFs after their PF on a NIC bus. */
function address(parent, n, hostIndex) {
  if (parent.kind === 'vp') return `0000:00:${(5 + n).toString(16).padStart(2, '0')}.0`;
  if (parent.kind === 'mlx5-sf') return `mlx5_core.sf.${n + 1}`;
  const bus = ['08', '3b', '5e', 'af', 'd8'][hostIndex % 5];
  const fn = 2 + n; // .0 and .1 are the PF's two ports
  return `0000:${bus}:${(fn >> 3).toString(16).padStart(2, '0')}.${fn & 7}`;
}

/** A host profile from its platform and its devices' groups. */
function buildHost(platform, groups, hostname, hostIndex) {
  const mgmtdevs = [];
  const devices = [];
  /** Functions given so far per parent kind, for the next address. */
  const functions = new Map();
  let vhostIndex = 0;
  groups.forEach((g, i) => {
    let mgmtdev;
    if (g.parent.kind === 'sim' || g.parent.kind === 'blk') {
      // One vdpasim_net / vdpasim_blk per host, shared by its devices (their facts are the kernel's, so alike).
      mgmtdev = mgmtdevs.find((m) => m.handle === (g.parent.kind === 'sim' ? 'vdpasim_net' : 'vdpasim_blk'));
      if (mgmtdev === undefined) mgmtdevs.push((mgmtdev = mgmtdevDoc(g.parent)));
    } else {
      const n = functions.get(g.parent.kind) ?? 0;
      functions.set(g.parent.kind, n + 1);
      mgmtdevs.push((mgmtdev = mgmtdevDoc(g.parent, address(g.parent, n, hostIndex))));
    }
    // A locally administered MAC per host and device (02:…), QEMU's 52:54:00 for vp_vdpa's virtio-net-pci.
    const h = hostIndex;
    const tail = `${((h >> 16) & 0xff).toString(16).padStart(2, '0')}:${((h >> 8) & 0xff).toString(16).padStart(2, '0')}:${(h & 0xff).toString(16).padStart(2, '0')}`;
    const mac = g.parent.kind === 'vp' ? `52:54:${(i + 1).toString(16).padStart(2, '0')}:${tail}` : `02:${(0x10 + i).toString(16)}:${((h >> 24) & 0xff).toString(16).padStart(2, '0')}:${tail}`;
    const at = { name: `vdpa${i}`, mac, vhostIndex };
    if (g.spec.driver === 'vhost_vdpa') vhostIndex++;
    devices.push(deviceDoc(platform, g.parent, g.spec, mgmtdev, at));
  });
  const netlink = platform.read === 'netlink';
  const profile = {
    schemaVersion: '1.2.0',
    kind: 'vdpa-compat/host-profile',
    // As collect writes it: this checkout's version.
    generator: { name: 'vdpa-compat', version: TOOL_VERSION },
    // Fixed instants, one second apart: a seed gives the same bytes every run.
    collectedAt: new Date(Date.UTC(2026, 11, 1, 12, 0, 0) + hostIndex * 1000).toISOString(),
    collection: { method: 'live', sources: netlink ? ['netlink', 'sysfs', ...(platform.vmm ? ['vmm'] : [])] : ['vdpa-tool', 'sysfs', ...(platform.vmm ? ['vmm'] : [])] },
    host: hostDoc(platform, hostname),
    mgmtdevs,
    devices,
  };
  return { profile };
}

/** How many devices a host has: 1–4, most hosts few. */
const DEVICE_COUNTS = [
  [4, 1],
  [3, 2],
  [2, 3],
  [1, 4],
];

/**
 * The fleet: `hosts` host profiles. `groups` bounds the distinct device groups (groupKey);
 * `distinct` makes every device its own group instead. Same arguments, same fleet.
 */
export function generateFleet({ hosts, groups = 500, seed = 1, distinct = false, layouts = 0, devices = 0 }) {
  if (!Number.isInteger(hosts) || hosts < 1) throw new RangeError('hosts must be a positive integer');
  if (!Number.isInteger(devices) || devices < 0 || (devices > 0 && !distinct)) throw new RangeError('devices is a positive integer, with distinct');
  if (!distinct && (!Number.isInteger(groups) || groups < 1)) throw new RangeError('groups must be a positive integer');
  const r = randomness(seed);
  const width = Math.max(5, String(hosts).length);
  const name = (i) => `host-${String(i + 1).padStart(width, '0')}`;
  const fleet = [];
  if (distinct) {
    // Every device drawn afresh and redrawn while its key was seen: the spec space (platforms ×
    // parents × drops × 7,937 MTUs × pairs…) is far larger than the fleet, so redraws are rare.
    // With `devices: D`, hosts are added until the fleet has exactly D devices (`hosts` ignored).
    const seen = new Set();
    let total = 0;
    for (let h = 0; devices > 0 ? total < devices : h < hosts; h++) {
      const platform = randomPlatform(r);
      const family = r.weighted(FAMILIES);
      const count = devices > 0 ? Math.min(r.weighted(DEVICE_COUNTS), devices - total) : r.weighted(DEVICE_COUNTS);
      const chosen = [];
      for (let tries = 0; chosen.length < count && tries < 1000; tries++) {
        const g = randomGroup(r, platform, family, true);
        if (!seen.has(g.key)) {
          seen.add(g.key);
          chosen.push(g);
        }
      }
      if (chosen.length === 0) throw new Error(`bench/fleet.mjs: no distinct device left for host ${h + 1}`);
      total += chosen.length;
      fleet.push(buildHost(platform, chosen, name(h), h).profile);
    }
    return fleet;
  }
  const platforms = fleetPlatforms(r, Math.ceil(Math.sqrt(groups)));
  // G distinct groups, redrawn on a key seen before. A G beyond what √G platforms can hold (tens of
  // thousands) ends with fewer: 10,000 draws in a row without a new key stop the search.
  const specs = [];
  const keys = new Set();
  for (let misses = 0; specs.length < groups && misses < 10_000;) {
    const g = randomGroup(r, platforms[specs.length % platforms.length], r.weighted(FAMILIES), false);
    if (keys.has(g.key)) {
      misses++;
      continue;
    }
    keys.add(g.key);
    specs.push(g);
    misses = 0;
  }
  // Each group leads one host in turn (so with hosts ≥ groups every group is in the fleet), the
  // host's other devices drawn from the groups of its platform and family: a host has one kind of
  // NIC, and vdpasim's devices share the host's one vdpasim_net (its facts the kernel's, so alike).
  const byBucket = new Map();
  for (const g of specs) {
    const bucket = `${platforms.indexOf(g.platform)}/${g.family}`;
    if (!byBucket.has(bucket)) byBucket.set(bucket, []);
    byBucket.get(bucket).push(g);
  }
  // With `layouts: L`, hosts come in L builds (a server model with its NICs, as racks are bought
  // and rolled out), each host its own name and MACs: the fleet then varies as much as L builds,
  // not as much as it has hosts. Without, every host's other devices are drawn afresh.
  const drawn = [];
  for (let h = 0; h < hosts; h++) {
    if (layouts > 0 && h >= layouts) {
      const { platform, chosen } = drawn[h % layouts];
      fleet.push(buildHost(platform, chosen, name(h), h).profile);
      continue;
    }
    const first = specs[h % specs.length];
    const chosen = [first];
    const candidates = byBucket.get(`${platforms.indexOf(first.platform)}/${first.family}`);
    for (let n = r.weighted(DEVICE_COUNTS); chosen.length < n;) chosen.push(r.pick(candidates));
    drawn.push({ platform: first.platform, chosen });
    fleet.push(buildHost(first.platform, chosen, name(h), h).profile);
  }
  return fleet;
}

// ---------------------------------------------------------------------------------------------
// CLI.

function main(argv) {
  const options = { hosts: 1000, groups: 500, seed: 1, distinct: false, layouts: 0, devices: 0, out: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--distinct') options.distinct = true;
    else if (arg === '--out') options.out = argv[++i];
    else if (arg === '--hosts' || arg === '--groups' || arg === '--seed' || arg === '--layouts' || arg === '--devices') options[arg.slice(2)] = Number(argv[++i]);
    else throw new Error(`usage: node bench/fleet.mjs --hosts N [--groups G | --distinct [--devices D]] [--seed S] --out DIR [--layouts L] (unknown argument ${arg})`);
  }
  if (options.out === null || options.out === undefined) throw new Error('--out DIR is required');
  const start = process.hrtime.bigint();
  const fleet = generateFleet(options);
  const generated = process.hrtime.bigint();
  mkdirSync(options.out, { recursive: true });
  let bytes = 0;
  for (const profile of fleet) {
    const text = `${JSON.stringify(profile, null, 2)}\n`;
    bytes += Buffer.byteLength(text);
    writeFileSync(join(options.out, `${profile.host.hostname}.json`), text);
  }
  const written = process.hrtime.bigint();
  const devices = fleet.reduce((n, p) => n + p.devices.length, 0);
  const keys = new Set(fleet.flatMap((p) => p.devices.map((d) => groupKey(p, d))));
  const ms = (a, b) => (Number(b - a) / 1e6).toFixed(0);
  console.log(`${fleet.length} hosts, ${devices} devices, ${keys.size} device groups; generated in ${ms(start, generated)} ms, written in ${ms(generated, written)} ms, ${(bytes / 1e6).toFixed(1)} MB in ${options.out}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`bench/fleet.mjs: ${error.message}`);
    process.exitCode = 2;
  }
}
