import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { load, JSON_SCHEMA } from 'js-yaml';
import { collect } from '../../src/collect/collect.js';
import { ValidationError } from '../../src/errors.js';
import { validateReport } from '../../src/generated/report-validator.js';
import { compactProfile } from '../../src/libvirt/annotation.js';
import { loadProfile, toProfile } from '../../src/profile/load.js';
import { isNewerMinor } from '../../src/profile/version.js';
import type { Profile } from '../../src/profile/types.js';
import { check } from '../../src/verdict/check.js';
import { repoPath } from '../helpers/paths.js';

// A profile of schema 1.9.0 made from the real netlink sample (test/fixtures/README.md says what was added).
const FUTURE = repoPath('test/fixtures/profiles/future-minor-1.9.0.yaml');
const QEMU = { sourceQemu: { text: '10.0.2', origin: 'test' }, targetQemu: { text: '10.0.2', origin: 'test' } };

let scratch: string;
let futureDoc: Record<string, unknown>;
let current: Profile;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-versioning-'));
  futureDoc = load(await readFile(FUTURE, 'utf8'), { schema: JSON_SCHEMA }) as Record<string, unknown>;
  current = (await collect({ from: repoPath('profiles/vdpasim/k6.12-netlink') })).profile;
});

const clone = () => structuredClone(futureDoc) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
const rejects = async (doc: unknown, pointer: string, pattern?: RegExp) => {
  const error = await toProfile(doc, 'p.json').then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
  assert.equal(error.code, 'PROFILE_INVALID');
  const problem = error.problems.find((p) => p.pointer === pointer);
  assert.ok(problem, `no problem at ${pointer}: ${JSON.stringify(error.problems)}`);
  if (pattern) assert.match(problem.message, pattern);
};

