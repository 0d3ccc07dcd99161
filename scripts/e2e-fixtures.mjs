// `npm run e2e:fixtures`: copies what the last `npm run test:e2e` recorded in
// test/e2e/.runs/latest/<kernel>/run/ (every vdpa command with its output, the
// dumps collected with raw netlink and both iproute2 builds, the reports) into
// test/fixtures/e2e/k<kernel>/, where the offline tests replay it
// (test/collect/e2e-replay.test.ts). Run it after a green e2e run.
import { cp, readdir, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const runs = `${root}test/e2e/.runs/latest`;
for (const kernel of await readdir(runs)) {
  const from = `${runs}/${kernel}/run`;
  if (!(await stat(from).catch(() => null))?.isDirectory()) continue;
  const to = `${root}test/fixtures/e2e/k${kernel}`;
  await rm(to, { recursive: true, force: true });
  await cp(from, to, { recursive: true });
  for (const extra of ['boot.txt', 'dmesg.txt']) await cp(`${runs}/${kernel}/${extra}`, `${to}/${extra}`).catch(() => {});
  console.log(`test/fixtures/e2e/k${kernel} <- ${from}`);
}
