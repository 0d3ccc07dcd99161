/** Exit statuses (README "Exit status"; STYLE.md "CLI"); what --help says of them is in help.ts. */
export const EXIT = {
  /** Identical or compatible, or the command did its job. */
  OK: 0,
  /** Incompatible or blocked by the hypervisor: at least one error finding. */
  INCOMPATIBLE: 1,
  /** Could not decide: unverified, bad usage, bad input, collection failure, a write error, internal fault. */
  UNDECIDED: 2,
} as const;
