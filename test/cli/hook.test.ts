import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CLI, dumpPath, repoPath } from '../helpers/paths.js';
import { REPLAY, hasCommand, k612VhostBoundReplay } from '../helpers/replay.js';

// The hook is driven exactly as libvirt drives it: the built, bundled CLI as a
// process, DOMAIN OPERATION SUB-OPERATION EXTRA as arguments, the domain XML
// on stdin; we look at the exit status, stdout (must stay empty: libvirt would
// take it for a replacement XML) and the stderr lines libvirt logs.
const XML = (name: string) => repoPath(`test/fixtures/libvirt/${name}.xml`);
// Both hosts are the simulator devices read with raw netlink in the e2e run (kernel 6.12):
// /dev/vhost-vdpa-0 is "same", -4 is "fewer" (no CTRL_VQ, CTRL_MAC_ADDR), -5 the block device.
// The domain's <emulator> is the recorded QEMU 10.0.2 build on both sides.
const SOURCE_HOST = dumpPath('e2e/k6.12/sim-netlink');
const TARGET_HOST = dumpPath('e2e/k6.12/sim-netlink');
const QEMU = repoPath('test/fixtures/qemu/debian-10.0.2/qemu-system-x86_64');
/** A domain XML run by the recorded QEMU, with its char devices moved (`from` → `to`). */
const onHost = (xml: string, moves: Record<string, string> = {}) => Object.entries(moves).reduce((x, [from, to]) => x.replaceAll(`'${from}'`, `'${to}'`), xml.replace(/<emulator>[^<]*<\/emulator>/, `<emulator>${QEMU}</emulator>`));
const TO_FEWER = { '/dev/vhost-vdpa-0': '/dev/vhost-vdpa-4' };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(args: string[], stdin: string, env: Record<string, string> = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin?.end(stdin);
  });
}

const hook = (domain: string, xml: string, extra: string[] = [], phase: [string, string] = ['migrate', 'begin'], env: Record<string, string> = {}) => run(['hook', 'qemu', ...extra, '--', domain, phase[0], phase[1], '-'], xml, env);

let scratch: string;
const annotated: Record<string, string> = {};

/** The domain XML with the namespaced annotate output pasted inside <metadata> by hand. */
function withMetadata(xml: string, element: string): string {
  return xml.replace('<resource>', `<metadata>\n${element}</metadata>\n  <resource>`);
}

/** Whether virsh is installed (Debian: libvirt-clients), for the live libvirt round trip. */
const hasVirsh = hasCommand('virsh', ['--version']);

/** Block devices: the simulator's block device is /dev/vhost-vdpa-5 on the recorded host. */
const BLK = { '/dev/vhost-vdpa-1': '/dev/vhost-vdpa-5' };

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-hook-'));
  for (const name of ['vm-vdpa-interface', 'vm-vhostvdpa-disk', 'vm-vdpa-interface-and-disk']) {
    const xml = onHost(await readFile(XML(name), 'utf8'), BLK);
    const result = await run(['annotate', '--namespaced', '-', SOURCE_HOST], xml);
    assert.equal(result.code, 0, result.stderr);
    annotated[name] = withMetadata(xml, result.stdout);
  }
});

describe('vdpa-compat annotate', () => {
  it('prints one element with a validated profile per vdpa device, without a namespace for virsh metadata --set', async () => {
    const result = await run(['annotate', '-', SOURCE_HOST], onHost(await readFile(XML('vm-vdpa-interface-and-disk'), 'utf8'), BLK));
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^<source-profiles generator="vdpa-compat [^"]+">\n/);
    assert.doesNotMatch(result.stdout, /xmlns/);
    assert.match(result.stdout, /<device kind="interface" mac="52:54:00:6d:90:02" fingerprint="sha256:[0-9a-f]{64}" model="virtio">/);
    assert.match(result.stdout, /<device kind="disk" target="vdg" fingerprint="sha256:[0-9a-f]{64}">/);
    // The source QEMU, which the destination cannot ask: the domain's <emulator> --version, run here.
    assert.match(result.stdout, /<vmm emulator="[^"]+debian-10\.0\.2\/qemu-system-x86_64" version="10\.0\.2" version-text="QEMU emulator version 10\.0\.2 \(Debian [^"]+\)" x-svq="off"\/>/);
  });

  it('--namespaced declares our namespace, for pasting into a domain XML by hand', async () => {
    const result = await run(['annotate', '--namespaced', '-', SOURCE_HOST], onHost(await readFile(XML('vm-vdpa-interface'), 'utf8')));
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^<vdpa-compat:source-profiles xmlns:vdpa-compat="https:\/\/vdpa-compat\.dev\/xmlns\/source-profiles\/1"/);
  });

  it('reads the domain XML from stdin with -', async () => {
    const result = await run(['annotate', '-', SOURCE_HOST], await readFile(XML('vm-vdpa-interface'), 'utf8'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /kind="interface"/);
  });

  it("exits 2 when the profile has no device behind the domain's char device", async () => {
    const result = await run(['annotate', '-', dumpPath('profiles/vdpasim/k6.12-negotiated')], onHost(await readFile(XML('vm-vdpa-interface'), 'utf8')));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /interface 52:54:00:6d:90:02 uses \/dev\/vhost-vdpa-0, which no vdpa device of the profile is bound to/);
  });
});

