/** The --json output: exactly one JSON document (schemas/report.v1.json). */
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { ErrorSummary } from './render-error.js';
import { REPORT_VERSION, type ErrorReport, type Report } from './types.js';

/**
 * A report as one JSON document with a trailing newline. JSON.stringify
 * escapes every C0 control character, so a hostname cannot break a line.
 */
export function renderJson(report: Report | ErrorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The document --json prints when the tool could not decide; schema problems keep their pointers. */
export function errorReport(summary: ErrorSummary): ErrorReport {
  return {
    reportVersion: REPORT_VERSION,
    kind: 'vdpa-compat/error',
    generator: { name: TOOL_NAME, version: TOOL_VERSION },
    verdict: 'error',
    exitStatus: 2,
    error: {
      code: summary.code,
      message: summary.message,
      hint: summary.hint,
      ...(summary.file !== undefined ? { file: summary.file } : {}),
      ...(summary.problems !== undefined ? { problems: summary.problems.map((p) => ({ pointer: p.pointer, message: p.message })) } : {}),
    },
  };
}
