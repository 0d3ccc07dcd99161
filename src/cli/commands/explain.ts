/**
 * `vdpa-compat explain CODE`: what a finding code means, why migration
 * breaks, how to fix it. The text is the code's section of docs/rules/<rule>.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinRules } from '../../rules/builtin/index.js';
import { UsageError } from '../../errors.js';
import { EXIT } from '../exit.js';
import type { Io } from '../io.js';

/**
 * The package's docs/rules/ directory. This module runs from src/, from dist/
 * and bundled into dist/bin/, so look upwards rather than at a fixed depth.
 */
function docsDir(): URL {
  for (let dir = new URL('./', import.meta.url), i = 0; i < 6; dir = new URL('../', dir), i++) {
    const candidate = new URL('docs/rules/', dir);
    if (existsSync(candidate)) return candidate;
  }
  throw new UsageError('USAGE', 'cannot find the rule documentation (docs/rules) next to vdpa-compat', 'Reinstall vdpa-compat; the docs/ directory is part of the package.');
}

/** Every code of every built-in rule. */
export function allCodes(): string[] {
  return builtinRules.flatMap((rule) => Object.keys(rule.messages).map((id) => `${rule.id}/${id}`));
}

/** The section of a rule doc that starts at the heading naming `code`, up to the next heading of that level. */
export function docSection(markdown: string, code: string): string | null {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^###\s/.test(line) && line.includes(`\`${code}\``));
  if (start === -1) return null;
  const end = lines.findIndex((line, i) => i > start && /^#{1,3}\s/.test(line));
  return lines.slice(start, end === -1 ? undefined : end).join('\n').trim();
}

/** The rule doc's text before its first code section: what it checks and why. */
function docIntro(markdown: string): string {
  const lines = markdown.split('\n');
  const end = lines.findIndex((line) => /^##\s+Codes/.test(line));
  return lines.slice(0, end === -1 ? undefined : end).join('\n').trim();
}

/** Prints the explanation of a code (rule/message) or of a whole rule. */
export async function explainCommand(code: string | undefined, io: Io): Promise<number> {
  if (code === undefined) {
    for (const rule of builtinRules) {
      for (const [id, spec] of Object.entries(rule.messages)) io.stdout.write(`${`${rule.id}/${id}`.padEnd(48)} ${spec.severity}\n`);
    }
    return EXIT.OK;
  }
  const [ruleId] = code.split('/');
  const rule = builtinRules.find((r) => r.id === ruleId);
  if (!rule || (code.includes('/') && !allCodes().includes(code))) {
    throw new UsageError('UNKNOWN_CODE', `unknown finding code "${code}"`, 'Run `vdpa-compat explain` to list every code; codes look like mtu-match/mismatch.');
  }
  const markdown = readFileSync(new URL(`${rule.id}.md`, docsDir()), 'utf8');
  if (!code.includes('/')) {
    io.stdout.write(markdown.endsWith('\n') ? markdown : `${markdown}\n`);
    return EXIT.OK;
  }
  const section = docSection(markdown, code);
  io.stdout.write(`${docIntro(markdown)}\n\n${section ?? `(${code} has no section in docs/rules/${rule.id}.md)`}\n`);
  return EXIT.OK;
}