describe('vdpa-compat hook qemu, as libvirt runs it', () => {
  it('lets a domain without vdpa devices through at once, touching no device', async () => {
    const result = await hook('vm-plain', await readFile(XML('vm-no-vdpa'), 'utf8'), ['--from', join(scratch, 'no-such-dump')]);
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', '']);
  });

  it('lets every other phase through at once, without reading the devices', async () => {
    for (const phase of [
      ['prepare', 'begin'],
      ['start', 'begin'],
      ['started', 'begin'],
      ['stopped', 'end'],
      ['release', 'end'],
      ['restore', 'begin'],
    ] as Array<[string, string]>) {
      const result = await hook('vm-vdpa-net', annotated['vm-vdpa-interface'] ?? '', ['--from', join(scratch, 'no-such-dump')], phase);
      assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', ''], phase.join(' '));
    }
  });

  it('allows a compatible incoming migration: exit 0, nothing on stdout or stderr', async () => {
    const result = await hook('vm-vdpa-net', annotated['vm-vdpa-interface'] ?? '', ['--from', TARGET_HOST]);
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', '']);
  });

  it('vetoes an incompatible one with one line per blocking finding: domain, device, code, fix', async () => {
    const result = await hook('vm-vdpa-net', onHost(annotated['vm-vdpa-interface'] ?? '', TO_FEWER), ['--from', TARGET_HOST]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    assert.ok(lines.length >= 1);
    assert.ok(
      lines.every((l) => l.startsWith('vdpa-compat: domain vm-vdpa-net: interface 52:54:00:6d:90:02 (/dev/vhost-vdpa-4) → fewer: ')),
      result.stderr,
    );
    assert.ok(
      lines.some((l) => /negotiated-features-offered\/missing: .*CTRL_MAC_ADDR.*; fix: Re-create the target/.test(l)),
      result.stderr,
    );
  });

  it('vetoes what depends on a fact it could not verify (an old annotation without the source QEMU), unless told to allow', async () => {
    // Neither the <vmm> element nor the QEMU in the source profile (host.vmm): what annotate wrote before 0.2.
    const old = (annotated['vm-vdpa-interface'] ?? '').replace(/<vmm [^>]*\/>/, '').replace(/<!\[CDATA\[(.*?)\]\]>/s, (_, json: string) => {
      const profile = JSON.parse(json) as { host: { vmm?: unknown } };
      delete profile.host.vmm;
      return `<![CDATA[${JSON.stringify(profile)}]]>`;
    });
    assert.notEqual(old, annotated['vm-vdpa-interface']);
    const vetoed = await hook('vm-vdpa-net', old, ['--from', TARGET_HOST]);
    assert.equal(vetoed.code, 2);
    assert.match(vetoed.stderr, /max-vq-size\/ringUnknown/);
    assert.equal((await hook('vm-vdpa-net', old, ['--from', TARGET_HOST, '--allow-unverified'])).code, 0);
  });

  it('reads the target QEMU from the incoming <emulator>: QEMU 7.2 there refuses outgoing migrations, not incoming ones', async () => {
    const xml = (annotated['vm-vdpa-interface'] ?? '').replace(/<emulator>[^<]*<\/emulator>/, `<emulator>${repoPath('test/fixtures/qemu/debian-7.2.22/qemu-system-x86_64')}</emulator>`);
    const log = join(scratch, 'decisions.jsonl');
    const result = await hook('vm-vdpa-net', xml, ['--from', TARGET_HOST, '--decision-log', log]);
    assert.equal(result.code, 0, result.stderr);
    const [decision] = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { domain: string; target: { qemu: string }; source: { qemu: string }; verdict: string });
    assert.deepEqual([decision?.domain, decision?.source.qemu, decision?.target.qemu, decision?.verdict], ['vm-vdpa-net', '10.0.2', '7.2.22', 'identical']);
  });

  it('reads the annotation as libvirt itself writes it (recorded: prefix on every element)', async () => {
    const xml = onHost(await readFile(XML('annotated/vm-vdpa-interface'), 'utf8'));
    assert.match(xml, /<vdpa-compat:device kind="interface"/, 'the recorded libvirt output re-prefixes the children');
    const same = await hook('vm-vdpa-net', xml, ['--from', TARGET_HOST]);
    assert.deepEqual([same.code, same.stdout, same.stderr], [0, '', '']);
    const fewer = await hook('vm-vdpa-net', onHost(xml, TO_FEWER), ['--from', TARGET_HOST]);
    assert.equal(fewer.code, 1);
    assert.match(fewer.stderr, /negotiated-features-offered\/missing/);
  });

  it('round trip through a real libvirt: virsh metadata --set takes the annotate output, the hook reads dumpxml', { skip: !hasVirsh && 'virsh not installed (Debian: libvirt-clients)' }, async () => {
    const printed = execFileSync(process.execPath, [repoPath('scripts/libvirt-fixtures.mjs'), '--print'], { encoding: 'utf8', timeout: 60_000 });
    const xml = printed.split('==> vm-vdpa-interface\n')[1] ?? '';
    assert.match(xml, /<metadata>\s*<vdpa-compat:source-profiles xmlns:vdpa-compat="https:\/\/vdpa-compat\.dev\/xmlns\/source-profiles\/1"/);
    const fewer = await hook('vm-vdpa-net', onHost(xml, TO_FEWER), ['--from', TARGET_HOST]);
    assert.equal(fewer.code, 1, fewer.stderr);
    assert.match(fewer.stderr, /interface 52:54:00:6d:90:02 \(\/dev\/vhost-vdpa-4\) → fewer: .*negotiated-features-offered\/missing/);
  });

  it('checks every vdpa device: an interface and a vhostvdpa disk', async () => {
    const both = await hook('vm-vdpa-both', annotated['vm-vdpa-interface-and-disk'] ?? '', ['--from', TARGET_HOST]);
    assert.deepEqual([both.code, both.stdout, both.stderr], [0, '', '']);
    const disk = await hook('vm-vdpa-disk', annotated['vm-vhostvdpa-disk'] ?? '', ['--from', dumpPath('k6.12-mtu9000-vhost')]);
    // That host has no vdpa device behind /dev/vhost-vdpa-5.
    assert.equal(disk.code, 1);
    assert.match(disk.stderr, /disk vdg \(\/dev\/vhost-vdpa-5\): no vdpa device on this host is bound to vhost_vdpa at \/dev\/vhost-vdpa-5/);
  });

  it('without a source profile: vetoes and says how to annotate, unless told to allow', async () => {
    const xml = onHost(await readFile(XML('vm-vdpa-interface'), 'utf8'));
    const denied = await hook('vm-vdpa-net', xml, ['--from', TARGET_HOST]);
    assert.equal(denied.code, 2);
    assert.equal(denied.stdout, '');
    assert.match(denied.stderr, /interface 52:54:00:6d:90:02 \(\/dev\/vhost-vdpa-0\): no source profile in the domain metadata; annotate the domain on the source before migrating: virsh metadata/);
    const allowed = await hook('vm-vdpa-net', xml, ['--from', TARGET_HOST, '--missing-profile', 'allow']);
    assert.equal(allowed.code, 0);
  });

  it('falls back to --profile-dir DIR/<domain>.xml', async () => {
    const dir = join(scratch, 'profiles');
    const xml = onHost(await readFile(XML('vm-vdpa-interface'), 'utf8'));
    const annotate = await run(['annotate', '-', SOURCE_HOST, '-o', join(dir, 'vm-vdpa-net.xml')], xml);
    assert.equal(annotate.code, 2, 'the directory does not exist yet');
    await writeFile(join(scratch, 'vm-vdpa-net.xml'), (await run(['annotate', '-', SOURCE_HOST], xml)).stdout);
    const result = await hook('vm-vdpa-net', onHost(xml, TO_FEWER), ['--from', TARGET_HOST, '--profile-dir', scratch]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /negotiated-features-offered\/missing/);
  });

  it('cannot be walked past: a character reference in the type, or the device in a second <devices>, is checked like any vDPA device', async () => {
    const xml = onHost(annotated['vm-vdpa-interface'] ?? '', TO_FEWER);
    const encoded = xml.replace("<interface type='vdpa'>", "<interface type='vd&#112;a'>");
    assert.notEqual(encoded, xml);
    const moved = xml.replace(/(\s*<interface type='vdpa'>[\s\S]*?<\/interface>)/, '').replace('</devices>', `</devices>\n  <devices>${/<interface type='vdpa'>[\s\S]*?<\/interface>/.exec(xml)?.[0] ?? ''}</devices>`);
    assert.match(moved, /<\/devices>\n {2}<devices><interface type='vdpa'>/);
    for (const [form, text] of [
      ['character reference', encoded],
      ['second <devices>', moved],
    ] as const) {
      const result = await hook('vm-vdpa-net', text, ['--from', TARGET_HOST]);
      assert.equal(result.code, 1, `${form}: ${result.stderr}`);
      assert.match(result.stderr, /negotiated-features-offered\/missing/, form);
    }
    // Without metadata the same tricks are vetoed for want of a source profile, not let in.
    const bare = (await readFile(XML('vm-vdpa-interface'), 'utf8')).replace("<interface type='vdpa'>", "<interface type='&#x76;dpa'>");
    assert.equal((await hook('vm-vdpa-net', bare, ['--from', TARGET_HOST])).code, 2);
  });

  it('vetoes XML it cannot read (not XML, a DOCTYPE), and never echoes anything to stdout', async () => {
    const broken = await hook('vm', '<domain><devices><interface type="vdpa">', ['--from', TARGET_HOST]);
    assert.equal(broken.code, 2);
    assert.equal(broken.stdout, '');
    assert.match(broken.stderr, /^vdpa-compat: domain vm: domain XML on stdin: not well-formed XML .*vetoing the migration\n$/);
    const doctype = await hook('vm', '<!DOCTYPE d [<!ENTITY a "aaaa">]><domain/>', ['--from', TARGET_HOST]);
    assert.equal(doctype.code, 2);
    assert.match(doctype.stderr, /DOCTYPE is refused/);
  });

  it('never hangs libvirt: a vdpa that hangs vetoes within the hook timeout, or lets in with --on-error allow', async () => {
    const env = { VDPA_REPLAY: JSON.stringify({ '-V': { sleep: 30_000 }, '-j mgmtdev show': { sleep: 30_000 } }) };
    const xml = annotated['vm-vdpa-interface'] ?? '';
    const denied = await hook('vm-vdpa-net', xml, ['--timeout', '700', '--vdpa', REPLAY, '--source', 'vdpa-tool', '--sysfs-root', repoPath('test/fixtures/sysfs/sim-vhost-bound')], undefined, env);
    assert.equal(denied.code, 2);
    assert.equal(denied.stdout, '');
    assert.match(denied.stderr, /vdpa-compat: domain vm-vdpa-net: .*(within 700 ms|did not finish).*vetoing the migration/);
    // A functional bound, not a benchmark: the 30 s vdpa must not be waited for.
    assert.ok(denied.ms < 15_000, `took ${denied.ms} ms`);
    const allowed = await hook('vm-vdpa-net', xml, ['--timeout', '700', '--on-error', 'allow', '--vdpa', REPLAY, '--source', 'vdpa-tool', '--sysfs-root', repoPath('test/fixtures/sysfs/sim-vhost-bound')], undefined, env);
    assert.equal(allowed.code, 0);
    assert.match(allowed.stderr, /letting it in \(--on-error allow\)/);
  });

  it('checks the live host when no dump is given (vdpa tool + sysfs): what iproute2 cannot show vetoes, unless allowed', async () => {
    const env = k612VhostBoundReplay();
    const live = ['--vdpa', REPLAY, '--source', 'vdpa-tool', '--sysfs-root', repoPath('test/fixtures/sysfs/sim-vhost-bound')];
    const result = await hook('vm-vdpa-net', annotated['vm-vdpa-interface'] ?? '', live, undefined, env);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /→ vdpa0: svq-offered-features\/targetUnverified: /);
    const allowed = await hook('vm-vdpa-net', annotated['vm-vdpa-interface'] ?? '', [...live, '--allow-unverified'], undefined, env);
    assert.deepEqual([allowed.code, allowed.stdout, allowed.stderr], [0, '', '']);
  });
});
