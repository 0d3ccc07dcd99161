import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { collect } from '../src/collect/collect.js';
import { loadProfile, serializeProfile } from '../src/profile/load.js';
import { builtinRules } from '../src/rules/builtin/index.js';
import { retiredCodes } from '../src/rules/retired.js';
import { TOOL_VERSION } from '../src/version.js';
import { docSection } from '../src/cli/commands/explain.js';
import { repoPath } from './helpers/paths.js';

const codesOf = (rule: (typeof builtinRules)[number]) => Object.keys(rule.messages).map((id) => `${rule.id}/${id}`);

describe('every rule has a doc and a test', () => {
  for (const rule of builtinRules) {
    it(rule.id, () => {
      const docPath = repoPath(`docs/rules/${rule.id}.md`);
      const testPath = repoPath(`test/rules/${rule.id}.test.ts`);
      assert.ok(existsSync(docPath), `missing ${relative(repoPath('.'), docPath)}`);
      assert.ok(existsSync(testPath), `missing ${relative(repoPath('.'), testPath)}`);
      const doc = readFileSync(docPath, 'utf8');
      assert.match(doc, new RegExp(`^# ${rule.id}$`, 'm'));
      assert.match(doc, /^## Why migration breaks$/m);
      const sections = [...doc.matchAll(/^### `([^`]+)`/gm)].map((m) => m[1]);
      assert.deepEqual(sections, codesOf(rule), 'one ### section per code, in the rule\'s order');
      for (const code of codesOf(rule)) assert.ok(docSection(doc, code), code);
      const test = readFileSync(testPath, 'utf8');
      for (const code of codesOf(rule)) assert.ok(test.includes(`'${code}'`), `${rule.id}.test.ts never asserts ${code}`);
    });
  }
});

describe('finding codes', () => {
  it('are unique, well formed, and never a retired code', () => {
    const all = builtinRules.flatMap(codesOf);
    assert.equal(new Set(all).size, all.length);
    for (const code of all) assert.match(code, /^[a-z0-9-]+\/[A-Za-z0-9]+$/);
    for (const code of Object.keys(retiredCodes)) assert.ok(!all.includes(code), `${code} is retired`);
    assert.equal(new Set(builtinRules.map((r) => r.id)).size, builtinRules.length);
  });
});

describe('bundled profiles', () => {
  const root = repoPath('profiles');
  const parents = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory());
  const yamls = parents.flatMap((p) => readdirSync(join(root, p.name)).filter((f) => f.endsWith('.yaml')).map((f) => join(root, p.name, f)));
  it('exist', () => assert.ok(yamls.length >= 4));
  for (const file of yamls) {
    it(`${relative(root, file)} validates and matches its dump (npm run profiles regenerates it)`, async () => {
      const loaded = await loadProfile(file);
      const { profile } = await collect({ from: file.replace(/\.yaml$/, '') });
      assert.deepEqual(loaded, JSON.parse(JSON.stringify(profile)));
      assert.equal(readFileSync(file, 'utf8'), await serializeProfile(profile, 'yaml'));
    });
  }
});

describe('project', () => {
  it('version.ts matches package.json', () => {
    const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string };
    assert.equal(TOOL_VERSION, pkg.version);
  });

  it('imports go one way: cli → hook → verdict → rules → profile, collect → profile', () => {
    // Which top-level directories of src/ each directory may import from (errors.ts and
    // input-file.ts are leaves every layer may use; output-file.ts, the durable writer, is a
    // leaf for the layers that write: collect writes --save-raw dump directories).
    const allowed: Record<string, string[]> = {
      profile: ['profile', 'errors.ts', 'input-file.ts', 'version.ts', 'generated', 'yaml.ts'],
      knowledge: ['knowledge', 'profile', 'generated'],
      collect: ['collect', 'profile', 'errors.ts', 'input-file.ts', 'output-file.ts', 'version.ts'],
      rules: ['rules', 'knowledge', 'profile', 'errors.ts', 'generated'],
      verdict: ['verdict', 'rules', 'knowledge', 'profile', 'errors.ts', 'version.ts', 'generated', 'yaml.ts'],
      libvirt: ['libvirt', 'profile', 'errors.ts', 'version.ts'],
      hook: ['hook', 'libvirt', 'collect', 'profile', 'rules', 'verdict', 'input.ts', 'errors.ts', 'input-file.ts', 'output-file.ts', 'version.ts'],
      cli: ['cli', 'hook', 'libvirt', 'collect', 'profile', 'rules', 'verdict', 'knowledge', 'input.ts', 'input-file.ts', 'output-file.ts', 'yaml.ts', 'errors.ts', 'version.ts'],
    };
    const src = repoPath('src');
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    for (const file of walk(src)) {
      const top = relative(src, file).split('/')[0] ?? '';
      const rules = allowed[top];
      if (!rules) continue;
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '(\.[^']+)'/gm)) {
        const target = relative(src, join(file, '..', spec!)).split('/')[0] ?? '';
        assert.ok(rules.includes(target.replace(/\.js$/, '.ts')) || rules.includes(target), `${relative(src, file)} imports ${spec}`);
      }
    }
  });
});
