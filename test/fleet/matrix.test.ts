import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateFleet } from '../../bench/fleet.mjs';
import { validateMatrix } from '../../src/generated/matrix-validator.js';
import { assembleMatrix, decideMatrixShare, deviceGroupKey, matrix, matrixCell, MatrixBuilder, MATRIX_RANK, type MatrixDocument } from '../../src/fleet/matrix.js';
import { renderMatrixCsv, renderMatrixTable } from '../../src/fleet/render.js';
import { fitTargets } from '../../src/plan/fit.js';
import type { DeviceClass } from '../../src/profile/feature-bits.js';
import { toProfile } from '../../src/profile/load.js';
import type { DeviceDoc, Profile } from '../../src/profile/types.js';
import { profileOf } from '../helpers/devices.js';

const QEMU = { text: '10.0.2', origin: 'the test' };
// Real hosts: the simulator on 6.12 and 6.1, 6.12 with vp_vdpa parents, nine raw-netlink simulator devices, three vp_vdpa vhost devices.
const REAL = ['e2e/k6.12/sim-tool615', 'e2e/k6.12/vp-tool615', 'e2e/k6.1/sim-tool615', 'profiles/vdpasim/k6.12-netlink', 'profiles/vp_vdpa/k6.12-three-vhost'];

const rank = (v: string) => MATRIX_RANK.indexOf(v as (typeof MATRIX_RANK)[number]);

/**
 * The cell as `check --target-device any` answers it for each device of the source host, done
 * pair by pair with no groups: the worst, over the source's devices of the class, of the best fit.
 */
function direct(fleet: readonly { profile: Profile }[], a: number, b: number, cls: DeviceClass, qemu = true): number | null {
  const A = fleet[a]?.profile as Profile;
  const B = fleet[b]?.profile as Profile;
  let worst: number | null = null;
  for (const s of A.devices.filter((d) => d.class === cls)) {
    const target: Profile = { ...B, devices: B.devices.filter((d) => d.class === cls) };
    const fit = fitTargets(A, target, { sourceDevice: s.name, ...(qemu ? { sourceQemu: QEMU, targetQemu: QEMU } : {}) });
    worst = Math.max(worst ?? -1, rank(fit.verdict));
  }
  return worst;
}

function assertValid(doc: MatrixDocument): void {
  assert.ok(validateMatrix(JSON.parse(JSON.stringify(doc))), JSON.stringify(validateMatrix.errors));
}

