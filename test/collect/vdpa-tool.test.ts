import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { captureLive, collect } from '../../src/collect/collect.js';
import { captureVdpaTool, runVdpa } from '../../src/collect/vdpa-tool.js';
import { CollectError } from '../../src/errors.js';
import { capturePath, repoPath } from '../helpers/paths.js';
import { REPLAY } from '../helpers/replay.js';

// The live source runs a real process. Where the real vdpa cannot show devices
// (no vdpa kernel module on this machine), test/helpers/replay-vdpa.mjs plays
// back real captured output as its own process.
const K61 = (name: string) => capturePath('k6.1-ip6.1', name);

let scratch: string;
const savedEnv = { ...process.env };
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-tool-'));
});
after(() => {
  process.env = savedEnv;
});

function replay(table: Record<string, unknown>, log?: string): void {
  process.env['VDPA_REPLAY'] = JSON.stringify(table);
  if (log) process.env['VDPA_REPLAY_LOG'] = log;
  else delete process.env['VDPA_REPLAY_LOG'];
}

/** Kernel 6.1: the config dump stops at the block device and prints {"config":{}} with status 0. */
const K61_NET_AND_BLK = {
  '-V': { stdout: 'vdpa utility, iproute2-6.1.0\n' },
  '-j mgmtdev show': K61('010-mgmtdev-show.json'),
  '-j dev show': K61('076-net-and-blk-dev-show.json'),
  '-j dev config show': K61('077-net-and-blk-config-show.json'),
  '-j dev config show vdpa0': K61('024-net-default-config-show-vdpa0.json'),
  '-j dev config show vdpa1': K61('072-blk-config-show.json'),
};

describe('vdpa tool source', () => {
  it('asks each device the config dump left out by name (kernel 6.1 stops the dump at a block device)', async () => {
    const log = join(scratch, 'argv-61.log');
    replay(K61_NET_AND_BLK, log);
    const capture = await captureVdpaTool({ vdpaPath: REPLAY, timeoutMs: 10_000 });
    assert.deepEqual(Object.keys(capture.perDeviceConfig).sort(), ['vdpa0', 'vdpa1']);
    assert.equal(capture.perDeviceConfig['vdpa1']?.rc, 1);
    const argv = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string[]);
    assert.deepEqual(argv.slice(0, 4), [['-V'], ['-j', 'mgmtdev', 'show'], ['-j', 'dev', 'show'], ['-j', 'dev', 'config', 'show']]);
    assert.equal(capture.commands.length, 6);
  });

  it('turns that into a profile: vdpa0 config known, vdpa1 (blk) config unknown with the kernel message', async () => {
    replay(K61_NET_AND_BLK);
    const { profile, raw } = await collect({ vdpaPath: REPLAY, sysfsRoot: repoPath('test/fixtures/sysfs/sim-unbound'), now: () => new Date('2026-11-24T00:00:00Z') });
    const net = profile.devices.find((d) => d.name === 'vdpa0');
    const blk = profile.devices.find((d) => d.name === 'vdpa1');
    assert.equal(net?.config.mtu, 1500);
    assert.equal(blk?.config.mtu, null);
    assert.match(blk?.unknown.find((u) => u.fact === '/config')?.reason ?? '', /Operation not supported/);
    assert.equal(profile.collectedAt, '2026-11-24T00:00:00.000Z');
    assert.equal(profile.host.iproute2, '6.1.0');
    assert.equal(profile.host.kernel, '6.1.0-56-amd64');
    assert.equal(net?.driver, 'none');
    assert.equal(raw.meta?.commands.length, 6);
  });

  it('passes arguments as an array: a device name with shell syntax reaches vdpa verbatim', async () => {
    const log = join(scratch, 'argv-shell.log');
    const evil = 'vdpa0;touch${IFS}pwned';
    replay({ [`-j dev config show ${evil}`]: K61('072-blk-config-show.json') }, log);
    const record = await runVdpa({ vdpaPath: REPLAY, timeoutMs: 10_000 }, ['-j', 'dev', 'config', 'show', evil]);
    assert.equal(record.rc, 1);
    assert.deepEqual(JSON.parse((await readFile(log, 'utf8')).trim()), ['-j', 'dev', 'config', 'show', evil]);
    assert.equal(existsSync(join(process.cwd(), 'pwned')), false);
  });

  it('reports a missing binary as VDPA_NOT_FOUND', async () => {
    await assert.rejects(runVdpa({ vdpaPath: join(scratch, 'no-such-vdpa'), timeoutMs: 1000 }, ['-V']), (e: unknown) => e instanceof CollectError && e.code === 'VDPA_NOT_FOUND');
  });

  it('kills a hanging binary at the timeout and says so', async () => {
    replay({ '-V': { sleep: 30_000 } });
    const started = Date.now();
    await assert.rejects(runVdpa({ vdpaPath: REPLAY, timeoutMs: 300 }, ['-V']), (e: unknown) => e instanceof CollectError && e.code === 'VDPA_TIMEOUT' && /300 ms/.test(e.message));
    // Functional bound, not a benchmark: the 30 s child must not be waited for.
    assert.ok(Date.now() - started < 20_000);
  });

  it('reports a failing mgmtdev show with its stderr', async () => {
    replay({ '-V': { stdout: 'vdpa utility, iproute2-6.1.0\n' }, '-j mgmtdev show': K61('104-err-mgmtdev-show-missing.json') });
    await assert.rejects(captureLive({ vdpaPath: REPLAY, timeoutMs: 10_000, sysfsRoot: scratch }), (e: unknown) => e instanceof CollectError && e.code === 'VDPA_FAILED' && /mgmtdev show/.test(e.message));
  });

  it('names the missing netlink family when the real vdpa runs on a host without the vdpa module', async (t) => {
    // This machine has iproute2's vdpa but no vdpa kernel module: the real failure, not a replay.
    const real = ['/usr/sbin/vdpa', '/sbin/vdpa', '/usr/bin/vdpa'].find((p) => existsSync(p));
    if (!real || existsSync('/sys/bus/vdpa')) {
      t.skip('needs the vdpa binary and a kernel without the vdpa module');
      return;
    }
    await assert.rejects(captureLive({ vdpaPath: real, timeoutMs: 10_000 }), (e: unknown) => e instanceof CollectError && e.code === 'VDPA_NETLINK_MISSING');
  });
});
