/**
 * Versions as the tools print them, turned into semver: QEMU's `--version`
 * line (or a bare version), and a kernel release (`uname -r`). A fact is
 * keyed on a version range, so what matters is what the text does and does
 * not tell: a Debian 12 kernel says 6.1.0-56-amd64 whatever its stable patch
 * level (6.1.192), and a RHEL qemu-kvm carries backports its number hides.
 */

/** A QEMU version read from text. */
export interface QemuVersion {
  /** major.minor.patch */
  version: string;
  /** The text it was read from (first line of `--version`, or what the user gave). */
  text: string;
  /** The downstream build in parentheses, e.g. "Debian 1:10.0.13+ds-0+deb13u1"; null for upstream or a bare number. */
  downstream: string | null;
  /**
   * Whether upstream facts can be trusted for this build. RHEL's qemu-kvm
   * backports migration fixes into old version numbers (RHEL-573 took the
   * CVQ-blocker removal into 8.0), so its number alone does not say.
   */
  upstreamFacts: boolean;
}

/** Builds that are known to carry vhost-vdpa backports under an older version number. */
const BACKPORTING_BUILDS = /(\.el\d|qemu-kvm|rhel|centos|rocky|alma)/i;

/**
 * Parses "QEMU emulator version 10.0.13 (Debian 1:10.0.13+ds-0+deb13u1)",
 * "qemu-kvm 8.2.0 (qemu-kvm-8.2.0-11.el9_4)", "8.1.0" or "10.2"; null when
 * no version is in the text.
 */
export function parseQemuVersion(text: string): QemuVersion | null {
  const line =
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  const match = /(?:^|version\s+|\s)v?(\d{1,3})\.(\d{1,3})(?:\.(\d{1,4}))?(?![\d.])/i.exec(line) ?? /^v?(\d{1,3})\.(\d{1,3})(?:\.(\d{1,4}))?/.exec(line);
  if (!match) return null;
  const version = `${Number(match[1])}.${Number(match[2])}.${Number(match[3] ?? 0)}`;
  const downstream = /\(([^)]+)\)/.exec(line)?.[1]?.trim() ?? null;
  return { version, text: line, downstream, upstreamFacts: !BACKPORTING_BUILDS.test(line) };
}

/** A kernel version read from `uname -r`. */
export interface KernelVersion {
  release: string;
  /** major.minor.patch; the patch is 0 when the release does not say it. */
  version: string;
  /** Whether the release string gives the stable patch level (6.12.117+deb13 does; Debian 12's 6.1.0-56 does not). */
  patchKnown: boolean;
}

/** Parses a kernel release; null when it holds no version. */
export function parseKernelRelease(release: string): KernelVersion | null {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?(.*)$/.exec(release.trim());
  if (!match) return null;
  const patch = Number(match[3] ?? 0);
  // Debian 12 names its ABI, not its stable release: 6.1.0-56-amd64 is 6.1.192 (uname -v says so).
  const abiName = patch === 0 && /^-\d+-/.test(match[4] ?? '');
  return { release: release.trim(), version: `${Number(match[1])}.${Number(match[2])}.${patch}`, patchKnown: match[3] !== undefined && !abiName };
}

/** A version as [major, minor, patch]. */
export type VersionTuple = readonly [number, number, number];

/** Half-open intervals [low, high) of versions; null is unbounded. The packs' ranges, compiled at build time. */
export type Intervals = ReadonlyArray<readonly [VersionTuple | null, VersionTuple | null]>;

/** major.minor.patch as a tuple. */
export function versionTuple(version: string): VersionTuple {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  return [major, minor, patch];
}

function compare(a: VersionTuple, b: VersionTuple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Whether the version is in one of the intervals. */
export function inIntervals(intervals: Intervals, version: VersionTuple): boolean {
  return intervals.some(([low, high]) => (low === null || compare(version, low) >= 0) && (high === null || compare(version, high) < 0));
}

/** Whether a version (exact) or a series (patch unknown: x.y.*) may fall in the intervals. */
export function mayMatch(intervals: Intervals, kernel: KernelVersion | { version: string; patchKnown: boolean }): boolean {
  const v = versionTuple(kernel.version);
  if (kernel.patchKnown) return inIntervals(intervals, v);
  // The series x.y.0 .. x.(y+1).0 meets an interval unless it lies wholly before or after it.
  const start: VersionTuple = [v[0], v[1], 0];
  const end: VersionTuple = [v[0], v[1] + 1, 0];
  return intervals.some(([low, high]) => (high === null || compare(start, high) < 0) && (low === null || compare(low, end) < 0));
}
