import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseDevConfigShow, parseMgmtdevShow } from '../../src/collect/vdpa-json.js';
import { describeBits, NET, bitMask } from '../../src/profile/feature-bits.js';
import { configGating, inferOffered } from '../../src/profile/offered.js';
import { CELLS, capturePath } from '../helpers/paths.js';

// Ground truth from the real kernels: each captured `vdpa dev add` says what
// the device was given (device_features, or by default everything its parent
// supports), and the capture after it shows what iproute2 printed. Whatever we
// infer from that output must agree with the truth: nothing claimed offered
// that was not given, nothing claimed absent that was.
interface Case {
  cell: string;
  name: string;
  truth: bigint;
  config: string;
  parents: string;
}

function cases(): Case[] {
  const found: Case[] = [];
  for (const cell of CELLS) {
    const rows = readFileSync(capturePath(cell, 'INDEX.tsv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    const parents = readFileSync(capturePath(cell, '010-mgmtdev-show.json.stdout'), 'utf8');
    const supported = new Map(parseMgmtdevShow(parents, 'mgmt').map((m) => [m.handle, m.supportedFeatures ?? 0n]));
    for (const [name, form, rc, command] of rows) {
      if (form !== 'plain' || rc !== '0' || !name?.endsWith('-add') || !command) continue;
      const add = /dev add name vdpa0 mgmtdev (\S+)(?:.*device_features (\S+))?/.exec(command);
      if (!add?.[1]) continue;
      const prefix = name.slice(0, -'-add'.length);
      const config = `${prefix}-config-show.json.stdout`;
      if (!rows.some(([n, f]) => n === `${prefix}-config-show` && f === 'json')) continue;
      // iproute2 parses device_features as hex with or without 0x (fixtures/QUIRKS.md).
      const truth = add[2] ? BigInt(`0x${add[2].replace(/^0x/i, '')}`) : supported.get(add[1]);
      if (truth === undefined) continue;
      found.push({ cell, name: prefix, truth, config, parents });
    }
  }
  return found;
}

describe('offered-feature inference agrees with what the kernel was given', () => {
  const all = cases();
  it('finds the provisioning captures of all four cells', () => {
    assert.deepEqual([...new Set(all.map((c) => c.cell))].sort(), [...CELLS].sort());
    assert.ok(all.length >= 60, `only ${all.length} cases`);
  });

  for (const c of all) {
    it(`${c.cell} ${c.name}`, () => {
      const entry = parseDevConfigShow(readFileSync(capturePath(c.cell, c.config), 'utf8'), c.config).get('vdpa0');
      assert.ok(entry, 'config shows vdpa0');
      const parents = parseMgmtdevShow(c.parents, 'mgmt');
      const parent = parents.find((p) => (p.supportedFeatures ?? 0n) !== 0n && ((p.supportedFeatures ?? 0n) & c.truth) === c.truth) ?? parents[0];
      const kernel = readFileSync(capturePath(c.cell, '000-versions.txt'), 'utf8').split(' ')[2] ?? null;
      const known = inferOffered({ isNet: true, negotiated: entry.negotiated ?? null, provisionable: parent?.supportedFeatures ?? null, config: entry, gating: configGating(kernel) });
      assert.equal(known.present & ~c.truth, 0n, `claimed offered but not given: ${describeBits(known.present & ~c.truth, 'net')}`);
      assert.equal(known.absent & c.truth, 0n, `claimed absent but given: ${describeBits(known.absent & c.truth, 'net')}`);
      // And it is as strong as the kernel allows: the keyed bits are decided, never left unknown.
      const gating = configGating(kernel);
      const keyed = [...(gating.macMtuMq ? [NET.MAC, NET.MTU] : []), ...(gating.status ? [NET.STATUS] : [])];
      if (!gating.macMtuMq) keyed.push(...[NET.MAC, NET.MTU].filter((bit) => (c.truth & bitMask(bit)) === 0n));
      for (const bit of keyed) {
        const decided = ((known.present | known.absent) & bitMask(bit)) !== 0n;
        assert.ok(decided, `bit ${bit} left unknown`);
      }
      if (gating.macMtuMq && (c.truth & (bitMask(NET.MQ) | bitMask(NET.RSS))) === 0n) {
        assert.equal(known.absent & (bitMask(NET.MQ) | bitMask(NET.RSS)), bitMask(NET.MQ) | bitMask(NET.RSS), 'MQ and RSS not known absent');
      }
    });
  }
});

describe('kernel gating of config keys', () => {
  it('trusts mac/mtu/max_vq_pairs from 6.1 and link from 6.2, nothing on an unknown kernel', () => {
    assert.deepEqual(configGating('6.1.0-56-amd64'), { macMtuMq: true, status: false });
    assert.deepEqual(configGating('6.12.117+deb13-amd64'), { macMtuMq: true, status: true });
    assert.deepEqual(configGating('5.19.0'), { macMtuMq: false, status: false });
    assert.deepEqual(configGating(null), { macMtuMq: false, status: false });
  });

  it("does not take kernel 6.1's always-printed link for F_STATUS (the simulator there has no STATUS)", () => {
    const entry = parseDevConfigShow(readFileSync(capturePath('k6.1-ip6.1', '023-net-default-config-show.json.stdout'), 'utf8'), 'c').get('vdpa0')!;
    assert.equal(entry.linkUp, true);
    const known = inferOffered({ isNet: true, negotiated: null, provisionable: null, config: entry, gating: configGating('6.1.0-56-amd64') });
    assert.equal(known.present & bitMask(NET.STATUS), 0n);
    assert.equal(known.present, bitMask(NET.MTU) | bitMask(NET.MAC));
  });

  it('learns MQ from max_vq_pairs when RSS is known absent (parent B offers MQ, not RSS)', () => {
    const parents = parseMgmtdevShow(readFileSync(capturePath('vp-k6.12-ip6.15', '012-mgmtdev-show-B.json.stdout'), 'utf8'), 'B');
    const entry = parseDevConfigShow(readFileSync(capturePath('vp-k6.12-ip6.15', '303-B-default-config-show.json.stdout'), 'utf8'), 'c').get('vdpa0')!;
    const known = inferOffered({ isNet: true, negotiated: null, provisionable: parents[0]!.supportedFeatures, config: entry, gating: configGating('6.12.117') });
    assert.notEqual(known.present & bitMask(NET.MQ), 0n);
  });
});
