import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { collect } from '../../src/collect/collect.js';
import { MAX_LISTED_PROBLEMS, problemsOf, profileSchemaProblems, unknownFields } from '../../src/profile/schema.js';
import { repoPath } from '../helpers/paths.js';

// The build rewrites ajv's error bookkeeping (scripts/compile-schemas.mjs) and leaves unknown
// fields to src/profile/schema.ts. Together they must say what ajv itself says of the schema as
// written, for every document small enough to be listed whole.
const Ajv = Ajv2020 as unknown as typeof Ajv2020.default;
const strict = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(repoPath('schemas/profile.v1.json'), 'utf8')));

let seed: Record<string, unknown>;
before(async () => {
  seed = JSON.parse(JSON.stringify((await collect({ from: repoPath('profiles/vp_vdpa/k6.12-netlink') })).profile)) as Record<string, unknown>;
});

/** Every path to a value in `doc`, as keys. */
function paths(doc: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (doc === null || typeof doc !== 'object') return [prefix];
  const entries = Array.isArray(doc) ? doc.map((v, i) => [i, v] as const) : Object.entries(doc);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

const value = fc.oneof(fc.constantFrom(null, true, 0, -1, 1.5, 2 ** 53, '', 'x', '0x', '\u001b[31m', [], {}, [1], { a: 1 }), fc.jsonValue({ maxDepth: 2 }));
/** One edit of a document: replace a value, add a field, or delete one. */
const edit = fc.tuple(fc.nat(), fc.constantFrom('set', 'add', 'delete'), value, fc.constantFrom('extra', 'mtu', 'names', 'zz'));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function apply(doc: any, [n, kind, v, key]: [number, string, unknown, string]): void {
  const all = paths(doc).filter((p) => p.length > 0);
  const path = all[n % all.length]!;
  const parent = path.slice(0, -1).reduce((node, k) => node[k], doc);
  const last = path.at(-1)!;
  if (kind === 'set') parent[last] = v;
  else if (kind === 'delete' && !Array.isArray(parent)) delete parent[last];
  else if (kind === 'add' && parent[last] !== null && typeof parent[last] === 'object' && !Array.isArray(parent[last])) parent[last][key] = v;
}

const sorted = (problems: Array<{ pointer: string; message: string }>) => problems.map((p) => `${p.pointer} ${p.message}`).sort();

describe('profile validation as built', () => {
  it('agrees with ajv on the schema as written, for documents with up to 20 problems', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
        const doc = structuredClone(seed);
        for (const e of edits) apply(doc, e);
        const ours = await profileSchemaProblems(doc);
        const theirs = strict(doc) ? [] : problemsOf(strict.errors, doc);
        if (theirs.length > MAX_LISTED_PROBLEMS) return;
        if (theirs.length > 0) compared += 1;
        assert.deepEqual(sorted(ours), sorted(theirs));
      }),
      { numRuns: 200 },
    );
    assert.ok(compared >= 50, `only ${compared} invalid documents compared`);
  });

  it('finds the unknown fields ajv finds, where it finds them', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        const doc = structuredClone(seed);
        for (const e of edits) apply(doc, e);
        strict(doc);
        const fromAjv = (strict.errors ?? []).filter((e) => e.keyword === 'additionalProperties').map((e) => `${e.instancePath} ${String(e.params['additionalProperty'])}`);
        assert.deepEqual(
          unknownFields(doc)
            .fields.map((f) => `${f.owner} ${f.name}`)
            .sort(),
          fromAjv.sort(),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('profile schema: config values no device can hold', () => {
  it('mtu below 68 and max_vq_pairs outside 1..0x8000 are refused at their pointer (virtio 1.2 §5.1.4.1)', async () => {
    const at = (field: string, v: number) => {
      const doc = JSON.parse(JSON.stringify(seed)) as { devices: Array<{ config: Record<string, unknown> }> };
      doc.devices[0]!.config[field] = v;
      return profileSchemaProblems(doc).then((problems) => problems.map((p) => p.pointer));
    };
    for (const [field, bad, good] of [
      ['mtu', [0, 67, 65536], [68, 9000, 65535]],
      ['maxVqPairs', [0, 0x8001], [1, 0x8000]],
    ] as const) {
      for (const v of bad) assert.deepEqual(await at(field, v), [`/devices/0/config/${field}`], `${field} ${v}`);
      for (const v of good) assert.deepEqual(await at(field, v), [], `${field} ${v}`);
    }
  });
});
