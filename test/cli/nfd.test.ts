import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';
import { hasStack, runCli } from '../helpers/cli.js';
import { dumpPath } from '../helpers/paths.js';

const HOSTS = [dumpPath('e2e/k6.12/sim-tool615'), dumpPath('e2e/k6.12/vp-tool615'), dumpPath('e2e/k6.1/sim-tool615')];

describe('vdpa-compat nfd', () => {
  it('writes the feature file atomically into features.d (no dotfile left), with the baseline the node can take; nfd rule prints its NodeFeatureRule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdpa-compat-nfd-'));
    const baseline = join(dir, 'rack7.yaml');
    assert.equal((await runCli(['baseline', ...HOSTS, '--name', 'rack7', '--qemu', '10.0.2', '-o', baseline])).code, 0);
    const features = join(dir, 'features.d');
    await runCli(['nfd', '--from', HOSTS[0] ?? '', '-o', join(dir, 'no-such-dir', 'x')]).then((r) => {
      assert.equal(r.code, 2);
      assert.ok(!hasStack(r.stderr));
    });
    mkdirSync(features);
    const file = join(features, 'vdpa-compat');
    const r = await runCli(['nfd', '--from', HOSTS[0] ?? '', '--baseline', baseline, '--qemu', '10.0.2', '--expiry', '60', '-o', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(features), ['vdpa-compat'], 'only the file: the staging dotfile was renamed');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# \+expiry-time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    const fp = (load(readFileSync(baseline, 'utf8')) as { fingerprint: string }).fingerprint.slice(7, 27);
    assert.match(text, new RegExp(`^vdpa-compat\\.baseline\\.rack7=${fp}$`, 'm'));
    // Refreshing replaces it.
    assert.equal((await runCli(['nfd', '--from', HOSTS[0] ?? '', '-o', file])).code, 0);
    assert.doesNotMatch(readFileSync(file, 'utf8'), /^vdpa-compat\.baseline\./m);
    const rule = await runCli(['nfd', 'rule', '--baseline', baseline]);
    assert.equal(rule.code, 0, rule.stderr);
    const doc = load(rule.stdout) as { kind: string; spec: { rules: { labels: Record<string, string> }[] } };
    assert.equal(doc.kind, 'NodeFeatureRule');
    assert.deepEqual(doc.spec.rules[0]?.labels, { 'vdpa-compat.dev/baseline.rack7': fp });
  });

  it('nfd rule needs exactly one --baseline and reads no host: usage errors, exit 2', async () => {
    for (const args of [
      ['nfd', 'rule'],
      ['nfd', 'rule', '--baseline', 'a.yaml', '--baseline', 'b.yaml'],
      ['nfd', 'rule', '--baseline', 'a.yaml', '--from', HOSTS[0] ?? ''],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /\[USAGE\]/);
    }
  });
});
