import assert from 'node:assert/strict';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { captureNetlink, loadNetlinkBinding } from '../../src/collect/netlink.js';
import { SourceUnavailable } from '../../src/collect/source.js';
import { CollectError, InputError } from '../../src/errors.js';
import { capturePath, repoPath } from '../helpers/paths.js';
import { REPLAY } from '../helpers/replay.js';

// This machine's kernel has no vdpa module: the real "family absent" case.
// Live netlink on real vDPA devices is covered by npm run test:e2e and its
// recorded replies by e2e-replay.test.ts.
const savedEnv = { ...process.env };
after(() => {
  process.env = savedEnv;
});

describe('raw netlink source', () => {
  it('loads the optional netlink binding', () => {
    assert.notEqual(typeof loadNetlinkBinding(), 'string');
  });

  it('says the family is absent on a kernel without the vdpa module', async (t) => {
    const binding = loadNetlinkBinding();
    if (typeof binding === 'string') return t.skip(binding);
    await assert.rejects(captureNetlink(binding, { timeoutMs: 5000 }), (e: unknown) => e instanceof SourceUnavailable && /no vdpa netlink family/.test(e.message));
  });

  it('--source netlink fails with exit status 2 semantics when netlink cannot be used', async () => {
    await assert.rejects(collect({ source: 'netlink', sysfsRoot: repoPath('test/fixtures/sysfs/sim-unbound') }), (e: unknown) => e instanceof CollectError && e.code === 'VDPA_NETLINK_MISSING');
  });

  it('auto falls back to the vdpa tool and says which facts stay unknown, and why', async () => {
    const k612 = (name: string) => capturePath('k6.12-ip6.15', name);
    process.env['VDPA_REPLAY'] = JSON.stringify({
      '-V': { stdout: 'vdpa utility, iproute2-6.15.0\n' },
      '-j mgmtdev show': k612('010-mgmtdev-show.json'),
      '-j dev show': k612('123-vhost-bound-dev-show.json'),
      '-j dev config show': k612('124-vhost-bound-config-show.json'),
    });
    const { profile, raw } = await collect({ vdpaPath: REPLAY, sysfsRoot: repoPath('test/fixtures/sysfs/sim-vhost-bound') });
    assert.deepEqual(profile.collection.sources, ['vdpa-tool', 'sysfs', 'vmm']);
    assert.match(raw.meta?.unavailable?.['netlink'] ?? '', /no vdpa netlink family/);
    const reason = profile.devices[0]?.unknown.find((u) => u.fact === '/features/offered')?.reason ?? '';
    assert.match(reason, /raw netlink was not available \(the kernel has no vdpa netlink family/);
  });

  it('rejects a malformed netlink record in a dump, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vdpa-compat-nl-'));
    await cp(repoPath('test/fixtures/e2e/k6.12/dumps/sim-netlink'), dir, { recursive: true });
    await writeFile(join(dir, 'vdpa-netlink.json'), JSON.stringify({ format: 'vdpa-compat-netlink/1', family: {}, mgmtdevs: [{ attrs: [[2, 'zz']] }], devices: [], configs: {} }));
    await assert.rejects(collect({ from: dir }), (e: unknown) => e instanceof InputError && e.message.includes('vdpa-netlink.json: /mgmtdevs/0/attrs/0'));
  });

  it('reads a dump that holds only the netlink record (no vdpa tool output)', async () => {
    const { profile } = await collect({ from: repoPath('test/fixtures/e2e/k6.12/dumps/sim-netlink') });
    assert.equal(profile.host.iproute2, null);
    assert.match(profile.host.unknown.find((u) => u.fact === '/iproute2')?.reason ?? '', /raw netlink only/);
    assert.ok(profile.devices.every((d) => !d.unknown.some((u) => u.fact === '/features/offered') || d.class === 'blk'));
  });
});
