import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { readHolders, readHostFacts, readSysfs } from '../../src/collect/sysfs.js';
import { repoPath } from '../helpers/paths.js';

// Trees under test/fixtures/sysfs reproduce the layouts captured from real
// kernels (README there names the capture of each).
const tree = (name: string) => repoPath(`test/fixtures/sysfs/${name}`);
const SIM = [
  { handle: 'vdpasim_net', bus: null, name: 'vdpasim_net' },
  { handle: 'vdpasim_blk', bus: null, name: 'vdpasim_blk' },
];

describe('sysfs source', () => {
  it('finds vhost_vdpa binding and the char device of each simulator device', async () => {
    const snapshot = await readSysfs(tree('sim-vhost-bound'), ['vdpa0', 'vdpa1'], SIM);
    // The tree has no process directories, so who holds the char devices stays unknown.
    assert.deepEqual(snapshot.devices['vdpa0'], {
      path: '/sys/devices/vdpa0',
      driver: 'vhost_vdpa',
      vhostVdpa: { name: 'vhost-vdpa-0', dev: '245:0', holders: null, holdersMissing: 'could not read /proc/1/ns/pid: ENOENT' },
    });
    assert.equal(snapshot.devices['vdpa1']?.vhostVdpa?.name, 'vhost-vdpa-1');
    // The maps have no prototype (a device may be named __proto__): compare their entries.
    assert.deepEqual({ ...snapshot.mgmtdevs }, {}, 'bus-less parents have no sysfs bus entry');
  });

  it('sees virtio_vdpa binding and no char device', async () => {
    const snapshot = await readSysfs(tree('sim-virtio-bound'), ['vdpa0'], SIM);
    assert.equal(snapshot.devices['vdpa0']?.driver, 'virtio_vdpa');
    assert.equal(snapshot.devices['vdpa0']?.vhostVdpa, null);
  });

  it('does not look through /proc when no device has a char device', async () => {
    // sim-virtio-bound with a /proc that would make every holder list unknown: no device carries one.
    const root = await copyTree('sim-virtio-bound');
    await writeFile(join(root, 'proc/1'), 'not a process directory');
    const snapshot = await readSysfs(root, ['vdpa0'], SIM);
    assert.deepEqual(snapshot.devices['vdpa0'], { path: '/sys/devices/vdpa0', driver: 'virtio_vdpa', vhostVdpa: null });
  });

  it('reports an unbound device as driver null', async () => {
    const snapshot = await readSysfs(tree('sim-unbound'), ['vdpa0'], SIM);
    assert.equal(snapshot.devices['vdpa0']?.driver, null);
  });

  it('reads the PCI function behind a vp_vdpa management device', async () => {
    const parents = ['0000:00:05.0', '0000:00:07.0'].map((bdf) => ({ handle: `pci/${bdf}`, bus: 'pci', name: bdf }));
    const snapshot = await readSysfs(tree('vp-vhost-bound'), ['vdpa0', 'vdpa2'], parents);
    assert.equal(snapshot.devices['vdpa0']?.path, '/sys/devices/pci0000:00/0000:00:05.0/vdpa0');
    assert.equal(snapshot.devices['vdpa2']?.vhostVdpa?.dev, '245:2');
    assert.deepEqual(snapshot.mgmtdevs['pci/0000:00:07.0'], {
      path: '/sys/devices/pci0000:00/0000:00:07.0',
      driver: 'vp-vdpa',
      pci: { address: '0000:00:07.0', vendor: '0x1af4', device: '0x1000', subsystemVendor: '0x1af4', subsystemDevice: '0x0001', class: '0x020000', revision: '0x00' },
    });
  });

  it('leaves out devices sysfs does not have and names that are not path components', async () => {
    const snapshot = await readSysfs(tree('sim-vhost-bound'), ['vdpa9', '../../etc', '..'], [{ handle: 'pci/../../x', bus: 'pci', name: '../../x' }]);
    assert.deepEqual({ ...snapshot, devices: { ...snapshot.devices }, mgmtdevs: { ...snapshot.mgmtdevs } }, { format: 'vdpa-compat-sysfs/1', devices: {}, mgmtdevs: {} });
  });

  it('reads kernel release and host name from procfs, absent when missing', async () => {
    assert.deepEqual(await readHostFacts(tree('vp-vhost-bound')), { kernelRelease: '6.12.117+deb13-amd64', hostname: '(none)' });
    const empty = await mkdtemp(join(tmpdir(), 'vdpa-compat-sysfs-'));
    assert.deepEqual(await readHostFacts(empty), { kernelRelease: null, hostname: null });
  });
});

