// Makes dist/bin/vdpa-compat-main.cache: loads the bundle the way dist/bin/vdpa-compat.cjs does,
// runs representative commands in-process (output discarded), and saves V8's code cache, which
// then holds every function those commands compiled. Run by scripts/bundle.mjs.
'use strict';
const { mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Script } = require('node:vm');
const { wrap } = require('node:module');

const [binDir, root] = process.argv.slice(2);
const file = join(binDir, 'vdpa-compat-main.cjs');
const script = new Script(wrap(readFileSync(file, 'latin1').replace(/^#!.*\n/, '')), { filename: file });
const mod = { exports: {} };
// A __filename that is not argv[1]: the bundle loads without running its command line.
script.runInThisContext()(mod.exports, require, mod, join(binDir, 'vdpa-compat-cache-maker.cjs'), binDir);
const io = { stdout: { write() {} }, stderr: { write() {} }, env: {} };
const sample = (name) => join(root, 'profiles', name);
const scratch = mkdtempSync(join(tmpdir(), 'vdpa-compat-cache-'));

(async () => {
  const { main } = mod.exports;
  // The commands the bench and real use run: a netlink-read host, both QEMU versions given.
  const host = sample('vdpasim/k6.12-netlink');
  const pair = ['--source-device', 'src', '--target-device', 'fewer', '--source-qemu', '10.0.2', '--target-qemu', '10.0.2'];
  await main(['collect', '--from', host, '-o', join(scratch, 'host.json')], io);
  await main(['collect', '--from', sample('vdpasim/k6.12-negotiated'), '-o', join(scratch, 'a.json')], io);
  for (const format of ['text', 'json']) {
    await main(['check', host, host, ...pair, '--format', format], io);
    await main(['check', `${host}.yaml`, `${host}.yaml`, ...pair, '--format', format], io);
    await main(['check', join(scratch, 'host.json'), join(scratch, 'host.json'), ...pair, '--format', format], io);
    await main(['check', sample('vdpasim/k6.12-negotiated'), sample('vdpasim/k6.12-mtu9000'), '--format', format], io);
  }
  await main(['--version'], io);
  await main(['hook', 'qemu', '--', 'vm', 'prepare', 'begin', '-'], io);
  // Last: reads the annotated domain XML scripts/bundle.mjs pipes to stdin.
  await main(['hook', 'qemu', '--from', host, '--', 'vm-vdpa-net', 'migrate', 'begin', '-'], io);
  writeFileSync(join(binDir, 'vdpa-compat-main.cache'), script.createCachedData());
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
