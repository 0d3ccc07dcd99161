import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { load, YAML11_SCHEMA } from 'js-yaml';
import { collect } from '../../src/collect/collect.js';
import { InputError, ValidationError } from '../../src/errors.js';
import { loadProfile, serializeProfile } from '../../src/profile/load.js';
import { schemaVersionProblem } from '../../src/profile/version.js';
import { dumpPath } from '../helpers/paths.js';

let scratch: string;
let yamlText: string;
let doc: Record<string, unknown>;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-load-'));
  const { profile } = await collect({ from: dumpPath('profiles/vp_vdpa/k6.12-three-vhost') });
  yamlText = await serializeProfile(profile, 'yaml');
  doc = JSON.parse(JSON.stringify(profile)) as Record<string, unknown>;
});

async function file(name: string, text: string): Promise<string> {
  const path = join(scratch, name);
  await writeFile(path, text);
  return path;
}

describe('loading profiles', () => {
  it('round-trips YAML and JSON', async () => {
    const fromYaml = await loadProfile(await file('p.yaml', yamlText));
    const fromJson = await loadProfile(await file('p.json', JSON.stringify(doc)));
    assert.deepEqual(fromYaml, fromJson);
    assert.deepEqual(fromJson, doc);
  });

  it('writes YAML that a YAML 1.1 reader reads back as the same strings (MACs, 0x masks)', async () => {
    const { profile } = await collect({ from: dumpPath('profiles/vdpasim/k6.12-vhost') });
    const text = await serializeProfile(profile, 'yaml');
    assert.match(text, /mac: '00:11:22:33:44:55'/, 'would be a sexagesimal number in YAML 1.1');
    assert.deepEqual(load(text, { schema: YAML11_SCHEMA }), JSON.parse(JSON.stringify(profile)));
  });

  it('rejects a missing file', async () => {
    await assert.rejects(loadProfile(join(scratch, 'absent.yaml')), (e: unknown) => e instanceof InputError && e.code === 'INPUT_MISSING');
  });

  it('rejects an unknown extension and a directory', async () => {
    await assert.rejects(loadProfile(await file('p.txt', yamlText)), (e: unknown) => e instanceof InputError && e.code === 'INPUT_NOT_PROFILE');
    await assert.rejects(loadProfile(scratch), (e: unknown) => e instanceof InputError && e.code === 'INPUT_NOT_PROFILE');
  });

  it('rejects YAML that is not a profile', async () => {
    await assert.rejects(loadProfile(await file('k8s.yaml', 'apiVersion: v1\nkind: Pod\n')), (e: unknown) => e instanceof InputError && e.code === 'INPUT_NOT_PROFILE');
  });

  it('reports a YAML syntax error with line and column', async () => {
    await assert.rejects(loadProfile(await file('broken.yaml', 'kind: [unclosed\nx: 1\n')), (e: unknown) => e instanceof InputError && e.code === 'PROFILE_PARSE' && /broken\.yaml:\d+:\d+/.test(e.message));
  });

  it('does not construct anything but data from YAML tags', async () => {
    await assert.rejects(loadProfile(await file('tag.yaml', 'kind: !!js/function "function(){}"\n')), (e: unknown) => e instanceof InputError && e.code === 'PROFILE_PARSE');
  });

  it('reports every schema problem at once, each with its JSON pointer', async () => {
    const bad = structuredClone(doc) as { devices: Array<Record<string, unknown> & { config: Record<string, unknown> }> };
    bad.devices[0]!.config['mtu'] = 'big';
    bad.devices[1]!['class'] = 'gpu';
    bad.devices[2]!['surprise'] = true;
    const error = await loadProfile(await file('bad.json', JSON.stringify(bad))).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ValidationError);
    const pointers = error.problems.map((p) => p.pointer);
    assert.ok(pointers.includes('/devices/0/config/mtu'));
    assert.ok(pointers.includes('/devices/1/class'));
    assert.ok(error.problems.some((p) => p.pointer === '/devices/2' && /surprise/.test(p.message)));
  });

  it('catches names that do not match bits; a stale fingerprint is left to the command that reads the device', async () => {
    const bad = structuredClone(doc) as { devices: Array<{ config: { mtu: number }; features: { offered: { present: { names: string[] } } } }> };
    bad.devices[0]!.features.offered.present.names.push('RSS');
    bad.devices[1]!.config.mtu = 1400;
    const error = await loadProfile(await file('tampered.json', JSON.stringify(bad))).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(
      error.problems.map((p) => p.pointer),
      ['/devices/0/features/offered/present/names'],
    );
    // Only the names: device 1's MTU changed under its old fingerprint, which check verifies (test/verdict/check.test.ts).
    bad.devices[0]!.features.offered.present.names.pop();
    assert.equal((await loadProfile(await file('stale.json', JSON.stringify(bad)))).devices[1]!.config.mtu, 1400);
  });

  it('refuses a profile from a newer major schema, and says to upgrade', async () => {
    const newer = { ...doc, schemaVersion: '2.0.0' };
    await assert.rejects(loadProfile(await file('v2.json', JSON.stringify(newer))), (e: unknown) => e instanceof InputError && e.code === 'PROFILE_VERSION' && /upgrade vdpa-compat/.test(e.message));
  });

  it('loads an older compatible profile (schema 1.0.0, before min_vq_size and block config)', async () => {
    const older = { ...doc, schemaVersion: '1.0.0' };
    assert.equal((await loadProfile(await file('v1.0.json', JSON.stringify(older)))).schemaVersion, '1.0.0');
  });

  it('refuses a profile that is too large before reading it', async () => {
    const big = await file('big.json', `${JSON.stringify(doc)}${' '.repeat(4 * 1024 * 1024)}`);
    await assert.rejects(loadProfile(big), (e: unknown) => e instanceof InputError && e.code === 'INPUT_TOO_LARGE');
  });

  it('keeps the file it read intact', async () => {
    const path = await file('keep.yaml', yamlText);
    await loadProfile(path);
    assert.equal(await readFile(path, 'utf8'), yamlText);
  });
});

describe('schema versions', () => {
  it('loads the same major, older or newer minor', () => {
    assert.equal(schemaVersionProblem('1.0.0', '1.0.0'), null);
    assert.equal(schemaVersionProblem('1.0.0', '1.3.2'), null, 'an older compatible profile loads');
    assert.equal(schemaVersionProblem('1.4.0', '1.3.2'), null);
  });
  it('refuses other majors and non-versions with a reason', () => {
    assert.match(schemaVersionProblem('2.0.0', '1.3.2') ?? '', /newer.*upgrade/);
    assert.match(schemaVersionProblem('0.9.0', '1.3.2') ?? '', /older.*collect/);
    assert.match(schemaVersionProblem('1.0', '1.3.2') ?? '', /not a semantic version/);
    assert.match(schemaVersionProblem(1, '1.3.2') ?? '', /schemaVersion/);
  });
});
