/**
 * Errors as the front ends print them (the CLI and the hook): one line,
 * `vdpa-compat: <what, where> [CODE]; fix: <how>`, for a terminal or
 * libvirt's log; and, for machine-readable output, the same facts as data
 * (render-json.ts, render-junit.ts). Schema problems keep their JSON pointers.
 */
import { ToolError, ValidationError, type Problem } from '../errors.js';
import { escapeControls } from '../control-chars.js';

/** What an error says, whatever was thrown. */
export interface ErrorSummary {
  code: string;
  message: string;
  hint: string | null;
  /** The document that failed validation, and each of its problems. */
  file?: string;
  problems?: readonly Problem[];
}

/** The summary of a ToolError, or of anything else as an internal error. */
export function summarizeError(error: unknown): ErrorSummary {
  if (error instanceof ValidationError) {
    const { file, problems } = error;
    // Every problem on the one line, each with its pointer (STYLE: report every schema problem in one pass).
    const list = problems.map((p) => `${p.pointer || '/'}: ${p.message}`).join('; ');
    return { code: error.code, message: `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${list}`, hint: error.hint ?? null, file, problems };
  }
  if (error instanceof ToolError) return { code: error.code, message: error.message, hint: error.hint ?? null };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `internal error: ${message}`, hint: 'Run again with --debug and report it.' };
}

/** Where the line is about, and what the front end does about it (the hook: "vetoing the migration"). */
export interface ErrorLineContext {
  subject?: string;
  outcome?: string;
}

/**
 * One line, newline included, with every control character escaped: a
 * message quotes paths and documents the user (or a host) wrote.
 */
export function renderErrorLine(summary: ErrorSummary, context: ErrorLineContext = {}): string {
  const hint = summary.hint === null ? '' : context.outcome !== undefined ? summary.hint.replace(/\.$/, '') : summary.hint;
  const text = `${context.subject !== undefined ? `${context.subject}: ` : ''}${summary.message} [${summary.code}]${hint ? `; fix: ${hint}` : ''}${context.outcome !== undefined ? `; ${context.outcome}` : ''}`;
  return `vdpa-compat: ${escapeControls(text)}\n`;
}
