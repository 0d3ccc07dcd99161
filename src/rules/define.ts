/**
 * How a rule is written: an id, a one-line summary, its messages (each with a
 * severity and a fix), and a pure check over the two devices. A finding's code
 * is `<rule id>/<message id>` and is permanent (retired codes: retired.ts).
 */
import type { DeviceClass } from '../profile/feature-bits.js';
import type { Side, VmConfig } from './context.js';

/** How bad a finding is. Errors make the pair incompatible (or blocked, for a blocker). */
export type Severity = 'error' | 'warning' | 'info';

/**
 * What kind of action fixes a finding, for an orchestrator or a provisioning
 * plan to act on: re-create the target device, bind it to another driver,
 * use another QEMU, change the VM's configuration, learn more facts, or none.
 */
export type RemedyKind = 'reprovision-target' | 'rebind-target' | 'change-vmm' | 'change-vm-config' | 'collect-more-facts' | 'none';

/** Every remedy kind, in the report schema's order. */
export const REMEDY_KINDS: readonly RemedyKind[] = ['reprovision-target', 'rebind-target', 'change-vmm', 'change-vm-config', 'collect-more-facts', 'none'];

/** One message a rule can report. `{name}` in text and fix is filled from the report data. */
export interface MessageSpec {
  severity: Severity;
  text: string;
  fix?: string;
  remedy: RemedyKind;
  /**
   * The rule could not verify the property for lack of facts. Such a warning
   * makes the verdict "unverified" (exit 2) unless --allow-unverified;
   * `--strict` turns it into an error.
   */
  unverified?: boolean;
  /**
   * For an unverified warning: if the unknown fact goes the bad way, QEMU
   * itself refuses the migration at the source before anything moves (a
   * blocker), so the warning does not hold the verdict (it stays a warning;
   * `--strict` still makes it an error, as every could-not-verify warning).
   */
  failsSafe?: boolean;
  /** An error that is the hypervisor's refusal, whatever the target device: verdict "blocked-by-hypervisor". */
  blocker?: boolean;
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

/** What a rule's check receives: both sides (device + host knowledge) and the VM's configuration. */
export interface RuleContext<K extends string> {
  source: Side;
  target: Side;
  vm: VmConfig;
  report(this: void, message: K, data: Record<string, FindingValue>, place: FindingPlace): void;
}

/**
 * A rule's decision without its messages, for deciding many pairs (a fleet matrix): `prepare`
 * derives once per side what the decision reads of it, `decide` names the messages `check` would
 * report for the pair, in the order it would, and renders nothing. It must agree with `check`
 * on every pair: test/rules/fast.test.ts holds the two against each other over every profile of
 * the repository and a generated fleet.
 */
export interface FastForm<P, K extends string> {
  prepare(this: void, side: Side, vm: VmConfig): P;
  /** The one message, the messages in order, or null for none (most pairs: no array is made). */
  decide(this: void, source: P, target: P, vm: VmConfig): K | readonly K[] | null;
}

/** A rule as written, with its message ids inferred so a typo in report() fails to compile. */
export interface RuleDefinition<M extends Record<string, MessageSpec>, P = unknown> {
  id: string;
  summary: string;
  /** Device classes the rule checks; for a pair outside them it is "not applicable". All when absent. */
  appliesTo?: readonly DeviceClass[];
  messages: M;
  check(context: RuleContext<Extract<keyof M, string>>): void;
  /**
   * What the check reads besides the VM: only the source, only the target, or each side for its
   * own messages (`separable`: the target's half reports the messages listed, the source's half
   * the others), so a fleet decides it once per side; a pair rule says nothing here.
   */
  reads?: RuleReads<Extract<keyof M, string>>;
  /** The same decision, fast and without messages (see {@link FastForm}). */
  fast?: FastForm<P, Extract<keyof M, string>>;
}

/** What a rule's check reads of the two sides (see {@link RuleDefinition.reads}). */
export type RuleReads<K extends string> = 'source' | 'target' | { separable: readonly K[] };

/** A rule as the engine runs it. */
export interface Rule {
  id: string;
  summary: string;
  appliesTo?: readonly DeviceClass[];
  messages: Readonly<Record<string, MessageSpec>>;
  check(context: RuleContext<string>): void;
  reads?: RuleReads<string>;
  fast?: FastForm<unknown, string>;
  /** Where the rule comes from: built in, or the rule pack file that defined it. */
  origin?: string;
  /** The rule's documentation as markdown, when it is not docs/rules/<id>.md (rule packs). */
  doc?: string;
}

/** Declares a rule; identity at run time, type inference at compile time. */
export function defineRule<M extends Record<string, MessageSpec>, P = unknown>(definition: RuleDefinition<M, P>): Rule {
  return definition;
}

/** Fills `{name}` placeholders; arrays become comma lists. */
export function fillTemplate(template: string, data: Record<string, FindingValue>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = data[key];
    if (value === undefined) return whole;
    return Array.isArray(value) ? value.join(', ') : String(value);
  });
}
