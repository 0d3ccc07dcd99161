/**
 * Terminal and log injection: control characters in what a host or a file
 * says (a hostname, a device name, a path) are refused in profiles and
 * printed as visible escapes, never raw, in the text report, error lines,
 * the hook's stderr (libvirt's log) and JUnit; JSON and JUnit stay valid
 * documents.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { SaxesParser } from 'saxes';
import { collect } from '../../src/collect/collect.js';
import { escapeControls } from '../../src/control-chars.js';
import { check } from '../../src/verdict/check.js';
import { renderErrorLine, summarizeError } from '../../src/verdict/render-error.js';
import { renderJunit } from '../../src/verdict/render-junit.js';
import { renderText } from '../../src/verdict/render-text.js';
import type { Report } from '../../src/verdict/types.js';
import { InputError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { dumpPath, repoPath } from '../helpers/paths.js';

/** Every character escapeControls must escape, one of each class. */
const HOSTILE = '\n\r\t\x00\x07\x1b[2J\x1b]0;t\x07\x7f\x85\x9b\u061c\u200e\u202e\u2028\u2066\ufffe';
/** Any raw control character but the newline that ends each line. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufffe\uffff]/;
/** Our own SGR colour sequences, which colour mode adds on purpose. */
const OUR_COLOUR = /\x1b\[\d+m/g;

/** Whether `xml` is well-formed XML 1.0 to a conforming parser (which refuses forbidden characters). */
function wellFormed(xml: string): boolean {
  const parser = new SaxesParser();
  try {
    parser.write(xml).close();
    return true;
  } catch {
    return false;
  }
}

describe('escapeControls', () => {
  it('writes C0, DEL, C1, bidi controls, line separators and XML-forbidden noncharacters as visible escapes', () => {
    assert.equal(escapeControls('a\nb'), 'a\\x0ab');
    assert.equal(escapeControls('\x1b[31m'), '\\x1b[31m');
    assert.equal(escapeControls('\x00\t\r\x7f\x85\x9b'), '\\x00\\x09\\x0d\\x7f\\x85\\x9b');
    assert.equal(escapeControls('\u061c\u200e\u200f\u202a\u202e\u2066\u2069\u2028\u2029\ufffe\uffff'), '\\u061c\\u200e\\u200f\\u202a\\u202e\\u2066\\u2069\\u2028\\u2029\\ufffe\\uffff');
    assert.doesNotMatch(escapeControls(HOSTILE), RAW);
  });

  it('leaves printable text alone: accents, arrows, CJK, backslashes', () => {
    for (const text of ['vdpa0 → fewer', 'Müller', '虚拟机', 'C:\\path', 'a b', '']) assert.equal(escapeControls(text), text);
  });
});

describe('renderers, with every string of a real report poisoned', () => {
  let report: Report;
  let clean: Report;
  before(async () => {
    const host = (await collect({ from: dumpPath('e2e/k6.12/sim-netlink') })).profile;
    const qemu = { text: '10.0.2', origin: 'test' };
    clean = check(host, host, { sourceDevice: 'src', targetDevice: 'fewer', sourceQemu: qemu, targetQemu: qemu });
    // The enums renderers look words up by stay as they are; every other string gets every control character.
    const keep = new Set(['status', 'verdict', 'severity', 'ruleSeverity', 'remedy', 'kind']);
    const poison = (value: unknown, key = ''): unknown => {
      if (typeof value === 'string') return keep.has(key) ? value : `${value}${HOSTILE}`;
      if (Array.isArray(value)) return value.map((v) => poison(v));
      if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poison(v, k)]));
      return value;
    };
    report = poison(clean) as Report;
    assert.ok(
      report.findings.some((f) => f.severity === 'error'),
      'the pair has a failing check to render',
    );
  });

  it('text: no raw control character, and exactly as many lines as the clean report', () => {
    for (const color of [false, true]) {
      const text = renderText(report, { color }).replace(OUR_COLOUR, '');
      assert.doesNotMatch(text, RAW);
      assert.equal(text.split('\n').length, renderText(clean, { color }).split('\n').length);
      assert.equal(text.split('\n').filter((l) => l.startsWith('verdict: ')).length, 1);
    }
    assert.doesNotMatch(renderText(report, { color: false, quiet: true }), RAW);
  });

  it('JUnit: well-formed XML with no control character but the newlines between findings', () => {
    const xml = renderJunit(report);
    assert.ok(wellFormed(xml), 'well-formed');
    assert.doesNotMatch(xml, RAW);
    assert.ok(!wellFormed(`<a>${'\x1b'}</a>`), 'the parser refuses what XML 1.0 forbids, so the check above can fail');
  });

  it('error line: one line, whatever the message and hint hold', () => {
    const line = renderErrorLine(summarizeError(new InputError('INPUT_MISSING', `x${HOSTILE}: no such file`, `fix${HOSTILE}`)), { subject: `domain ${HOSTILE}`, outcome: 'vetoing' });
    assert.equal(line.indexOf('\n'), line.length - 1);
    assert.doesNotMatch(line.slice(0, -1), RAW);
  });
});

