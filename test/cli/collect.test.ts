import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { hasStack, runCli } from '../helpers/cli.js';
import { capturePath, repoPath } from '../helpers/paths.js';
import { REPLAY, k612VhostBoundReplay } from '../helpers/replay.js';

const THREE = repoPath('profiles/vp_vdpa/k6.12-three-vhost');

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-collect-'));
});

const noLeftovers = async (dir: string) =>
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.includes('vdpa-compat-')),
    [],
  );

describe('vdpa-compat collect', () => {
  it('prints a YAML profile on stdout from a dump directory', async () => {
    const r = await runCli(['collect', '--from', THREE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^schemaVersion: 1\.3\.0$/m);
    assert.match(r.stdout, /kind: vdpa-compat\/host-profile/);
  });

  it('writes -o atomically, refuses to overwrite, replaces with --force', async () => {
    const out = join(scratch, 'host.json');
    assert.equal((await runCli(['collect', '--from', THREE, '-o', out])).code, 0);
    const first = await readFile(out, 'utf8');
    assert.equal((JSON.parse(first) as { devices: unknown[] }).devices.length, 3);
    const again = await runCli(['collect', '--from', THREE, '--device', 'vdpa1', '-o', out]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /host\.json: file exists \[OUTPUT_EXISTS\]; fix: Pass --force/);
    assert.equal(await readFile(out, 'utf8'), first, 'the existing file is untouched');
    assert.equal((await runCli(['collect', '--from', THREE, '--device', 'vdpa1', '-o', out, '--force'])).code, 0);
    assert.equal((JSON.parse(await readFile(out, 'utf8')) as { devices: unknown[] }).devices.length, 1);
    await noLeftovers(scratch);
  });

  it('leaves no output file when collection fails', async () => {
    const out = join(scratch, 'never.yaml');
    const r = await runCli(['collect', '--from', join(scratch, 'no-such-dump'), '-o', out]);
    assert.equal(r.code, 2);
    assert.deepEqual(
      (await readdir(scratch)).filter((n) => n.includes('never')),
      [],
    );
  });

  it('--save-raw records a dump directory that collects to the same profile', async () => {
    const dump = join(scratch, 'saved');
    const saved = await runCli(['collect', '--from', THREE, '--save-raw', dump]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(saved.stdout, '');
    const a = await runCli(['collect', '--from', THREE, '--format', 'json']);
    const b = await runCli(['collect', '--from', dump, '--format', 'json']);
    assert.deepEqual(JSON.parse(b.stdout), JSON.parse(a.stdout));
  });

  it('collects live through the vdpa binary and sysfs, and records what it ran', async () => {
    const env = k612VhostBoundReplay();
    const dump = join(scratch, 'live');
    const out = join(scratch, 'live.yaml');
    const qemu = repoPath('test/fixtures/qemu/debian-10.0.2/qemu-system-x86_64');
    const r = await runCli(['collect', '--vdpa', REPLAY, '--qemu', qemu, '--sysfs-root', repoPath('test/fixtures/sysfs/sim-vhost-bound'), '--save-raw', dump, '-o', out], { env });
    assert.equal(r.code, 0, r.stderr);
    const profile = await readFile(out, 'utf8');
    assert.match(profile, /charDev: \/dev\/vhost-vdpa-0/);
    assert.match(profile, /kernel: 6\.12\.117\+deb13-amd64/);
    assert.match(profile, /sources: \[vdpa-tool, sysfs, vmm\]/);
    // The VMM: the QEMU given with --qemu, and what its --version printed (recorded in vmm.json).
    assert.match(profile, /qemu:\n {6}- path: \S+debian-10\.0\.2\/qemu-system-x86_64\n {8}version: 10\.0\.2\n {8}versionText: QEMU emulator version 10\.0\.2 \(Debian 1:10\.0\.2\+ds-2\+deb13u1~bpo12\+1\)/);
    assert.match(await readFile(join(dump, 'vmm.json'), 'utf8'), /"format": "vdpa-compat-vmm\/1"/);
    const meta = JSON.parse(await readFile(join(dump, 'vdpa-compat-dump.json'), 'utf8')) as { commands: Array<{ argv: string[]; rc: number }> };
    assert.deepEqual(
      meta.commands.map((c) => c.argv.slice(1).join(' ')),
      ['-V', '-j mgmtdev show', '-j dev show', '-j dev config show'],
    );
  });

  it('fails with exit 2 and one line when the vdpa binary is missing, failing or hanging', async () => {
    const missing = await runCli(['collect', '--vdpa', join(scratch, 'no-vdpa')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot run the vdpa binary .*no-vdpa.*not found.*\[VDPA_NOT_FOUND\]; fix: Install iproute2/);
    const failing = await runCli(['collect', '--vdpa', REPLAY], { env: { VDPA_REPLAY: JSON.stringify({ '-V': { stdout: 'x' }, '-j mgmtdev show': capturePath('k6.1-ip6.1', '104-err-mgmtdev-show-missing.json') }) } });
    assert.equal(failing.code, 2);
    assert.match(failing.stderr, /`vdpa -j mgmtdev show` failed: .*\[VDPA_FAILED\]/);
    const hanging = await runCli(['collect', '--vdpa', REPLAY, '--timeout', '300', '-o', join(scratch, 'hang.yaml')], { env: { VDPA_REPLAY: JSON.stringify({ '-V': { sleep: 30000 } }) } });
    assert.equal(hanging.code, 2);
    assert.match(hanging.stderr, /`vdpa -V` did not finish within 300 ms and was killed \[VDPA_TIMEOUT\]/);
    for (const r of [missing, failing, hanging]) {
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.ok(!hasStack(r.stderr));
    }
    assert.deepEqual(
      (await readdir(scratch)).filter((n) => n.startsWith('hang')),
      [],
    );
  });

  it('rejects an -o name it cannot tell the format of, and a bad --timeout', async () => {
    assert.equal((await runCli(['collect', '--from', THREE, '-o', join(scratch, 'x.txt')])).code, 2);
    assert.equal((await runCli(['collect', '--from', THREE, '--timeout', 'soon'])).code, 2);
    await writeFile(join(scratch, 'placeholder'), '');
  });
});
