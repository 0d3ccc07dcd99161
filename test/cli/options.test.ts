/**
 * Options for operators: -q/--quiet, --color with FORCE_COLOR and NO_COLOR,
 * -j on hook status, bash completion, and the help that documents them.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { useColor } from '../../src/cli/color.js';
import { buildProgram } from '../../src/cli/program.js';
import { CLI, dumpPath } from '../helpers/paths.js';
import { hasCommand } from '../helpers/replay.js';

const SIM = dumpPath('e2e/k6.12/sim-netlink');
const Q = ['--source-qemu', '10.0.2', '--target-qemu', '10.0.2'];
const SGR = /\x1b\[\d+m/;

/** The CLI with exactly this environment (no inherited FORCE_COLOR or NO_COLOR). */
function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0, stdout, stderr });
    });
  });
}

describe('check -q', () => {
  it('prints nothing when every check passed, and exits 0', async () => {
    const r = await run(['check', SIM, SIM, '--source-device', 'same', '--target-device', 'idle', ...Q, '-q']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  });

  it('prints only the checks that did not pass, their findings, and the verdict', async () => {
    const full = await run(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'fewer', ...Q]);
    const quiet = await run(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'fewer', ...Q, '--quiet']);
    assert.equal(quiet.code, 1);
    assert.doesNotMatch(quiet.stdout, / : (PASS|N\/A)$/m);
    assert.doesNotMatch(quiet.stdout, /^(source|target): /m);
    const failing = full.stdout
      .split('\n')
      .filter((l) => / : (FAIL|WARN)$/.test(l))
      .map((l) => l.replace(/\s+:/, ' :').trim());
    assert.ok(failing.length > 0);
    assert.deepEqual(
      quiet.stdout
        .split('\n')
        .filter((l) => / : (FAIL|WARN)$/.test(l))
        .map((l) => l.replace(/\s+:/, ' :').trim()),
      failing,
    );
    assert.match(quiet.stdout, /fix: Re-create the target/);
    assert.match(quiet.stdout, /\nverdict: INCOMPATIBLE .*\n( {2}.*\n)*$/);
  });

  it('leaves --json complete', async () => {
    const plain = await run(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'fewer', ...Q, '-j']);
    const quiet = await run(['check', SIM, SIM, '--source-device', 'src', '--target-device', 'fewer', ...Q, '-qj']);
    assert.equal(quiet.stdout, plain.stdout);
  });
});

describe('--color', () => {
  const args = ['check', SIM, SIM, '--source-device', 'src', '--target-device', 'fewer', ...Q];
  it('a pipe gets no colour by default; always and FORCE_COLOR turn it on, never and FORCE_COLOR=0 off', async () => {
    const cases: Array<[string[], Record<string, string>, boolean]> = [
      [[], {}, false],
      [['--color', 'always'], {}, true],
      [['--color', 'always'], { NO_COLOR: '1' }, true],
      [[], { FORCE_COLOR: '1' }, true],
      [[], { FORCE_COLOR: '' }, true],
      [[], { FORCE_COLOR: '1', NO_COLOR: '1' }, true],
      [[], { FORCE_COLOR: '0' }, false],
      [['--color', 'never'], { FORCE_COLOR: '1' }, false],
      [['--color', 'auto'], { FORCE_COLOR: 'false' }, false],
    ];
    for (const [extra, env, coloured] of cases) {
      const r = await run([...args, ...extra], env);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(SGR.test(r.stdout), coloured, `${extra.join(' ')} ${JSON.stringify(env)}`);
    }
  });

  it('on a terminal: colour unless NO_COLOR is set and not empty, or TERM=dumb', () => {
    const tty = { stdout: { write: () => true, isTTY: true } };
    assert.equal(useColor('auto', { ...tty, env: {} }), true);
    assert.equal(useColor('auto', { ...tty, env: { NO_COLOR: '' } }), true, 'an empty NO_COLOR is unset (no-color.org)');
    assert.equal(useColor('auto', { ...tty, env: { NO_COLOR: '1' } }), false);
    assert.equal(useColor('auto', { ...tty, env: { TERM: 'dumb' } }), false);
    assert.equal(useColor('auto', { stdout: { write: () => true, isTTY: false }, env: {} }), false);
    assert.equal(useColor('never', { ...tty, env: { FORCE_COLOR: '3' } }), false);
  });
});