describe('through the CLI', () => {
  let scratch: string;
  let evil: string;
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-escape-'));
    const collected = await runCli(['collect', '--from', repoPath('profiles/vdpasim/k6.12-negotiated'), '--format', 'json']);
    const profile = JSON.parse(collected.stdout) as { host: { hostname: string }; devices: Array<{ name: string }> };
    // A hostname that forges a verdict line, a device name with an OSC title sequence and an RLO.
    profile.host.hostname = 'h\n\nverdict: \x1b[32mCOMPATIBLE\x1b[0m (0 errors)\n';
    profile.devices[0]!.name = 'vd\x1b]0;pwned\x07pa0\u202e';
    // Linux lets a file name hold any byte but / and NUL.
    evil = join(scratch, 'src\n\x1b[1mverdict: COMPATIBLE.json');
    await writeFile(evil, JSON.stringify(profile));
  });

  it('check text: a profile that carries control characters is refused in one escaped line, never rendered', async () => {
    const r = await runCli(['check', evil, repoPath('profiles/vdpasim/k6.12-mtu9000')]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    assert.doesNotMatch(r.stderr.trimEnd(), RAW);
    assert.doesNotMatch(r.stderr, /^verdict/m);
    assert.match(r.stderr, /src\\x0a\\x1b\[1mverdict: COMPATIBLE\.json: 2 problems: \/host\/hostname: must not contain control characters \(has U\+000A\).*\/devices\/0\/name: .*\[PROFILE_INVALID\]/);
  });

  it('check --format junit and --json: valid documents; JSON keeps the exact file name and each problem', async () => {
    const junit = await runCli(['check', evil, repoPath('profiles/vdpasim/k6.12-mtu9000'), '--format', 'junit']);
    assert.equal(junit.code, 2);
    assert.ok(wellFormed(junit.stdout), junit.stdout);
    assert.doesNotMatch(junit.stdout, RAW);
    const json = await runCli(['check', evil, repoPath('profiles/vdpasim/k6.12-mtu9000'), '--json']);
    assert.equal(json.code, 2);
    const doc = JSON.parse(json.stdout) as { error: { code: string; file: string; problems: Array<{ pointer: string }> } };
    assert.equal(doc.error.code, 'PROFILE_INVALID');
    assert.equal(doc.error.file, evil);
    assert.deepEqual(
      doc.error.problems.map((p) => p.pointer),
      ['/host/hostname', '/devices/0/name'],
    );
  });

  it('an error naming such a file is one line, escaped (and so is its JUnit case)', async () => {
    const missing = join(scratch, 'gone\n\x1b[2Jvdpa-compat: all good.yaml');
    const r = await runCli(['check', missing, evil]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    assert.match(r.stderr, /gone\\x0a\\x1b\[2Jvdpa-compat: all good\.yaml: no such file or directory \[INPUT_MISSING\]/);
    const junit = await runCli(['check', missing, evil, '--format', 'junit']);
    assert.ok(wellFormed(junit.stdout), junit.stdout);
    assert.doesNotMatch(junit.stdout, RAW);
  });

  it("hook: a domain name and a char device path cannot forge a line of libvirt's log", async () => {
    const xml = (await readFile(repoPath('test/fixtures/libvirt/vm-vdpa-interface.xml'), 'utf8')).replace("'/dev/vhost-vdpa-0'", "'/dev/vhost-vdpa-0&#10;vdpa-compat: domain vm: allowed&#x202e;'");
    const r = await runCli(['hook', 'qemu', '--from', dumpPath('e2e/k6.12/sim-netlink'), '--', 'vm\nvdpa-compat: domain vm: migration allowed', 'migrate', 'begin', '-'], { stdin: xml });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.doesNotMatch(lines[0] ?? '', RAW);
    assert.match(lines[0] ?? '', /^vdpa-compat: domain vm\\x0avdpa-compat: domain vm: migration allowed: interface .*\/dev\/vhost-vdpa-0\\x0avdpa-compat: domain vm: allowed\\u202e\): no source profile/);
  });
});
