/**
 * JUnit XML for CI consumers: one test suite per pair, one test case per
 * rule. A rule with an error finding fails; warnings and notes go to the
 * case's system-out, since JUnit has no warning state.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { Report } from './types.js';

/** The report as a JUnit XML document. */
export function renderJunit(report: Report): string {
  const cases = report.checks.map((c) => {
    const findings = report.findings.filter((f) => f.rule === c.rule);
    const errors = findings.filter((f) => f.severity === 'error');
    const others = findings.filter((f) => f.severity !== 'error');
    const line = (f: (typeof findings)[number]) => `${f.severity.toUpperCase()} ${f.code}: ${f.message}${f.remediation ? `\nfix: ${f.remediation}` : ''}`;
    return {
      '@classname': `vdpa-compat.${c.rule}`,
      '@name': c.summary,
      ...(errors.length > 0 ? { failure: { '@message': errors.map((f) => f.message).join('; '), '@type': errors.map((f) => f.code).join(' '), '#text': errors.map(line).join('\n\n') } } : {}),
      ...(others.length > 0 ? { 'system-out': others.map(line).join('\n\n') } : {}),
    };
  });
  const failures = report.checks.filter((c) => c.status === 'fail').length;
  const name = `${report.source.device} (${report.source.input}) -> ${report.target.device} (${report.target.input})`;
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', format: true, indentBy: '  ' });
  const body = builder.build({
    testsuites: {
      '@name': 'vdpa-compat check',
      '@tests': cases.length,
      '@failures': failures,
      testsuite: {
        '@name': name,
        '@tests': cases.length,
        '@failures': failures,
        '@errors': 0,
        properties: {
          property: [
            { '@name': 'verdict', '@value': report.verdict },
            { '@name': 'source.fingerprint', '@value': report.source.fingerprint },
            { '@name': 'target.fingerprint', '@value': report.target.fingerprint },
          ],
        },
        testcase: cases,
      },
    },
  }) as string;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}
