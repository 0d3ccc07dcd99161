#!/usr/bin/env node
// Regenerates test/fixtures/libvirt/annotated/: each domain of test/fixtures/libvirt/ annotated
// the way an operator does it (`virsh metadata --set "$(vdpa-compat annotate …)"`), then dumped by
// libvirt itself. Real libvirt output is the point: libvirt re-prefixes our element and every child
// with the --key prefix, and that is the form the hook reads in production.
//
// Needs virsh (Debian: libvirt-clients) and a build (npm run build). Uses libvirt's test driver, so
// no daemon and no host state: one virsh process holds the whole session.
//
//   node scripts/libvirt-fixtures.mjs            # rewrite the fixtures
//   node scripts/libvirt-fixtures.mjs --print    # print them instead
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The same namespace the hook matches (src/libvirt/namespace.ts), from the build.
const { ANNOTATION_NS: NS, ANNOTATION_PREFIX } = await import(`${root}dist/libvirt/namespace.js`);
// The source host: simulator devices read with raw netlink in the e2e run (kernel 6.12); the domain's
// /dev/vhost-vdpa-0 is device "same" there.
const SOURCE = `${root}test/fixtures/e2e/k6.12/dumps/sim-netlink`;
// The domain's QEMU: the recorded --version of Debian's 10.0.2 build (test/fixtures/qemu/README.md).
// annotate runs it; the fixture then names it by the path a host would have, /usr/bin/qemu-system-x86_64.
export const RECORDED_QEMU = `${root}test/fixtures/qemu/debian-10.0.2/qemu-system-x86_64`;
export const EMULATOR = '/usr/bin/qemu-system-x86_64';
// Domains with a vhostvdpa disk are left out: libvirt 9.0 (Debian 12) refuses to define them
// ("Invalid value for attribute 'type' in element 'disk': 'vhostvdpa'"); the disk type came later.
const DOMAINS = ['vm-vdpa-interface'];
const print = process.argv.includes('--print');

/** A double-quoted argument of virsh's own command language (its parser, not a shell's). */
const quote = (text) => `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/** The annotated domain XML as libvirt dumps it, from a real virsh session on the test driver. */
export function libvirtAnnotated(domainFile, sourceProfile, cli = `${root}dist/bin/vdpa-compat.cjs`) {
  const withQemu = join(mkdtempSync(join(tmpdir(), 'vdpa-compat-fixtures-')), 'domain.xml');
  writeFileSync(withQemu, readFileSync(domainFile, 'utf8').replaceAll(`<emulator>${EMULATOR}</emulator>`, `<emulator>${RECORDED_QEMU}</emulator>`));
  const element = execFileSync(process.execPath, [cli, 'annotate', withQemu, sourceProfile], { encoding: 'utf8', timeout: 30_000 }).replaceAll(RECORDED_QEMU, EMULATOR);
  const name = /<name>([^<]+)<\/name>/.exec(readFileSync(domainFile, 'utf8'))?.[1];
  if (name === undefined) throw new Error(`${domainFile}: no <name>`);
  const session = [`define ${quote(domainFile)}`, `metadata ${quote(name)} --uri ${NS} --key ${ANNOTATION_PREFIX} --set ${quote(element)} --config`, `dumpxml ${quote(name)}`].join('; ');
  return execFileSync('virsh', ['-q', '-c', 'test:///default', session], { encoding: 'utf8', timeout: 30_000 })
    .replace(/^Domain .* defined from .*\n/m, '')
    .replace(/^\n+/, '');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  mkdirSync(`${root}test/fixtures/libvirt/annotated`, { recursive: true });
  for (const domain of DOMAINS) {
    const xml = libvirtAnnotated(`${root}test/fixtures/libvirt/${domain}.xml`, SOURCE);
    if (print) {
      process.stdout.write(`==> ${domain}\n${xml}`);
      continue;
    }
    const target = `${root}test/fixtures/libvirt/annotated/${domain}.xml`;
    writeFileSync(`${target}.tmp`, xml);
    renameSync(`${target}.tmp`, target);
  }
}
