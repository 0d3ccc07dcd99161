import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { readSysfs } from '../../src/collect/sysfs.js';
import { InputError } from '../../src/errors.js';
import { loadProfile, serializeProfile } from '../../src/profile/load.js';
import { runCli } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';
import { assertNoEntry, assertRefused, editedDump, json, scratchDir } from './edit-dump.js';

// Issue 8, point 8: what `collect` writes must load, and must be true. Each case is a real
// recorded dump with the one change its comment names; `collect` must refuse it with the file
// and the field, where before it wrote a profile its own loader rejects, or one that says
// something no kernel can report.

/** vp_vdpa, kernel 6.12, iproute2 6.15: vdpa0..2 on PCI parents, bound to vhost_vdpa (sysfs.json with PCI ids). */
const THREE = repoPath('profiles/vp_vdpa/k6.12-three-vhost');
/** Raw netlink, kernel 6.12: simulator devices src … hostdriven (net) and blk. */
const NETLINK = repoPath('test/fixtures/e2e/k6.12/dumps/sim-netlink');
/** The vdpa tool on kernel 6.12: a net and a block simulator device bound to virtio_vdpa. */
const VIRTIO_BOUND = repoPath('test/fixtures/dumps/k6.12-virtio-bound');

type Reply = { attrs: Array<[number, string]> };
type Capture = { mgmtdevs: Reply[]; devices: Reply[]; configs: Record<string, Reply> };

/** Sets (or adds) attribute `type` of a recorded reply to `hex`. */
function setAttr(reply: Reply, type: number, hex: string): void {
  const at = reply.attrs.findIndex(([t]) => t === type);
  if (at === -1) reply.attrs.push([type, hex]);
  else reply.attrs[at] = [type, hex];
}

/** A u16 / u64 as the kernel sends it (little-endian), in hex. */
const le = (value: bigint, bytes: number) => Buffer.from(Array.from({ length: bytes }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn))).toString('hex');

let scratch: string;
before(async () => {
  scratch = await scratchDir('truth');
});

