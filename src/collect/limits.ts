/** Limits shared by the collector and the command line. */

/** Default per-command timeout: vdpa answers in milliseconds unless the kernel is stuck. */
export const DEFAULT_TIMEOUT_MS = 5000;
