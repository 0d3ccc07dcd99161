import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { load, JSON_SCHEMA } from 'js-yaml';
import { ValidationError } from '../../src/errors.js';
import { builtinRules } from '../../src/rules/builtin/index.js';
import { compileRulePack } from '../../src/rules/packs/compile.js';
import { device } from '../helpers/devices.js';
import { codes, run } from '../helpers/rules.js';
import { repoPath } from '../helpers/paths.js';

// Rule packs compiled and run on real devices (raw netlink, kernel 6.12, and iproute2-only dumps).
const SIM = 'e2e/k6.12/sim-netlink';
const VP = 'e2e/k6.12/vp2-netlink';
const TOOL = 'e2e/k6.12/sim-tool615';
const taken = new Set(builtinRules.map((r) => r.id));
const pack = (rules: unknown[]) => ({ kind: 'vdpa-compat/rule-pack', schemaVersion: '1.0.0', name: 'test', rules });
const compile = (rules: unknown[]) => compileRulePack(pack(rules), 'pack.yaml', taken);
const example = compileRulePack(load(readFileSync(repoPath('docs/examples/site-rules.yaml'), 'utf8'), { schema: JSON_SCHEMA }), 'site-rules.yaml', taken);
const rule = (id: string) => {
  const found = example.find((r) => r.id === id);
  assert.ok(found, id);
  return found;
};

describe('rule packs', () => {
  it('compile the example pack into rules with docs', () => {
    assert.deepEqual(
      example.map((r) => r.id),
      ['site-same-parent', 'site-kernel-checks-rings', 'site-offers-what-guest-uses', 'site-ring-size'],
    );
    assert.match(rule('site-same-parent').doc ?? '', /^# site-same-parent\n[\s\S]*### `site-same-parent\/violated`[\s\S]*### `site-same-parent\/unverified`/);
  });

  it('pass what holds, report what does not, with the failed requirement in the data', async () => {
    assert.deepEqual(codes(run(rule('site-same-parent'), await device(SIM, 'src'), await device(SIM, 'same'))), []);
    const mixed = run(rule('site-same-parent'), await device(VP, 'vpd'), await device(SIM, 'same'));
    assert.deepEqual([codes(mixed), mixed[0]?.severity, mixed[0]?.remedy], [['site-same-parent/violated'], 'warning', 'reprovision-target']);
    assert.equal(mixed[0]?.data['failed'], 'target.parent is "vdpa_sim_net", required Equals source.parent');
    assert.deepEqual(codes(run(rule('site-kernel-checks-rings'), await device(SIM, 'src'), await device(SIM, 'same'))), []);
    assert.deepEqual(codes(run(rule('site-kernel-checks-rings'), await device('e2e/k6.1/sim-netlink', 'src'), await device('e2e/k6.1/sim-netlink', 'same'))), ['site-kernel-checks-rings/violated']);
  });

  it('are three-valued: an unknown fact is "could not verify", never absent', async () => {
    // iproute2 cannot show what the target offers: the superset cannot be decided.
    const findings = run(rule('site-offers-what-guest-uses'), await device(TOOL, 'src'), await device(TOOL, 'fewer'));
    assert.deepEqual([codes(findings), findings[0]?.unverified], [['site-offers-what-guest-uses/unverified'], true]);
    // Raw netlink can: the target lacks CTRL_VQ and CTRL_MAC_ADDR.
    assert.deepEqual(codes(run(rule('site-offers-what-guest-uses'), await device(SIM, 'src'), await device(SIM, 'fewer'))), ['site-offers-what-guest-uses/violated']);
    // DoesNotExist of an unknown fact is unknown too (unlike NFD's).
    const [unknownParent] = compile([{ id: 'no-parent', summary: 's', severity: 'error', require: [{ fact: 'target.minVqSize', op: 'DoesNotExist' }] }]);
    assert.ok(unknownParent);
    assert.deepEqual(codes(run(unknownParent, await device(TOOL, 'src'), await device(TOOL, 'same'))), ['no-parent/unverified']);
  });

  it('skip a pair whose precondition does not hold, and say when it is unknown', async () => {
    const [r] = compile([{ id: 'mq-only', summary: 's', severity: 'error', when: [{ fact: 'source.offered.MQ', op: 'IsTrue' }], require: [{ fact: 'target.maxVqPairs', op: 'Gt', value: 8 }] }]);
    assert.ok(r);
    assert.deepEqual(codes(run(r, await device(SIM, 'src'), await device(SIM, 'same'))), []);
    assert.deepEqual(codes(run(r, await device(VP, 'vpd'), await device(VP, 'vpe'))), ['mq-only/violated']);
  });

  it('refuse a pack with every problem at once: unknown facts, missing operands, taken ids', () => {
    assert.throws(
      () =>
        compile([
          { id: 'mtu-match', summary: 's', severity: 'error', require: [{ fact: 'target.mtu', op: 'Exists' }] },
          {
            id: 'x',
            summary: 's',
            severity: 'error',
            require: [
              { fact: 'target.turbo', op: 'Exists' },
              { fact: 'target.mtu', op: 'Gt' },
              { fact: 'target.kernel', op: 'VersionIn', value: 'not a range' },
            ],
          },
        ]),
      (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.equal(e.code, 'RULE_PACK_INVALID');
        assert.deepEqual(
          e.problems.map((p) => p.pointer),
          ['/rules/0/id', '/rules/1/require/0/fact', '/rules/1/require/1', '/rules/1/require/1/value', '/rules/1/require/2/value'],
        );
        return true;
      },
    );
    assert.throws(
      () => compile([{ id: 'x', summary: 's', severity: 'fatal', require: [] }]),
      (e: unknown) => e instanceof ValidationError && e.code === 'RULE_PACK_INVALID',
    );
  });
});