describe('a profile of a newer minor (1.9.0)', () => {
  it('loads, with its unknown fields kept as they were', async () => {
    const profile = await loadProfile(FUTURE);
    assert.equal(profile.schemaVersion, '1.9.0');
    assert.deepEqual((profile.host as unknown as Record<string, unknown>)['cpu'], { vendor: 'GenuineIntel', flags: ['vmx', 'ept'] });
    assert.equal((profile.devices[1]!.config as unknown as Record<string, unknown>)['speed'], 10000);
    // Passed on (annotate's compact profile) it still has them.
    assert.deepEqual((compactProfile(profile, 1).devices[0] as unknown as Record<string, unknown>)['vqGroups'], { count: 2, cvqGroup: 1 });
  });

  it('checks on what this version knows, and reports each unknown field of what it read once, as info, with its pointer', async () => {
    const source = await loadProfile(FUTURE);
    const report = check(source, current, { sourceDevice: 'same', targetDevice: 'idle', ...QEMU });
    assert.ok(validateReport(report), JSON.stringify(validateReport.errors));
    const unknown = report.findings.filter((f) => f.code === 'profile-format/unknownField');
    assert.deepEqual(
      unknown.map((f) => f.data['pointer']),
      ['/collection/durationMs', '/host/cpu', '/host/vmm/qemu/0/machineTypes', '/mgmtdevs/0/firmware', '/devices/1/vqGroups', '/devices/1/config/speed', '/devices/1/config/duplex'],
      'device idle (not read) has vqGroups too: not reported',
    );
    assert.ok(unknown.every((f) => f.severity === 'info' && f.data['side'] === 'source' && f.data['schemaVersion'] === '1.9.0'));
    const names = report.findings.filter((f) => f.code === 'profile-format/featureNames');
    assert.deepEqual(
      names.map((f) => [f.data['pointer'], f.data['theirs'], f.data['ours']]),
      [
        ['/devices/1/features/offered/present/names', ['IOMMU_PLATFORM'], ['ACCESS_PLATFORM']],
        ['/devices/1/features/offered/absent/names', ['FUTURE_BIT_42'], ['bit_42']],
      ],
    );
    assert.deepEqual(report.checks[0], { rule: 'profile-format', summary: report.checks[0]?.summary, status: 'pass' });
    // The same pair from the 1.2 profile is identical; with facts this version cannot see, it is only compatible.
    assert.equal(check(current, current, { sourceDevice: 'same', targetDevice: 'idle', ...QEMU }).verdict, 'identical');
    assert.equal(report.verdict, 'compatible');
    assert.equal(report.exitStatus, 0);
  });

  it('the mask decides, not the names: a bit the names still list is absent when the mask says so', async () => {
    // The target's device idle without CTRL_MAC_ADDR (bit 23) in its mask, its names left as they were.
    const doc = clone();
    const idle = doc.devices[2];
    idle.features.offered.present.bits = '0x0000000308030028';
    idle.features.offered.absent.bits = '0xfffffffcf7fcffd7';
    delete idle.fingerprint;
    assert.ok(idle.features.offered.present.names.includes('CTRL_MAC_ADDR'));
    const target = await toProfile(doc, 'future.json');
    // The source guest negotiated CTRL_MAC_ADDR: a target without it cannot take the migration.
    const report = check(current, target, { sourceDevice: 'src', targetDevice: 'idle', ...QEMU });
    assert.ok(
      report.findings.some((f) => f.code === 'negotiated-features-offered/missing' && f.severity === 'error'),
      JSON.stringify(report.findings.map((f) => f.code)),
    );
    assert.equal(report.verdict, 'incompatible');
    assert.ok(report.findings.some((f) => f.code === 'profile-format/featureNames' && f.data['side'] === 'target'));
  });

  it('still refuses what breaks what this version relies on', async () => {
    const wrongType = clone();
    wrongType.devices[1].config.mtu = '1500';
    await rejects(wrongType, '/devices/1/config/mtu', /integer/);
    const newClass = clone();
    newClass.devices[1].class = 'crypto';
    await rejects(newClass, '/devices/1/class');
    const missing = clone();
    delete missing.devices[1].maxVqSize;
    await rejects(missing, '/devices/1', /maxVqSize/);
    const wideMask = clone();
    wideMask.devices[1].features.offered.present.bits = '0x10000000308830028';
    await rejects(wideMask, '/devices/1/features/offered/present/bits');
    const overlap = clone();
    overlap.devices[1].features.offered.absent.bits = '0xffffffffffffffff';
    await rejects(overlap, '/devices/1/features/offered', /both present and absent/);
    const controls = clone();
    controls.devices[1].name = 'same\u001b[2J';
    await rejects(controls, '/devices/1/name', /U\+001B/);
  });

  it('refuses a field that is not named like one: __proto__, or a name with a control character', async () => {
    const proto = JSON.parse(JSON.stringify(futureDoc).replace('"durationMs":412', '"__proto__":{"polluted":true}'));
    assert.ok(Object.hasOwn(proto.collection, '__proto__'));
    await rejects(proto, '/collection', /"__proto__" that is not a camelCase name/);
    const escape = clone();
    escape.host['cpu\u001b[31m'] = 1;
    const error = await toProfile(escape, 'p.json').catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError);
    assert.ok(!/\u001b/.test(error.message), 'the name is printed escaped');
    assert.match(error.message, /cpu\\u001b\[31m/);
  });

  it('checks fingerprints as in its own minor: added fields are not part of form /1', async () => {
    const edited = clone();
    edited.devices[1].config.mtu = 9000;
    const profile = await toProfile(edited, 'edited.json');
    assert.throws(
      () => check(profile, current, { sourceDevice: 'same', targetDevice: 'idle', ...QEMU }),
      (e: unknown) => e instanceof ValidationError && e.problems[0]?.pointer === '/devices/1/fingerprint',
    );
  });

  it('from a file too, YAML and JSON alike', async () => {
    const json = join(scratch, 'future.json');
    await writeFile(json, JSON.stringify(futureDoc));
    assert.deepEqual(await loadProfile(json), await loadProfile(FUTURE));
  });
});

describe('a profile of this minor or an older one', () => {
  it('refuses unknown fields and names other than ours, as before', async () => {
    for (const version of ['1.2.0', '1.0.0']) {
      const own = clone();
      own.schemaVersion = version;
      await rejects(own, '/collection', /unknown property "durationMs"/);
      delete own.collection.durationMs;
      delete own.host.cpu;
      delete own.host.vmm.qemu[0].machineTypes;
      delete own.mgmtdevs[0].firmware;
      delete own.devices[1].vqGroups;
      delete own.devices[2].vqGroups;
      delete own.devices[1].config.speed;
      delete own.devices[1].config.duplex;
      await rejects(own, '/devices/1/features/offered/present/names', /ACCESS_PLATFORM/);
    }
  });

  it('isNewerMinor: same major, larger minor only', () => {
    assert.equal(isNewerMinor('1.9.0', '1.2.0'), true);
    assert.equal(isNewerMinor('1.2.9', '1.2.0'), false, 'a patch adds no fields');
    assert.equal(isNewerMinor('1.10.0', '1.9.0'), true, 'numbers, not strings');
    assert.equal(isNewerMinor('1.1.0', '1.2.0'), false);
    assert.equal(isNewerMinor('2.0.0', '1.2.0'), false);
  });
});
