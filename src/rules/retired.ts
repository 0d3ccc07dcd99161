/**
 * Finding codes that existed once and must never be given to another check
 * (codes are permanent; STYLE.md "One rule"). Empty so far.
 */
export const retiredCodes: readonly string[] = [];
