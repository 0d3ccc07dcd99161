/**
 * `vdpa-compat explain CODE`: what a finding code means, why migration
 * breaks, how to fix it. The text is the code's section of docs/rules/<rule>.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { EXIT } from '../exit.js';
import type { Io } from '../io.js';
import { UsageError, loadRules, type Rule } from '../../index.js';

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

/**
 * What explain documents beside the rules: the policy's own finding code
 * (verdict/policy.ts), documented in docs/rules/policy.md like a rule.
 */
const POLICY: Rule = {
  id: 'policy',
  summary: 'The site policy applies as written',
  messages: { waiverExpired: { severity: 'warning', remedy: 'none', text: 'a waiver expired' } },
  check() {},
};

/** Every code of these rules (the built-in ones and the policy's by default). */
export function allCodes(rules: readonly Rule[]): string[] {
  return rules.flatMap((rule) => Object.keys(rule.messages).map((id) => `${rule.id}/${id}`));
}

/** The section of a rule doc that starts at the heading naming `code`, up to the next heading of that level. */
export function docSection(markdown: string, code: string): string | null {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^###\s/.test(line) && line.includes(`\`${code}\``));
  if (start === -1) return null;
  const end = lines.findIndex((line, i) => i > start && /^#{1,3}\s/.test(line));
  return lines
    .slice(start, end === -1 ? undefined : end)
    .join('\n')
    .trim();
}

/** The rule doc's text before its first code section: what it checks and why. */
function docIntro(markdown: string): string {
  const lines = markdown.split('\n');
  const end = lines.findIndex((line) => /^##\s+Codes/.test(line));
  return lines
    .slice(0, end === -1 ? undefined : end)
    .join('\n')
    .trim();
}

/** Prints the explanation of a code (rule/message) or of a whole rule. */
export async function explainCommand(code: string | undefined, options: { rules?: string[] }, io: Io): Promise<number> {
  const rules = [...(await loadRules(options.rules)), POLICY];
  if (code === undefined) {
    for (const rule of rules) {
      for (const [id, spec] of Object.entries(rule.messages)) io.stdout.write(`${`${rule.id}/${id}`.padEnd(48)} ${spec.severity}${rule.origin ? `  (${rule.origin})` : ''}\n`);
    }
    return EXIT.OK;
  }
  const [ruleId] = code.split('/');
  const rule = rules.find((r) => r.id === ruleId);
  if (!rule || (code.includes('/') && !allCodes(rules).includes(code))) {
    throw new UsageError(
      'UNKNOWN_CODE',
      `unknown finding code "${code}"`,
      `Run \`vdpa-compat explain${options.rules ? options.rules.map((f) => ` --rules ${f}`).join('') : ''}\` to list every code; codes look like mtu-match/targetSmaller. Site rules need their pack: --rules FILE.`,
    );
  }
  // A pack rule carries its own documentation; built-in rules and the policy have docs/rules/<id>.md.
  const markdown = rule.doc ?? readFileSync(new URL(`${rule.id}.md`, docsDir()), 'utf8');
  if (!code.includes('/')) {
    io.stdout.write(markdown.endsWith('\n') ? markdown : `${markdown}\n`);
    return EXIT.OK;
  }
  const section = docSection(markdown, code);
  io.stdout.write(`${docIntro(markdown)}\n\n${section ?? `(${code} has no section in docs/rules/${rule.id}.md)`}\n`);
  return EXIT.OK;
}
