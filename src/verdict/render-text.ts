/**
 * Text output in the style of virt-host-validate: one line per check ending
 * in PASS, WARN or FAIL, the findings under it with their fix, and the verdict.
 *
 * Every value that came from a profile, a policy or a rule pack (hostnames,
 * device names, paths, messages quoting them) goes through escapeControls: a
 * hostname with a newline and an escape sequence would otherwise print a
 * forged "verdict: COMPATIBLE" line of its own.
 */
import { escapeControls as x } from '../control-chars.js';
import type { CheckStatus, Finding, Report, SideSummary } from './types.js';

/** How to render: colour (the front end decides: --color, FORCE_COLOR, NO_COLOR, a terminal), quiet. */
export interface TextOptions {
  color: boolean;
  /** Only the checks that did not pass, and the verdict; nothing at all when every check passed. */
  quiet?: boolean;
}

const COLORS: Record<CheckStatus | 'note', string> = { pass: '32', warn: '33', fail: '31', note: '36', 'not-applicable': '2' };

/** The verdict line's word and colour. */
const VERDICTS: Record<Report['verdict'], [string, string]> = {
  identical: ['IDENTICAL', COLORS.pass],
  compatible: ['COMPATIBLE', COLORS.pass],
  unverified: ['UNVERIFIED (could not decide)', COLORS.warn],
  'blocked-by-hypervisor': ['BLOCKED BY THE HYPERVISOR', COLORS.fail],
  incompatible: ['INCOMPATIBLE', COLORS.fail],
  'compatible-after-provisioning': ['COMPATIBLE AFTER PROVISIONING (not this device)', COLORS.warn],
};

/** What the target host's management devices could do, under the verdict. */
function provisioningLines(p: NonNullable<Report['provisioning']>): string[] {
  if (p.status === 'planned') {
    const head =
      p.pairVerdict === 'incompatible'
        ? `  this device cannot take the guest; a device ${x(p.name)} created on ${x(p.mgmtdev ?? '')} can (check proved it). On the target host, as root:`
        : `  a device ${x(p.name)} created on ${x(p.mgmtdev ?? '')} would be proved compatible. On the target host, as root:`;
    return [head, ...p.commands.map((c) => `    ${x(c)}`), `  the whole plan: ${x(p.planCommand)}`];
  }
  if (p.status === 'no-plan') return [`  no management device of the target host can create a device the guest can move to (${x(p.planCommand)} says why)`];
  return [`  whether a device created on the target host could take the guest is unknown (${x(p.planCommand)} says what is missing)`];
}

function paint(text: string, code: string, on: boolean): string {
  return on ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function describeSide(s: SideSummary): string {
  const host = s.hostname ? ` on ${s.hostname}` : '';
  const kernel = s.kernel ? `, kernel ${s.kernel}` : '';
  const qemu = s.qemu.version !== null ? `, QEMU ${s.qemu.version}` : ', QEMU unknown';
  return x(`${s.device} (${s.class}, ${s.mgmtdev})${host}${kernel}${qemu} [${s.input}]`);
}

function findingLines(f: Finding, color: boolean): string[] {
  const label = f.waiver ? 'WAIVED' : f.severity === 'error' ? 'FAIL' : f.severity === 'warning' ? 'WARN' : 'NOTE';
  const code = f.severity === 'error' ? COLORS.fail : f.severity === 'warning' ? COLORS.warn : COLORS.note;
  const lines = [`      ${paint(label, code, color)} ${x(f.message)} [${x(f.code)}]`];
  if (f.waiver) lines.push(`           waived: ${x(`${f.waiver.reason} (${f.waiver.owner}, until ${f.waiver.expires})`)}`);
  else if (f.remediation) lines.push(`           fix: ${x(f.remediation)}`);
  return lines;
}

/** The report as text lines for a terminal or a log. */
export function renderText(report: Report, options: TextOptions): string {
  const { color } = options;
  const quiet = options.quiet === true;
  const checks = quiet ? report.checks.filter((c) => c.status === 'warn' || c.status === 'fail') : report.checks;
  if (quiet && checks.length === 0 && report.exitStatus === 0) return '';
  const summaries = checks.map((c) => x(c.summary));
  const width = Math.max(0, ...summaries.map((s) => s.length));
  const lines = quiet ? [] : [`source: ${describeSide(report.source)}`, `target: ${describeSide(report.target)}`, ''];
  checks.forEach((check, i) => {
    const status = paint(check.status === 'not-applicable' ? 'N/A' : check.status.toUpperCase(), COLORS[check.status], color);
    lines.push(`  ${(summaries[i] ?? '').padEnd(width)} : ${status}`);
    for (const finding of report.findings.filter((f) => f.rule === check.rule)) lines.push(...findingLines(finding, color));
  });
  const { errors, warnings, infos } = report.summary;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const [word, code] = VERDICTS[report.verdict];
  const flags = `${report.strict ? ', strict' : ''}${report.allowUnverified ? ', unverified facts accepted' : ''}${report.policy ? `, policy ${x(report.policy.file)}` : ''}`;
  if (lines.length > 0) lines.push('');
  lines.push(`verdict: ${paint(word, code, color)} (${plural(errors, 'error')}, ${plural(warnings, 'warning')}, ${plural(infos, 'note')}${flags})`);
  if (report.verdict === 'unverified') {
    lines.push(`  ${plural(report.summary.unverified, 'fact')} the migration depends on could not be verified (the WARN lines above say how to learn them); --allow-unverified accepts the risk`);
  }
  if (report.provisioning !== undefined) lines.push(...provisioningLines(report.provisioning));
  return `${lines.join('\n')}\n`;
}
