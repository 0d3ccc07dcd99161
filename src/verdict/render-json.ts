/** The --json output: exactly one JSON document (schemas/report.v1.json). */
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { REPORT_VERSION, type ErrorReport, type Report } from './types.js';

/** A report as one JSON document with a trailing newline. */
export function renderJson(report: Report | ErrorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The document --json prints when the tool could not decide. */
export function errorReport(code: string, message: string, hint: string | null): ErrorReport {
  return {
    reportVersion: REPORT_VERSION,
    kind: 'vdpa-compat/error',
    generator: { name: TOOL_NAME, version: TOOL_VERSION },
    verdict: 'error',
    error: { code, message, hint },
  };
}
