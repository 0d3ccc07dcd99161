import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { repoPath } from '../helpers/paths.js';

describe('man page (dist/vdpa-compat.1, generated from the CLI definition)', () => {
  const page = readFileSync(repoPath('dist/vdpa-compat.1'), 'utf8');
  const program = buildProgram({ stdout: { write() {} }, stderr: { write() {} }, env: {} }, () => {});
  const commands: Array<[string, Command]> = program.commands.flatMap((c) => (c.commands.length > 0 ? c.commands.map((s): [string, Command] => [`${c.name()} ${s.name()}`, s]) : [[c.name(), c] as [string, Command]]));

  it('has a section, every option and the examples of every command', () => {
    for (const [name, command] of commands) {
      assert.ok(page.includes(`.SS "vdpa-compat ${name.replace(/-/g, '\\-')}`), `section for ${name}`);
      for (const option of command.options) assert.ok(page.includes(`\\fB${option.flags.replace(/ <.*>$| \[.*\]$/, '').replace(/-/g, '\\-')}\\fR`), `${name} ${option.flags}`);
    }
    assert.match(page, /^\.SH EXIT STATUS$/m);
    assert.ok(page.includes('vdpa\\-compat hook install \\-\\-timeout 3000'));
    assert.ok(page.includes('vdpa\\-compat plan src.yaml dst\\-host.yaml'));
  });

  it('renders without warnings', (t) => {
    if (!existsSync('/usr/bin/man')) return t.skip('man is not installed');
    const man = spawnSync('man', ['--warnings', '-l', repoPath('dist/vdpa-compat.1')], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '100' } });
    assert.equal(man.status, 0);
    assert.equal(man.stderr, '');
    assert.match(man.stdout, /vdpa-compat hook qemu/);
  });
});
