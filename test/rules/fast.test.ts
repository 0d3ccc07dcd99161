/**
 * The fast engine (src/rules/fast.ts, each rule's `fast` and `reads`) against the engine that
 * writes the report: the same findings, in the same order with the same severities, and so the
 * same verdict and limiting codes, on every ordered pair of devices from every real capture the
 * repository holds and from a generated fleet of distinct devices, under VM configurations and
 * QEMU versions that take every rule down its branches.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { generateFleet } from '../../bench/fleet.mjs';
import { toProfile } from '../../src/profile/load.js';
import type { Profile } from '../../src/profile/types.js';
import { builtinRules } from '../../src/rules/builtin/index.js';
import { DEFAULT_VM, type VmConfig } from '../../src/rules/context.js';
import { defineRule } from '../../src/rules/define.js';
import { evaluate } from '../../src/rules/engine.js';
import { compileRules } from '../../src/rules/fast.js';
import { checkPrepared, compileCheck, prepareSide, type CheckOptions, type PreparedSide } from '../../src/verdict/check.js';
import { limitingCodes } from '../../src/verdict/grade.js';
import { profileOf } from '../helpers/devices.js';
import { repoPath } from '../helpers/paths.js';

/** Which pairs a test compares: every STRIDE-th. */
const STRIDE = Number(process.env['VDPA_COMPAT_FAST_STRIDE'] ?? 97);

