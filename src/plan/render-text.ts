/**
 * The plan as text for a person at a terminal: the commands to run on the
 * target first, then what each management device could or could not do.
 * Text from profiles is escaped: a handle or name is never a control sequence.
 */
import { escapeControls } from '../control-chars.js';
import type { Candidate, PlanDocument, Requirement } from './plan.js';

function requirementLines(requirements: readonly Requirement[], indent: string): string[] {
  return requirements.flatMap((r) => [`${indent}- ${r.status === 'unknown' ? 'could not verify' : 'fails'} ${r.code}: ${escapeControls(r.message)}`, ...(r.hint !== undefined ? [`${indent}  ${escapeControls(r.hint)}`] : [])]);
}

function candidateLines(c: Candidate): string[] {
  const parent = c.parent === null ? 'parent unknown' : c.parent;
  const head = `  ${escapeControls(c.mgmtdev)} (${parent}): ${c.status === 'planned' ? `can host it (${c.verdict ?? ''})` : c.status === 'unknown' ? 'could not verify' : 'cannot host it'}`;
  return [head, ...requirementLines(c.requirements, '    ')];
}

/** Renders a plan document as text. */
export function renderPlanText(doc: PlanDocument): string {
  const source = `source ${escapeControls(doc.source.device)} (${escapeControls(doc.source.input)})`;
  const target = escapeControls(doc.target.input);
  const lines: string[] = [];
  if (doc.plan !== null) {
    lines.push(`Plan for ${source} on ${target}: create ${escapeControls(doc.name)} on ${escapeControls(doc.plan.mgmtdev)} (${doc.plan.parent ?? 'parent unknown'}).`);
    lines.push('Run on the target host, as root:', '');
    lines.push(...doc.plan.commands.map((c) => `  ${escapeControls(c)}`), '');
    lines.push(`check on the device these commands make: ${doc.plan.verdict}.`);
    lines.push(`Then collect the target again and check it: \`vdpa-compat check SOURCE TARGET --target-device ${escapeControls(doc.name)}\`.`);
  } else if (doc.status === 'no-plan') {
    lines.push(`No plan: no management device of ${target} can host a device ${source}'s guest can move to.`);
  } else {
    lines.push(`Could not plan for ${source} on ${target}: a fact the plan needs is unknown.`);
    lines.push(...requirementLines(doc.unknown, '  '));
  }
  if (doc.candidates.length > 0) lines.push('', 'Management devices:', ...doc.candidates.flatMap(candidateLines));
  else if (doc.status !== 'unknown') lines.push('', `${target} has no management devices.`);
  const exit = doc.exitStatus === 0 ? 'plan' : doc.exitStatus === 1 ? 'no plan' : 'could not decide';
  lines.push('', `Result: ${doc.status} (exit ${doc.exitStatus}: ${exit})`);
  return `${lines.join('\n')}\n`;
}
