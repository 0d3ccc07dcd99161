/**
 * `check --target-device any` as text: the target host's devices best first,
 * each with its verdict and the codes that limited it, then what a plan could
 * create when none fits. Text from profiles is escaped, as everywhere.
 */
import { escapeControls as x } from '../control-chars.js';
import type { FitDocument } from './fit.js';

/** Renders a fit document as text. */
export function renderFitText(doc: FitDocument): string {
  const lines = [`source ${x(doc.source.device)} [${x(doc.source.input)}] on target host ${x(doc.target.hostname ?? doc.target.input)} [${x(doc.target.input)}]: ${doc.devices.length} device${doc.devices.length === 1 ? '' : 's'}`, ''];
  const width = Math.max(0, ...doc.devices.map((d) => x(d.device).length));
  for (const d of doc.devices) {
    const codes = d.limiting.length > 0 ? `  ${x(d.limiting.join(', '))}` : '';
    lines.push(`  ${x(d.device).padEnd(width)}  ${d.verdict}${codes}`);
  }
  const p = doc.provisioning;
  if (p !== null) {
    if (doc.devices.length > 0) lines.push('');
    if (p.status === 'planned') lines.push(`  a new device ${x(p.name)} on ${x(p.mgmtdev ?? '')}: compatible after provisioning (check proved it)`, ...p.commands.map((c) => `    ${x(c)}`), `  the whole plan: ${x(p.planCommand)}`);
    else if (p.status === 'no-plan') lines.push(`  no management device can create a device that fits (${x(p.planCommand)} says why)`);
    else lines.push(`  whether a new device could fit is unknown (${x(p.planCommand)} says what is missing)`);
  }
  const best = doc.best !== null ? `use ${x(doc.best)}` : doc.verdict === 'compatible-after-provisioning' ? 'provision a device first' : 'no device fits';
  lines.push('', `verdict: ${doc.verdict.toUpperCase()}: ${best} (exit ${doc.exitStatus})`);
  return `${lines.join('\n')}\n`;
}
