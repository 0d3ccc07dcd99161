/**
 * Profile schema versions are semver: a reader loads any profile of its own
 * major version and refuses others with a message saying which side to upgrade.
 */
import parse from 'semver/functions/parse.js';
import type { SemVer } from 'semver';

/** Why a profile's schemaVersion cannot be read by a reader of `current`, or null when it can. */
export function schemaVersionProblem(found: unknown, current: string): string | null {
  if (typeof found !== 'string') return 'has no schemaVersion string';
  const version: SemVer | null = parse(found);
  const ours = parse(current);
  if (version === null || ours === null) return `schemaVersion "${String(found)}" is not a semantic version`;
  if (version.major > ours.major) {
    return `was written for profile schema ${found}, newer than this vdpa-compat reads (${ours.major}.x); upgrade vdpa-compat`;
  }
  if (version.major < ours.major) {
    return `was written for profile schema ${found}, older than this vdpa-compat reads (${ours.major}.x); re-run \`vdpa-compat collect\``;
  }
  return null;
}
