/**
 * Pipes: `collect -o -` prints the profile and nothing else on stdout;
 * `check -` reads one side from stdin (YAML or JSON, told apart by content),
 * so `ssh HOST vdpa-compat collect -o - | vdpa-compat check - dst.yaml`
 * works; stdin is capped in size and time, and an empty or endless one is
 * one clear line, never a hang or an "undefined".
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { validateReport } from '../../src/generated/report-validator.js';
import { hasStack, runCli, type CliResult } from '../helpers/cli.js';
import { CLI, repoPath } from '../helpers/paths.js';

const NEGOTIATED = repoPath('profiles/vdpasim/k6.12-negotiated');
const MTU9000 = repoPath('profiles/vdpasim/k6.12-mtu9000');
const Q = ['--source-qemu', '10.0.2', '--target-qemu', '10.0.2'];

/** The CLI with a stdin pipe that is never closed (a writer that hung); killed after 30 s if it does not end. */
function runWithOpenStdin(args: string[], written = ''): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin.on('error', () => {});
    child.stdin.write(written);
    child.on('close', (code) => {
      clearTimeout(kill);
      child.stdin.destroy();
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vdpa-compat-pipes-'));
});

describe('collect -o -', () => {
  it('prints the profile and nothing else on stdout, YAML by default and JSON with --format json', async () => {
    const file = join(scratch, 'p.yaml');
    assert.equal((await runCli(['collect', '--from', NEGOTIATED, '-o', file])).code, 0);
    const yaml = await runCli(['collect', '--from', NEGOTIATED, '-o', '-']);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.equal(yaml.stdout, await readFile(file, 'utf8'));
    assert.equal(yaml.stderr, '');
    const json = await runCli(['collect', '--from', NEGOTIATED, '-o', '-', '--format', 'json']);
    assert.equal((JSON.parse(json.stdout) as { kind: string }).kind, 'vdpa-compat/host-profile');
  });

  it('with --save-raw: the dump is written, the profile still goes to stdout, the note to stderr', async () => {
    const dump = join(scratch, 'dump');
    const r = await runCli(['collect', '--from', NEGOTIATED, '-o', '-', '--save-raw', dump]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^schemaVersion: /m);
    assert.match(r.stderr, /^vdpa-compat: wrote dump directory .*dump\n$/);
    assert.ok((await readdir(dump)).includes('vdpa-mgmtdev-show.json'));
  });
});

