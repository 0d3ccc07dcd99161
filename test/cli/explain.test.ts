import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

describe('vdpa-compat explain', () => {
  it('explains one code: the rule, why migration breaks, and the fix', async () => {
    const r = await runCli(['explain', 'mtu-match/targetSmaller']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# mtu-match/m);
    assert.match(r.stdout, /## Why migration breaks/);
    assert.match(r.stdout, /### `mtu-match\/targetSmaller`/);
    assert.match(r.stdout, /\*\*Fix:\*\*/);
    assert.doesNotMatch(r.stdout, /### `mtu-match\/unverified`/, 'only the section asked for');
  });

  it('explains a whole rule', async () => {
    const r = await runCli(['explain', 'target-vhost-vdpa']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /### `target-vhost-vdpa\/unbound`/);
  });

  it('lists every code without an argument', async () => {
    const r = await runCli(['explain']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^negotiated-features-offered\/missing\s+error$/m);
  });

  it('exits 2 for an unknown code', async () => {
    const r = await runCli(['explain', 'mtu-match/nonsense']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown finding code "mtu-match\/nonsense" \[UNKNOWN_CODE\]; fix: Run `vdpa-compat explain`/);
  });
});

describe('help', () => {
  it('documents exit statuses and examples, and exits 0', async () => {
    const top = await runCli(['--help']);
    assert.equal(top.code, 0);
    assert.match(
      top.stdout,
      /Exit status:\n {2}0 {2}the command did its job; for check and the hook: identical or compatible\n {2}1 {2}check and the hook: incompatible or blocked by the hypervisor\n {2}2 {2}could not decide: a fact could not be verified/,
    );
    const check = await runCli(['check', '--help']);
    assert.match(check.stdout, /Examples:\n {2}vdpa-compat check src\.yaml dst\.yaml/);
    assert.match(check.stdout, /2 {2}could not decide/);
  });

  it('prints the version', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});
