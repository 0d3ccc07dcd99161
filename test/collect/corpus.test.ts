import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseDevConfigShow, parseDevShow, parseMgmtdevShow } from '../../src/collect/vdpa-json.js';
import { CELLS, capturePath } from '../helpers/paths.js';

// Every `vdpa -j` / `vdpa -jp` output of mgmtdev show, dev show and dev config
// show captured on real kernels (two kernels × two iproute2 builds, simulator
// and vp_vdpa parents) must parse. Failed commands print an empty skeleton.
const PARSERS = [
  [/^vdpa -jp? mgmtdev show( \S+)?$/, parseMgmtdevShow, (r: unknown[]) => r.length],
  [/^vdpa -jp? dev show( \S+)?$/, parseDevShow, (r: unknown[]) => r.length],
  [/^vdpa -jp? dev config show( \S+)?$/, parseDevConfigShow, (r: Map<string, unknown>) => r.size],
] as const;

describe('every captured vdpa -j output parses', () => {
  for (const cell of CELLS) {
    it(cell, () => {
      const rows = readFileSync(capturePath(cell, 'INDEX.tsv'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split('\t'));
      let parsed = 0;
      let withEntries = 0;
      for (const [name, form, rc, command] of rows) {
        if ((form !== 'json' && form !== 'jsonp') || name === undefined || command === undefined) continue;
        const entry = PARSERS.find(([pattern]) => pattern.test(command));
        if (!entry) continue;
        const [, parse, size] = entry;
        const stdout = readFileSync(capturePath(cell, `${name}.${form}.stdout`), 'utf8');
        const where = `${cell}/${name}.${form}.stdout`;
        const result = (parse as (t: string, w: string) => unknown)(stdout, where);
        const count = (size as (r: unknown) => number)(result);
        if (rc !== '0') assert.equal(count, 0, `${where}: a failed command (rc ${rc}) printed entries`);
        parsed++;
        if (count > 0) withEntries++;
      }
      // Each cell has well over a hundred such captures; a broken INDEX walk would find none.
      assert.ok(parsed > 60, `${cell}: only ${parsed} outputs found`);
      assert.ok(withEntries > 40, `${cell}: only ${withEntries} outputs with entries`);
    });
  }
});
