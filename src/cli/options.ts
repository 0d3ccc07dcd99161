/**
 * Options that more than one command takes, each defined once: how to read
 * this host, and the hook's options, which `hook qemu` runs with and `hook
 * install` bakes into the script. The factories return fresh Option objects
 * (commander keeps per-command state on them) and tag the ones `hook
 * install` must copy, and how: a path is made absolute (libvirt runs hooks
 * from /), a command only when it names a path.
 */
import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_TIMEOUT_MS, type VmConfig } from '../index.js';

/** How `hook install` copies an option's value into the script. */
export type BakedAs = 'value' | 'path' | 'command';

const baked = new WeakMap<Option, BakedAs>();

/** How `hook install` bakes this option, or undefined when it is not a hook option (--dir, --force…). */
export function bakedAs(option: Option): BakedAs | undefined {
  return baked.get(option);
}

function hookOption(option: Option, as: BakedAs = 'value'): Option {
  baked.set(option, as);
  return option;
}

/** A positive number of milliseconds. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer (milliseconds)');
  return n;
}

/** The most worker threads `matrix --jobs` takes: far beyond a host's cores, and a bound on a typo's cost. */
export const MAX_JOBS = 64;

/** The first argument that makes the CLI's entry file a `matrix --jobs` worker (matrix-jobs.ts) instead of the CLI. */
export const MATRIX_WORKER_ARG = '--vdpa-compat-matrix-worker';

/** --jobs: a whole number of worker threads from 1 to {@link MAX_JOBS}. */
export function jobCount(value: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_JOBS) throw new InvalidArgumentError(`must be a whole number of threads from 1 to ${MAX_JOBS}`);
  return n;
}

/** A ring size QEMU accepts for virtio-net: a power of 2 from 256 to 1024 (hw/net/virtio-net.c). */
export function queueSize(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 256 || n > 1024 || (n & (n - 1)) !== 0) throw new InvalidArgumentError('must be a power of 2 from 256 to 1024 (QEMU refuses others)');
  return n;
}

/** An Ethernet MTU the kernel accepts: 68 (RFC 791's minimum) to 65535. */
export function mtu(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 68 || n > 65535) throw new InvalidArgumentError('must be an MTU from 68 to 65535');
  return n;
}

/** Collects a repeated option into a list. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * How long `-` (stdin) may stay open: a pipe from `ssh HOST vdpa-compat
 * collect -o -` ends within a few seconds; one that never ends is a mistake
 * (a terminal, a writer that hung) and must not hang the caller.
 */
export const DEFAULT_STDIN_TIMEOUT_MS = 30_000;

/** --stdin-timeout, for commands that read `-`. */
export function stdinTimeoutOption(): Option {
  return new Option('--stdin-timeout <ms>', 'give up on - (stdin) when it has not ended within this time').argParser(positiveInt).default(DEFAULT_STDIN_TIMEOUT_MS);
}

/** How to read this host: every command that collects live, the hook included. */
export function readerOptions(): Option[] {
  return [
    hookOption(new Option('--source <source>', 'read devices over raw netlink, with the vdpa tool, or netlink when it works (auto)').choices(['auto', 'netlink', 'vdpa-tool']).default('auto')),
    hookOption(new Option('--vdpa <path>', 'the iproute2 vdpa binary').default('vdpa'), 'command'),
    hookOption(new Option('--sysfs-root <dir>', 'read /sys and /proc under this directory').default('/'), 'path'),
  ];
}

/** Options of commands that read this host: the reader options and a per-command limit. */
export function hostOptions(): Option[] {
  return [...readerOptions(), new Option('--timeout <ms>', 'limit for each vdpa command').argParser(positiveInt).default(DEFAULT_TIMEOUT_MS)];
}

/** The hook's default limit for the whole run. */
export const DEFAULT_HOOK_TIMEOUT_MS = 5000;