/** A scratch copy of a fixture tree, its symlinks as they are. */
async function copyTree(name: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'vdpa-compat-holders-'));
  await cp(tree(name), root, { recursive: true, verbatimSymlinks: true });
  return root;
}

/** The init PID namespace as /proc/PID/ns/pid names it (PROC_PID_INIT_INO). */
const HOST_PID_NS = 'pid:[4026531836]';

/**
 * A process directory under ROOT/proc: `fds` are the targets of its fd links, as the kernel's
 * readlink gives them (the targets need not exist: readlink reads a dangling link).
 */
async function process_(root: string, pid: string, fds: string[], comm?: string): Promise<void> {
  const dir = join(root, 'proc', pid);
  await mkdir(join(dir, 'fd'), { recursive: true });
  for (const [fd, target] of fds.entries()) await symlink(target, join(dir, 'fd', String(fd)));
  if (comm !== undefined) await writeFile(join(dir, 'comm'), `${comm}\n`);
}

/** sim-vhost-bound (vdpa0 on vhost-vdpa-0, vdpa1 on vhost-vdpa-1) with a /proc of the host's PID namespace: init holds nothing. */
async function hostTree(): Promise<string> {
  const root = await copyTree('sim-vhost-bound');
  await process_(root, '1', ['/dev/null', 'socket:[1234]'], 'systemd');
  await mkdir(join(root, 'proc/1/ns'));
  await symlink(HOST_PID_NS, join(root, 'proc/1/ns/pid'));
  return root;
}

