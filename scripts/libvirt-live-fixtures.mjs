// `npm run libvirt:fixtures`: keeps what the last green `npm run test:libvirt` saw that the offline
// tests replay (test/hook/libvirt-live.test.ts), in test/fixtures/libvirt/live/:
//   host-dst-hook-calls.log      this machine's destination libvirtd log, our hook's calls only
//   guest-dst-hook-calls.log     the same in the 6.12 lab guest (the veto)
//   guest-virsh-migrate-veto.txt virsh's error for the vetoed migration (stderr and exit status)
//   guest-migrate-begin.xml      the domain XML libvirt gave the hooks on that migrate begin
//   guest-dump-at-migration/     the guest's vdpa devices just before it (collect --save-raw)
// Run with tsx (the log filter is the test helper's).
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { hookCallLines } from '../test/helpers/libvirt-log.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const latest = `${root}test/e2e-libvirt/.runs/latest`;
const out = `${root}test/fixtures/libvirt/live`;
const ours = (script) => script === '/etc/libvirt/hooks/qemu.d/vdpa-compat';
/** The recorded command NAME of a scenario run directory (lab/record.sh). */
async function command(run, name) {
  const base = (await readdir(`${run}/cmd`)).find((f) => f.replace(/^\d{3}-/, '') === `${name}.rc`)?.replace(/\.rc$/, '');
  if (base === undefined) throw new Error(`${run}: no command ${name}; run npm run test:libvirt first`);
  return { rc: (await readFile(`${run}/cmd/${base}.rc`, 'utf8')).trim(), stderr: await readFile(`${run}/cmd/${base}.stderr`, 'utf8') };
}

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
for (const [side, run] of [
  ['host', `${latest}/host`],
  ['guest', `${latest}/guest/run`],
]) {
  await writeFile(`${out}/${side}-dst-hook-calls.log`, hookCallLines(await readFile(`${run}/dst/libvirtd.log`, 'utf8'), ours));
}
const guest = `${latest}/guest/run`;
const veto = await command(guest, 'migrate-incompatible');
await writeFile(`${out}/guest-virsh-migrate-veto.txt`, `exit status ${veto.rc}\n${veto.stderr}`);
await cp(`${guest}/hook-input/vm-vdpa.0.xml`, `${out}/guest-migrate-begin.xml`);
await cp(`${guest}/dump-at-migration`, `${out}/guest-dump-at-migration`, { recursive: true });
console.log(`test/fixtures/libvirt/live <- ${latest}`);
