// Fuzz target: profiles, YAML and JSON (src/profile/load.ts, src/yaml.ts, the compiled validator).
// Invariant: typed errors only, bounded time and memory; what is accepted validates again after
// a write and a read (serializeProfile, then parse and validate), equal to what was accepted.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import fc from 'fast-check';
import { collect } from '../../src/collect/collect.js';
import { parseProfileText, serializeProfile, toProfile } from '../../src/profile/load.js';
import { editText, editTree, expectTyped, Figures, fits, params, report, seeds, textEdit, treeEdit } from './harness.js';
import { MAX_PROFILE_BYTES } from '../../src/profile/load.js';

/** YAML's own tricks: anchors and aliases (a billion laughs), tags, merge keys, flow and block switches. */
const YAML_TOKENS = [
  '&a ',
  '*a',
  '&a [1,2,3]\nb: [*a,*a,*a,*a]',
  '!!js/function "x"',
  '!!binary AAAA',
  '!!timestamp 2001-12-14',
  '<<: *a',
  '? ',
  ': ',
  '- ',
  '\n  ',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  '#',
  '|',
  '>',
  '~',
  '.inf',
  '.nan',
  '0x1F',
  '0o17',
  '1e400',
  '__proto__: {}',
  '\u0000',
  '\u001b[2J',
  '\uFEFF',
  '\t',
  '%YAML 1.1\n---\n',
  '---\n',
  '...\n',
];
const JSON_TOKENS = ['"__proto__":{"x":1},', '{', '}', '[', ']', '"', ',', ':', 'null', 'true', '1e400', '-0', '0x10', '\\u0000', '\\ud800', '\u001b', '\u2028', '[[[[[[[[[[[[[[[[[[[[', '{"a":'];

let documents: Array<{ name: string; doc: unknown; yaml: string; json: string }> = [];
before(async () => {
  // Real captures made profiles: every dump directory in test/fixtures, and the 1.9.0 profile.
  const dumps = seeds(/\/(dumps\/[^/]+|guest-dump-at-migration)\/vdpa-(dev-show|netlink)\.json$/, 10).map((s) => s.name.replace(/\/[^/]+$/, ''));
  for (const dump of [...new Set(dumps)]) {
    const { profile } = await collect({ from: `test/fixtures/${dump}` });
    documents.push({ name: dump, doc: JSON.parse(JSON.stringify(profile)), yaml: await serializeProfile(profile, 'yaml'), json: await serializeProfile(profile, 'json') });
  }
  const [future] = seeds(/future-minor-1\.9\.0\.yaml$/, 1);
  documents.push({ name: 'future-minor-1.9.0', doc: await parseProfileText(future!.text, 'f.yaml', 'yaml'), yaml: future!.text, json: JSON.stringify(await parseProfileText(future!.text, 'f.yaml', 'yaml')) });
  documents = documents.filter((d) => d.doc !== null);
  assert.ok(documents.length >= 10, `only ${documents.length} profiles`);
});

/** Accepted: write it, read it back, validate it again; the same profile. */
async function roundTrips(profile: Awaited<ReturnType<typeof toProfile>>): Promise<void> {
  for (const format of ['yaml', 'json'] as const) {
    const again = await toProfile(await parseProfileText(await serializeProfile(profile, format), `again.${format}`, format), `again.${format}`);
    assert.deepEqual(again, JSON.parse(JSON.stringify(profile)), `${format} round trip`);
  }
}

describe('fuzz: profiles', () => {
  for (const format of ['yaml', 'json'] as const) {
    it(`${format} text: byte flips, truncation, format tricks`, async (t) => {
      const figures = new Figures(`profile ${format} text`);
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.array(textEdit(format === 'yaml' ? YAML_TOKENS : JSON_TOKENS), { minLength: 1, maxLength: 4 }), async (i, edits) => {
          const seed = documents[i % documents.length]!;
          const text = editText(format === 'yaml' ? seed.yaml : seed.json, edits);
          await expectTyped(figures, async () => toProfile(await parseProfileText(text, `fuzz.${format}`, format), `fuzz.${format}`), roundTrips);
        }),
        params(150),
      );
      report(figures, t);
    });
  }

  it('documents: type swaps, edge numbers, __proto__ keys, deep nesting, long arrays', async (t) => {
    const figures = new Figures('profile documents');
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(treeEdit, { minLength: 1, maxLength: 3 }), fc.boolean(), async (i, edits, viaJson) => {
        const seed = documents[i % documents.length]!;
        const doc = editTree(seed.doc, edits);
        fc.pre(fits(doc, MAX_PROFILE_BYTES));
        // Through JSON text too, as a file or the hook's metadata arrives.
        const run = async () => (viaJson ? toProfile(await parseProfileText(JSON.stringify(doc) ?? 'null', 'fuzz.json', 'json'), 'fuzz.json') : toProfile(doc, 'fuzz.json'));
        await expectTyped(figures, run, roundTrips);
      }),
      params(150),
    );
    report(figures, t);
  });
});
