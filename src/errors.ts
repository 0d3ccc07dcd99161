/**
 * Errors mean the tool could not decide (exit status 2). Findings, which
 * describe the hosts, are data and live in rules/; they are never thrown.
 */
import { escapeControls } from './control-chars.js';

/**
 * Every error code, with the kind of input (or step) it is for. Codes are a
 * public contract like finding codes: scripts match on them, so a code names
 * one kind of problem with one kind of input and never changes meaning.
 * test/cli/error-codes.test.ts freezes this list (and README's table): a
 * rename or removal there must be a conscious change. Add codes freely.
 */
export const ERROR_CODES = {
  USAGE: 'the command line: an unknown option or command, a missing argument, a bad value',
  UNKNOWN_DEVICE: 'a device name on the command line (--device, --source-device, --target-device) that the input does not have',
  AMBIGUOUS_DEVICE: 'a profile or dump with several devices, and no --source-device/--target-device to choose',
  NO_DEVICE: 'a profile or dump without any vdpa device',
  UNKNOWN_CODE: 'a finding code or rule id given to explain',
  INPUT_MISSING: 'any path named on the command line: nothing there (ENOENT); stdin (-): empty',
  INPUT_UNREADABLE: 'any path named on the command line: there, but it cannot be looked at or read (EACCES, ELOOP, EIO…)',
  INPUT_NOT_FILE: 'any path named on the command line where a file is expected: a directory, a FIFO, a device',
  INPUT_TOO_LARGE: 'any file or stdin: more bytes than that kind of input may have',
  INPUT_TIMEOUT: 'stdin (-): not ended within --stdin-timeout',
  INPUT_NOT_PROFILE: 'a profile (SOURCE, TARGET, check -): a file that is not a vdpa-compat host profile, or not named .yaml/.yml/.json',
  XML_INVALID: 'an XML input (domain XML, annotation file): not well-formed',
  XML_REFUSED: 'an XML input (domain XML, annotation file): well-formed, but refused (DOCTYPE, too deep, too many elements, an ambiguous attribute)',
  DOMAIN_XML_INVALID: 'a domain XML: not a libvirt domain, or a vDPA device libvirt would refuse',
  DOMAIN_DEVICE_NOT_IN_PROFILE: 'a domain XML given to annotate: a vDPA device whose char device no device of the source profile is bound to',
  ANNOTATION_INVALID: "our `<source-profiles>` element: in a domain's `<metadata>`, or a --profile-dir file",
  OUTPUT_EXISTS: 'an output path (-o, --save-raw, the hook script): something is already there and --force was not given, or it is not ours',
  OUTPUT_FAILED: 'any output (stdout, -o, --save-raw, --decision-log, the hook script and its directory): the write failed',
  DUMP_INCOMPLETE: 'a dump directory: files missing',
  DUMP_INTERRUPTED: 'a dump directory (read, or replaced by --save-raw): a replacement was killed midway and left the dump beside its name',
  VDPA_JSON_INVALID: 'vdpa -j output (live or in a dump): not valid JSON',
  VDPA_OUTPUT_UNEXPECTED: 'vdpa, netlink or VMM records (live or in a dump): valid JSON of an unexpected shape',
  UNKNOWN_FEATURE: 'vdpa -j output: a feature name this version does not know',
  PROFILE_PARSE: 'a profile: not valid YAML or JSON',
  PROFILE_INVALID: 'a profile: fails the schema or is inconsistent (each problem with its JSON pointer)',
  PROFILE_VERSION: 'a profile: written by an incompatible major version',
  POLICY_PARSE: 'a --policy file: not valid YAML or JSON',
  POLICY_INVALID: 'a --policy file: fails the schema (each problem with its JSON pointer)',
  RULE_PACK_PARSE: 'a --rules file: not valid YAML or JSON',
  RULE_PACK_INVALID: 'a --rules file: fails the schema or its rules do not compile (each problem with its JSON pointer)',
  BASELINE_PARSE: 'a --baseline file: not valid YAML or JSON',
  BASELINE_INVALID: 'a --baseline file: fails the schema, or its fingerprint does not match its device (each problem with its JSON pointer)',
  VDPA_NOT_FOUND: 'live collection: the vdpa binary (--vdpa) is not there',
  VDPA_FAILED: 'live collection: vdpa or a netlink request failed',
  VDPA_TIMEOUT: 'live collection: vdpa or a netlink request did not finish within --timeout',
  VDPA_NETLINK_MISSING: 'live collection: the kernel has no vdpa netlink family (module not loaded), or raw netlink cannot be used',
  HOOK_TIMEOUT: 'the libvirt hook: could not decide within its --timeout (the whole run, stdin and every vdpa call included)',
  INTERNAL: 'none: a fault in vdpa-compat itself (run with --debug and report it)',
} as const;

/** Stable machine-readable error codes, printed after the message. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Base of every error the tool reports to the user; carries a fix hint. Each
 * class names itself in a string: the bundle minifies class names, and a
 * --debug stack trace should still say InputError.
 *
 * Messages quote what the user gave us (a path, an attribute, a JSON excerpt),
 * and a library caller may log them as they are: so message and hint are
 * escaped here, once, and every error is one printable line wherever it goes.
 */
export class ToolError extends Error {
  override name = 'ToolError';
  readonly hint?: string;
  constructor(
    readonly code: ErrorCode,
    message: string,
    hint?: string,
    options?: ErrorOptions,
  ) {
    super(escapeControls(message), options);
    if (hint !== undefined) this.hint = escapeControls(hint);
  }
}

/** The command line was wrong (unknown option, missing argument, bad choice). */
export class UsageError extends ToolError {
  override name = 'UsageError';
}

/** A file, directory or document the user gave us is missing or malformed. */
export class InputError extends ToolError {
  override name = 'InputError';
}

/** Live collection on this host failed (vdpa binary missing, failing, hanging). */
export class CollectError extends ToolError {
  override name = 'CollectError';
}

/** One schema problem: where (JSON pointer) and what. */
export interface Problem {
  pointer: string;
  message: string;
}

/** A document failed validation; every problem is kept so all are reported at once. */
export class ValidationError extends InputError {
  override name = 'ValidationError';
  constructor(
    readonly file: string,
    readonly problems: readonly Problem[],
    hint: string,
    code: ErrorCode = 'PROFILE_INVALID',
  ) {
    super(code, `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}: ` + problems.map((p) => `${p.pointer || '/'} ${p.message}`).join('; '), hint);
  }
}
