// Types of bench/fleet.mjs for the TypeScript tests that import it.
export interface FleetOptions {
  hosts: number;
  groups?: number;
  seed?: number;
  distinct?: boolean;
  layouts?: number;
  /** With distinct: exactly this many devices (as many hosts as they take; hosts is then ignored). */
  devices?: number;
}
/** Host profile documents (the project's profile format, not yet loaded). */
export function generateFleet(options: FleetOptions): unknown[];
export function groupKey(profile: unknown, device: unknown): string;
/** The number after `--NAME` on the command line, or `fallback`. */
export function numberArg(name: string, fallback: number): number;