describe('hook status -j and -q', () => {
  it('-j is --json; -q prints only the problems', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vdpa-compat-status-'));
    const root = join(dir, 'no-proc');
    const json = await run(['hook', 'status', '--dir', dir, '--sysfs-root', root, '-j']);
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.stdout) as { healthy: boolean }).healthy, false);
    const quiet = await run(['hook', 'status', '--dir', dir, '--sysfs-root', root, '-q']);
    assert.equal(quiet.code, 1);
    assert.ok(quiet.stdout.length > 0);
    assert.ok(
      quiet.stdout
        .split('\n')
        .filter(Boolean)
        .every((l) => l.startsWith('problem: ')),
      quiet.stdout,
    );
  });
});

describe('completion bash', { skip: !hasCommand('bash', ['-c', 'true']) && 'bash not installed' }, () => {
  const complete = async (line: string): Promise<string[]> => {
    const dir = await mkdtemp(join(tmpdir(), 'vdpa-compat-completion-'));
    const script = join(dir, 'completion.bash');
    await writeFile(script, execFileSync(process.execPath, [CLI, 'completion', 'bash'], { encoding: 'utf8' }));
    // As bash fills them in for the line: words split on spaces, the cursor on the last word.
    const words = line.split(' ');
    const program = `source '${script}'; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _vdpa_compat; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync('bash', ['-c', program], { encoding: 'utf8', cwd: dir }).split('\n').filter(Boolean).sort();
  };

  it('completes commands, subcommands, options, choices and finding codes', async () => {
    assert.deepEqual(await complete('vdpa-compat ch'), ['check']);
    assert.deepEqual(await complete('vdpa-compat pl'), ['plan']);
    assert.deepEqual(await complete('vdpa-compat hook s'), ['status']);
    assert.deepEqual(await complete('vdpa-compat check a b --fo'), ['--format']);
    assert.deepEqual(await complete('vdpa-compat check a b --format '), ['json', 'junit', 'text']);
    assert.deepEqual(await complete('vdpa-compat check --color '), ['always', 'auto', 'never']);
    assert.deepEqual(await complete('vdpa-compat collect --source '), ['auto', 'netlink', 'vdpa-tool']);
    assert.deepEqual(await complete('vdpa-compat completion '), ['bash']);
    assert.ok((await complete('vdpa-compat explain mtu-match/')).includes('mtu-match/targetSmaller'));
    // An option's value is not taken for a command: `--policy check` leaves us in check.
    assert.deepEqual(await complete('vdpa-compat check --policy hook --stdin-t'), ['--stdin-timeout']);
    assert.deepEqual(await complete('vdpa-compat hook install --dir hook --on-'), ['--on-error']);
  });

  it('offers every option of every command', async () => {
    const program = buildProgram({ stdout: { write: () => true }, stderr: { write: () => true }, env: {} }, () => {});
    for (const command of program.commands) {
      for (const sub of command.commands.length > 0 ? command.commands : [command]) {
        const path = sub === command ? command.name() : `${command.name()} ${sub.name()}`;
        const offered = await complete(`vdpa-compat ${path} --`);
        for (const option of sub.options) assert.ok(offered.includes(option.long ?? ''), `${path} ${option.long}`);
      }
    }
  });
});

describe('--help documents the new options, with examples', () => {
  it('check, collect, hook status', async () => {
    const check = (await run(['check', '--help'])).stdout;
    for (const text of ['-q, --quiet', '--color <when>', '--stdin-timeout <ms>', 'collect -o - | vdpa-compat check - dst.yaml', 'FORCE_COLOR', 'NO_COLOR']) assert.ok(check.includes(text), text);
    const collect = (await run(['collect', '--help'])).stdout;
    assert.ok(collect.includes('vdpa-compat collect -o - --format json'));
    const status = (await run(['hook', 'status', '--help'])).stdout;
    assert.ok(status.includes('-j, --json') && status.includes('-q, --quiet'));
    assert.match((await run(['completion', '--help'])).stdout, /source <\(vdpa-compat completion bash\)/);
  });
});
