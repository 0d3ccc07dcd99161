/**
 * `npm run test:e2e`: boots Debian 12's 6.1 and Debian 13's 6.12 kernels
 * under QEMU with the vDPA simulator and vp_vdpa parents, runs
 * scenarios/suite.sh in each (the project's own CLI against live devices), and
 * asserts what it recorded. Output of the last run stays in test/e2e/.runs/
 * for replay; `npm run e2e:fixtures` copies it into test/fixtures/e2e.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { collect } from '../../src/collect/collect.js';
import type { Report } from '../../src/verdict/types.js';
import { repoPath } from '../helpers/paths.js';
import { labCannotRun, runLab, type LabRun } from '../helpers/lab.js';
import { EXPECTED, STATES, assertBaselinePlans, assertPlans, assertReport, assertSourcesAgree, assertSvqOnlyParents } from './expectations.js';

const LAB = repoPath('test/e2e/lab');
const RUNS = repoPath('test/e2e/.runs');
const KERNELS = ['6.1', '6.12'] as const;

const skipReason = labCannotRun('it installs QEMU from Debian packages, builds kernel modules and runs QEMU in its own network namespace', { commands: ['qemu-system-x86_64'], missing: 'qemu-system-x86_64 is not installed' });
const outDir = (kernel: string) => join(RUNS, 'latest', kernel);
const boots: Record<string, LabRun> = {};

if (skipReason !== null) {
  // One line, and a skip, not a pass.
  console.log(`e2e: skipped: ${skipReason}`);
}

describe('end to end on real kernels', { skip: skipReason ?? false }, () => {
  before(async () => {
    const prepared = await runLab('bash', [join(LAB, 'prepare.sh')], 20 * 60_000);
    assert.equal(prepared.code, 0, `prepare.sh failed:\n${prepared.output}`);
    await rm(join(RUNS, 'latest'), { recursive: true, force: true });
    await mkdir(join(RUNS, 'latest'), { recursive: true });
    // Both kernels at once: each guest is mostly one busy TCG thread.
    await Promise.all(
      KERNELS.map(async (kernel) => {
        // E2E_VP_PAIRS: the free vp_vdpa parents F, G and H that the plans between vp_vdpa devices use.
        // About 180 s alone; 650 s was seen next to another lab's two-vCPU guest, hence the limits.
        boots[kernel] = await runLab('bash', [join(LAB, 'boot.sh'), kernel, repoPath('test/e2e/scenarios/suite.sh'), outDir(kernel)], 22 * 60_000, {
          ...process.env,
          E2E_VP_PAIRS: '1',
          E2E_BOOT_TIMEOUT: '1200',
        });
      }),
    );
  });

  for (const kernel of KERNELS) {
    describe(`kernel ${kernel}`, () => {
      it('boots, runs the suite to its end, and records every command', () => {
        const boot = boots[kernel];
        assert.ok(boot, 'no boot');
        console.log(`e2e: kernel ${kernel}: ${boot.output.split('\n')[0]} (${boot.seconds.toFixed(1)} s with the other guest running)`);
        assert.equal(boot.code, 0, boot.output);
        const log = readFileSync(join(outDir(kernel), 'scenario.log'), 'utf8');
        assert.match(log, /E2E: suite done/);
        const index = readFileSync(join(outDir(kernel), 'run/cmd/INDEX.tsv'), 'utf8');
        assert.ok(index.split('\n').length > 40, 'commands recorded');
      });

      it('the source device really negotiated through virtio_vdpa (negotiated_features are real)', async () => {
        const { profile } = await collect({ from: join(outDir(kernel), 'run/dumps/sim-netlink') });
        const src = profile.devices.find((d) => d.name === 'src');
        assert.equal(src?.driver, 'virtio_vdpa');
        assert.ok(src?.features.negotiated && src.features.negotiated.names.includes('CTRL_MAC_ADDR'));
      });

      for (const name of Object.keys(EXPECTED)) {
        it(`pair ${name}`, () => {
          const dir = join(outDir(kernel), 'run/reports');
          const report = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Report;
          assertReport(name, report, Number(readFileSync(join(dir, `${name}.rc`), 'utf8')));
        });
      }

      it('the libvirt hook, on live devices: lets a compatible incoming migration in, vetoes an incompatible one', () => {
        const dir = join(outDir(kernel), 'run/reports');
        const read = (name: string) => readFileSync(join(dir, name), 'utf8');
        assert.equal(read('hook-to-idle.rc').trim(), '0', read('hook-to-idle.stderr'));
        assert.equal(read('hook-to-idle.stderr'), '');
        assert.equal(read('hook-to-fewer.rc').trim(), '1');
        assert.match(read('hook-to-fewer.stderr'), /^vdpa-compat: domain vm-vdpa-net: interface 52:54:00:6d:90:02 \(\/dev\/vhost-vdpa-\d+\) → fewer: negotiated-features-offered\/missing: /m);
        const stdout = readdirSync(join(outDir(kernel), 'run/cmd')).filter((f) => /-hook-.*\.stdout$/.test(f));
        for (const f of stdout) assert.equal(readFileSync(join(outDir(kernel), 'run/cmd', f), 'utf8'), '', `${f}: the hook printed on stdout`);
      });

      it('provisioning plans for simulator and vp_vdpa devices, applied live, re-collected with raw netlink and checked --strict', () => {
        const { sim, vp } = assertPlans(join(outDir(kernel), 'run'), kernel);
        const baseline = assertBaselinePlans(join(outDir(kernel), 'run'), kernel);
        for (const [parents, c] of [
          ['vdpa_sim', sim],
          ['vp_vdpa', vp],
          ['vdpa_sim, plan --baseline', baseline],
        ] as const) {
          console.log(`e2e: kernel ${kernel}: ${parents}: ${c.attempts} plan attempts, plans generated ${c.generated}, accepted by the kernel ${c.applied}, re-checked compatible ${c.compatible}`);
        }
      });

      it('vp_vdpa parents D and E offer only what QEMU 7.2 shadow virtqueues accept, plus ACCESS_PLATFORM', async () => {
        await assertSvqOnlyParents(join(outDir(kernel), 'run'), kernel);
      });

      for (const state of STATES) {
        it(`raw netlink and both iproute2 builds agree on the ${state} devices`, async () => {
          const dumps = join(outDir(kernel), 'run/dumps');
          const netlink = (await collect({ from: join(dumps, `${state}-netlink`) })).profile;
          for (const tool of ['tool61', 'tool615']) {
            assertSourcesAgree(netlink, (await collect({ from: join(dumps, `${state}-${tool}`) })).profile, `${kernel} ${state} ${tool}`);
          }
        });
      }
    });
  }

  it('left no unexpected report behind', () => {
    for (const kernel of KERNELS) {
      const names = readdirSync(join(outDir(kernel), 'run/reports'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.replace(/\.json$/, ''));
      assert.deepEqual(names.sort(), Object.keys(EXPECTED).sort());
    }
  });
});