/** The options of `hook qemu`, which `hook install` takes too and bakes into the script. */
export function hookOptions(): Option[] {
  return [
    ...readerOptions(),
    hookOption(new Option('--timeout <ms>', 'limit for the whole hook, reading stdin and every vdpa call included').argParser(positiveInt).default(DEFAULT_HOOK_TIMEOUT_MS)),
    hookOption(new Option('--on-error <policy>', 'on a timeout or internal fault: veto the migration (deny) or let it in (allow)').choices(['deny', 'allow']).default('deny')),
    hookOption(new Option('--missing-profile <policy>', 'for a vdpa device without a source profile: veto (deny) or let it in (allow)').choices(['deny', 'allow']).default('deny')),
    hookOption(new Option('--profile-dir <dir>', 'where to look for DOMAIN.xml (annotate output) when the domain has no metadata'), 'path'),
    hookOption(new Option('--from <dump-dir>', 'read this host from a recorded dump directory instead of live (dry runs, tests)'), 'path'),
    hookOption(new Option('--strict', 'treat "could not verify" warnings as errors').default(false)),
    hookOption(new Option('--allow-unverified', 'let in what depends on facts that could not be verified (default: veto, exit 2)').default(false)),
    hookOption(new Option('--policy <file>', 'site policy (YAML or JSON), as for check'), 'path'),
    hookOption(new Option('--rules <file>', 'a rule pack, as for check; may be given more than once').argParser(collectList), 'path'),
    hookOption(new Option('--decision-log <file>', 'append one JSON line per decision to this file'), 'path'),
  ];
}

/** --source-device, for every command that picks one device of the source. */
export function sourceDeviceOption(): Option {
  return new Option('--source-device <name>', 'the source vdpa device, when the source has several');
}

/** The QEMU of each side and the VM's settings: what check and plan judge a pair with. */
export function vmOptions(): Option[] {
  return [
    new Option('--source-qemu <version>', 'QEMU on the source: a version (8.1.0) or what `qemu-system-x86_64 --version` prints; overrides the profile'),
    new Option('--target-qemu <version>', 'QEMU on the target, likewise'),
    new Option('--x-svq', "the VM's netdev runs with x-svq=on (every queue shadowed)").default(false),
    new Option('--rx-queue-size <n>', "the VM's virtio-net rx_queue_size (QEMU's default: 256)").argParser(queueSize),
    new Option('--tx-queue-size <n>', "the VM's virtio-net tx_queue_size (QEMU's default: 256)").argParser(queueSize),
    new Option('--host-mtu <n>', "the VM's virtio-net host_mtu (then F_MTU is QEMU's own)").argParser(mtu),
  ];
}

/** --allow-unverified, as check reads it. */
export function allowUnverifiedOption(): Option {
  return new Option('--allow-unverified', 'accept facts that could not be verified: such warnings no longer hold the verdict at "unverified" (exit 2)').default(false);
}

/** --strict, as check reads it. */
export function strictOption(): Option {
  return new Option('--strict', 'treat "could not verify" warnings as errors').default(false);
}

/** The values {@link vmOptions} parse into. */
export interface VmOptionValues {
  sourceQemu?: string;
  targetQemu?: string;
  xSvq?: boolean;
  rxQueueSize?: number;
  txQueueSize?: number;
  hostMtu?: number;
}

/** The VM settings given on the command line, each marked as such. */
export function vmConfigOf(o: VmOptionValues): Partial<VmConfig> {
  return {
    ...(o.xSvq ? { xSvq: { value: true, origin: '--x-svq' } } : {}),
    ...(o.rxQueueSize !== undefined ? { rxQueueSize: { value: o.rxQueueSize, origin: '--rx-queue-size' } } : {}),
    ...(o.txQueueSize !== undefined ? { txQueueSize: { value: o.txQueueSize, origin: '--tx-queue-size' } } : {}),
    ...(o.hostMtu !== undefined ? { hostMtu: { value: o.hostMtu, origin: '--host-mtu' } } : {}),
  };
}