describe('check - (a profile on stdin)', () => {
  it('reads YAML or JSON, told apart by content, and decides as with the file', async () => {
    const yaml = (await runCli(['collect', '--from', NEGOTIATED, '-o', '-'])).stdout;
    const json = (await runCli(['collect', '--from', NEGOTIATED, '-o', '-', '--format', 'json'])).stdout;
    const fromFile = JSON.parse((await runCli(['check', NEGOTIATED, MTU9000, ...Q, '--json'])).stdout) as { verdict: string; findings: unknown[] };
    for (const [form, text] of [
      ['yaml', yaml],
      ['json', json],
      ['json with leading space', `\n  ${json}`],
    ] as const) {
      const r = await runCli(['check', '-', MTU9000, ...Q, '--json'], { stdin: text });
      assert.equal(r.code, 1, `${form}: ${r.stderr}`);
      const report = JSON.parse(r.stdout) as { verdict: string; findings: unknown[]; source: { input: string } };
      assert.ok(validateReport(report), JSON.stringify(validateReport.errors));
      assert.deepEqual([report.verdict, report.findings], [fromFile.verdict, fromFile.findings], form);
      assert.equal(report.source.input, 'stdin');
    }
    const target = await runCli(['check', NEGOTIATED, '-', ...Q], { stdin: yaml });
    assert.equal(target.code, 1, target.stderr);
    assert.match(target.stdout, /^target: vdpa0 .*\[stdin\]$/m);
  });

  it('works as the pipeline the README shows: collect -o - | check -', async () => {
    const sh = `"${process.execPath}" "${CLI}" collect --from "${NEGOTIATED}" -o - | "${process.execPath}" "${CLI}" check - "${MTU9000}" -q ${Q.join(' ')}`;
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) =>
      execFile('/bin/sh', ['-c', sh], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } }, (error, stdout) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout })),
    );
    assert.equal(r.code, 1);
    assert.match(r.stdout, /verdict: INCOMPATIBLE/);
    assert.doesNotMatch(r.stdout, / : PASS$/m, '-q shows only what did not pass');
  });

  it('refuses - for both sides, an empty stdin, and a document that is not a profile: one line, exit 2, no "undefined"', async () => {
    const cases: Array<[string[], string, RegExp]> = [
      [['check', '-', '-'], '', /both - \(stdin\).* \[USAGE\]; fix: /],
      [['check', '-', MTU9000], '', /^vdpa-compat: stdin: empty, not a profile \[INPUT_MISSING\]; fix: /],
      [['check', '-', MTU9000], '  \n', /stdin: empty, not a profile \[INPUT_MISSING\]/],
      [['check', '-', MTU9000], '{"kind": ', /^vdpa-compat: stdin: not valid JSON .*\[PROFILE_PARSE\]/],
      [['check', '-', MTU9000], 'kind: [unclosed\n', /^vdpa-compat: stdin:\d+:\d+: not valid YAML .*\[PROFILE_PARSE\]/],
      [['check', '-', MTU9000], 'apiVersion: v1\nkind: Pod\n', /^vdpa-compat: stdin: not a vdpa-compat host profile .*\[INPUT_NOT_PROFILE\]/],
      [['annotate', '-'], '', /^vdpa-compat: stdin: empty, not a domain XML \[INPUT_MISSING\]; fix: /],
      [['annotate', '-'], '<x/>', /^vdpa-compat: the domain XML on stdin: not a libvirt domain XML .*\[DOMAIN_XML_INVALID\]/],
    ];
    for (const [args, stdin, pattern] of cases) {
      const r = await runCli(args, { stdin });
      const label = `${args.join(' ')} < ${JSON.stringify(stdin)}`;
      assert.equal(r.code, 2, label);
      assert.match(r.stderr, pattern, label);
      assert.equal(r.stderr.split('\n').length, 2, `${label}: one line: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /undefined/, label);
      assert.ok(!hasStack(r.stderr), label);
      assert.equal(r.stdout, '', label);
    }
  });

  it('caps stdin in size', async () => {
    const r = await runCli(['check', '-', MTU9000], { stdin: `# ${'x'.repeat(4 * 1024 * 1024)}\n` });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^vdpa-compat: stdin: more than the 4194304-byte limit for a profile \[INPUT_TOO_LARGE\]; fix: /);
  });
});

describe('a stdin that stays open', () => {
  it('check - and annotate - give up after --stdin-timeout: exit 2, one line, no hang', async () => {
    for (const args of [
      ['check', '-', MTU9000, '--stdin-timeout', '300'],
      ['annotate', '-', NEGOTIATED, '--stdin-timeout', '300'],
    ]) {
      const r = await runWithOpenStdin(args, '<domain');
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /^vdpa-compat: stdin: still open after 300 ms \(7 bytes of a (profile|domain XML) read, no end of input\) \[INPUT_TIMEOUT\]; fix: Close the pipe.*--stdin-timeout/);
      assert.equal(r.stderr.split('\n').length, 2);
      // A functional bound, not a benchmark: it must not wait for the 30 s kill.
      assert.ok(r.ms < 15_000, `${args[0]} took ${r.ms} ms`);
    }
  });

  it('--json still prints the error document on a stdin timeout', async () => {
    const r = await runWithOpenStdin(['check', '-', MTU9000, '--stdin-timeout', '200', '-j']);
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout) as { error: { code: string } };
    assert.ok(validateReport(doc), JSON.stringify(validateReport.errors));
    assert.equal(doc.error.code, 'INPUT_TIMEOUT');
  });
});
