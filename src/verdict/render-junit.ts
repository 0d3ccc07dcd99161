/**
 * JUnit XML for CI consumers: one test suite per pair, one test case per
 * rule. A rule with an error finding fails; warnings and notes go to the
 * case's system-out, since JUnit has no warning state. When the tool could
 * not decide, the file still comes: one test case, failed, with the error.
 *
 * The builder escapes markup (&, <, quotes) but not the characters XML 1.0
 * forbids outright (most of C0, U+FFFE/F): a hostname holding one would make
 * the whole file unreadable to the CI. Every text we did not write is passed
 * through escapeControls first.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { escapeControls as x } from '../control-chars.js';
import type { ErrorSummary } from './render-error.js';
import type { Report } from './types.js';

function build(testsuites: Record<string, unknown>): string {
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', format: true, indentBy: '  ' });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ testsuites })}`;
}

/** The report as a JUnit XML document. */
export function renderJunit(report: Report): string {
  const cases = report.checks.map((c) => {
    const findings = report.findings.filter((f) => f.rule === c.rule);
    const errors = findings.filter((f) => f.severity === 'error');
    const others = findings.filter((f) => f.severity !== 'error');
    const line = (f: (typeof findings)[number]) => `${f.severity.toUpperCase()} ${x(f.code)}: ${x(f.message)}${f.remediation ? `\nfix: ${x(f.remediation)}` : ''}`;
    return {
      '@classname': `vdpa-compat.${x(c.rule)}`,
      '@name': x(c.summary),
      ...(errors.length > 0 ? { failure: { '@message': x(errors.map((f) => f.message).join('; ')), '@type': x(errors.map((f) => f.code).join(' ')), '#text': errors.map(line).join('\n\n') } } : {}),
      ...(others.length > 0 ? { 'system-out': others.map(line).join('\n\n') } : {}),
    };
  });
  const failures = report.checks.filter((c) => c.status === 'fail').length;
  const name = x(`${report.source.device} (${report.source.input}) -> ${report.target.device} (${report.target.input})`);
  return build({
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
          { '@name': 'verdict', '@value': x(report.verdict) },
          { '@name': 'source.fingerprint', '@value': x(report.source.fingerprint) },
          { '@name': 'target.fingerprint', '@value': x(report.target.fingerprint) },
        ],
      },
      testcase: cases,
    },
  });
}

/**
 * What --format junit writes when there is no verdict (bad usage, bad input, a
 * failed collection): one failed test case, so a CI job that reads the file
 * shows the error instead of finding no file or an empty one.
 */
export function renderJunitError(summary: ErrorSummary): string {
  const detail = [`${x(summary.message)} [${x(summary.code)}]`, ...(summary.problems ?? []).map((p) => `${x(p.pointer || '/')}: ${x(p.message)}`), ...(summary.hint ? [`fix: ${x(summary.hint)}`] : [])];
  return build({
    '@name': 'vdpa-compat check',
    '@tests': 1,
    '@failures': 1,
    testsuite: {
      '@name': 'vdpa-compat check',
      '@tests': 1,
      '@failures': 1,
      '@errors': 0,
      properties: {
        property: [
          { '@name': 'verdict', '@value': 'error' },
          { '@name': 'error.code', '@value': x(summary.code) },
        ],
      },
      testcase: [{ '@classname': 'vdpa-compat', '@name': 'vdpa-compat could not decide', failure: { '@message': x(summary.message), '@type': x(summary.code), '#text': detail.join('\n') } }],
    },
  });
}
