// Reproducers of what the fuzzer found (test/fuzz/README.md, K1–K4), kept as regression tests:
// each states the behaviour the project standard asks for, on the input that once broke it.
import assert from 'node:assert/strict';
import { mkdtemp, cp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { decodeNetlink } from '../../src/collect/vdpa-netlink.js';
import { parseMgmtdevShow } from '../../src/collect/vdpa-json.js';
import { parseDomainXml } from '../../src/libvirt/domain.js';
import { parseProfileText, serializeProfile, toProfile } from '../../src/profile/load.js';
import { repoPath } from '../helpers/paths.js';
import { typedProblem } from './harness.js';

/** `run` fails with an error the fuzz invariant allows (typed, coded, one printable line). */
async function refusedTyped(run: () => unknown): Promise<void> {
  const error = await (async () => run())().then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(error !== null, 'expected a refusal');
  assert.equal(typedProblem(error), null);
}

async function dumpWith(file: string, text: string): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'vdpa-compat-known-')), 'dump');
  await cp(repoPath('test/fixtures/dumps/k6.12-virtio-bound'), dir, { recursive: true });
  await writeFile(join(dir, file), text);
  return dir;
}

describe('fuzz findings, fixed', () => {
  it('K1: a netlink record whose configs entry is not an object is refused, typed (src/collect/vdpa-netlink.ts)', async () => {
    const capture = { format: 'vdpa-compat-netlink/1', family: { id: 1, version: 1, maxAttr: 1 }, mgmtdevs: [], devices: [], configs: { vdpa0: 5 } };
    await refusedTyped(() => decodeNetlink(capture, 'vdpa-netlink.json'));
    await refusedTyped(() => decodeNetlink(null, 'vdpa-netlink.json'));
  });

  it('K2: vdpa -j parse errors stay one printable line (src/collect/vdpa-json.ts)', async () => {
    await refusedTyped(() => parseMgmtdevShow('{"mgmtdev":\n\u001b[2J}', 'vdpa-mgmtdev-show.json'));
    await refusedTyped(() => parseMgmtdevShow('{"mgmtdev":{"vdpasim_net":{"dev_features":["\u009b31m"]}}}', 'vdpa-mgmtdev-show.json'));
  });

  it('K3: what collect accepts from a dump it writes as a profile that loads (src/collect/**, src/profile/normalize.ts)', async () => {
    for (const [file, text] of [
      ['hostname.txt', 'host\u001b]0;pwned\u0007\n'],
      ['uname-r.txt', '6.12.1\n6.12.2\n'],
      ['vdpa-dev-show.json', '{"dev":{"vdpa0":{"type":"network","mgmtdev":"vdpasim_net","vendor_id":0,"max_vqs":3,"max_vq_size":70000}}}'],
    ] as const) {
      const dir = await dumpWith(file, text);
      // Refused by collect, or collected into a profile that loads: never a profile check then refuses.
      const collected = await collect({ from: dir }).then(
        (c) => c.profile,
        () => null,
      );
      if (collected !== null) await toProfile(JSON.parse(JSON.stringify(collected)), `${file} collected`);
    }
  });

  it('K4: domain XML messages quote attribute values escaped (src/libvirt/domain.ts)', async () => {
    await refusedTyped(() => parseDomainXml("<domain><devices><interface type='vdpa\u009b2J'/></devices></domain>", 'domain.xml'));
    await refusedTyped(() => parseDomainXml("<domain><devices><interface type='vdpa'><mac address='52:54:00:00:00:01'/><driver queues='1\u202e'/></interface></devices></domain>", 'domain.xml'));
  });

  it('K6: a -0 in a profile reads back from YAML as from JSON, as 0 (src/profile/load.ts serializeProfile)', async () => {
    const { profile } = await collect({ from: repoPath('profiles/vdpasim/k6.12-negotiated') });
    const doc = JSON.parse(JSON.stringify(profile)) as { devices: Array<{ maxVqSize: number }> };
    doc.devices[0]!.maxVqSize = -0;
    const loaded = await toProfile(doc, 'minus-zero.json');
    for (const format of ['yaml', 'json'] as const) {
      const again = await toProfile(await parseProfileText(await serializeProfile(loaded, format), `again.${format}`, format), `again.${format}`);
      assert.ok(Object.is(again.devices[0]!.maxVqSize, 0), format);
    }
  });

  it('K7: what a profile may hold reads back from YAML as from JSON: 64 nested levels both ways, 65 refused (src/yaml.ts, src/profile/load.ts)', async () => {
    // A newer minor keeps fields this version does not know, whatever they hold: host.cpu grows one.
    const future = await parseProfileText(await readFile(repoPath('test/fixtures/profiles/future-minor-1.9.0.yaml'), 'utf8'), 'future.yaml', 'yaml');
    const nested = (levels: number) => {
      const doc = structuredClone(future) as { host: { cpu: Record<string, unknown> } };
      let value: unknown = 'leaf';
      // The root, host and host.cpu are three levels: the field adds the rest.
      for (let i = 3; i < levels; i++) value = i % 2 ? [value] : { x: value };
      doc.host.cpu['nestedField'] = value;
      return doc;
    };
    const loaded = await toProfile(nested(64), 'deep.json');
    for (const format of ['yaml', 'json'] as const) await toProfile(await parseProfileText(await serializeProfile(loaded, format), `again.${format}`, format), `again.${format}`);
    await assert.rejects(toProfile(nested(65), 'deeper.json'), (e: unknown) => e instanceof Error && 'code' in e && e.code === 'PROFILE_PARSE' && /nested deeper than 64 levels/.test(e.message));
  });

  it('K8: what a failed command printed reaches the profile escaped, and collect writes a profile that loads (src/collect/observe.ts)', async () => {
    // The per-device config file of a 6.1 dump records `vdpa -j dev config show blk` failing (rc 1): its stderr is quoted as the reason.
    const dir = join(await mkdtemp(join(tmpdir(), 'vdpa-compat-known-')), 'dump');
    await cp(repoPath('test/fixtures/e2e/k6.1/dumps/sim-tool61'), dir, { recursive: true });
    const file = join(dir, 'vdpa-dev-config-show-per-device.json');
    const records = JSON.parse(await readFile(file, 'utf8')) as Record<string, { stderr: string }>;
    records['blk']!.stderr = 'kernel says \u202eno\u001b[2J\n';
    await writeFile(file, JSON.stringify(records));
    const { profile } = await collect({ from: dir });
    const reasons = JSON.stringify(profile.devices.find((d) => d.name === 'blk')?.unknown);
    assert.match(reasons, /kernel says \\\\u202eno\\\\x1b\[2J/);
  });
});
