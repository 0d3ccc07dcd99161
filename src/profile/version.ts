/**
 * Profile schema versions are semver: a reader loads any profile of its own
 * major version and refuses others with a message saying which side to upgrade.
 * A newer minor of the same major loads too, under the rules of
 * docs/profile-format.md ("Versioning"); {@link isNewerMinor} says when they apply.
 */
import { quoteText } from './schema.js';

/**
 * MAJOR.MINOR.PATCH with semver's optional pre-release and build parts. Only
 * major and minor decide here, so this is read without the semver package: its
 * ~40 regular expressions, built when it loads, cost every `check` ~1 ms.
 */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

function parts(version: string): [major: number, minor: number] | null {
  const m = SEMVER.exec(version);
  return m === null ? null : [Number(m[1]), Number(m[2])];
}

/** Why a profile's schemaVersion cannot be read by a reader of `current`, or null when it can. */
export function schemaVersionProblem(found: unknown, current: string): string | null {
  if (typeof found !== 'string') return 'has no schemaVersion string';
  const theirs = parts(found);
  const ours = parts(current);
  // The text is the user's: quoted, so a control character in it cannot reach the terminal raw.
  if (theirs === null || ours === null) return `schemaVersion ${quoteText(found, 64)} is not a semantic version`;
  if (theirs[0] > ours[0]) {
    return `was written for profile schema ${found}, newer than this vdpa-compat reads (${ours[0]}.x); upgrade vdpa-compat`;
  }
  if (theirs[0] < ours[0]) {
    return `was written for profile schema ${found}, older than this vdpa-compat reads (${ours[0]}.x); re-run \`vdpa-compat collect\``;
  }
  return null;
}

/** Whether a readable schemaVersion is of a newer minor than `current` (same major): its extra fields are then expected. */
export function isNewerMinor(found: string, current: string): boolean {
  const theirs = parts(found);
  const ours = parts(current);
  return theirs !== null && ours !== null && theirs[0] === ours[0] && theirs[1] > ours[1];
}
