import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';
import { validateBaseline } from '../../src/generated/baseline-validator.js';
import { hasStack, runCli } from '../helpers/cli.js';
import { dumpPath } from '../helpers/paths.js';

const HOSTS = [dumpPath('e2e/k6.12/sim-tool615'), dumpPath('e2e/k6.12/vp-tool615'), dumpPath('e2e/k6.1/sim-tool615')];

describe('vdpa-compat baseline', () => {
  it('writes the baseline to -o atomically, says per host on stderr, exits 0; an existing file needs --force', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vdpa-compat-baseline-')), 'rack7.yaml');
    const r = await runCli(['baseline', ...HOSTS, '--class', 'net', '--name', 'rack7', '--qemu', '10.0.2', '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const doc = load(readFileSync(out, 'utf8')) as { kind: string; status: string };
    assert.ok(validateBaseline(doc), JSON.stringify(validateBaseline.errors));
    assert.equal(doc.kind, 'vdpa-compat/baseline');
    assert.match(r.stderr, /^rack7 \(net\): 7 features, 1 queue pair, MTU 1500: complete$/m);
    assert.match(r.stderr, /k6\.1\/dumps\/sim-tool615\]: ok on vdpasim_net, lacks STATUS$/m);
    writeFileSync(out, 'mine\n');
    const again = await runCli(['baseline', ...HOSTS, '--name', 'rack7', '--qemu', '10.0.2', '-o', out]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /\[OUTPUT_EXISTS\]/);
    assert.equal(readFileSync(out, 'utf8'), 'mine\n', 'nothing the user had is overwritten');
    const forced = await runCli(['baseline', ...HOSTS, '--name', 'rack7', '--qemu', '10.0.2', '-o', out, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
  });

  it('stdout: JSON with -o x.json is the same document; a bad --name is a usage error', async () => {
    const yaml = await runCli(['baseline', ...HOSTS, '--name', 'rack7', '--qemu', '10.0.2']);
    assert.equal(yaml.code, 0, yaml.stderr);
    const out = join(mkdtempSync(join(tmpdir(), 'vdpa-compat-baseline-')), 'rack7.json');
    const json = await runCli(['baseline', ...HOSTS, '--name', 'rack7', '--qemu', '10.0.2', '-o', out]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), load(yaml.stdout));
    const bad = await runCli(['baseline', ...HOSTS, '--name', 'rack/7']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--name "rack\/7" is not a baseline name.*\[USAGE\]/);
    assert.ok(!hasStack(bad.stderr));
  });

  it('plan --baseline FILE TARGET_HOST plans the baseline device; a tampered or unreadable baseline is exit 2 with its code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdpa-compat-baseline-'));
    const file = join(dir, 'rack7.yaml');
    assert.equal((await runCli(['baseline', ...HOSTS, '--name', 'rack7', '--qemu', '10.0.2', '-o', file])).code, 0);
    const Q = ['--source-qemu', '10.0.2', '--target-qemu', '10.0.2'];
    const planned = await runCli(['plan', '--baseline', file, HOSTS[1] ?? '', ...Q]);
    assert.equal(planned.code, 0, planned.stderr);
    assert.match(planned.stdout, /^ {2}vdpa dev add name vdpa-mig0 mgmtdev vdpasim_net mtu 1500 device_features 0x308820028$/m);
    const tampered = join(dir, 'tampered.yaml');
    writeFileSync(tampered, readFileSync(file, 'utf8').replace('queuePairs: 1', 'queuePairs: 2'));
    const bad = await runCli(['plan', '--baseline', tampered, HOSTS[1] ?? '']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /\/fingerprint: does not match the baseline's device.*\[BASELINE_INVALID\]/);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'kind: [\n');
    const parse = await runCli(['plan', '--baseline', broken, HOSTS[1] ?? '']);
    assert.equal(parse.code, 2);
    assert.match(parse.stderr, /\[BASELINE_PARSE\]/);
    const two = await runCli(['plan', '--baseline', file, HOSTS[0] ?? '', HOSTS[1] ?? '']);
    assert.equal(two.code, 2);
    assert.match(two.stderr, /--baseline takes the place of SOURCE.*\[USAGE\]/);
    for (const r of [bad, parse, two]) assert.ok(!hasStack(r.stderr));
  });
});
