/** Where the test fixtures and the built CLI are. */
import { fileURLToPath } from 'node:url';

const root = new URL('../../', import.meta.url);

/** Absolute path of a file or directory in the repository. */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(relative, root));
}

/** A real capture from test/fixtures/captures/<cell>/<name>. */
export function capturePath(cell: string, name: string): string {
  return repoPath(`test/fixtures/captures/${cell}/${name}`);
}

/** A dump directory under test/fixtures/dumps, profiles/, or the recorded e2e runs (e2e/k6.12/vp2-netlink). */
export function dumpPath(name: string): string {
  if (name.startsWith('profiles/')) return repoPath(name);
  const e2e = /^e2e\/(k[0-9.]+)\/(.+)$/.exec(name);
  if (e2e) return repoPath(`test/fixtures/e2e/${e2e[1]}/dumps/${e2e[2]}`);
  return repoPath(`test/fixtures/dumps/${name}`);
}

/** The built CLI, as installed (`bin` in package.json; npm test builds first). */
export const CLI = repoPath('dist/bin/vdpa-compat.cjs');

/** The four capture cells (kernel × iproute2 × parent kind). */
export const CELLS = ['k6.1-ip6.1', 'k6.12-ip6.15', 'vp-k6.1-ip6.1', 'vp-k6.12-ip6.15'] as const;
