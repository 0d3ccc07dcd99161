/**
 * Live collection is a chain of sources, each reading one kind of fact from
 * this host into the raw dump: the `vdpa` tool, then sysfs and procfs. A
 * source sees what the earlier ones captured (sysfs needs the device names
 * `vdpa` printed). The raw-netlink source works the same way, with its own
 * dump file for what iproute2 never prints (offered features, blk config).
 */
import type { CommandRecord, RawDump } from './dump-layout.js';

/** What a live source is given. */
export interface LiveContext {
  vdpaPath: string;
  timeoutMs: number;
  /** Root under which /sys and /proc are read. */
  root: string;
  /** How long the look through /proc for char device holders may take; past it they are unknown. */
  holdersMs?: number;
  /** When set, per-device queries are limited to this device. */
  device?: string;
  /** Every external command run, in order, for the dump's record. */
  commands: CommandRecord[];
  /** Where to look for qemu-system-* (default: $PATH). */
  searchPath?: string;
  /** QEMU binaries to ask instead of searching (--qemu); an empty list asks none. */
  qemuPaths?: readonly string[];
}

/** The raw dump as the chain builds it: each source fills its own fields. */
export type PartialDump = Partial<Omit<RawDump, 'meta'>>;

/** One source of facts about this host. */
export interface LiveSource {
  /** Recorded in the profile's collection.sources. */
  readonly name: string;
  capture(dump: PartialDump, context: LiveContext): Promise<PartialDump>;
}

/**
 * Thrown by a source that cannot run on this host (no binding, no kernel
 * family, no binary). An optional source's reason is recorded and collection
 * goes on with the others; a required source's becomes the error.
 */
export class SourceUnavailable extends Error {}
