/** The --json output: exactly one JSON document (schemas/report.v1.json). */
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { REPORT_VERSION, type ErrorProblem, type ErrorReport, type Report } from './types.js';

/** A report as one JSON document with a trailing newline. */
export function renderJson(report: Report | ErrorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The document --json prints when the tool could not decide; schema problems keep their pointers. */
export function errorReport(code: string, message: string, hint: string | null, detail: { file?: string; problems?: readonly ErrorProblem[] } = {}): ErrorReport {
  return {
    reportVersion: REPORT_VERSION,
    kind: 'vdpa-compat/error',
    generator: { name: TOOL_NAME, version: TOOL_VERSION },
    verdict: 'error',
    exitStatus: 2,
    error: {
      code,
      message,
      hint,
      ...(detail.file !== undefined ? { file: detail.file } : {}),
      ...(detail.problems !== undefined ? { problems: detail.problems.map((p) => ({ pointer: p.pointer, message: p.message })) } : {}),
    },
  };
}
