import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { loadAll } from 'js-yaml';
import { generateFleet } from '../../bench/fleet.mjs';
import { deviceGroupKey } from '../../src/fleet/matrix.js';
import { NFD_MAX_BYTES, nfdEntries, nfdFeatureFile, nfdRule, shortFingerprint } from '../../src/fleet/nfd.js';
import { baseline, planBaseline } from '../../src/plan/baseline.js';
import { fitTargets } from '../../src/plan/fit.js';
import { toProfile } from '../../src/profile/load.js';
import type { Profile } from '../../src/profile/types.js';
import { check } from '../../src/verdict/check.js';
import { profileOf } from '../helpers/devices.js';
import { repoPath } from '../helpers/paths.js';

const QEMU = { text: '10.0.2', origin: 'the test' };
const Q10 = { sourceQemu: QEMU, targetQemu: QEMU };
const HOSTS = ['e2e/k6.12/sim-tool615', 'e2e/k6.12/vp-tool615', 'e2e/k6.1/sim-tool615'];

/**
 * The NodeFeatureRule CRD's schema (test/fixtures/nfd, from node-feature-discovery), made strict:
 * the API server prunes fields a structural schema does not list, so a field of ours it does not
 * know would vanish silently; here it fails.
 */
function strictRuleSchema(): object {
  const docs = loadAll(readFileSync(repoPath('test/fixtures/nfd/nodefeaturerule-crd.yaml'), 'utf8')) as { spec: { versions: { name: string; schema: { openAPIV3Schema: object } }[] } }[];
  const schema = docs[0]?.spec.versions.find((v) => v.name === 'v1alpha1')?.schema.openAPIV3Schema;
  assert.ok(schema);
  const strict = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strict);
    if (node === null || typeof node !== 'object') return node;
    const o = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strict(s)])) : strict(v)]));
    if ('properties' in o && !('additionalProperties' in o)) o['additionalProperties'] = false;
    return o;
  };
  return strict(schema) as object;
}

async function hosts(): Promise<Profile[]> {
  return Promise.all(HOSTS.map((h) => profileOf(h)));
}

/** The three real hosts and their baseline rack7 (QEMU 10.0.2 on each). */
async function rack7() {
  const group = await hosts();
  return {
    group,
    b: baseline(
      group.map((profile, i) => ({ profile, input: HOSTS[i] ?? '' })),
      'net',
      'rack7',
      { qemu: QEMU },
    ),
  };
}

describe('nfd', () => {
  it('a feature file of label-safe lines: one per device group, one per baseline the node can take; dotfile-free, under 64 KiB', async () => {
    const { group, b } = await rack7();
    const node = group[0] as Profile;
    const entries = nfdEntries(node, { baselines: [b], ...Q10 });
    const groups = new Set(node.devices.map((d) => deviceGroupKey(node, d)));
    assert.equal(entries.filter((e) => /^vdpa-compat\.(net|blk)\./.test(e.name)).length, groups.size);
    assert.equal(
      entries.reduce((n, e) => n + (e.name.startsWith('vdpa-compat.baseline.') ? 0 : Number(e.value)), 0),
      node.devices.length,
    );
    assert.deepEqual(
      entries.filter((e) => e.name.startsWith('vdpa-compat.baseline.')).map((e) => [e.name, e.value]),
      [['vdpa-compat.baseline.rack7', shortFingerprint(b.fingerprint)]],
    );
    for (const e of entries) {
      assert.match(e.name, /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
      assert.match(e.value, /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
    }
    const text = nfdFeatureFile(entries, { expiry: new Date('2026-12-02T10:00:00.123Z'), noLabels: true });
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[1], '# +expiry-time=2026-12-02T10:00:00Z');
    assert.equal(lines.filter((l) => l === '# +no-label').length, entries.length);
    assert.ok(Buffer.byteLength(text) <= NFD_MAX_BYTES);
    assert.throws(() => nfdFeatureFile(Array.from({ length: 2000 }, (_, i) => ({ name: `vdpa-compat.net.${String(i).padStart(20, '0')}`, value: '1', about: '' }))), /nfd-worker skips files over 65536/);
  });

  it('the labels agree with check: nodes labelled for a baseline migrate between each other; one that is not, cannot take it', async () => {
    const { group, b } = await rack7();
    const labelled = group.filter((node) => nfdEntries(node, { baselines: [b], ...Q10 }).some((e) => e.name === 'vdpa-compat.baseline.rack7'));
    assert.equal(labelled.length, 3);
    // A VM on the baseline device of one labelled node moves to the baseline device of another.
    const made = labelled.map((node) => {
      const p = planBaseline(b, node, Q10);
      assert.ok(p.plan);
      return { ...node, devices: [...node.devices, p.plan.predicted] };
    });
    for (const from of made) for (const to of made) if (from !== to) assert.ok(['identical', 'compatible'].includes(check(from, to, { ...Q10, sourceDevice: 'vdpa-mig0', targetDevice: 'vdpa-mig0' }).verdict));
    // A node with only vp_vdpa parents A–C is not labelled, and indeed no device of it can take that VM.
    const vp = await profileOf('e2e/k6.12/vp-tool615');
    vp.mgmtdevs = vp.mgmtdevs.filter((m) => m.handle.startsWith('pci/'));
    vp.devices = vp.devices.filter((d) => d.mgmtdev.startsWith('pci/'));
    assert.ok(!nfdEntries(vp, { baselines: [b], ...Q10 }).some((e) => e.name.startsWith('vdpa-compat.baseline.')));
    const fit = fitTargets(made[0] as Profile, vp, { ...Q10, sourceDevice: 'vdpa-mig0' });
    assert.ok(fit.exitStatus !== 0 && fit.verdict !== 'compatible-after-provisioning', fit.verdict);
  });

  it("the NodeFeatureRule validates against NFD's published CRD schema, and a wrong one does not", async () => {
    const { b } = await rack7();
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile(strictRuleSchema());
    const rule = nfdRule(b);
    assert.ok(validate(rule), JSON.stringify(validate.errors));
    const wrong = structuredClone(rule) as { spec: { rules: { matchFeatures: { matchExpressions: Record<string, { op: string }> }[] }[] } };
    const term = wrong.spec.rules[0]?.matchFeatures[0];
    assert.ok(term);
    for (const e of Object.values(term.matchExpressions)) e.op = 'Equals';
    assert.ok(!validate(wrong), 'an operator NFD does not have fails');
    assert.ok(!validate({ ...rule, spec: { rules: [{ labels: {} }] } }), 'a rule without a name fails');
    assert.ok(!validate({ ...rule, spec: { rules: [{ name: 'x', matchFeature: [] }] } }), 'a misspelt field fails');
  });

  it("short fingerprints do not collide over the fleet generator's distinct devices", async () => {
    const fleet = await Promise.all(generateFleet({ hosts: 3000, distinct: true, seed: 3 }).map((p: unknown, i: number) => toProfile(JSON.parse(JSON.stringify(p)), `h${i}`)));
    const keys = new Set(fleet.flatMap((p) => p.devices.map((d) => deviceGroupKey(p, d))));
    const short = new Set([...keys].map(shortFingerprint));
    assert.ok(keys.size > 5000, `${keys.size} groups`);
    assert.equal(short.size, keys.size);
  });
});
