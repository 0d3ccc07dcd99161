/**
 * How a rule is written: an id, a one-line summary, its messages (each with a
 * severity and a fix), and a pure check over the two devices. A finding's code
 * is `<rule id>/<message id>` and is permanent (retired codes: retired.ts).
 */
import type { DeviceFacts } from '../profile/facts.js';

/** How bad a finding is. Errors make the pair incompatible. */
export type Severity = 'error' | 'warning' | 'info';

/** One message a rule can report. `{name}` in text and fix is filled from the report data. */
export interface MessageSpec {
  severity: Severity;
  text: string;
  fix?: string;
  /**
   * The rule could not verify the property for lack of facts. `--strict`
   * turns these warnings into errors; other warnings stay warnings.
   */
  unverified?: boolean;
}

/** Values a finding can carry: JSON, so reports serialize as they are. */
export type FindingValue = string | number | boolean | null | FindingValue[];

/** Where a finding points and the two values it compares. */
export interface FindingPlace {
  /** JSON pointer relative to the device, e.g. /config/mtu. */
  path: string;
  source?: FindingValue;
  target?: FindingValue;
}

/** What a rule's check receives. */
export interface RuleContext<K extends string> {
  source: DeviceFacts;
  target: DeviceFacts;
  report(message: K, data: Record<string, FindingValue>, place: FindingPlace): void;
}

/** A rule as written, with its message ids inferred so a typo in report() fails to compile. */
export interface RuleDefinition<M extends Record<string, MessageSpec>> {
  id: string;
  summary: string;
  messages: M;
  check(context: RuleContext<Extract<keyof M, string>>): void;
}

/** A rule as the engine runs it. */
export interface Rule {
  id: string;
  summary: string;
  messages: Readonly<Record<string, MessageSpec>>;
  check(context: RuleContext<string>): void;
}

/** Declares a rule; identity at run time, type inference at compile time. */
export function defineRule<M extends Record<string, MessageSpec>>(definition: RuleDefinition<M>): Rule {
  return definition as unknown as Rule;
}

/** Fills `{name}` placeholders; arrays become comma lists. */
export function fillTemplate(template: string, data: Record<string, FindingValue>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = data[key];
    if (value === undefined) return whole;
    return Array.isArray(value) ? value.join(', ') : String(value);
  });
}
