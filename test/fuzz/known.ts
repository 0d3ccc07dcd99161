/**
 * Findings of the fuzzer in files this suite does not own (src/collect/**, src/profile/normalize.ts,
 * src/cli/**, src/hook/**): each is listed with a reproducer in test/fuzz/README.md and
 * test/fuzz/known.test.ts (as todo tests, which pass once fixed), and recognised here so a fuzz
 * run counts it instead of stopping on it. Remove an entry when its fix lands.
 */
import { ToolError, ValidationError } from '../../src/errors.js';

/** What collect wrote, refused by the profile loader: collect let something through that profiles may not hold. */
export class CollectedProfileRefused extends Error {
  constructor(readonly error: ValidationError) {
    super(`collect wrote a profile that does not load: ${error.message}`);
  }
}

const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** The name of a known collect-side finding this error is, or null. */
export function knownCollectIssue(error: unknown): string | null {
  // K1: decodeNetlink assumes the record's shapes: `'error' in reply` of every configs entry whatever its
  // type (reachable from a dump file), `capture.format` of null (library callers only).
  if (error instanceof TypeError && /decodeNetlink/.test(error.stack ?? '')) return 'K1-netlink-shape';
  // K2: vdpa-json.ts quotes the input raw: V8's JSON.parse excerpt (newlines, control characters), unknown feature names.
  if (error instanceof ToolError && (error.message.includes('\n') || UNPRINTABLE.test(error.message)) && /src\/collect\//.test(error.stack ?? '')) return 'K2-collect-message-raw';
  // K3: a dump's text and JSON files reach the profile unchecked (control characters, wrong types, out-of-range numbers).
  if (error instanceof CollectedProfileRefused) return 'K3-collected-profile-refused';
  return null;
}

/** The name of a known libvirt-side finding this error is, or null. */
export function knownLibvirtIssue(error: unknown): string | null {
  // K4: domain.ts quotes attribute values raw in its messages; XML 1.0 allows C1 and bidi characters in them.
  if (error instanceof ToolError && UNPRINTABLE.test(error.message) && /src\/libvirt\/domain\.ts/.test(error.stack ?? '')) return 'K4-domain-message-raw';
  return null;
}
