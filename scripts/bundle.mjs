// Bundles the CLI into one file, dist/bin/vdpa-compat.cjs, with every
// dependency inside. Node then reads and compiles one file instead of ~40 ES
// modules and four CommonJS packages, and skips the ES-module facades it
// builds for Node built-ins: that loading is most of a run's cost (README,
// "Speed"). CommonJS output, because esbuild makes the modules a run does not
// need (YAML, the profile validator, the live collector) lazy inside it.
import { build } from 'esbuild';

await build({
  entryPoints: { 'vdpa-compat': 'dist/cli/main.js' },
  outdir: 'dist/bin',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // The optional native netlink binding is loaded from node_modules at run time, never bundled.
  external: ['netlink'],
  // The sources are ES modules; in a CommonJS file import.meta.url is the file's URL.
  define: { 'import.meta.url': '__vdpaCompatUrl' },
  banner: { js: "const __vdpaCompatUrl = require('node:url').pathToFileURL(__filename).href;" },
});
