import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { repoPath } from '../helpers/paths.js';

// `npm run bundle` assembles dist/bundle/, meant to be copied to a hypervisor host that has only
// node. Copied here to a directory with no node_modules above it, it must run every command.
function sh(command: string, args: string[], options: { cwd?: string; input?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { cwd: options.cwd, encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
    child.stdin?.end(options.input ?? '');
  });
}

let deployed: string;
before(async () => {
  const built = await sh(process.execPath, [repoPath('scripts/bundle.mjs'), '--deploy'], { cwd: repoPath('.') });
  assert.equal(built.code, 0, built.stderr);
  deployed = join(await mkdtemp(join(tmpdir(), 'vdpa-compat-deployed-')), 'vdpa-compat');
  await cp(repoPath('dist/bundle'), deployed, { recursive: true });
});

describe('the deployable bundle (npm run bundle)', () => {
  const cli = () => join(deployed, 'vdpa-compat.cjs');

  it('checks, explains and prints its version with only node', async () => {
    const check = await sh(process.execPath, [cli(), 'check', repoPath('profiles/vdpasim/k6.12-negotiated'), repoPath('profiles/vdpasim/k6.12-no-mtu.yaml'), '--source-qemu', '10.0.2', '--target-qemu', '10.0.2']);
    assert.equal(check.code, 1, check.stderr);
    assert.match(check.stdout, /verdict: INCOMPATIBLE/);
    const explain = await sh(process.execPath, [cli(), 'explain', 'svq-offered-features/targetOffers']);
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /### `svq-offered-features\/targetOffers`/);
  });

  it('runs the hook as libvirt would', async () => {
    const xml = await readFile(repoPath('test/fixtures/libvirt/vm-no-vdpa.xml'), 'utf8');
    const hook = await sh(process.execPath, [cli(), 'hook', 'qemu', '--', 'vm-plain', 'migrate', 'begin', '-'], { input: xml });
    assert.deepEqual([hook.code, hook.stdout, hook.stderr], [0, '', '']);
    // An annotated domain (libvirt's own dumpxml) into an incompatible host: parsed, collected, vetoed.
    // The target device: the recorded simulator host's "fewer" (/dev/vhost-vdpa-4), run by the recorded QEMU 10.0.2.
    const annotated = (await readFile(repoPath('test/fixtures/libvirt/annotated/vm-vdpa-interface.xml'), 'utf8'))
      .replace(/<emulator>[^<]*<\/emulator>/, `<emulator>${repoPath('test/fixtures/qemu/debian-10.0.2/qemu-system-x86_64')}</emulator>`)
      .replace("<source dev='/dev/vhost-vdpa-0'/>", "<source dev='/dev/vhost-vdpa-4'/>");
    const veto = await sh(process.execPath, [cli(), 'hook', 'qemu', '--from', repoPath('test/fixtures/e2e/k6.12/dumps/sim-netlink'), 'vm-vdpa-net', 'migrate', 'begin', '-'], { input: annotated });
    assert.equal(veto.code, 1, veto.stderr);
    assert.equal(veto.stdout, '');
    assert.match(veto.stderr, /^vdpa-compat: domain vm-vdpa-net: interface 52:54:00:6d:90:02 \(\/dev\/vhost-vdpa-4\) → fewer: negotiated-features-offered\/missing: /);
  });

  it('carries the native netlink binding: it loads, and reports the missing vdpa family of this kernel', async () => {
    const netlink = await sh(process.execPath, [cli(), 'collect', '--source', 'netlink']);
    assert.equal(netlink.code, 2);
    assert.match(netlink.stderr, /no vdpa netlink family/);
    assert.doesNotMatch(netlink.stderr, /cannot load/);
  });
});
