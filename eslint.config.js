// ESLint flat config: @eslint/js recommended everywhere; typescript-eslint's
// type-checked set on src/ and test/ (typed by tsconfig.test.json); the
// scripts and the benchmark as plain JavaScript on Node.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'src/generated/', 'node_modules/', 'test/fixtures/', 'test/e2e/.runs/', 'test/e2e-libvirt/.runs/', 'test/e2e-qemu/.runs/'] },
  // A disable comment that no longer disables anything fails the lint (as after a reformat moves it).
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  {
    rules: {
      // `const { dropped: _dropped, ...rest } = x` is how the code leaves a key out of a copy.
      'no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // tsconfig.test.json covers src/ and test/ (the project service would
        // pick tsconfig.json, which covers src/ only, and find no test file).
        project: './tsconfig.test.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] }],
      // As above: leaving a key out of a copy with a rest sibling.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // async without await is deliberate: a promise API whose throws become rejections
      // (readDump, writeDump), and case tables in tests whose entries are all async.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests build malformed input by editing JSON.parse output on purpose, typed `any`
      // where they say so (each `any` carries its own eslint-disable comment).
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Tests look for raw control characters (ESC, NUL, C0) in output on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
);
