/**
 * One line of a decision log (`--decision-log FILE`): when, which tool and
 * knowledge packs, the two inputs (host, device, fingerprint, QEMU), the
 * verdict and its exit status, and every finding code with its severity.
 * Enough to audit a decision later or to replay it against new packs.
 */
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { Report, SideSummary } from './types.js';

/** The kind every decision line carries. */
export const DECISION_KIND = 'vdpa-compat/decision';

function side(s: SideSummary) {
  return { input: s.input, hostname: s.hostname, kernel: s.kernel, device: s.device, fingerprint: s.fingerprint, parent: s.parent, qemu: s.qemu.version, qemuOrigin: s.qemu.origin };
}

/** The decision of a report as one JSON object; `context` adds the caller's (the hook's domain, say). */
export function decisionRecord(report: Report, now: Date, context: Record<string, string> = {}): Record<string, unknown> {
  return {
    kind: DECISION_KIND,
    time: now.toISOString(),
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    reportVersion: report.reportVersion,
    packs: report.knowledge,
    ...context,
    source: side(report.source),
    target: side(report.target),
    vm: Object.fromEntries(Object.entries(report.vm).map(([k, g]) => [k, g.value])),
    verdict: report.verdict,
    exitStatus: report.exitStatus,
    strict: report.strict,
    allowUnverified: report.allowUnverified,
    policy: report.policy?.file ?? null,
    codes: report.findings.filter((f) => f.severity !== 'info' || f.waiver !== undefined).map((f) => `${f.code}:${f.waiver ? 'waived' : f.severity}`),
  };
}
