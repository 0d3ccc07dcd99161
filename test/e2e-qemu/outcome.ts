/**
 * What really happened in one migration case of scenarios/migrate.sh, read from what it
 * recorded (QMP replies, the QEMUs' stderr, the L2 guest's serial console), and what
 * `vdpa-compat check` said about the same pair.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report, Verdict } from '../../src/verdict/types.js';

/**
 * blocked: the source refused `migrate` (a migration blocker); failed: the migration or the
 * destination's load failed, or the destination is not running; completed-vhost: completed,
 * the destination runs with vhost started; completed-fallback: completed, but without vhost on
 * the destination (QEMU fell back to its own virtio).
 */
export type Outcome = 'blocked' | 'failed' | 'completed-vhost' | 'completed-fallback';

export interface QmpReply {
  command: string;
  return?: unknown;
  error?: { class: string; desc: string };
}

export interface CaseResult {
  name: string;
  outcome: Outcome;
  /** The lines that decided the outcome (QMP errors, QEMU stderr). */
  why: string[];
  env: Record<string, string>;
  /** Ticks of the L2 guest on the destination after the switch, with their unicast counters. */
  dstTicks: { n: number; uniRx: number; bcRx: number }[];
  /** The same on the source, before the migration. */
  srcTicksBefore: { n: number; uniRx: number; bcRx: number }[];
  srcStderr: string;
  dstStderr: string;
  /** `vhost-started` of the destination's virtio-net (x-query-virtio-status), null when unknown. */
  dstVhostStarted: boolean | null;
  /** vring-num of the destination's three queues. */
  dstRingSizes: number[];
  report: Report;
  checkRc: number;
}

export function readJsonl(path: string): QmpReply[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as QmpReply);
}

function readText(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

function readEnv(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readText(path).split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m?.[1] !== undefined) env[m[1]] = m[2] ?? '';
  }
  return env;
}

export function ticks(serial: string): CaseResult['dstTicks'] {
  return [...serial.matchAll(/^L2 tick (\d+) .* uni_rx=\+(-?\d+) bc_rx=\+(-?\d+)/gm)].map((m) => ({ n: Number(m[1]), uniRx: Number(m[2]), bcRx: Number(m[3]) }));
}

/**
 * Why the lab could not run a case at all (its chain's source guest did not boot, twice:
 * scenarios/migrate.sh's start_chain), or undefined when it ran. Such a case has no outcome.
 */
export function labError(dir: string): string | undefined {
  return readEnv(join(dir, 'case.env')).LAB_ERROR;
}

/** Reads one case directory ($OUT/run/<case>) and decides its outcome. */
export function readCase(dir: string, name: string): CaseResult {
  const env = readEnv(join(dir, 'case.env'));
  const migrate = readJsonl(join(dir, 'qmp-migrate.jsonl'))[0];
  const query = readJsonl(join(dir, 'qmp-query-migrate.jsonl'))[0]?.return as { status?: string; 'error-desc'?: string } | undefined;
  const virtio = readJsonl(join(dir, 'qmp-dst-virtio.jsonl'));
  const status = virtio.find((r) => r.command === 'x-query-virtio-status')?.return as { 'vhost-started'?: boolean } | undefined;
  const rings = virtio
    .filter((r) => r.command === 'x-query-virtio-queue-status')
    .map((r) => (r.return as { 'vring-num'?: number } | undefined)?.['vring-num'])
    .filter((n): n is number => typeof n === 'number');
  const srcStderr = readText(join(dir, 'src.stderr'));
  const dstStderr = readText(join(dir, 'dst.stderr'));
  const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
  const why: string[] = [];
  let outcome: Outcome;
  if (migrate?.error) {
    outcome = 'blocked';
    why.push(`migrate: ${migrate.error.desc}`);
  } else if (env.MIGRATION_STATUS !== 'completed' || env.DST_ALIVE !== 'yes' || env.DST_STATE !== 'running') {
    outcome = 'failed';
    // The destination's own words first: the source may well say "completed" when the load failed.
    why.push(...lines(dstStderr).map((l) => `dst: ${l}`));
    if (env.DST_STARTED === 'no') why.push('the destination QEMU exited at its start: no migration was run');
    else why.push(`destination alive=${env.DST_ALIVE} state=${env.DST_STATE || 'unknown'}`, `migration ${env.MIGRATION_STATUS || 'unknown'}${query?.['error-desc'] ? `: ${query['error-desc']}` : ''}`);
  } else {
    const fallback = [...lines(srcStderr), ...lines(dstStderr)].filter((l) => /falling back/i.test(l));
    outcome = status?.['vhost-started'] === true && fallback.length === 0 ? 'completed-vhost' : 'completed-fallback';
    why.push(`migration completed, destination vhost-started=${String(status?.['vhost-started'])}`, ...fallback);
  }
  return {
    name,
    outcome,
    why,
    env,
    dstTicks: ticks(readText(join(dir, 'serial-dst.txt'))),
    srcTicksBefore: ticks(readText(join(dir, 'serial-src-before.txt'))),
    srcStderr,
    dstStderr,
    dstVhostStarted: typeof status?.['vhost-started'] === 'boolean' ? status['vhost-started'] : null,
    dstRingSizes: rings,
    report: JSON.parse(readFileSync(join(dir, 'check.json'), 'utf8')) as Report,
    checkRc: Number(readText(join(dir, 'check.rc')).trim()),
  };
}

/**
 * The verdict on the pair itself: a report whose target host could provision a fitting device
 * says compatible-after-provisioning, and keeps the pair's own verdict in `provisioning`. The
 * migration the lab runs is to the pair's target device, so the pair's verdict is what it tests.
 */
export function pairVerdict(report: Report): Verdict {
  return report.provisioning?.pairVerdict ?? report.verdict;
}

/** The outcomes each verdict of `check` promises. "unverified" promises none: it said it could not decide. */
export const AGREES: Record<Verdict, Outcome[]> = {
  identical: ['completed-vhost'],
  compatible: ['completed-vhost'],
  incompatible: ['failed', 'completed-fallback'],
  // This pair does not go as given (a device a plan creates would): the same promise as incompatible.
  'compatible-after-provisioning': ['failed', 'completed-fallback'],
  'blocked-by-hypervisor': ['blocked'],
  unverified: [],
};