/** Every dump directory of real `vdpa` output the repository has. */
function realDumps(): string[] {
  const dirs = (path: string) =>
    readdirSync(repoPath(path), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  return [
    ...dirs('test/fixtures/dumps'),
    ...['k6.1', 'k6.12'].flatMap((k) => dirs(`test/fixtures/e2e/${k}/dumps`).map((d) => `e2e/${k}/${d}`)),
    ...['vdpasim', 'vp_vdpa'].flatMap((p) => dirs(`profiles/${p}`).map((d) => `profiles/${p}/${d}`)),
  ];
}

const given = <T>(value: T) => ({ value, origin: 'the test' });
/** VM configurations that reach the rules' branches: QEMU's defaults, x-svq, host_mtu, a MAC, big rings, the generic device. */
const VMS: Partial<VmConfig>[] = [
  {},
  { xSvq: given(true) },
  { hostMtu: given(1500), mac: given('52:54:00:00:00:01') },
  { rxQueueSize: given(1024), txQueueSize: given(512), hostMtu: given(9000) },
  { model: given('vhost-vdpa-device-pci' as const) },
];
/** QEMU on each side: the profile's own (none, mostly), and releases the pack tells apart. */
const QEMUS = [null, '7.2.22', '10.0.2', '10.0.13', '5.2.0', '8.2.2'];

async function sidesOf(profiles: readonly Profile[]): Promise<{ source: PreparedSide; target: PreparedSide }[][]> {
  // Per QEMU version, every device as source and as target.
  return QEMUS.map((version) =>
    profiles.flatMap((profile) =>
      profile.devices.map((d) => {
        const qemu = version === null ? {} : { qemu: { text: version, origin: 'the test' } };
        return { source: prepareSide(profile, 'source', { device: d.name, ...qemu }), target: prepareSide(profile, 'target', { device: d.name, ...qemu }) };
      }),
    ),
  );
}

/** Asserts the fast engine and the report agree on every ordered pair; returns how many pairs and findings were compared. */
function agree(bySource: { source: PreparedSide; target: PreparedSide }[][], options: { strict?: boolean; allowUnverified?: boolean; stride?: number }): { pairs: number; findings: number } {
  let pairs = 0;
  let findings = 0;
  const stride = options.stride ?? 1;
  for (const vmGiven of VMS) {
    const vm = { ...DEFAULT_VM, ...vmGiven };
    const strict = options.strict ?? false;
    const engine = compileRules(builtinRules, vm, { strict });
    const checkOptions: CheckOptions = { vm: vmGiven, strict, ...(options.allowUnverified !== undefined ? { allowUnverified: options.allowUnverified } : {}) };
    const decide = compileCheck(checkOptions);
    assert.ok(decide !== null);
    for (const sides of bySource) {
      const fast = new Map(sides.map(({ source, target }) => [source, { source: engine.prepare(source.side), target: engine.prepare(target.side) }]));
      sides.forEach(({ source }, i) => {
        sides.forEach(({ target }, j) => {
          if ((i * sides.length + j) % stride !== 0) return;
          const full = evaluate(builtinRules, source.side, target.side, vm, { strict }).findings;
          const shells = engine.decide(fast.get(source)?.source as never, fast.get(sides[j]?.source as PreparedSide)?.target as never);
          const where = `${source.summary.input} ${source.side.name} (${source.side.qemu.text}) → ${target.summary.input} ${target.side.name}, vm ${JSON.stringify(vmGiven)}`;
          assert.deepEqual(
            shells.map((f) => `${f.code} ${f.severity}`),
            full.map((f) => `${f.code} ${f.severity}`),
            where,
          );
          const report = checkPrepared(source, target, checkOptions);
          const ok = report.verdict === 'identical' || report.verdict === 'compatible';
          assert.deepEqual(decide(source, target), { verdict: report.verdict, codes: ok ? [] : limitingCodes(report.findings) }, where);
          pairs++;
          findings += full.length;
        });
      });
    }
  }
  return { pairs, findings };
}

describe('the fast engine', () => {
  it('finds what the report finds on every pair of the real captures, under every VM configuration and QEMU', async () => {
    const profiles = await Promise.all(realDumps().map((d) => profileOf(d)));
    const sides = await sidesOf(profiles);
    // Every 97th of the 2 million pairs (262 devices, 6 QEMUs, 5 VMs); VDPA_COMPAT_FAST_STRIDE=1 runs them all.
    const { pairs, findings } = agree(sides, { stride: STRIDE });
    // Enough pairs and findings that every rule went down more than one branch.
    assert.ok(pairs > 10_000 && findings > 50_000, `${pairs} pairs, ${findings} findings`);
    agree(sides, { strict: true, stride: STRIDE * 4 + 1 });
    agree(sides, { allowUnverified: true, stride: STRIDE * 4 + 1 });
  });

  it('finds what the report finds on a generated fleet of distinct devices (kernels, parents, masks, MTUs, pairs, drivers)', async () => {
    const fleet = generateFleet({ hosts: 40, distinct: true, seed: 11 });
    const profiles = await Promise.all(fleet.map((p, i) => toProfile(JSON.parse(JSON.stringify(p)), `h${i}`)));
    const { pairs } = agree(await sidesOf(profiles), { stride: 11 });
    assert.ok(pairs > 5_000, `${pairs} pairs`);
  });

  it('a one-sided rule that reads the other side fails loudly, not silently', () => {
    const liar = defineRule({
      id: 'liar',
      summary: 'says it reads only the target',
      messages: { x: { severity: 'error', text: 'x', remedy: 'none' } },
      reads: 'target',
      check({ source, report }) {
        if (source.cls === 'net') report('x', {}, { path: '/' });
      },
    });
    const engine = compileRules([liar], DEFAULT_VM, { strict: false });
    assert.throws(() => engine.prepare({ cls: 'net' } as never), /rule liar read the source, but its reads say it does not/);
  });

  it('a rule without a fast form (a rule pack) runs its check per pair', () => {
    const pack = defineRule({
      id: 'pack',
      summary: 'a pack rule',
      messages: { differ: { severity: 'error', text: 'x', remedy: 'none' } },
      check({ source, target, report }) {
        if (source.name !== target.name) report('differ', {}, { path: '/' });
      },
    });
    const engine = compileRules([pack], DEFAULT_VM, { strict: false });
    const a = engine.prepare({ cls: 'net', name: 'a' } as never);
    const b = engine.prepare({ cls: 'net', name: 'b' } as never);
    assert.deepEqual(
      engine.decide(a, b).map((f) => f.code),
      ['pack/differ'],
    );
    assert.deepEqual(engine.decide(a, a), []);
  });
});
