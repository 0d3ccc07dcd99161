/**
 * A site policy, applied after the engine: severity overrides per finding
 * code, waivers (a code, optionally for some hosts, devices or fingerprints,
 * with a reason, an owner and an expiry date), `failOn: warning`, and whether
 * unverified facts are accepted. The rule's own severity stays in the finding
 * beside the policy's; an expired waiver no longer applies and is itself a
 * finding. Pure: the date comes in as an argument. Parsing the file is
 * policy-file.ts's job.
 */
import type { Severity } from '../rules/define.js';
import { inputFinding, type Finding } from '../rules/finding.js';

/** One waiver. */
export interface Waiver {
  code: string;
  match?: { host?: string; device?: string; fingerprint?: string };
  reason: string;
  owner: string;
  /** YYYY-MM-DD: the last day it applies. */
  expires: string;
}

/** A policy document (schemas/policy.v1.json). */
export interface Policy {
  kind: 'vdpa-compat/policy';
  schemaVersion: string;
  failOn?: 'error' | 'warning';
  allowUnverified?: boolean;
  severity?: Readonly<Record<string, Severity>>;
  waivers?: readonly Waiver[];
}

/** What a waiver's match is held against: both sides of the pair. */
export interface PairIdentity {
  hosts: Array<string | null>;
  devices: string[];
  fingerprints: string[];
}

/** A `*` glob, whole-string. */
function glob(pattern: string, value: string | null): boolean {
  if (value === null) return false;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(value);
}

function matches(waiver: Waiver, finding: Finding, pair: PairIdentity): boolean {
  if (waiver.code !== finding.code && !(waiver.code.endsWith('/*') && finding.code.startsWith(waiver.code.slice(0, -1)))) return false;
  const m = waiver.match ?? {};
  if (m.host !== undefined && !pair.hosts.some((h) => glob(m.host ?? '', h))) return false;
  if (m.device !== undefined && !pair.devices.some((d) => glob(m.device ?? '', d))) return false;
  if (m.fingerprint !== undefined && !pair.fingerprints.includes(m.fingerprint)) return false;
  return true;
}

/** The last instant a waiver applies: the end of its expiry day, UTC. */
function expiresAt(waiver: Waiver): number {
  return Date.parse(`${waiver.expires}T23:59:59.999Z`);
}

/** A finding the policy itself reports. */
function policyFinding(id: string, severity: Severity, message: string, remediation: string, data: Finding['data']): Finding {
  return inputFinding({
    code: `policy/${id}`,
    rule: 'policy',
    severity,
    // What the policy reports is a warning of its own; failOn may make it count as an error.
    ruleSeverity: 'warning',
    message,
    remediation,
    data,
  });
}

/** The findings after the policy, plus the policy's own findings (expired waivers). */
export function applyPolicy(findings: readonly Finding[], policy: Policy, pair: PairIdentity, now: Date): Finding[] {
  const out: Finding[] = [];
  const expiredUsed = new Set<Waiver>();
  for (const original of findings) {
    const finding = { ...original };
    const override = policy.severity?.[finding.code];
    if (override !== undefined) finding.severity = override;
    // A waiver in force wins over expired ones, wherever each is listed: a renewal added below the
    // expired entry must not be hidden by it. Only when none is in force is the expiry reported.
    const matching = (policy.waivers ?? []).filter((w) => matches(w, finding, pair));
    const inForce = matching.find((w) => expiresAt(w) >= now.getTime());
    if (inForce !== undefined) {
      finding.severity = 'info';
      finding.waiver = { reason: inForce.reason, owner: inForce.owner, expires: inForce.expires };
    } else {
      for (const waiver of matching) expiredUsed.add(waiver);
    }
    if (policy.failOn === 'warning' && finding.severity === 'warning') finding.severity = 'error';
    out.push(finding);
  }
  for (const waiver of expiredUsed) {
    out.push(
      policyFinding(
        'waiverExpired',
        policy.failOn === 'warning' ? 'error' : 'warning',
        `the waiver for ${waiver.code} (${waiver.owner}: ${waiver.reason}) expired on ${waiver.expires} and no longer applies`,
        `Renew it with a new expires date in the policy, or fix what it waived.`,
        { code: waiver.code, owner: waiver.owner, reason: waiver.reason, expires: waiver.expires },
      ),
    );
  }
  return out;
}