async function refusedBy(dir: string, file: string, pointer: string, code = 'VDPA_OUTPUT_UNEXPECTED'): Promise<void> {
  await assert.rejects(collect({ from: dir }), (e: unknown) => {
    assert.ok(e instanceof InputError, `an InputError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.startsWith(`${join(dir, file)}: `), `names ${file}: ${e.message}`);
    assert.ok(e.message.includes(pointer), `names ${pointer}: ${e.message}`);
    assert.ok(e.hint !== undefined && e.hint.length > 0);
    return true;
  });
}

describe('collect writes only what its loader reads (issue 8.8)', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const sysfsCases: Array<[string, (doc: any) => void, string]> = [
    ['a vhost-vdpa name that is not vhost-vdpa-N', (doc) => (doc.devices.vdpa0.vhostVdpa.name = 'vhost-vdpa-x'), '/devices/vdpa0/vhostVdpa/name'],
    ['a PCI vendor that is not hex', (doc) => (doc.mgmtdevs['pci/0000:00:05.0'].pci.vendor = 'intel'), '/mgmtdevs/pci~10000:00:05.0/pci/vendor'],
    ['a PCI address that is not domain:bus:slot.function', (doc) => (doc.mgmtdevs['pci/0000:00:05.0'].pci.address = '00:05.0'), '/mgmtdevs/pci~10000:00:05.0/pci/address'],
    ['an empty driver name', (doc) => (doc.devices.vdpa1.driver = ''), '/devices/vdpa1/driver'],
    ['a holder pid of 0', (doc) => (doc.devices.vdpa0.vhostVdpa.holders = [{ pid: 0, comm: 'qemu' }]), '/devices/vdpa0/vhostVdpa/holders/0/pid'],
    ['a holder pid that is not an integer', (doc) => (doc.devices.vdpa0.vhostVdpa.holders = [{ pid: 12.5, comm: 'qemu' }]), '/devices/vdpa0/vhostVdpa/holders/0/pid'],
    ['a holder pid past PID_MAX_LIMIT', (doc) => (doc.devices.vdpa0.vhostVdpa.holders = [{ pid: 4194304, comm: 'qemu' }]), '/devices/vdpa0/vhostVdpa/holders/0/pid'],
    ['a holder comm of 400 characters', (doc) => (doc.devices.vdpa0.vhostVdpa.holders = [{ pid: 7, comm: 'q'.repeat(400) }]), '/devices/vdpa0/vhostVdpa/holders/0/comm'],
    ['a holder comm with a control character', (doc) => (doc.devices.vdpa0.vhostVdpa.holders = [{ pid: 7, comm: 'qemu\u009b2J' }]), '/devices/vdpa0/vhostVdpa/holders/0/comm'],
    ['a holder without comm', (doc) => (doc.devices.vdpa0.vhostVdpa.holders = [{ pid: 7 }]), '/devices/vdpa0/vhostVdpa/holders/0/comm'],
    [
      'a pid listed twice',
      (doc) =>
        (doc.devices.vdpa0.vhostVdpa.holders = [
          { pid: 7, comm: 'a' },
          { pid: 7, comm: 'b' },
        ]),
      '/devices/vdpa0/vhostVdpa/holders/1/pid',
    ],
    ['holders that are not a list', (doc) => (doc.devices.vdpa0.vhostVdpa.holders = 'none'), '/devices/vdpa0/vhostVdpa/holders'],
    ['holders null without the reason', (doc) => (doc.devices.vdpa0.vhostVdpa.holders = null), '/devices/vdpa0/vhostVdpa/holdersMissing'],
    ['a reason beside a holder list', (doc) => Object.assign(doc.devices.vdpa0.vhostVdpa, { holders: [], holdersMissing: 'why' }), '/devices/vdpa0/vhostVdpa/holdersMissing'],
    ['a reason without holders', (doc) => (doc.devices.vdpa0.vhostVdpa.holdersMissing = 'why'), '/devices/vdpa0/vhostVdpa/holdersMissing'],
  ];
  for (const [what, change, pointer] of sysfsCases) {
    it(`collect --from refuses sysfs.json with ${what} (it wrote a profile check then refused)`, async () => {
      // sysfs.json: only the member at the pointer changed.
      const dir = await editedDump(scratch, THREE, { 'sysfs.json': json((doc) => (change(doc), doc)) });
      const out = join(scratch, 'unloadable.json');
      assertRefused(await runCli(['collect', '--from', dir, '-o', out]), { code: 'VDPA_OUTPUT_UNEXPECTED', file: join(dir, 'sysfs.json'), pointer });
      await assertNoEntry(scratch, 'unloadable');
    });
  }

  it('collect --from refuses a collectedAt in vdpa-compat-dump.json that is not ISO 8601', async () => {
    // vdpa-compat-dump.json: collectedAt "2026-12-01T11:59:36.075Z" replaced by "yesterday".
    const dir = await editedDump(scratch, NETLINK, { 'vdpa-compat-dump.json': json((doc) => ({ ...doc, collectedAt: 'yesterday' })) });
    await refusedBy(dir, 'vdpa-compat-dump.json', '/collectedAt');
  });

  it('collect --from refuses a vmm.json QEMU record with an empty path or a non-string error', async () => {
    // vmm.json: the first QEMU record's path emptied; then (second dump) its error set to 5.
    const empty = await editedDump(scratch, NETLINK, { 'vmm.json': json((doc) => ((doc.qemu[0].path = ''), doc)) });
    await refusedBy(empty, 'vmm.json', '/qemu/0/path');
    const error = await editedDump(scratch, NETLINK, { 'vmm.json': json((doc) => ((doc.qemu[0].error = 5), doc)) });
    await refusedBy(error, 'vmm.json', '/qemu/0/error');
  });

  it('every profile collected from a real dump loads (a written profile, read back by the loader)', async () => {
    const dirs = [
      ...(await readdir(repoPath('test/fixtures/dumps'))).map((d) => repoPath(`test/fixtures/dumps/${d}`)),
      ...(await readdir(repoPath('test/fixtures/e2e/k6.1/dumps'))).map((d) => repoPath(`test/fixtures/e2e/k6.1/dumps/${d}`)),
      ...(await readdir(repoPath('test/fixtures/e2e/k6.12/dumps'))).map((d) => repoPath(`test/fixtures/e2e/k6.12/dumps/${d}`)),
      repoPath('test/fixtures/libvirt/live/guest-dump-at-migration'),
      ...(await readdir(repoPath('profiles/vdpasim'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => repoPath(`profiles/vdpasim/${e.name}`)),
      ...(await readdir(repoPath('profiles/vp_vdpa'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => repoPath(`profiles/vp_vdpa/${e.name}`)),
    ];
    // 7 test dumps, 18 e2e dumps, the libvirt guest's, 9 sample dumps: a broken walk would find far fewer.
    assert.ok(dirs.length >= 35, `only ${dirs.length} dumps found`);
    const out = await mkdtemp(join(scratch, 'loads-'));
    // In process, as `collect --from DIR -o FILE` does it (the CLI runs above), in both formats.
    for (const [i, dir] of dirs.entries()) {
      const { profile } = await collect({ from: dir });
      for (const format of ['json', 'yaml'] as const) {
        const file = join(out, `${i}.${format}`);
        await writeFile(file, await serializeProfile(profile, format));
        assert.deepEqual(await loadProfile(file), profile, `${dir} as ${format}`);
      }
    }
  });
});

describe('collect records only what a kernel can report (issue 8.8)', () => {
  const toolCases: Array<[string, string, (text: string) => string, string]> = [
    ['max_vq_size above 65535 (a u16)', 'vdpa-dev-show.json', (t) => t.replace('"max_vq_size":256', '"max_vq_size":65536'), '/dev/vdpa0/max_vq_size'],
    ['vendor_id above 2^32 - 1 (a u32)', 'vdpa-dev-show.json', (t) => t.replace('"vendor_id":6900', '"vendor_id":4294967296'), '/dev/vdpa0/vendor_id'],
    ['max_vqs above 2^32 - 1 (a u32)', 'vdpa-dev-show.json', (t) => t.replace('"max_vqs":3', '"max_vqs":4294967296'), '/dev/vdpa0/max_vqs'],
    ['max_supported_vqs above 2^32 - 1 (a u32)', 'vdpa-mgmtdev-show.json', (t) => t.replace('"max_supported_vqs":3', '"max_supported_vqs":4294967296'), '/mgmtdev/pci~10000:00:05.0/max_supported_vqs'],
    ['an MTU below 68 (ETH_MIN_MTU)', 'vdpa-dev-config-show.json', (t) => t.replace('"mtu":9000', '"mtu":67'), '/config/vdpa0/mtu'],
    ['an MTU above 65535', 'vdpa-dev-config-show.json', (t) => t.replace('"mtu":9000', '"mtu":65536'), '/config/vdpa0/mtu'],
    ['max_vq_pairs 0', 'vdpa-dev-config-show.json', (t) => t.replace('"max_vq_pairs":4', '"max_vq_pairs":0'), '/config/vdpa0/max_vq_pairs'],
    ['max_vq_pairs above 0x8000', 'vdpa-dev-config-show.json', (t) => t.replace('"max_vq_pairs":4', '"max_vq_pairs":32769'), '/config/vdpa0/max_vq_pairs'],
    ['an empty device name', 'vdpa-dev-show.json', (t) => t.replace('"vdpa0":', '"":'), '/dev/'],
    ['an empty management device name', 'vdpa-mgmtdev-show.json', (t) => t.replace('"pci/0000:00:05.0":', '"pci/":'), '/mgmtdev/pci~1'],
    ['a management device handle with two slashes', 'vdpa-mgmtdev-show.json', (t) => t.replace('"pci/0000:00:05.0":', '"pci/0000/00:05.0":'), '/mgmtdev/pci~10000~100:05.0'],
    ['an empty mgmtdev of a device', 'vdpa-dev-show.json', (t) => t.replace('"mgmtdev":"pci/0000:00:05.0"', '"mgmtdev":""'), '/dev/vdpa0/mgmtdev'],
  ];
  for (const [what, file, edit, pointer] of toolCases) {
    it(`vdpa -j output: refuses ${what}`, async () => {
      // The named file: the one value in the test's title changed (the rest of the capture verbatim).
      const dir = await editedDump(scratch, THREE, { [file]: edit });
      await refusedBy(dir, file, pointer);
    });
  }

  it('vdpa -j output: accepts the limits themselves (MTU 68 and 65535, max_vq_pairs 1 and 0x8000, max_vq_size 65535)', async () => {
    for (const [mtu, pairs] of [
      [68, 1],
      [65535, 0x8000],
    ] as const) {
      const dir = await editedDump(scratch, THREE, {
        'vdpa-dev-config-show.json': (t) => t.replace('"mtu":9000', `"mtu":${mtu}`).replace('"max_vq_pairs":4', `"max_vq_pairs":${pairs}`),
        'vdpa-dev-show.json': (t) => t.replace('"max_vq_size":256', '"max_vq_size":65535'),
      });
      const device = (await collect({ from: dir })).profile.devices.find((d) => d.name === 'vdpa0');
      assert.deepEqual([device?.config.mtu, device?.config.maxVqPairs, device?.maxVqSize], [mtu, pairs, 65535]);
    }
  });

  it('vdpa -j output: refuses net config keys for a block device (dev show and config show disagree on the class)', async () => {
    // vdpa-dev-config-show.json (k6.12 130): the block device's empty entry {} given the net device's "mtu":1500.
    const dir = await editedDump(scratch, VIRTIO_BOUND, {
      'vdpa-dev-config-show.json': json((doc) => {
        const [blk] = Object.entries(doc.config as Record<string, object>).find(([, v]) => Object.keys(v).length === 0)!;
        doc.config[blk] = { mtu: 1500 };
        return doc;
      }),
    });
    await refusedBy(dir, 'vdpa-dev-config-show.json', '/config/');
  });

  /** Edits the netlink record of NETLINK; `change` gets the parsed capture. */
  const netlinkDump = (change: (c: Capture) => void) => editedDump(scratch, NETLINK, { 'vdpa-netlink.json': json((c: Capture) => (change(c), c)) });

  const netlinkCases: Array<[string, (c: Capture) => void, string]> = [
    ['a MAC of 5 bytes (it was dropped silently)', (c) => setAttr(c.configs['src']!, 10, '0000000000'), '/configs/src/attrs/5'],
    ['a MAC of 7 bytes', (c) => setAttr(c.configs['src']!, 10, '00000000000000'), '/configs/src/attrs/5'],
    ['a negotiated-features attribute 9 bytes wide (it was truncated to 8)', (c) => setAttr(c.configs['src']!, 14, '280083000300000001'), '/configs/src/attrs/2'],
    ['an MTU attribute 4 bytes wide (the kernel sends a u16)', (c) => setAttr(c.configs['src']!, 13, 'dc050000'), '/configs/src/attrs/4'],
    ['an MTU below 68', (c) => setAttr(c.configs['src']!, 13, le(67n, 2)), '/configs/src/attrs/4'],
    ['max_vq_pairs 0', (c) => setAttr(c.configs['src']!, 12, le(0n, 2)), '/configs/src/attrs/7'],
    ['max_vq_pairs above 0x8000', (c) => setAttr(c.configs['src']!, 12, le(0x8001n, 2)), '/configs/src/attrs/7'],
    ['a block capacity past 2^53 (it lost precision)', (c) => setAttr(c.configs['blk']!, 21, le(2n ** 53n + 1n, 8)), '/configs/blk/attrs/3'],
    ['a device reply without a name', (c) => (c.devices[0]!.attrs = c.devices[0]!.attrs.filter(([t]) => t !== 4)), '/devices/0'],
    ['two devices with the same name', (c) => c.devices.push(structuredClone(c.devices[0]!)), `/devices/9`],
    ['two management devices with the same handle', (c) => c.mgmtdevs.push(structuredClone(c.mgmtdevs[0]!)), '/mgmtdevs/2'],
    ['a config reply whose virtio device id disagrees with the device (net in DEV_GET, block in DEV_CONFIG_GET)', (c) => setAttr(c.configs['src']!, 5, le(2n, 4)), '/configs/src/attrs/1'],
    ['negotiated bits the device does not offer (they were recorded as not offered)', (c) => setAttr(c.configs['src']!, 14, le(0x300830028n | (1n << 22n), 8)), '/configs/src/attrs/2'],
  ];
  for (const [what, change, pointer] of netlinkCases) {
    it(`netlink record: refuses ${what}`, async () => {
      // vdpa-netlink.json: only the attribute (or reply) the test's title names changed.
      await refusedBy(await netlinkDump(change), 'vdpa-netlink.json', pointer);
    });
  }

  it('netlink record: the real capture itself is accepted (the edits above are what is refused)', async () => {
    const { profile } = await collect({ from: await netlinkDump(() => undefined) });
    assert.equal(profile.devices.length, 9);
  });
});

describe('device names are names, not object members (issue 8.8)', () => {
  // vdpa-dev-show.json, vdpa-dev-config-show.json: vdpa1 renamed "constructor" and vdpa2 renamed
  // "__proto__" (the kernel accepts any name for `vdpa dev add name NAME`).
  const rename = (t: string) => t.replace('"vdpa1"', '"constructor"').replace('"vdpa2"', '"__proto__"');

  it('a device sysfs.json does not mention reads no facts from Object.prototype', async () => {
    // sysfs.json: also vdpa1 and vdpa2 removed, so sysfs says nothing about the renamed devices.
    const dir = await editedDump(scratch, THREE, {
      'vdpa-dev-show.json': rename,
      'vdpa-dev-config-show.json': rename,
      'sysfs.json': json((doc) => (delete doc.devices.vdpa1, delete doc.devices.vdpa2, doc)),
    });
    const { profile } = await collect({ from: dir });
    for (const name of ['constructor', '__proto__']) {
      const device = profile.devices.find((d) => d.name === name);
      assert.ok(device, `${name} is in the profile`);
      assert.equal(device.driver, null, `${name}: driver unknown, not "none"`);
      assert.ok(device.unknown.some((u) => u.fact === '/driver' && /is not under \/sys\/bus\/vdpa\/devices/.test(u.reason)));
      assert.equal(device.config.mac === null, false, `${name}: its own config entry was read`);
    }
  });

  it('a device sysfs.json does mention reads its own entry', async () => {
    // sysfs.json: also the keys vdpa1 and vdpa2 renamed, their entries unchanged.
    const dir = await editedDump(scratch, THREE, {
      'vdpa-dev-show.json': rename,
      'vdpa-dev-config-show.json': rename,
      'sysfs.json': (t) => rename(t),
    });
    const { profile } = await collect({ from: dir });
    assert.deepEqual(
      profile.devices.map((d) => [d.name, d.driver, d.charDev]),
      [
        ['vdpa0', 'vhost_vdpa', '/dev/vhost-vdpa-0'],
        ['constructor', 'vhost_vdpa', '/dev/vhost-vdpa-1'],
        ['__proto__', 'vhost_vdpa', '/dev/vhost-vdpa-2'],
      ],
    );
  });

  it('the live sysfs source records a device named __proto__ as its own entry (it set the prototype)', async () => {
    // A copy of the sim-vhost-bound tree with one more link, sys/bus/vdpa/devices/__proto__, to vdpa0's directory.
    const root = await mkdtemp(join(scratch, 'sysfs-'));
    await cp(repoPath('test/fixtures/sysfs/sim-vhost-bound'), root, { recursive: true, verbatimSymlinks: true });
    const link = join(root, 'sys/bus/vdpa/devices');
    await symlink(await readlink(join(link, 'vdpa0')), join(link, '__proto__'));
    const snapshot = await readSysfs(root, ['__proto__'], []);
    assert.deepEqual(Object.keys(snapshot.devices), ['__proto__']);
    assert.equal(JSON.parse(JSON.stringify(snapshot)).devices.__proto__.vhostVdpa.name, 'vhost-vdpa-0');
    assert.ok(Object.hasOwn(snapshot.devices, '__proto__'));
  });
});

describe('collect refuses a profile larger than its loader reads (issue 8.8)', () => {
  it('a dump of 2500 devices: a profile over the 4 MiB limit is refused, naming the dump and --device', async () => {
    // vdpa-dev-show.json, vdpa-dev-config-show.json: vdpa0's entries repeated as d0 … d2499 (vdpa1, vdpa2 kept).
    const many = (key: string) =>
      json((doc) => {
        const entry = doc[key].vdpa0;
        for (let i = 0; i < 2500; i++) doc[key][`d${i}`] = entry;
        return doc;
      });
    const dir = await editedDump(scratch, THREE, { 'vdpa-dev-show.json': many('dev'), 'vdpa-dev-config-show.json': many('config') });
    const out = join(scratch, 'huge.json');
    const r = await runCli(['collect', '--from', dir, '-o', out]);
    assertRefused(r, { code: 'INPUT_TOO_LARGE', file: dir });
    assert.match(r.stderr, /2503 devices .* more than the 4194304-byte limit .*--device NAME/);
    await assertNoEntry(scratch, 'huge');
    // One device of the same dump is an ordinary profile.
    assert.equal((await runCli(['collect', '--from', dir, '--device', 'd7', '-o', out])).code, 0);
    assert.equal((await loadProfile(out)).devices.length, 1);
  });
});
