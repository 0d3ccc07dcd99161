// plan --apply with a baseline (applyBaseline), on a host the stand-in `vdpa` replays (real captured
// output of kernel 6.12 + iproute2 6.15, its sysfs tree rebuilt from the same capture), run as its
// own process through execFile. What a real kernel takes is the e2e suite's (test/e2e): here, the
// paths that must never touch the host — a dev add the kernel refuses (recorded), a name the host
// has, a baseline no parent can give.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { UsageError } from '../../src/errors.js';
import { baseline, type BaselineDocument } from '../../src/plan/baseline.js';
import { applyBaseline } from '../../src/provision/apply.js';
import { k612VhostBoundReplay, REPLAY } from '../helpers/replay.js';
import { repoPath } from '../helpers/paths.js';

const SYSFS = repoPath('test/fixtures/sysfs/sim-vhost-bound');
const QEMU = { text: '10.0.2', origin: 'the test' };
// The simulator's real answer to a dev add it refuses (the e2e suite's refuse-mtu-below-68 on 6.12).
const CMD = repoPath('test/fixtures/e2e/k6.12/cmd');
const REFUSED = join(CMD, (readdirSync(CMD).find((f) => f.endsWith('-refuse-mtu-below-68.rc')) ?? 'missing').replace(/\.rc$/, ''));

const savedEnv = { ...process.env };
let scratch = '';
let log = '';
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'vdpa-compat-apply-'));
});
after(() => {
  process.env = savedEnv;
  rmSync(scratch, { recursive: true, force: true });
});

/** The replayed host, with extra answers (argument string → capture base or output); argv logged. */
function host(extra: Record<string, unknown> = {}): void {
  const table = JSON.parse(k612VhostBoundReplay()['VDPA_REPLAY'] ?? '{}') as Record<string, unknown>;
  process.env['VDPA_REPLAY'] = JSON.stringify({ ...table, ...extra });
  log = join(scratch, `log-${Math.random().toString(36).slice(2)}`);
  process.env['VDPA_REPLAY_LOG'] = log;
}
const calls = (): string[] => {
  try {
    return readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as string[]).join(' '));
  } catch {
    return [];
  }
};
const options = { vdpaPath: REPLAY, source: 'vdpa-tool' as const, sysfsRoot: SYSFS, timeoutMs: 30_000, sourceQemu: QEMU, targetQemu: QEMU };

/** A baseline made from this host itself: one every parent of it can give. */
async function ownBaseline(): Promise<BaselineDocument> {
  host();
  const { profile } = await collect({ vdpaPath: REPLAY, source: 'vdpa-tool', sysfsRoot: SYSFS, timeoutMs: 30_000 });
  const b = baseline([{ profile, input: 'this host' }], 'net', 'lab', { qemu: QEMU });
  assert.equal(b.status, 'complete', JSON.stringify(b.hosts));
  return b;
}

describe('plan --baseline --apply', () => {
  it('a dev add the kernel refuses: nothing was created, so nothing is deleted (no dev del), exit 2', async () => {
    const b = await ownBaseline();
    host({ 'dev add name p-lab mgmtdev vdpasim_net mtu 1500': REFUSED });
    const report = await applyBaseline(b, { ...options, name: 'p-lab' });
    assert.equal(report.status, 'failed');
    assert.equal(report.exitStatus, 2);
    assert.equal(report.created, false);
    assert.equal(report.plan.plan?.mgmtdev, 'vdpasim_net');
    assert.match(report.plan.source.input, /^baseline lab \(sha256:/);
    const add = report.steps.find((s) => s.action === 'dev add');
    assert.equal(add?.ok, false);
    assert.match(add?.detail ?? '', /./, 'the kernel says why');
    assert.deepEqual(
      report.steps.filter((s) => s.action === 'undo').map((s) => s.what),
      ['nothing'],
    );
    const ran = calls();
    assert.ok(ran.includes('dev add name p-lab mgmtdev vdpasim_net mtu 1500'), ran.join('\n'));
    assert.ok(!ran.some((c) => c.startsWith('dev del')), `no dev del after a refused add: ${ran.join('\n')}`);
    assert.equal(report.check, null);
  });

  it('a name the host has is refused before anything runs, unless --replace', async () => {
    const b = await ownBaseline();
    host();
    const { profile } = await collect({ vdpaPath: REPLAY, source: 'vdpa-tool', sysfsRoot: SYSFS, timeoutMs: 30_000 });
    const taken = profile.devices[0]?.name ?? '';
    assert.ok(taken !== '');
    host();
    await assert.rejects(applyBaseline(b, { ...options, name: taken }), (e: unknown) => e instanceof UsageError && e.message.includes(taken));
    assert.ok(!calls().some((c) => c.startsWith('dev ')), calls().join('\n'));
  });

  it('a baseline no parent of this host can give: no plan, no command, exit 1', async () => {
    const own = await ownBaseline();
    // MQ with four queue pairs: vdpasim_net provisions neither.
    const bits = `0x${((BigInt(own.device.features.bits) | (1n << 22n)) & ~0n).toString(16).padStart(16, '0')}`;
    const b: BaselineDocument = { ...own, device: { ...own.device, features: { bits, names: [...own.device.features.names, 'MQ'] }, queuePairs: 4 } };
    const { baselineFingerprint } = await import('../../src/plan/baseline.js');
    b.fingerprint = baselineFingerprint(b);
    host();
    const report = await applyBaseline(b, { ...options, name: 'p-lab' });
    assert.equal(report.status, 'no-plan');
    assert.equal(report.exitStatus, 1);
    assert.equal(report.plan.plan, null);
    assert.ok(!calls().some((c) => c.startsWith('dev ')), calls().join('\n'));
  });
});
