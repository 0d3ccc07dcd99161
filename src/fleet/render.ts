/**
 * The matrix as a person or a spreadsheet reads it: a grid of hosts per class
 * (a letter per ordered pair), or CSV with one line per ordered pair of
 * hosts. Host names come from profiles: escaped in the grid, quoted in CSV.
 */
import { escapeControls as x } from '../control-chars.js';
import type { DeviceClass } from '../profile/feature-bits.js';
import { matrixCell, type MatrixDocument } from './matrix.js';
import type { Verdict } from '../verdict/types.js';

/** The grid's letter for each verdict. */
export const MATRIX_LETTERS: Readonly<Record<Verdict, string>> = {
  identical: '=',
  compatible: 'C',
  'compatible-after-provisioning': 'P',
  unverified: '?',
  'blocked-by-hypervisor': 'B',
  incompatible: 'x',
};

/** Beyond this many hosts the grid is too wide to read: the table then counts, and CSV or JSON has the pairs. */
export const MAX_GRID_HOSTS = 60;

/** A host's row label: its number (the columns') and its host name, or its input when the profile has none. */
function label(doc: MatrixDocument, h: number): string {
  const host = doc.hosts[h];
  const name = host?.hostname !== null && host?.hostname !== undefined && host.hostname !== '(none)' ? host.hostname : (host?.input ?? '');
  return `${h + 1} ${x(name)}`;
}

/** The matrix as text: per class a grid (rows: from, columns: to), or counts for a large fleet. */
export function renderMatrixTable(doc: MatrixDocument): string {
  const n = doc.hosts.length;
  const lines: string[] = [];
  for (const cls of Object.keys(doc.classes) as DeviceClass[]) {
    const counts = new Map<Verdict, number>();
    const sources = doc.hosts.map((_, h) => h).filter((h) => doc.hosts[h]?.rows[cls] !== undefined);
    for (const a of sources)
      for (let b = 0; b < n; b++) {
        const cell = a === b ? null : matrixCell(doc, a, b, cls);
        if (cell !== null) counts.set(cell.verdict, (counts.get(cell.verdict) ?? 0) + 1);
      }
    lines.push(`${cls}: ${sources.length} of ${n} hosts have ${cls} devices; ${[...counts].map(([v, c]) => `${c} ${v}`).join(', ') || 'no pairs'}`);
    if (n > MAX_GRID_HOSTS) continue;
    const names = doc.hosts.map((_, h) => label(doc, h));
    const width = Math.max(...names.map((s) => s.length));
    lines.push(`  ${''.padEnd(width)}  ${names.map((_, i) => String(i + 1).slice(-1)).join('')}  (to: host number mod 10)`);
    sources.forEach((a) => {
      const row = names.map((_, b) => (a === b ? ' ' : MATRIX_LETTERS[matrixCell(doc, a, b, cls)?.verdict ?? 'incompatible'])).join('');
      lines.push(`  ${(names[a] ?? '').padEnd(width)}  ${row}`);
    });
  }
  if (n > MAX_GRID_HOSTS) lines.push(`(${n} hosts: too many for a grid; --format csv or json has every pair)`);
  else
    lines.push(
      `from each row to each column: ${Object.entries(MATRIX_LETTERS)
        .map(([v, l]) => `${l} ${v}`)
        .join(', ')}`,
    );
  const s = doc.stats;
  lines.push(`${s.hosts} hosts, ${s.devices} devices in ${s.groups} groups: ${s.checks} pair checks, ${s.plans} plans`);
  return `${lines.join('\n')}\n`;
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) || /^[=+\-@\t\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** CSV, one line per ordered pair of distinct hosts and class, in chunks (a fleet's CSV is large). */
export function* renderMatrixCsv(doc: MatrixDocument, chunkLines = 10_000): Generator<string> {
  let chunk = ['source,target,class,verdict,codes'];
  const n = doc.hosts.length;
  const names = doc.hosts.map((h) => csvField(h.input));
  for (const cls of Object.keys(doc.classes) as DeviceClass[]) {
    for (let a = 0; a < n; a++) {
      if (doc.hosts[a]?.rows[cls] === undefined) continue;
      for (let b = 0; b < n; b++) {
        if (a === b) continue;
        const cell = matrixCell(doc, a, b, cls);
        if (cell === null) continue;
        chunk.push(`${names[a]},${names[b]},${cls},${cell.verdict},${csvField(cell.codes.join(' '))}`);
        if (chunk.length >= chunkLines) {
          yield `${chunk.join('\n')}\n`;
          chunk = [];
        }
      }
    }
  }
  if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
}
