// Builds the installed CLI in dist/bin/:
//   vdpa-compat-main.cjs   every module and dependency in one CommonJS file (esbuild)
//   vdpa-compat-main.cache V8's code cache for it, made by running real commands once
//   vdpa-compat.cjs        the entry: loads the bundle with that cache
// Node then reads one file and skips compiling most of it, which is most of a
// run's cost (README, "Speed"). A cache from another Node version is rejected
// by V8 and the bundle simply compiles as usual.
//
// `npm run bundle` also assembles dist/bundle/: these three files, the rule
// docs, the man page and the optional netlink binding, runnable with only node.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
await rm(`${root}dist/bin`, { recursive: true, force: true });
await build({
  entryPoints: { 'vdpa-compat-main': 'dist/cli/main.js' },
  outdir: 'dist/bin',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Identifiers too (a smaller file to read and a smaller cache: ~1.7 ms a run, measured). Under
  // --debug the entry loads the bundle with the source map, so stack traces name the TypeScript.
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: true,
  logLevel: 'warning',
  // The optional native netlink binding is loaded from node_modules at run time, never bundled.
  external: ['netlink'],
  // The sources are ES modules; in a CommonJS file import.meta.url is the entry file's URL.
  define: { 'import.meta.url': '__vdpaCompatUrl' },
  // Each path segment percent-encoded is the file: URL pathToFileURL gives on Linux, without loading and
  // running it on every start (measured ~0.7 ms).
  banner: { js: "const __vdpaCompatUrl = 'file://' + __filename.split('/').map(encodeURIComponent).join('/');" },
  plugins: [
    {
      // commander requires child_process (and with it net, dgram, streams) at load, only to run
      // executable subcommands, which vdpa-compat has none of. Loading it when first used takes
      // ~4 ms off every run, the libvirt hook's included. The test suite runs this bundle.
      name: 'commander-lazy-child-process',
      setup(b) {
        b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
          const text = await readFile(args.path, 'utf8');
          const eager = "const childProcess = require('node:child_process');";
          if (!text.includes(eager)) throw new Error(`commander changed: ${args.path} no longer has "${eager}"; update scripts/bundle.mjs`);
          const lazy = "let childProcessModule; const childProcess = new Proxy({}, { get: (_, key) => (childProcessModule ??= require('node:child_process'))[key] });";
          return { contents: text.replace(eager, lazy), loader: 'js' };
        });
      },
    },
  ],
});

// esbuild escapes every non-ASCII character (charset: ascii, its default), so the entry may read
// the bundle as latin1. Should that ever change, fail here rather than mangle text at run time.
const bundled = readFileSync(`${root}dist/bin/vdpa-compat-main.cjs`, 'latin1');
const nonAscii = bundled.search(/[^\x00-\x7f]/); // eslint-disable-line no-control-regex -- the ASCII range, NUL included
if (nonAscii !== -1) throw new Error(`dist/bin/vdpa-compat-main.cjs has a non-ASCII character at offset ${nonAscii}; the entry reads it as latin1`);

const entry = `#!/usr/bin/env node
// vdpa-compat: loads vdpa-compat-main.cjs with V8's code cache made at build time (scripts/bundle.mjs).
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const { wrap } = require('node:module');
const file = join(__dirname, 'vdpa-compat-main.cjs');
let cachedData;
try {
  cachedData = readFileSync(join(__dirname, 'vdpa-compat-main.cache'));
} catch {
  // No cache: compile as usual.
}
// latin1: the bundle is ASCII (checked when it is built), and reading it so skips UTF-8 decoding.
const text = readFileSync(file, 'latin1');
if (process.argv.includes('--debug')) {
  // Stack traces through the source map (vdpa-compat-main.cjs.map, found next to this file): names and
  // lines of the TypeScript. vm.Script takes no source map, so compile as a module, without the cache,
  // and the text as it is (the map counts the #! line).
  process.setSourceMapsEnabled(true);
  module._compile(text, __filename);
} else {
  const source = text.replace(/^#!.*\\n/, '');
  const script = new Script(wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  // The bundle sees this file as its own (__filename), so it runs as the entry point.
  script.runInThisContext()(module.exports, require, module, __filename, __dirname);
}
`;
await writeFile(`${root}dist/bin/vdpa-compat.cjs`, entry);
await chmod(`${root}dist/bin/vdpa-compat.cjs`, 0o755);

// The code cache: V8 keeps every function these commands compiled. The hook's incoming-migration
// path reads a domain XML on stdin: give it one annotated by libvirt itself (recorded fixture).
const annotatedXml = `${root}test/fixtures/libvirt/annotated/vm-vdpa-interface.xml`;
// Run by the recorded QEMU 10.0.2 (test/fixtures/qemu), so the hook asks a QEMU for its version as on a host.
const recordedQemu = `${root}test/fixtures/qemu/debian-10.0.2/qemu-system-x86_64`;
const domainXml = existsSync(annotatedXml) ? readFileSync(annotatedXml, 'utf8').replace(/<emulator>[^<]*<\/emulator>/, `<emulator>${recordedQemu}</emulator>`) : '';
const made = spawnSync(process.execPath, [`${root}scripts/code-cache.cjs`, `${root}dist/bin`, root], { input: domainXml, encoding: 'utf8', stdio: ['pipe', 'inherit', 'inherit'] });
if (made.status !== 0) throw new Error('scripts/code-cache.cjs failed');

if (process.argv.includes('--deploy')) {
  const out = `${root}dist/bundle`;
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  for (const file of ['vdpa-compat.cjs', 'vdpa-compat-main.cjs', 'vdpa-compat-main.cjs.map', 'vdpa-compat-main.cache']) await cp(`${root}dist/bin/${file}`, `${out}/${file}`);
  await cp(`${root}docs`, `${out}/docs`, { recursive: true });
  if (existsSync(`${root}dist/vdpa-compat.1`)) await cp(`${root}dist/vdpa-compat.1`, `${out}/vdpa-compat.1`);
  // The native binding, when installed: the package and the loader it needs at run time.
  for (const pkg of ['netlink', 'node-gyp-build']) {
    // Without the C++ sources and the package's own node_modules (only typings live there).
    const skip = new RegExp(`[\\\\/]node_modules[\\\\/]${pkg}[\\\\/](src|node_modules)([\\\\/]|$)`);
    if (existsSync(`${root}node_modules/${pkg}`)) await cp(`${root}node_modules/${pkg}`, `${out}/node_modules/${pkg}`, { recursive: true, filter: (src) => !skip.test(src) });
  }
  console.log(`dist/bundle: ${['vdpa-compat.cjs', 'vdpa-compat-main.cjs', 'vdpa-compat-main.cache', 'docs/', existsSync(`${out}/node_modules/netlink`) ? 'node_modules/netlink' : '(no netlink binding)'].join(', ')}`);
}
