/**
 * Text output in the style of virt-host-validate: one line per check ending
 * in PASS, WARN or FAIL, the findings under it with their fix, and the verdict.
 */
import type { CheckStatus, Finding, Report, SideSummary } from './types.js';

/** Whether to colour (only on a terminal, never with NO_COLOR). */
export interface TextOptions {
  color: boolean;
}

const COLORS: Record<CheckStatus | 'note', string> = { pass: '32', warn: '33', fail: '31', note: '36' };

function paint(text: string, code: string, on: boolean): string {
  return on ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function describeSide(s: SideSummary): string {
  const host = s.hostname ? ` on ${s.hostname}` : '';
  const kernel = s.kernel ? `, kernel ${s.kernel}` : '';
  return `${s.device} (${s.class}, ${s.mgmtdev})${host}${kernel} [${s.input}]`;
}

function findingLines(f: Finding, color: boolean): string[] {
  const label = f.severity === 'error' ? 'FAIL' : f.severity === 'warning' ? 'WARN' : 'NOTE';
  const code = f.severity === 'error' ? COLORS.fail : f.severity === 'warning' ? COLORS.warn : COLORS.note;
  const lines = [`      ${paint(label, code, color)} ${f.message} [${f.code}]`];
  if (f.remediation) lines.push(`           fix: ${f.remediation}`);
  return lines;
}

/** The report as text lines for a terminal or a log. */
export function renderText(report: Report, options: TextOptions): string {
  const { color } = options;
  const width = Math.max(...report.checks.map((c) => c.summary.length));
  const lines = [`source: ${describeSide(report.source)}`, `target: ${describeSide(report.target)}`, ''];
  for (const check of report.checks) {
    const status = paint(check.status.toUpperCase(), COLORS[check.status], color);
    lines.push(`  ${check.summary.padEnd(width)} : ${status}`);
    for (const finding of report.findings.filter((f) => f.rule === check.rule)) lines.push(...findingLines(finding, color));
  }
  const { errors, warnings, infos } = report.summary;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const verdict = report.verdict === 'compatible' ? paint('COMPATIBLE', COLORS.pass, color) : paint('INCOMPATIBLE', COLORS.fail, color);
  lines.push('', `verdict: ${verdict} (${plural(errors, 'error')}, ${plural(warnings, 'warning')}, ${plural(infos, 'note')}${report.strict ? ', strict' : ''})`);
  return `${lines.join('\n')}\n`;
}
