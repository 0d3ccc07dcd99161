/** Exit statuses (README "Exit status"; STYLE.md "CLI"). */
export const EXIT = {
  /** Identical or compatible, or the command did its job. */
  OK: 0,
  /** Incompatible or blocked by the hypervisor: at least one error finding. */
  INCOMPATIBLE: 1,
  /** Could not decide: unverified, bad usage, bad input, collection failure, internal fault. */
  UNDECIDED: 2,
} as const;

/** The exit-status section of `check --help`: the verdicts. */
export const CHECK_EXIT_HELP = `
Exit status:
  0  identical or compatible: the migration can go ahead
  1  incompatible (this target cannot work) or blocked by the hypervisor (QEMU refuses or breaks it whatever the target)
  2  could not decide: a fact the migration depends on could not be verified (unverified; --allow-unverified
     accepts the risk), or bad usage, unreadable or invalid input, collection failure`;

/** The exit-status section of every other --help. */
export const EXIT_HELP = `
Exit status:
  0  the command did its job; for check and the hook: identical or compatible
  1  check and the hook: incompatible or blocked by the hypervisor
  2  could not decide: a fact could not be verified (check), bad usage, unreadable or invalid input,
     collection failure`;
