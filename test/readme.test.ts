import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { repoPath } from './helpers/paths.js';

describe('README', () => {
  it('its library example runs as written against the built package', async () => {
    const readme = readFileSync(repoPath('README.md'), 'utf8');
    const example = /## Library\n[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example, 'README has a ## Library js block');
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', example], { cwd: repoPath('.'), encoding: 'utf8' }, (error, out) => (error ? reject(error) : resolve({ stdout: out }))),
    );
    assert.match(stdout, /^incompatible \[/);
    assert.match(stdout, /negotiated-features-offered\/missing/);
    assert.match(stdout, /verdict: INCOMPATIBLE/);
  });

  it('shows the demo and test commands that .ci/run runs', () => {
    const readme = readFileSync(repoPath('README.md'), 'utf8');
    const ci = readFileSync(repoPath('.ci/run'), 'utf8');
    for (const command of ['npm ci && npm run demo', 'npm test', 'npm run test:e2e', 'npm run test:libvirt']) {
      assert.ok(readme.includes(`\n${command}\n`), `README shows ${command}`);
      assert.ok(ci.includes(`\n${command}\n`), `.ci/run runs ${command}`);
    }
  });
});
