import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { readDump, writeDump } from '../../src/collect/dump.js';
import { InputError, ToolError } from '../../src/errors.js';
import { dumpPath } from '../helpers/paths.js';

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-dump-'));
});

describe('dump directory', () => {
  it('reads the real sample dumps', async () => {
    const raw = await readDump(dumpPath('profiles/vp_vdpa/k6.12-three-vhost'));
    assert.match(raw.vdpaVersion ?? '', /iproute2-6\.15\.0/);
    assert.equal(raw.unameR?.trim(), '6.12.117+deb13-amd64');
    assert.equal(raw.perDeviceConfig, null);
  });

  it('says which files are missing from a directory that is not a dump', async () => {
    const dir = join(scratch, 'not-a-dump');
    await mkdir(dir);
    await writeFile(join(dir, 'vdpa-dev-show.json'), '{"dev":{}}');
    await assert.rejects(
      readDump(dir),
      (e: unknown) => e instanceof InputError && e.code === 'DUMP_INCOMPLETE' && e.message.includes('vdpa-mgmtdev-show.json') && e.message.includes('vdpa-dev-config-show.json') && !e.message.includes('vdpa-dev-show.json,'),
    );
  });

  it('rejects a missing directory', async () => {
    await assert.rejects(readDump(join(scratch, 'nope')), (e: unknown) => e instanceof InputError && e.code === 'INPUT_MISSING');
  });

  it('rejects a truncated vdpa output file, naming it', async () => {
    const dir = join(scratch, 'truncated');
    await cp(dumpPath('profiles/vdpasim/k6.12-vhost'), dir, { recursive: true });
    const file = join(dir, 'vdpa-dev-show.json');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.slice(0, text.length / 2));
    await assert.rejects(collect({ from: dir }), (e: unknown) => e instanceof InputError && e.code === 'VDPA_JSON_INVALID' && e.message.startsWith(file));
  });

  it('rejects a corrupt sysfs.json, naming it', async () => {
    const dir = join(scratch, 'bad-sysfs');
    await cp(dumpPath('profiles/vdpasim/k6.12-vhost'), dir, { recursive: true });
    await writeFile(join(dir, 'sysfs.json'), '{"devices":');
    await assert.rejects(collect({ from: dir }), (e: unknown) => e instanceof InputError && e.message.includes('sysfs.json'));
  });

  it('rejects a per-device config file that is not a set of command records, naming it', async () => {
    const dir = join(scratch, 'bad-per-device');
    await cp(dumpPath('k6.1-config-dump-stops-at-blk'), dir, { recursive: true });
    await writeFile(join(dir, 'vdpa-dev-config-show-per-device.json'), '{"vdpa0": "oops"}');
    await assert.rejects(collect({ from: dir }), (e: unknown) => e instanceof InputError && e.code === 'VDPA_OUTPUT_UNEXPECTED' && e.message.includes('vdpa-dev-config-show-per-device.json: /vdpa0'));
  });

  it('makes optional facts unknown, not errors, when optional files are missing', async () => {
    const { profile } = await collect({ from: dumpPath('k6.1-config-dump-stops-at-blk') });
    assert.equal(profile.host.hostname, null);
    assert.ok(profile.host.unknown.some((u) => u.fact === '/hostname'));
    assert.ok(profile.devices.every((d) => d.driver === null && d.unknown.some((u) => u.fact === '/driver')));
  });

  it('writes a dump that reads back to the same profile', async () => {
    const source = dumpPath('profiles/vp_vdpa/k6.12-A-negotiated');
    const { raw, profile } = await collect({ from: source });
    const dir = join(scratch, 'written');
    await writeDump(dir, raw, { force: false });
    assert.deepEqual((await readdir(dir)).sort(), (await readdir(source)).sort());
    assert.deepEqual((await collect({ from: dir })).profile, profile);
  });

  it('refuses to replace a non-empty directory without force, and leaves it intact', async () => {
    const { raw } = await collect({ from: dumpPath('profiles/vdpasim/k6.12-vhost') });
    const dir = join(scratch, 'occupied');
    await mkdir(dir);
    await writeFile(join(dir, 'precious.txt'), 'keep me');
    await assert.rejects(writeDump(dir, raw, { force: false }), (e: unknown) => e instanceof ToolError && e.code === 'OUTPUT_EXISTS');
    assert.deepEqual(await readdir(dir), ['precious.txt']);
    await writeDump(dir, raw, { force: true });
    assert.ok((await readdir(dir)).includes('vdpa-dev-show.json'));
    assert.ok(!(await readdir(scratch)).some((name) => name.includes('.tmp') || name.includes('.old')), 'no temporary left behind');
  });
});
