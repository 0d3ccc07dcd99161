import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { builtinRules } from '../src/rules/builtin/index.js';
import { repoPath } from './helpers/paths.js';

describe('README', () => {
  it('its library example runs as written against the built package', async () => {
    const readme = readFileSync(repoPath('README.md'), 'utf8');
    const example = /## Library\n[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example, 'README has a ## Library js block');
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', example], { cwd: repoPath('.'), encoding: 'utf8' }, (error: Error | null, out: string) => (error ? reject(error) : resolve({ stdout: out }))),
    );
    assert.match(stdout, /^incompatible 1 \[/);
    assert.match(stdout, /negotiated-features-offered\/missing/);
    assert.match(stdout, /verdict: INCOMPATIBLE/);
  });

  it('its table of checks lists exactly the built-in rules, in order', () => {
    const readme = readFileSync(repoPath('README.md'), 'utf8');
    const table = /## What is checked\n[\s\S]*?\n\| rule \| holds when \|\n\|---\|---\|\n((?:\|.*\|\n)+)/.exec(readme)?.[1] ?? '';
    const listed = [...table.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(
      listed,
      builtinRules.map((r) => r.id),
    );
    assert.match(
      readme,
      new RegExp(
        `\\n${['Zero', 'One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight', 'Nine', 'Ten', 'Eleven', 'Twelve', 'Thirteen', 'Fourteen', 'Fifteen', 'Sixteen', 'Seventeen', 'Eighteen', 'Nineteen', 'Twenty'][builtinRules.length] ?? String(builtinRules.length)} rules, each with a doc`,
      ),
    );
  });

  it('shows the demo and test commands that .ci/run runs', () => {
    const readme = readFileSync(repoPath('README.md'), 'utf8');
    const ci = readFileSync(repoPath('.ci/run'), 'utf8');
    for (const command of ['npm ci && npm run demo', 'npm test', 'npm run test:e2e', 'npm run test:libvirt', 'npm run test:qemu']) {
      assert.ok(readme.includes(`\n${command}\n`), `README shows ${command}`);
      assert.ok(ci.includes(`\n${command}\n`), `.ci/run runs ${command}`);
    }
  });
});
