/**
 * Profile schema versions are semver: a reader loads any profile of its own
 * major version and refuses others with a message saying which side to upgrade.
 */

/**
 * MAJOR.MINOR.PATCH with semver's optional pre-release and build parts. Only
 * the major decides here, so this is read without the semver package: its
 * ~40 regular expressions, built when it loads, cost every `check` ~1 ms.
 */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

function major(version: string): number | null {
  const m = SEMVER.exec(version);
  return m === null ? null : Number(m[1]);
}

/** Why a profile's schemaVersion cannot be read by a reader of `current`, or null when it can. */
export function schemaVersionProblem(found: unknown, current: string): string | null {
  if (typeof found !== 'string') return 'has no schemaVersion string';
  const theirs = major(found);
  const ours = major(current);
  if (theirs === null || ours === null) return `schemaVersion "${String(found)}" is not a semantic version`;
  if (theirs > ours) {
    return `was written for profile schema ${found}, newer than this vdpa-compat reads (${ours}.x); upgrade vdpa-compat`;
  }
  if (theirs < ours) {
    return `was written for profile schema ${found}, older than this vdpa-compat reads (${ours}.x); re-run \`vdpa-compat collect\``;
  }
  return null;
}
