/** Limits shared by the collector and the command line. */

/** Default per-command timeout: vdpa answers in milliseconds unless the kernel is stuck. */
export const DEFAULT_TIMEOUT_MS = 5000;

/**
 * How far collect looks through /proc for the holders of the vhost-vdpa char devices. Each open
 * file costs one readlink, measured at 17-35 µs in a VM (2026-12), so 100,000 of them take 2-3 s
 * of the hook's default 5 s at worst; a host with more processes or open files than this keeps
 * its holders unknown instead of making every collect (and the hook) slow.
 */
export const MAX_HOLDER_SCAN = { processes: 8192, openFiles: 100_000 } as const;

/**
 * Longest comm recorded, in characters before escaping: a task's name is at most 15 bytes
 * (TASK_COMM_LEN 16, include/linux/sched.h), a kernel worker's as /proc shows it up to 63
 * (fs/proc/array.c proc_task_name, wq_worker_comm).
 */
export const MAX_COMM = 64;
