import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateMatrix } from '../../src/generated/matrix-validator.js';
import { hasStack, runCli } from '../helpers/cli.js';
import { dumpPath, repoPath } from '../helpers/paths.js';

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
});
