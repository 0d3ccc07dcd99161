/**
 * Errors mean the tool could not decide (exit status 2). Findings, which
 * describe the hosts, are data and live in rules/; they are never thrown.
 */

/** Stable machine-readable error codes, printed after the message. */
export type ErrorCode =
  | 'USAGE'
  | 'UNKNOWN_DEVICE'
  | 'AMBIGUOUS_DEVICE'
  | 'NO_DEVICE'
  | 'UNKNOWN_CODE'
  | 'INPUT_MISSING'
  | 'INPUT_NOT_PROFILE'
  | 'INPUT_TOO_LARGE'
  | 'XML_INVALID'
  | 'XML_REFUSED'
  | 'DOMAIN_XML_INVALID'
  | 'ANNOTATION_INVALID'
  | 'OUTPUT_EXISTS'
  | 'OUTPUT_FAILED'
  | 'DUMP_INCOMPLETE'
  | 'DUMP_INTERRUPTED'
  | 'VDPA_JSON_INVALID'
  | 'VDPA_OUTPUT_UNEXPECTED'
  | 'UNKNOWN_FEATURE'
  | 'PROFILE_PARSE'
  | 'PROFILE_INVALID'
  | 'PROFILE_VERSION'
  | 'POLICY_PARSE'
  | 'POLICY_INVALID'
  | 'RULE_PACK_PARSE'
  | 'RULE_PACK_INVALID'
  | 'VDPA_NOT_FOUND'
  | 'VDPA_FAILED'
  | 'VDPA_TIMEOUT'
  | 'VDPA_NETLINK_MISSING'
  | 'INTERNAL';

/**
 * Base of every error the tool reports to the user; carries a fix hint. Each
 * class names itself in a string: the bundle minifies class names, and a
 * --debug stack trace should still say InputError.
 */
export class ToolError extends Error {
  override name = 'ToolError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
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
    super(
      code,
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}: ` +
        problems.map((p) => `${p.pointer || '/'} ${p.message}`).join('; '),
      hint,
    );
  }
}
