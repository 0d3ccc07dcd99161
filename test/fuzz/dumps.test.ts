// Fuzz targets: what collect reads from a dump directory — the `vdpa -j` outputs, the netlink
// record (vdpa-netlink.json), sysfs.json, vmm.json, the text files — through the real parsers and
// normalize (src/collect/**, src/profile/normalize.ts); what it found is in test/fuzz/README.md.
// Invariant: typed errors only, bounded time and memory; a profile collect accepts validates
// against the profile schema (toProfile), as `check` will read it.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import fc from 'fast-check';
import { observe } from '../../src/collect/collect.js';
import { readDump } from '../../src/collect/dump.js';
import type { RawDump } from '../../src/collect/dump-layout.js';
import { decodeNetlink, type NetlinkCapture } from '../../src/collect/vdpa-netlink.js';
import { parseDevConfigShow, parseDevShow, parseMgmtdevShow } from '../../src/collect/vdpa-json.js';
import { normalize } from '../../src/profile/normalize.js';
import { toProfile } from '../../src/profile/load.js';
import { repoPath } from '../helpers/paths.js';
import { editText, editTree, expectTyped, Figures, fits, params, report, seeds, textEdit, treeEdit } from './harness.js';
import { ValidationError } from '../../src/errors.js';

/** What collect wrote, refused by the profile loader: collect let something through that profiles may not hold. */
class CollectedProfileRefused extends Error {
  constructor(readonly error: ValidationError) {
    super(`collect wrote a profile that does not load: ${error.message}`);
  }
}

const JSON_TOKENS = ['"__proto__":{},', '{', '}', '[', ']', '"', ',', 'null', '1e400', '-1', '18446744073709551616', '"link ":"up",', '"bit_99"', '"x\\u001b[2J"', '"\\u2028"', '[[[[[[[[[[[['];
const TEXT_TOKENS = ['\n', '\u0000', '\u001b[2J', '\u009b31m', '\u202e', '\u2028', ' ', 'iproute2-', 'iproute2-6.1.0\u001b]0;pwned\u0007', '../'];

let dumps: Array<{ name: string; raw: RawDump }> = [];
before(async () => {
  const dirs = [...new Set(seeds(/\/(dumps\/[^/]+|guest-dump-at-migration)\/vdpa-(dev-show|netlink)\.json$/, 10).map((s) => s.name.replace(/\/[^/]+$/, '')))];
  dumps = await Promise.all(dirs.map(async (name) => ({ name, raw: await readDump(repoPath(`test/fixtures/${name}`)) })));
  assert.ok(dumps.filter((d) => d.raw.netlink !== null).length >= 5, 'netlink records');
  assert.ok(dumps.filter((d) => d.raw.devShow !== null).length >= 5, 'vdpa -j outputs');
});

/**
 * Trees up to MAX_DUMP_FILE (4 MiB) of JSON: readDump refuses larger files before parsing, and
 * at 16 MiB (the cap once) JSON.parse alone took 0.65-1 s (README, K5).
 */
const MAX_TREE_BYTES = 4 * 1024 * 1024;

const TEXT_FILES = ['mgmtdevShow', 'devShow', 'devConfigShow', 'vdpaVersion', 'unameR', 'hostname'] as const;
const TREE_FILES = ['netlink', 'sysfs', 'vmm', 'perDeviceConfig', 'meta', 'mgmtdevShow', 'devShow', 'devConfigShow'] as const;

/** Collect's pipeline on a raw dump, as `collect --from` runs it; the profile it writes must load. */
const pipeline = async (raw: RawDump) => {
  const profile = normalize(observe(raw, 'dump', (file) => `dump/${file}`));
  try {
    await toProfile(JSON.parse(JSON.stringify(profile)), 'collected profile');
  } catch (error) {
    throw error instanceof ValidationError ? new CollectedProfileRefused(error) : error;
  }
  return profile;
};
const loads = () => {};

describe('fuzz: dump directories through collect', () => {
  it('text files: byte flips, truncation, control characters', async (t) => {
    const figures = new Figures('dump text files');
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.constantFrom(...TEXT_FILES), fc.array(textEdit([...JSON_TOKENS, ...TEXT_TOKENS]), { minLength: 1, maxLength: 4 }), async (i, file, edits) => {
        const { raw } = dumps[i % dumps.length]!;
        const mutated = { ...raw, [file]: editText(raw[file] ?? '', edits) };
        await expectTyped(figures, () => pipeline(mutated), loads);
      }),
      params(150),
    );
    report(figures, t);
  });

  it('JSON files (netlink record, sysfs, vmm, vdpa -j): type swaps, edge numbers, __proto__, nesting', async (t) => {
    const figures = new Figures('dump JSON files');
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.constantFrom(...TREE_FILES), fc.array(treeEdit, { minLength: 1, maxLength: 3 }), async (i, file, edits) => {
        const { raw } = dumps[i % dumps.length]!;
        const value = raw[file];
        const isText = typeof value === 'string';
        const tree = isText ? JSON.parse(value) : value;
        const edited = editTree(tree, edits);
        fc.pre(fits(edited, MAX_TREE_BYTES));
        const mutated = { ...raw, [file]: isText ? (JSON.stringify(edited) ?? '') : edited };
        await expectTyped(figures, () => pipeline(mutated), loads);
      }),
      params(150),
    );
    report(figures, t);
  });
});

describe('fuzz: the parsers alone', () => {
  it('vdpa -j outputs (every real capture): parseMgmtdevShow, parseDevShow, parseDevConfigShow', async (t) => {
    const figures = new Figures('vdpa -j outputs');
    const corpus = seeds(/captures\/.*(mgmtdev-show|dev-show|config-show)[^/]*\.jsonp?\.stdout$/, 40).filter((s) => s.text.trim().startsWith('{'));
    const parsers = { mgmtdev: parseMgmtdevShow, dev: parseDevShow, config: parseDevConfigShow } as const;
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(textEdit(JSON_TOKENS), { minLength: 1, maxLength: 4 }), async (i, edits) => {
        const seed = corpus[i % corpus.length]!;
        const parse = /mgmtdev-show/.test(seed.name) ? parsers.mgmtdev : /config-show/.test(seed.name) ? parsers.config : parsers.dev;
        await expectTyped(
          figures,
          () => parse(editText(seed.text, edits), seed.name),
          () => {},
        );
      }),
      params(150),
    );
    report(figures, t);
  });

  it('netlink records: decodeNetlink', async (t) => {
    const figures = new Figures('netlink records');
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(treeEdit, { minLength: 1, maxLength: 3 }), async (i, edits) => {
        const withNetlink = dumps.filter((d) => d.raw.netlink !== null);
        const capture = editTree(withNetlink[i % withNetlink.length]!.raw.netlink, edits) as NetlinkCapture;
        fc.pre(fits(capture, MAX_TREE_BYTES));
        await expectTyped(
          figures,
          () => decodeNetlink(capture, 'vdpa-netlink.json'),
          () => {},
        );
      }),
      params(150),
    );
    report(figures, t);
  });
});
