import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { hookCalls, type HookCall } from '../helpers/libvirt-log.js';
import { CLI, repoPath } from '../helpers/paths.js';

// What real libvirt 9.0 did with the installed hook, recorded by `npm run test:libvirt` (copied by
// `npm run libvirt:fixtures`): the destination daemons' logs of our hook's calls, and the vetoed
// incoming migration in the 6.12 lab guest with the XML libvirt handed the hook and the guest's
// devices at that moment. Replayed here without libvirt: the log reader the live suite proves its
// claims with, against real logs, and the current CLI against what libvirt really sent.
const live = (name: string) => repoPath(`test/fixtures/libvirt/live/${name}`);
const host = hookCalls(readFileSync(live('host-dst-hook-calls.log'), 'utf8'));
const guest = hookCalls(readFileSync(live('guest-dst-hook-calls.log'), 'utf8'));
const phase = (c: HookCall) => `${c.operation} ${c.subOperation}`;
const of = (calls: HookCall[], domain: string) => calls.filter((c) => c.domain === domain);
/** The code of each blocking-finding line the hook printed (`vdpa-compat: domain D: … → TARGET: CODE: …`). */
const codes = (stderr: string) => [...stderr.matchAll(/^vdpa-compat: domain [^:]+: .* → [^:]+: ([a-z0-9-]+\/[A-Za-z0-9]+): /gm)].map((m) => m[1]);

describe('the recorded libvirt logs, read back', () => {
  it('hold every call of the run (not vacuous)', () => {
    assert.ok(host.length >= 25, `${host.length} calls on this machine's destination`);
    assert.ok(guest.length >= 7, `${guest.length} calls in the guest's destination`);
    for (const call of [...host, ...guest]) assert.equal(call.script, '/etc/libvirt/hooks/qemu.d/vdpa-compat');
  });

  it('an incoming domain without vDPA: migrate begin exits 0 with empty stdout, then the destination QEMU starts', () => {
    const calls = of(host, 'vm-plain');
    assert.deepEqual(
      calls.slice(0, 4).map((c) => [phase(c), c.status, c.stdout, c.stderr]),
      [
        ['migrate begin', 0, '', ''],
        ['prepare begin', 0, '', ''],
        ['start begin', 0, '', ''],
        ['started begin', 0, '', ''],
      ],
    );
  });

  it('a failing call: the exit status comes from virCommandWait, though libvirt logs "Result status 0"', () => {
    const raw = readFileSync(live('guest-dst-hook-calls.log'), 'utf8');
    assert.match(raw, /Result status 0, stdout: '' stderr: 'vdpa-compat: domain vm-vdpa:/);
    assert.deepEqual(
      of(guest, 'vm-vdpa').map((c) => [phase(c), c.status, c.stdout]),
      [
        ['migrate begin', 1, ''],
        ['migrate begin', 2, ''],
      ],
    );
  });

  it('a hook that exits without reading 256 KiB of XML: libvirt ignores the EPIPE and goes on', () => {
    const calls = of(host, 'vm-large');
    assert.deepEqual(calls.map(phase), ['prepare begin', 'start begin', 'started begin', 'stopped end', 'release end']);
    for (const call of calls) assert.deepEqual([call.status, call.stdinClosedEarly], [0, true]);
  });
});

describe('the vetoed migration, replayed', () => {
  const veto = of(guest, 'vm-vdpa')[0];

  it("virsh showed the hook's stderr verbatim and exited 1", () => {
    const virsh = readFileSync(live('guest-virsh-migrate-veto.txt'), 'utf8');
    assert.match(virsh, /^exit status 1\n/);
    assert.ok(veto && virsh.includes(`unexpected exit status 1: ${veto.stderr}`));
    assert.deepEqual(codes(veto.stderr), ['negotiated-features-offered/missing']);
  });

  it('the CLI, on the XML libvirt sent and the devices of that moment, vetoes it again with the same finding', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [CLI, 'hook', 'qemu', '--from', live('guest-dump-at-migration'), '--', 'vm-vdpa', 'migrate', 'begin', '-'], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
      });
      child.stdin?.end(readFileSync(live('guest-migrate-begin.xml'), 'utf8'));
    });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, '');
    // Every finding libvirt's run vetoed with is there again (this run's annotation predates the QEMU
    // facts, so what depends on the source QEMU's version is also reported as unverified).
    for (const code of codes(veto?.stderr ?? '')) assert.ok(codes(result.stderr).includes(code), `${code} in ${result.stderr}`);
    // The same domain, interface and target device as libvirt's run.
    const subject = (line: string) => /^vdpa-compat: domain [^:]+: .* → [^:]+:/m.exec(line)?.[0];
    assert.equal(subject(result.stderr), subject(veto?.stderr ?? ''));
  });
});
