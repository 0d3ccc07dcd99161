import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateMatrix } from '../../src/generated/matrix-validator.js';
import { hasStack, runCli } from '../helpers/cli.js';
import { dumpPath, repoPath } from '../helpers/paths.js';

/**
 * A real fleet from the fixtures: every dump the e2e suite recorded on both kernels (simulator and
 * vp_vdpa parents, iproute2 6.1, 6.15 and raw netlink) and every sample profile.
 */
function realFleet(): string[] {
  const dumps = ['k6.1', 'k6.12'].flatMap((k) => readdirSync(repoPath(`test/fixtures/e2e/${k}/dumps`)).map((d) => repoPath(`test/fixtures/e2e/${k}/dumps/${d}`)));
  const profiles = readdirSync(repoPath('profiles'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'baselines')
    .flatMap((d) =>
      readdirSync(repoPath(`profiles/${d.name}`))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join(repoPath(`profiles/${d.name}`), f)),
    );
  return [...dumps, ...profiles];
}

/** `node dist/cli/main.js ARGS`: the CLI from dist, not the bundle (its workers start from that file). */
function runDist(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [repoPath('dist/cli/main.js'), ...args], { timeout: 120_000, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

const HOSTS = [dumpPath('e2e/k6.12/sim-tool615'), dumpPath('e2e/k6.1/sim-tool615'), repoPath('profiles/vdpasim/k6.12-netlink.yaml')];

describe('vdpa-compat matrix', () => {
  it('table by default, csv and json on request, all from one run of the engine; exit 0', async () => {
    const table = await runCli(['matrix', ...HOSTS, '--qemu', '10.0.2']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^net: 3 of 3 hosts have net devices; /m);
    assert.match(table.stdout, /^from each row to each column: = identical, C compatible, P compatible-after-provisioning/m);
    const json = await runCli(['matrix', ...HOSTS, '--qemu', '10.0.2', '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as { kind: string; hosts: { rows: { net?: number }; columns: { net?: number } }[]; classes: { net: { cells: { verdict: string }[][] } } };
    assert.ok(validateMatrix(doc), JSON.stringify(validateMatrix.errors));
    const csv = await runCli(['matrix', ...HOSTS, '--qemu', '10.0.2', '--format', 'csv']);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trimEnd().split('\n');
    const net = lines.filter((l) => l.split(',')[2] === 'net');
    assert.equal(net.length, 6, 'every ordered pair of three hosts');
    // The CSV's verdict of each pair is the JSON's cell.
    for (const line of net) {
      const [source, target, , verdict] = line.split(',');
      const a = HOSTS.indexOf(source ?? '');
      const b = HOSTS.indexOf(target ?? '');
      const cell = doc.classes.net.cells[doc.hosts[a]?.rows.net ?? -1]?.[doc.hosts[b]?.columns.net ?? -1];
      assert.equal(cell?.verdict, verdict, line);
    }
  });

  it('one host, or a host named twice, is a usage error', async () => {
    for (const args of [[HOSTS[0] ?? ''], [HOSTS[0] ?? '', HOSTS[0] ?? '']]) {
      const r = await runCli(['matrix', ...args]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /\[USAGE\]/);
      assert.ok(!hasStack(r.stderr));
    }
  });

  it('--jobs N gives the bytes --jobs 1 gives, in every format, from the bundle and from dist', async () => {
    const fleet = realFleet();
    assert.ok(fleet.length >= 30, `a real fleet: ${fleet.length} hosts`);
    for (const format of ['table', 'csv', 'json']) {
      const args = ['matrix', ...fleet, '--qemu', '10.0.2', '--format', format, '--no-progress'];
      const one = await runCli([...args, '--jobs', '1']);
      assert.equal(one.code, 0, one.stderr);
      if (format === 'json') {
        const without = await runCli(args);
        assert.equal(without.stdout, one.stdout, `${format}: --jobs 1 is the default`);
      }
      for (const jobs of format === 'json' ? ['2', '3'] : ['2']) {
        const bundled = await runCli([...args, '--jobs', jobs]);
        assert.equal(bundled.code, 0, bundled.stderr);
        assert.equal(bundled.stdout, one.stdout, `${format}, --jobs ${jobs}, the bundle`);
      }
      const dist = await runDist([...args, '--jobs', '2']);
      assert.equal(dist.code, 0, dist.stderr);
      assert.equal(dist.stdout, one.stdout, `${format}, --jobs 2, dist/cli/main.js`);
      if (format === 'json') {
        const doc = JSON.parse(one.stdout) as { stats: { groups: number; checks: number; plans: number } };
        // Not vacuous: the fleet has many groups, and both pair checks and plans ran.
        assert.ok(doc.stats.groups >= 20 && doc.stats.checks > 100 && doc.stats.plans > 10, JSON.stringify(doc.stats));
      }
    }
  });

  it('--jobs that is not a whole number from 1 to 64 is a usage error: exit 2, one line, no stack', async () => {
    for (const jobs of ['0', '-1', 'abc', '65', '1.5', '']) {
      const r = await runCli(['matrix', HOSTS[0] ?? '', HOSTS[1] ?? '', '--jobs', jobs]);
      assert.equal(r.code, 2, jobs);
      assert.match(r.stderr, /--jobs.*\[USAGE\]/, jobs);
      assert.equal(r.stdout, '');
      assert.ok(!hasStack(r.stderr), jobs);
    }
    const ok = await runCli(['matrix', HOSTS[0] ?? '', HOSTS[1] ?? '', '--jobs', '64', '--no-progress']);
    assert.equal(ok.code, 0, ok.stderr);
  });
});
