import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import { readDump } from '../../src/collect/dump.js';
import type { NetlinkCapture } from '../../src/collect/vdpa-netlink.js';
import { checkHost } from '../../src/plan/fit.js';
import { check } from '../../src/verdict/check.js';
import type { Report } from '../../src/verdict/types.js';
import { EXPECTED, STATES, assertBaselinePlans, assertPlans, assertReport, assertSourcesAgree, assertSvqOnlyParents } from '../e2e/expectations.js';
import { repoPath } from '../helpers/paths.js';

// What the last e2e run recorded on real kernels (npm run test:e2e, then
// npm run e2e:fixtures), replayed offline: the same assertions, on the
// recorded dumps, with the current code.
const KERNELS = { '6.1': repoPath('test/fixtures/e2e/k6.1'), '6.12': repoPath('test/fixtures/e2e/k6.12') };

interface CheckCommand {
  name: string;
  dump: string;
  source: string;
  target: string;
  strict: boolean;
  /** --source-qemu / --target-qemu as the suite gave them. */
  sourceQemu: string | null;
  targetQemu: string | null;
}

function checkCommands(dir: string): CheckCommand[] {
  return readFileSync(join(dir, 'cmd/INDEX.tsv'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([name]) => /^\d+-check-/.test(name ?? ''))
    .map(([name, , command]) => {
      const args = (command ?? '').split(' ');
      const at = (flag: string) => args[args.indexOf(flag) + 1] ?? '';
      return {
        name: (name ?? '').replace(/^\d+-check-/, ''),
        dump: (args[2] ?? '').split('/').pop() ?? '',
        source: at('--source-device'),
        target: at('--target-device'),
        strict: args.includes('--strict'),
        sourceQemu: args.includes('--source-qemu') ? at('--source-qemu') : null,
        targetQemu: args.includes('--target-qemu') ? at('--target-qemu') : null,
      };
    });
}

for (const [kernel, dir] of Object.entries(KERNELS)) {
  describe(`recorded e2e run, kernel ${kernel}`, () => {
    const commands = checkCommands(dir);
    it('recorded every pair of the suite', () => {
      assert.deepEqual(commands.map((c) => c.name).sort(), Object.keys(EXPECTED).sort());
    });
    for (const command of commands) {
      it(`pair ${command.name}: the recorded report, and a fresh check of the recorded dumps`, async () => {
        const recorded = JSON.parse(readFileSync(join(dir, `reports/${command.name}.json`), 'utf8')) as Report;
        assertReport(command.name, recorded, Number(readFileSync(join(dir, `reports/${command.name}.rc`), 'utf8')));
        const profile = (await collect({ from: join(dir, 'dumps', command.dump) })).profile;
        const options = {
          sourceDevice: command.source,
          targetDevice: command.target,
          strict: command.strict,
          ...(command.sourceQemu !== null ? { sourceQemu: { text: command.sourceQemu, origin: '--source-qemu' } } : {}),
          ...(command.targetQemu !== null ? { targetQemu: { text: command.targetQemu, origin: '--target-qemu' } } : {}),
        };
        const fresh = check(profile, profile, options);
        assertReport(command.name, fresh, fresh.exitStatus);
        // What the CLI's check says today (the pair, and what the host's management devices could do).
        const host = checkHost(profile, profile, options);
        assertReport(command.name, host, host.exitStatus);
      });
    }
    it('vp_vdpa parents D and E offer only what QEMU 7.2 shadow virtqueues accept, plus ACCESS_PLATFORM', async () => {
      await assertSvqOnlyParents(dir, kernel);
    });
    it('the provisioning plans it applied (simulator and vp_vdpa) were accepted by the kernel and re-checked --strict compatible; the others say why not', () => {
      assertPlans(dir, kernel);
    });
    it('plan --baseline --apply, with both iproute2 builds, of a baseline made from its own dumps: accepted by the kernel and re-checked --strict compatible', () => {
      const counts = assertBaselinePlans(dir, kernel);
      assert.deepEqual(counts, { attempts: 2, generated: 2, applied: 2, compatible: 2 });
    });
    for (const state of STATES) {
      it(`raw netlink and both iproute2 builds agree on the ${state} devices`, async () => {
        const netlink = (await collect({ from: join(dir, `dumps/${state}-netlink`) })).profile;
        for (const tool of ['tool61', 'tool615']) assertSourcesAgree(netlink, (await collect({ from: join(dir, `dumps/${state}-${tool}`) })).profile, `${kernel} ${state} ${tool}`);
      });
    }
  });
}

describe('what the kernels sent over netlink', () => {
  const config = async (kernel: keyof typeof KERNELS, device: string) => {
    const capture = (await readDump(join(KERNELS[kernel], 'dumps/sim-netlink'))).netlink as NetlinkCapture;
    return { capture, reply: capture.configs[device] };
  };
  it('kernel 6.1 sends the offered features in attribute 21 (VDPA_ATTR_VDPA_DEV_SUPPORTED_FEATURES), 6.12 in 20', async () => {
    const old = await config('6.1', 'src');
    const current = await config('6.12', 'src');
    assert.ok(old.reply && 'attrs' in old.reply && current.reply && 'attrs' in current.reply);
    const types = (r: typeof old.reply) => ('attrs' in r ? r.attrs.map(([t]) => t) : []);
    assert.ok(types(old.reply).includes(21) && !types(old.reply).includes(20));
    assert.ok(types(current.reply).includes(20) && !types(current.reply).includes(21));
    assert.equal(old.capture.family.maxAttr, 22);
    assert.equal(current.capture.family.maxAttr, 37);
  });
  it('decodes both to the same offered set for the same simulator device (6.12 adds STATUS)', async () => {
    const bits = async (kernel: keyof typeof KERNELS) => (await collect({ from: join(KERNELS[kernel], 'dumps/sim-netlink') })).profile.devices.find((d) => d.name === 'same')?.features.offered.present.names;
    assert.deepEqual(await bits('6.1'), ['MTU', 'MAC', 'CTRL_VQ', 'CTRL_MAC_ADDR', 'ANY_LAYOUT', 'VERSION_1', 'ACCESS_PLATFORM']);
    assert.deepEqual(await bits('6.12'), ['MTU', 'MAC', 'STATUS', 'CTRL_VQ', 'CTRL_MAC_ADDR', 'ANY_LAYOUT', 'VERSION_1', 'ACCESS_PLATFORM']);
  });
  it('reads block config on 6.12 and offers features the block parent does not list (its dev_features is empty)', async () => {
    const { profile } = await collect({ from: join(KERNELS['6.12'], 'dumps/sim-netlink') });
    const blk = profile.devices.find((d) => d.name === 'blk');
    assert.equal(blk?.blkConfig?.capacity, 262144);
    assert.equal(blk?.blkConfig?.blkSize, 512);
    assert.ok(blk?.features.offered.present.names.includes('VERSION_1'));
    assert.equal(blk?.features.provisionable, null);
    assert.equal(blk?.minVqSize, 1);
  });
  it('kernel 6.1 refuses DEV_CONFIG_GET for block devices', async () => {
    const { reply } = await config('6.1', 'blk');
    assert.deepEqual(reply, { error: 'ENOTSUP' });
  });
});
