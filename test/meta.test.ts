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
      assert.deepEqual(sections, codesOf(rule), "one ### section per code, in the rule's order");
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
  const yamls = parents.flatMap((p) =>
    readdirSync(join(root, p.name))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(root, p.name, f)),
  );
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

  // The import rule, in the words README ("Layout") uses; STYLE.md's, with our stages named.
  const IMPORT_RULE =
    'Imports go one way: front ends (cli, hook) → index → libvirt → provision → fleet → plan → verdict → rules → knowledge → profile, and collect → profile. Rules, knowledge, verdict, plan and fleet never do I/O. Nothing imports cli/ or hook/.';

  it('README states the import rule this test keeps, word for word', () => {
    const readme = readFileSync(repoPath('README.md'), 'utf8').replace(/\s+/g, ' ');
    assert.ok(readme.includes(IMPORT_RULE), `README.md must say: ${IMPORT_RULE}`);
  });

  it(IMPORT_RULE, () => {
    // Which top-level entries of src/ each one may import from, by static import/export and by
    // dynamic import() alike: the rule of STYLE.md and README ("Layout"), with our stages in it.
    // The front ends import the library through index.ts only, which re-exports and nothing else.
    // The hook libvirt runs is the CLI's `hook qemu` command (one entry, one bundle, one code cache),
    // so src/hook/ does not exist; should it, it is a front end like src/cli. Root files are leaves
    // (errors, control characters, version, generated, yaml, the input and output file helpers)
    // except input.ts (loads any input: profile, dump, policy, rule pack, baseline).
    const leaves = ['errors.ts', 'control-chars.ts', 'version.ts', 'generated', 'yaml.ts', 'input-file.ts'];
    const frontEnd = ['index.ts'];
    const allowed: Record<string, string[]> = {
      'errors.ts': ['control-chars.ts'],
      'control-chars.ts': [],
      'version.ts': [],
      'yaml.ts': ['errors.ts'],
      'input-file.ts': ['errors.ts'],
      'output-file.ts': ['errors.ts'],
      'input.ts': [...leaves, 'collect', 'profile', 'rules', 'verdict', 'plan'],
      'index.ts': [...leaves, 'collect', 'profile', 'rules', 'verdict', 'plan', 'fleet', 'provision', 'libvirt', 'input.ts', 'output-file.ts'],
      profile: ['profile', ...leaves],
      knowledge: ['knowledge', 'profile', 'generated'],
      collect: ['collect', 'profile', 'output-file.ts', ...leaves],
      rules: ['rules', 'knowledge', 'profile', 'errors.ts', 'generated'],
      verdict: ['verdict', 'rules', 'knowledge', 'profile', ...leaves],
      plan: ['plan', 'verdict', 'rules', 'knowledge', 'profile', ...leaves],
      fleet: ['fleet', 'plan', 'verdict', 'rules', 'knowledge', 'profile', ...leaves],
      provision: ['provision', 'collect', 'plan', 'verdict', 'rules', 'knowledge', 'profile', 'output-file.ts', ...leaves],
      libvirt: ['libvirt', 'collect', 'profile', 'rules', 'verdict', 'plan', 'input.ts', 'output-file.ts', ...leaves],
      cli: frontEnd,
      hook: frontEnd,
    };
    // The engine is pure: rules, the knowledge they read, the verdict, the plan and the fleet matrix do no I/O.
    const pure = ['rules', 'knowledge', 'verdict', 'plan', 'fleet'];
    const src = repoPath('src');
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    let seen = 0;
    for (const file of walk(src)) {
      const top = relative(src, file).split('/')[0] ?? '';
      if (top === 'generated') continue;
      const rules = allowed[top];
      assert.ok(rules, `src/${top} has no import rule here: add it`);
      const text = readFileSync(file, 'utf8');
      if (pure.includes(top)) assert.doesNotMatch(text, /['"]node:|\brequire\(|\bprocess\./, `${relative(src, file)} is engine code: no I/O, no process`);
      const specs = [...text.matchAll(/^(?:import|export)[^'"]*from '(\.[^']+)'/gm), ...text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1]!);
      for (const spec of specs) {
        const target = relative(src, join(file, '..', spec)).split('/')[0] ?? '';
        const name = target.replace(/\.js$/, '.ts');
        seen++;
        assert.ok(name === top || rules.includes(name), `${relative(src, file)} imports ${spec}`);
      }
      if (top === 'index.ts')
        assert.ok(
          text.split('\n').every((line) => line === '' || /^(export |\/\*\*| \*|\/\/)/.test(line)),
          'index.ts re-exports only',
        );
    }
    assert.ok(seen > 100, 'the walk found the imports');
  });
});