describe('holders of the vhost-vdpa char devices (/proc/PID/fd)', () => {
  it('names the process holding a char device, and none for the other', async () => {
    const root = await hostTree();
    await process_(root, '4242', ['/dev/null', 'anon_inode:[eventfd]', '/dev/vhost-vdpa-0', '/dev/vhost-vdpa-0'], 'qemu-system-x86');
    await process_(root, '77', ['/dev/vhost-vdpa-10', '/tmp/vhost-vdpa-1.log'], 'editor');
    const snapshot = await readSysfs(root, ['vdpa0', 'vdpa1'], SIM);
    assert.deepEqual(snapshot.devices['vdpa0']?.vhostVdpa, { name: 'vhost-vdpa-0', dev: '245:0', holders: [{ pid: 4242, comm: 'qemu-system-x86' }] });
    // vhost-vdpa-10 is another device, and a file named like one outside a dev directory is not it.
    assert.deepEqual(snapshot.devices['vdpa1']?.vhostVdpa, { name: 'vhost-vdpa-1', dev: '245:1', holders: [] });
  });

  it('counts a node unlinked since it was opened, one in a private /dev, and a holder without comm', async () => {
    const root = await hostTree();
    await process_(root, '10', ['/dev/vhost-vdpa-0 (deleted)']);
    await process_(root, '11', ['/var/run/libvirt/qemu/vm.dev/dev/vhost-vdpa-1'], 'qemu\u001b[2Jx');
    await process_(root, '12', ['/dev/vhost-vdpa-1'], 'a'.repeat(200));
    // Names that are not process ids are not processes.
    await process_(root, 'self', ['/dev/vhost-vdpa-0']);
    await process_(root, '012', ['/dev/vhost-vdpa-0']);
    const result = await readHolders(root, ['vhost-vdpa-0', 'vhost-vdpa-1']);
    assert.ok('holders' in result, JSON.stringify(result));
    assert.deepEqual(result.holders.get('vhost-vdpa-0'), [{ pid: 10, comm: null }]);
    assert.deepEqual(result.holders.get('vhost-vdpa-1'), [
      { pid: 11, comm: 'qemu\\x1b[2Jx' },
      { pid: 12, comm: 'a'.repeat(64) },
    ]);
  });

  it('skips a process that exited between the listing and its fd directory', async () => {
    const root = await hostTree();
    // Process 99 is listed, but its fd directory is gone (ENOENT), as when it exits mid-scan.
    await mkdir(join(root, 'proc/99'));
    await process_(root, '100', ['/dev/vhost-vdpa-1'], 'qemu-system-x86');
    const snapshot = await readSysfs(root, ['vdpa0', 'vdpa1'], SIM);
    assert.deepEqual(snapshot.devices['vdpa0']?.vhostVdpa?.holders, []);
    assert.deepEqual(snapshot.devices['vdpa1']?.vhostVdpa?.holders, [{ pid: 100, comm: 'qemu-system-x86' }]);
  });

  it('leaves every holder list unknown when a process cannot be looked into', async () => {
    // An fd directory that is not one (ENOTDIR), and an fd entry that is not a link (EINVAL).
    const notDir = await hostTree();
    await process_(notDir, '200', ['/dev/vhost-vdpa-0'], 'qemu-system-x86');
    await mkdir(join(notDir, 'proc/300'));
    await writeFile(join(notDir, 'proc/300/fd'), '');
    const snapshot = await readSysfs(notDir, ['vdpa0', 'vdpa1'], SIM);
    for (const name of ['vdpa0', 'vdpa1']) {
      assert.equal(snapshot.devices[name]?.vhostVdpa?.holders, null, name);
      assert.equal(snapshot.devices[name]?.vhostVdpa?.holdersMissing, 'could not read /proc/300/fd: ENOTDIR', name);
    }
    const notLink = await hostTree();
    await process_(notLink, '400', []);
    await writeFile(join(notLink, 'proc/400/fd/3'), '');
    assert.deepEqual(await readHolders(notLink, ['vhost-vdpa-0']), { missing: 'could not read /proc/400/fd/3: EINVAL' });
  });

  it('says to collect as root when an fd directory is not readable (EACCES, as a user other than its owner)', async () => {
    const root = await hostTree();
    await process_(root, '500', ['/dev/vhost-vdpa-0']);
    await chmod(join(root, 'proc/500/fd'), 0o000);
    // Root reads through mode 000 (CAP_DAC_OVERRIDE): then the scan runs as nobody, the way a non-root collect would.
    const asRoot = process.getuid?.() === 0;
    let result: unknown;
    if (asRoot) {
      for (let dir = join(root, 'proc/500'); dir !== dirname(root); dir = dirname(dir)) await chmod(dir, 0o755).catch(() => undefined);
      const code = `import(${JSON.stringify(repoPath('src/collect/sysfs.ts'))}).then(async (m) => process.stdout.write(JSON.stringify(await m.readHolders(${JSON.stringify(root)}, ['vhost-vdpa-0']))))`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', code], { uid: 65534, gid: 65534, cwd: repoPath('.') });
      result = JSON.parse(stdout);
    } else {
      result = await readHolders(root, ['vhost-vdpa-0']);
    }
    assert.deepEqual(result, { missing: 'could not read /proc/500/fd: EACCES (collect as root)' });
  });

  it('leaves holders unknown when /proc is not the host PID namespace', async () => {
    const root = await copyTree('sim-vhost-bound');
    // A container's own /proc: its pid 1 is in a child namespace and the host's QEMUs are not listed.
    await process_(root, '1', []);
    await mkdir(join(root, 'proc/1/ns'));
    await symlink('pid:[4026532201]', join(root, 'proc/1/ns/pid'));
    const result = await readHolders(root, ['vhost-vdpa-0']);
    assert.ok('missing' in result);
    assert.match(result.missing, /another PID namespace.*4026532201/);
  });

  it('stops past its limits on processes and open files, holders then unknown', async () => {
    const root = await hostTree();
    await process_(root, '20', ['/dev/null', '/dev/null']);
    await process_(root, '21', ['/dev/null']);
    assert.deepEqual(await readHolders(root, ['vhost-vdpa-0'], { processes: 2, openFiles: 100 }), { missing: 'more than 2 processes in /proc, more than collect looks through' });
    // 5 open files in all (1 and 20 have 2 each, 21 has 1): past 3 in any order /proc lists them.
    assert.deepEqual(await readHolders(root, ['vhost-vdpa-0'], { processes: 3, openFiles: 3 }), { missing: 'more than 3 open files in /proc/*/fd, more than collect looks through' });
    const within = await readHolders(root, ['vhost-vdpa-0'], { processes: 3, openFiles: 5 });
    assert.ok('holders' in within);
    assert.deepEqual(within.holders.get('vhost-vdpa-0'), []);
  });

  it('stops past its time limit, holders then unknown (the hook gives it a share of its deadline)', async () => {
    const root = await hostTree();
    await process_(root, '20', ['/dev/vhost-vdpa-0']);
    // A limit already past: not one process is read.
    assert.deepEqual(await readHolders(root, ['vhost-vdpa-0'], { processes: 10, openFiles: 100, ms: -1 }), { missing: 'looking through /proc took more than -1 ms (0 of 2 processes read)' });
    const within = await readHolders(root, ['vhost-vdpa-0'], { processes: 10, openFiles: 100, ms: 60_000 });
    assert.ok('holders' in within);
    assert.deepEqual(
      within.holders.get('vhost-vdpa-0')?.map((h) => h.pid),
      [20],
    );
  });
});
