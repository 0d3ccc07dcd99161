import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { InputError, ValidationError } from '../../src/errors.js';
import { loadProfile, parseProfileText, toProfile } from '../../src/profile/load.js';
import { MAX_LISTED_PROBLEMS } from '../../src/profile/schema.js';
import { repoPath } from '../helpers/paths.js';

let scratch: string;
let doc: any; // eslint-disable-line @typescript-eslint/no-explicit-any
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-limits-'));
  doc = JSON.parse(JSON.stringify((await collect({ from: repoPath('profiles/vdpasim/k6.12-netlink') })).profile));
});

async function failure(document: unknown): Promise<ValidationError> {
  const error = await toProfile(document, 'p.json').then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
  return error;
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

describe('profiles with very many problems', () => {
  it('16,000 invalid devices: the first 20 listed, the rest counted, in well under a second (was 7 s and 144,003 lines)', async () => {
    const bad = { ...doc, devices: Array.from({ length: 16_000 }, () => 1) };
    const start = process.hrtime.bigint();
    const error = await failure(bad);
    const took = ms(start);
    assert.ok(took < 500, `took ${took} ms`);
    assert.equal(error.problems.length, MAX_LISTED_PROBLEMS + 1);
    assert.deepEqual(error.problems[0], { pointer: '/devices/0', message: 'must be object' });
    assert.deepEqual(error.problems.at(-1), { pointer: '/devices', message: 'and 15980 more problems under /devices (16000 in all; the first 20 are listed)' });
  });

  it('16,000 empty devices (192,000 missing fields): validation stops at 100,000 and says so', async () => {
    const bad = { ...doc, devices: Array.from({ length: 16_000 }, () => ({})) };
    const start = process.hrtime.bigint();
    const error = await failure(bad);
    const took = ms(start);
    assert.ok(took < 1000, `took ${took} ms`);
    assert.equal(error.problems.length, MAX_LISTED_PROBLEMS + 1);
    assert.match(error.problems.at(-1)!.message, /^and at least 99980 more problems under \/devices \(validation stopped after 100000;/);
    assert.ok(error.message.length < 4000, 'the one-line message is bounded too');
  });

  it('counts per top-level field', async () => {
    const bad = structuredClone(doc);
    bad.host.unknown = Array.from({ length: 30 }, () => 1);
    bad.devices[0].unknown = Array.from({ length: 5 }, () => 1);
    const error = await failure(bad);
    assert.deepEqual(
      error.problems.slice(MAX_LISTED_PROBLEMS).map((p) => [p.pointer, p.message]),
      [
        ['/host', 'and 10 more problems under /host (35 in all; the first 20 are listed)'],
        ['/devices', 'and 5 more problems under /devices (35 in all; the first 20 are listed)'],
      ],
    );
  });

  it('lists every problem of a document with few', async () => {
    const bad = structuredClone(doc);
    bad.devices[0].config.mtu = 'big';
    bad.devices[1].class = 'gpu';
    const error = await failure(bad);
    assert.deepEqual(
      error.problems.map((p) => p.pointer),
      ['/devices/0/config/mtu', '/devices/1/class'],
    );
  });
});

describe('YAML and JSON that would cost time or memory', () => {
  it('refuses a billion-laughs alias bomb at once', async () => {
    let text = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 10; i++)
      text += `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(',')}]\n`;
    const start = process.hrtime.bigint();
    await assert.rejects(parseProfileText(text, 'bomb.yaml', 'yaml'), (e: unknown) => e instanceof InputError && e.code === 'PROFILE_PARSE' && /maxAliases/.test(e.message));
    assert.ok(ms(start) < 100);
  });

  it('refuses JSON nested deeper than 64 levels (a million brackets once overflowed every later walk)', async () => {
    const deep = `{"kind":"vdpa-compat/host-profile","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    await assert.rejects(
      parseProfileText(deep, 'deep.json', 'json').then((doc) => toProfile(doc, 'deep.json')),
      (e: unknown) => e instanceof InputError && e.code === 'PROFILE_PARSE' && /deeper than 64/.test(e.message),
    );
    const ok = `{"x":${'['.repeat(60)}${']'.repeat(60)}}`;
    assert.deepEqual(await parseProfileText(ok, 'ok.json', 'json').then(() => 'parsed'), 'parsed');
  });

  it('says where JSON is broken on one line, the text around it escaped', async () => {
    const path = join(scratch, 'broken.json');
    await writeFile(path, '{"kind":\n\n\u001b[31m x}');
    const error = await loadProfile(path).catch((e: unknown) => e);
    assert.ok(error instanceof InputError && error.code === 'PROFILE_PARSE');
    assert.doesNotMatch(error.message, /[\n\u001b]/);
    assert.match(error.message, /\\u001b/);
  });
});

describe('control characters in profile text', () => {
  // Every text field of a profile that reaches output, and one character of each kind refused.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const fields: Array<[string, (d: any, v: string) => void]> = [
    ['/host/hostname', (d, v) => (d.host.hostname = v)],
    ['/host/kernel', (d, v) => (d.host.kernel = v)],
    ['/host/iproute2', (d, v) => (d.host.iproute2 = v)],
    ['/host/vmm/qemu/0/path', (d, v) => (d.host.vmm.qemu[0].path = v)],
    ['/host/vmm/qemu/0/versionText', (d, v) => (d.host.vmm.qemu[0].versionText = v)],
    ['/host/vmm/libvirt/versionText', (d, v) => (d.host.vmm.libvirt.versionText = v)],
    ['/host/unknown/0/reason', (d, v) => (d.host.unknown[0].reason = v)],
    ['/generator/version', (d, v) => (d.generator.version = v)],
    ['/collection/sources/0', (d, v) => (d.collection.sources[0] = v)],
    ['/mgmtdevs/0/handle', (d, v) => (d.mgmtdevs[0].handle = v)],
    ['/mgmtdevs/0/name', (d, v) => (d.mgmtdevs[0].name = v)],
    ['/mgmtdevs/0/classes/0', (d, v) => (d.mgmtdevs[0].classes[0] = v)],
    ['/mgmtdevs/0/driver', (d, v) => (d.mgmtdevs[0].driver = v)],
    ['/devices/0/name', (d, v) => (d.devices[0].name = v)],
    ['/devices/0/mgmtdev', (d, v) => (d.devices[0].mgmtdev = v)],
    ['/devices/0/driver', (d, v) => (d.devices[0].driver = v)],
  ];
  for (const [pointer, set] of fields) {
    it(`refuses them in ${pointer}`, async () => {
      for (const [char, name] of [
        ['\u001b', 'U+001B'],
        ['\n', 'U+000A'],
        ['\u009b', 'U+009B'],
        ['\u202e', 'U+202E'],
        ['\u2028', 'U+2028'],
      ] as const) {
        const bad = structuredClone(doc);
        set(bad, `x${char}[2Jy`);
        const error = await failure(bad);
        const problem = error.problems.find((p) => p.pointer === pointer);
        assert.ok(problem, `${JSON.stringify(char)} at ${pointer}: ${JSON.stringify(error.problems)}`);
        assert.match(problem.message, new RegExp(`control characters \\(has ${name.replace('+', '\\+')}\\)`));
      }
    });
  }

  it('keeps printable text, non-ASCII included', async () => {
    const fine = structuredClone(doc);
    fine.host.hostname = 'hôte-Ω.example';
    fine.host.vmm.qemu[0].versionText = 'QEMU emulator version 10.0.2 (qemu-kvm-10.0.2-4.el10 «build»)';
    assert.equal((await toProfile(fine, 'p.json')).host.hostname, 'hôte-Ω.example');
  });
});