describe('matrix', () => {
  it('on real hosts, every cell is what check says pair by pair, or (a shared MAC) less than it, never more', async () => {
    const fleet = await Promise.all(REAL.map(async (input) => ({ input, profile: await profileOf(input) })));
    const doc = matrix(fleet, { sourceQemu: QEMU, targetQemu: QEMU });
    assertValid(doc);
    let equal = 0;
    for (let a = 0; a < fleet.length; a++)
      for (let b = 0; b < fleet.length; b++)
        for (const cls of ['net', 'blk'] as const) {
          if (a === b) continue;
          const cell = matrixCell(doc, a, b, cls);
          const want = direct(fleet, a, b, cls);
          if (want === null) {
            assert.equal(cell, null);
            continue;
          }
          assert.ok(cell);
          // The lab's dumps share MACs (the same scenario on every kernel): the matrix takes two set MACs as different.
          assert.ok(rank(cell.verdict) >= want, `${REAL[a]} → ${REAL[b]} ${cls}: matrix ${cell.verdict}, check ${MATRIX_RANK[want]}`);
          if (rank(cell.verdict) === want) equal++;
        }
    assert.ok(equal > 0);
    assert.ok(doc.stats.groups < doc.stats.devices, 'devices alike are decided once');
  });

  it('on a generated fleet (every MAC its own), every cell is exactly what check says pair by pair', async () => {
    const fleet = await Promise.all(generateFleet({ hosts: 36, groups: 24, seed: 7 }).map(async (p: unknown, i: number) => ({ input: `h${i}`, profile: await toProfile(JSON.parse(JSON.stringify(p)), `h${i}`) })));
    const doc = matrix(fleet);
    assertValid(doc);
    const seen = new Set<string>();
    for (let a = 0; a < fleet.length; a++)
      for (let b = 0; b < fleet.length; b++)
        for (const cls of ['net', 'blk'] as const) {
          if (a === b) continue;
          const cell = matrixCell(doc, a, b, cls);
          const want = direct(fleet, a, b, cls, false);
          if (want === null) continue;
          assert.ok(cell);
          assert.equal(cell.verdict, MATRIX_RANK[want], `h${a} → h${b} ${cls}`);
          seen.add(cell.verdict);
        }
    assert.ok(seen.size >= 3, `a fleet of several outcomes: ${[...seen].join(', ')}`);
    assert.ok(doc.stats.checks < 36 * 36, `decided per group, not per pair: ${doc.stats.checks} checks`);
  });

  it('groups devices on every fact the rules read, and on nothing they do not', async () => {
    const profile = await profileOf('profiles/vdpasim/k6.12-netlink');
    const d = profile.devices.find((x) => x.name === 'same');
    assert.ok(d);
    const key = deviceGroupKey(profile, d);
    const renamed = { ...profile, host: { ...profile.host, hostname: 'elsewhere' } };
    assert.equal(
      deviceGroupKey(renamed, { ...d, name: 'other', mac: undefined, config: { ...d.config, mac: '52:54:00:12:34:56' } } as typeof d),
      deviceGroupKey(renamed, { ...d, config: { ...d.config, mac: '52:54:00:65:43:21' } }),
      'name, host name, a set MAC',
    );
    const changes: [string, DeviceDoc][] = [
      ['MTU', { ...d, config: { ...d.config, mtu: 1400 } }],
      ['driver', { ...d, driver: 'virtio_vdpa' }],
      ['offered', { ...d, features: { ...d.features, offered: { ...d.features.offered, present: { bits: '0x1', names: ['CSUM'] } } } }],
      ['MAC kind', { ...d, config: { ...d.config, mac: d.config.mac === '00:00:00:00:00:00' ? '52:54:00:00:00:01' : '00:00:00:00:00:00' } }],
    ];
    for (const [what, changed] of changes) assert.notEqual(deviceGroupKey(profile, changed), key, what);
    assert.notEqual(deviceGroupKey({ ...profile, host: { ...profile.host, kernel: '6.1.0-40-amd64' } }, d), key, 'kernel');
  });

  it('renders a grid per class and one CSV line per ordered pair', async () => {
    const fleet = await Promise.all(REAL.map(async (input) => ({ input, profile: await profileOf(input) })));
    const doc = matrix(fleet, { sourceQemu: QEMU, targetQemu: QEMU });
    const table = renderMatrixTable(doc);
    assert.match(table, /^net: 5 of 5 hosts have net devices; /m);
    assert.match(table, /^ {2}4 profiles\/vdpasim\/k6\.12-netlink +[=CP?Bx]{3} [=CP?Bx]$/m);
    const csv = [...renderMatrixCsv(doc, 7)].join('');
    const lines = csv.trimEnd().split('\n');
    assert.equal(lines[0], 'source,target,class,verdict,codes');
    const pairs = (['net', 'blk'] as const).reduce((n, cls) => n + doc.hosts.filter((h) => h.rows[cls] !== undefined).length * (doc.hosts.length - 1), 0);
    assert.equal(lines.length - 1, pairs);
  });

  it('decided in shares (as --jobs splits it), the document is the one a single share makes', async () => {
    const fleet = await Promise.all(generateFleet({ hosts: 40, groups: 30, seed: 11 }).map(async (p: unknown, i: number) => ({ input: `h${i}`, profile: await toProfile(JSON.parse(JSON.stringify(p)), `h${i}`) })));
    const builder = new MatrixBuilder();
    for (const { profile, input } of fleet) builder.add(profile, input);
    const job = builder.job();
    const whole = assembleMatrix(job, [decideMatrixShare(job, {}, 0, 1)]);
    assert.deepEqual(whole, matrix(fleet));
    for (const shares of [2, 3, 7]) {
      const parts = Array.from({ length: shares }, (_, s) => decideMatrixShare(job, {}, s, shares));
      // Every group in exactly one share, so the counts add up to the single share's.
      const groups = parts.flatMap((p) => Object.values(p.best).flatMap((b) => b.groups));
      assert.equal(new Set(groups).size, job.members.length);
      assert.equal(groups.length, job.members.length);
      // Compared as text, and not printed: a difference would print a document of 150 KB.
      assert.ok(JSON.stringify(assembleMatrix(job, parts)) === JSON.stringify(whole), `${shares} shares give another document`);
    }
  });
});
