/**
 * Machine-readable output stays machine-readable: with --json (-j) every
 * failure, usage errors included, is one error document on stdout; with
 * --format junit, a JUnit file with one failed test case. stderr still gets
 * the one line, and the exit status is 2.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { validateReport } from '../../src/generated/report-validator.js';
import { requestedFormat } from '../../src/cli/main.js';
import { hasStack, runCli } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';

const NEGOTIATED = repoPath('profiles/vdpasim/k6.12-negotiated');
const MTU9000 = repoPath('profiles/vdpasim/k6.12-mtu9000');

interface ErrorDoc {
  verdict: string;
  exitStatus: number;
  error: { code: string; message: string; hint: string | null; problems?: Array<{ pointer: string; message: string }> };
}

interface JunitError {
  testsuites: { '@tests': string; '@failures': string; testsuite: { '@tests': string; '@failures': string; testcase: Array<{ '@name': string; failure?: { '@type': string; '@message': string; '#text': string } }> } };
}

const parseJunit = (xml: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => name === 'testcase' }).parse(xml) as JunitError;

let scratch: string;
let broken: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-machine-'));
  const yaml = (await runCli(['collect', '--from', NEGOTIATED])).stdout;
  broken = join(scratch, 'broken.yaml');
  await writeFile(broken, yaml.replace('class: net', 'class: gpu').replace(/maxVqSize: \d+/, 'maxVqSize: huge'));
});

/** Usage errors commander finds before any command runs, and errors of the command itself. */
const FAILURES: Array<[string, string[], string]> = [
  ['a missing argument', ['check', NEGOTIATED], 'USAGE'],
  ['an unknown option', ['check', NEGOTIATED, MTU9000, '--bogus'], 'USAGE'],
  ['a bad option value', ['check', NEGOTIATED, MTU9000, '--rx-queue-size', '300'], 'USAGE'],
  ['a bad choice', ['check', NEGOTIATED, MTU9000, '--color', 'sometimes'], 'USAGE'],
  ['a missing file', ['check', NEGOTIATED, '/nonexistent/dst.yaml'], 'INPUT_MISSING'],
];

describe('check --json on every failure', () => {
  for (const [label, args, code] of FAILURES) {
    for (const flag of [['--json'], ['-j'], ['--format', 'json'], ['--format=json']]) {
      it(`${label} (${flag.join(' ')}): one error document on stdout, one line on stderr, exit 2`, async () => {
        const r = await runCli([...args, ...flag]);
        assert.equal(r.code, 2);
        const doc = JSON.parse(r.stdout) as ErrorDoc;
        assert.ok(validateReport(doc), JSON.stringify(validateReport.errors));
        assert.deepEqual([doc.verdict, doc.exitStatus, doc.error.code], ['error', 2, code]);
        assert.equal(r.stderr.split('\n').length, 2, r.stderr);
        assert.match(r.stderr, new RegExp(`^vdpa-compat: .* \\[${code}\\]; fix: `));
        assert.ok(!hasStack(r.stderr));
      });
    }
  }

  it('keeps every schema problem with its pointer', async () => {
    const r = await runCli(['check', broken, MTU9000, '-j']);
    const doc = JSON.parse(r.stdout) as ErrorDoc;
    assert.ok(validateReport(doc), JSON.stringify(validateReport.errors));
    assert.equal(doc.error.code, 'PROFILE_INVALID');
    assert.deepEqual(doc.error.problems?.map((p) => p.pointer).sort(), ['/devices/0/class', '/devices/0/maxVqSize']);
  });

  it('usage errors without --json print nothing on stdout, and the line names the --help to read', async () => {
    const r = await runCli(['check', NEGOTIATED]);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, "vdpa-compat: missing required argument 'target' [USAGE]; fix: Run `vdpa-compat check --help` for the usage and examples.\n");
    const hook = await runCli(['hook', 'frobnicate']);
    assert.equal(hook.code, 2);
    assert.match(hook.stderr, /^vdpa-compat: unknown command 'frobnicate' \[USAGE\]; fix: Run `vdpa-compat hook --help`/);
  });
});

describe('check --format junit on every failure', () => {
  for (const [label, args, code] of [...FAILURES, ['an invalid profile', ['check', 'BROKEN', MTU9000], 'PROFILE_INVALID'] as [string, string[], string]]) {
    it(`${label}: a JUnit file with one failed test case`, async () => {
      const r = await runCli([...args.map((a) => (a === 'BROKEN' ? broken : a)), '--format', 'junit']);
      assert.equal(r.code, 2);
      assert.match(r.stdout, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /);
      const doc = parseJunit(r.stdout);
      const suite = doc.testsuites.testsuite;
      assert.deepEqual([doc.testsuites['@tests'], doc.testsuites['@failures'], suite['@tests'], suite['@failures'], suite.testcase.length], ['1', '1', '1', '1', 1]);
      assert.equal(suite.testcase[0]?.failure?.['@type'], code);
      assert.match(suite.testcase[0]?.failure?.['#text'] ?? '', /fix: /);
      assert.match(r.stderr, new RegExp(`\\[${code}\\]`));
    });
  }

  it('an invalid profile: each problem on its own line of the failure text', async () => {
    const r = await runCli(['check', broken, MTU9000, '--format', 'junit']);
    const text = parseJunit(r.stdout).testsuites.testsuite.testcase[0]?.failure?.['#text'] ?? '';
    assert.match(text, /^\/devices\/0\/class: must be one of/m);
    assert.match(text, /^\/devices\/0\/maxVqSize: must be integer/m);
  });
});

describe('hook status -j', () => {
  it('prints an error document on a usage error too', async () => {
    const r = await runCli(['hook', 'status', '-j', '--bogus']);
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout) as ErrorDoc;
    assert.ok(validateReport(doc), JSON.stringify(validateReport.errors));
    assert.equal(doc.error.code, 'USAGE');
  });
});

describe('requestedFormat (argv read before commander parses it)', () => {
  it('finds --json, -j (alone or among short flags), --format and --format=, last --format winning, only for check and hook status', () => {
    const cases: Array<[string[], string]> = [
      [['check', 'a', '--json'], 'json'],
      [['check', '-qj', 'a'], 'json'],
      [['check', 'a', '--format', 'junit', '-j'], 'junit'],
      [['check', '--format=json', '--format', 'text'], 'text'],
      [['--debug', 'check', 'a', '-j'], 'json'],
      [['check', 'a', '--', '--json'], 'text'],
      [['collect', '--format', 'json'], 'text'],
      [['hook', 'status', '--json'], 'json'],
      [['hook', 'qemu', '-j'], 'text'],
      [['explain', '-j'], 'text'],
    ];
    for (const [argv, format] of cases) assert.equal(requestedFormat(argv), format, argv.join(' '));
  });
});
