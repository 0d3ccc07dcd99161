/**
 * The hook must never hang libvirt, CPU work included: a domain XML with
 * 25,000 vDPA interfaces, or a few hundred annotated devices, is decided or
 * vetoed within the hook's --timeout (plus start-up), and a deadline passed
 * during the checks vetoes (or, with --on-error allow, lets in) rather than
 * finishing late. Its lines name the domain in the virsh command they suggest.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { CLI, dumpPath, repoPath } from '../helpers/paths.js';

const HOST = dumpPath('e2e/k6.12/sim-netlink');
const QEMU = repoPath('test/fixtures/qemu/debian-10.0.2/qemu-system-x86_64');

const hook = (domain: string, xml: string, extra: string[]) => runCli(['hook', 'qemu', ...extra, '--', domain, 'migrate', 'begin', '-'], { stdin: xml });

/** The fixture domain with its one vDPA interface replaced by `interfaces`. */
let base: string;
const withInterfaces = (interfaces: string) => base.replace(/<interface type='vdpa'>[\s\S]*?<\/interface>/, interfaces);
const mac = (i: number) => `52:54:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

before(async () => {
  base = (await readFile(repoPath('test/fixtures/libvirt/vm-vdpa-interface.xml'), 'utf8')).replace(/<emulator>[^<]*<\/emulator>/, `<emulator>${QEMU}</emulator>`);
});

describe('hook limits', () => {
  it('25,000 vDPA interfaces with --timeout 1000: vetoed in time, one line', async () => {
    const one = `<interface type='vdpa'><mac address='52:54:00:6d:90:02'/><source dev='/dev/vhost-vdpa-0'/></interface>`;
    const distinct = (n: number) => Array.from({ length: n }, (_, i) => `<interface type='vdpa'><mac address='${mac(i)}'/><source dev='/dev/vhost-vdpa-0'/></interface>`).join('');
    for (const [form, interfaces, why] of [
      // Under the XML element cap: checked once, however often it is listed.
      ['one device listed 6,000 times', one.repeat(6_000), /no source profile/],
      ['300 devices', distinct(300), /more than 256 vDPA devices \[DOMAIN_XML_INVALID\]/],
      // 75,000 elements: refused by the XML reader before any device is looked at.
      ['25,000 devices', distinct(25_000), /more than 20000 elements \[XML_REFUSED\]/],
    ] as const) {
      const r = await hook('vm', withInterfaces(interfaces), ['--from', HOST, '--timeout', '1000']);
      assert.equal(r.code, 2, `${form}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${form}: one line, not one per copy: ${r.stderr.slice(0, 500)}`);
      assert.match(r.stderr, why, form);
      // The limit plus node's start-up, with room for a loaded machine; not a benchmark.
      assert.ok(r.ms < 1000 + 4000, `${form} took ${r.ms} ms`);
    }
  });

  describe('256 annotated devices (the cap)', () => {
    let annotated: string;
    let scratch: string;
    before(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-hook-limits-'));
      const xml = withInterfaces(Array.from({ length: 256 }, (_, i) => `<interface type='vdpa'><mac address='${mac(i)}'/><source dev='/dev/vhost-vdpa-0'/></interface>`).join('\n    '));
      const element = await runCli(['annotate', '--namespaced', '-', HOST], { stdin: xml });
      assert.equal(element.code, 0, element.stderr);
      annotated = xml.replace('<resource>', `<metadata>\n${element.stdout}</metadata>\n  <resource>`);
    });

    it('are all checked within the default limit: one decision each', async () => {
      const log = join(scratch, 'decisions.jsonl');
      const r = await hook('vm-many', annotated, ['--from', HOST, '--decision-log', log]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
      assert.equal((await readFile(log, 'utf8')).trim().split('\n').length, 256);
    });

    it('a deadline that passes on the way vetoes, or lets in with --on-error allow, with the HOOK_TIMEOUT line', async () => {
      const denied = await hook('vm-many', annotated, ['--from', HOST, '--timeout', '1']);
      assert.equal(denied.code, 2);
      assert.match(denied.stderr, /^vdpa-compat: domain vm-many: could not decide within 1 ms \[HOOK_TIMEOUT\]; fix: .*; vetoing the migration \(--on-error deny\)\n$/);
      const allowed = await hook('vm-many', annotated, ['--from', HOST, '--timeout', '1', '--on-error', 'allow']);
      assert.equal(allowed.code, 0);
      assert.match(allowed.stderr, /\[HOOK_TIMEOUT\].*letting it in \(--on-error allow\)\n$/);
    });
  });

  it("a stdin libvirt never closes is the hook's timeout, which --on-error decides, not a hang", async () => {
    for (const [policy, code] of [
      ['deny', 2],
      ['allow', 0],
    ] as const) {
      const child = spawn(process.execPath, [CLI, 'hook', 'qemu', '--from', HOST, '--timeout', '300', '--on-error', policy, '--', 'vm', 'migrate', 'begin', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
      const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.stdin.on('error', () => {});
      child.stdin.write('<domain>');
      const started = Date.now();
      const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearTimeout(kill);
      child.stdin.destroy();
      assert.equal(exit, code, stderr);
      assert.match(stderr, /^vdpa-compat: domain vm: could not decide within 300 ms \[HOOK_TIMEOUT\]/);
      assert.ok(Date.now() - started < 15_000);
    }
  });

  it('the annotate command it suggests names the domain (quoted for sh when it must be)', async () => {
    for (const [name, word] of [
      ['vm-vdpa-net', 'vm-vdpa-net'],
      ["web 1's", `'web 1'\\''s'`],
    ] as const) {
      const r = await hook(name, base, ['--from', HOST]);
      assert.equal(r.code, 2);
      assert.ok(r.stderr.includes(`virsh metadata ${word} --uri `), r.stderr);
      assert.ok(r.stderr.includes(`"$(virsh dumpxml ${word} | vdpa-compat annotate -)" --live`), r.stderr);
      assert.doesNotMatch(r.stderr, /DOMAIN/);
    }
  });
});
