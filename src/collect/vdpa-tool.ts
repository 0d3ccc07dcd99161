/**
 * The live `vdpa` source: runs the iproute2 binary with execFile and an
 * argument array (never a shell), each call bounded by a timeout, and keeps
 * every command's stdout, stderr and exit status for --save-raw.
 */
import { execFile } from 'node:child_process';
import { CollectError } from '../errors.js';
import { firstLine } from './command-output.js';
import type { CommandRecord } from './dump-layout.js';
import type { LiveSource } from './source.js';
import { parseDevConfigShow, parseDevShow } from './vdpa-json.js';

/** How to run the vdpa binary. */
export interface VdpaToolOptions {
  /** Path or name (looked up in PATH) of the iproute2 `vdpa` binary. */
  vdpaPath: string;
  /** Per-command limit; the process is killed with SIGKILL past it. */
  timeoutMs: number;
  /** Only this device's config is queried one by one, if the dump misses it. */
  device?: string;
}

/**
 * Output above this is not `vdpa` output we can use; it also bounds memory.
 * The same as a dump file's limit, so what --save-raw records always reads back.
 */
export const MAX_COMMAND_OUTPUT = 4 * 1024 * 1024;

/** Runs `vdpa ARGS` once. Resolves for any exit status; rejects only when the binary could not run or hung. */
export function runVdpa(options: VdpaToolOptions, args: string[]): Promise<CommandRecord> {
  const argv = [options.vdpaPath, ...args];
  const shown = ['vdpa', ...args].join(' ');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(options.vdpaPath, args, { timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_COMMAND_OUTPUT, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
      const durationMs = Math.round(performance.now() - started);
      if (!error) {
        resolve({ argv, rc: 0, stdout, stderr, durationMs });
        return;
      }
      const err = error as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
      if (err.code === 'ENOENT' || err.code === 'EACCES') {
        reject(
          new CollectError(
            'VDPA_NOT_FOUND',
            `cannot run the vdpa binary "${options.vdpaPath}" (${err.code === 'ENOENT' ? 'not found' : 'permission denied'})`,
            'Install iproute2 (it ships `vdpa`) or pass --vdpa PATH; or collect elsewhere and use --from DUMP_DIR.',
            { cause: error },
          ),
        );
      } else if (err.killed) {
        reject(
          new CollectError(
            'VDPA_TIMEOUT',
            `\`${shown}\` did not finish within ${options.timeoutMs} ms and was killed`,
            'A hung vdpa netlink call usually means the kernel holds vdpa_dev_lock (check dmesg for an oops in a vdpa parent driver); raise --timeout only if the host is just slow.',
            { cause: error },
          ),
        );
      } else if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
        reject(
          new CollectError('VDPA_FAILED', `\`${shown}\` printed more than ${MAX_COMMAND_OUTPUT} bytes`, 'This is not vdpa output we can use; check --vdpa PATH.', {
            cause: error,
          }),
        );
      } else {
        resolve({ argv, rc: typeof err.code === 'number' ? err.code : null, stdout, stderr, durationMs });
      }
    });
  });
}

function requireSuccess(record: CommandRecord, shown: string): CommandRecord {
  if (record.rc === 0 && record.stdout.trim() !== '') return record;
  const reason = firstLine(record.stderr) || `exit status ${record.rc ?? 'unknown'}, no output`;
  if (/Failed to connect to vdpa Netlink/i.test(record.stderr)) {
    throw new CollectError(
      'VDPA_NETLINK_MISSING',
      `\`${shown}\` failed: ${reason}`,
      'The kernel has no vdpa netlink family: load the vdpa module and a parent driver (modprobe vdpa mlx5_vdpa / vp_vdpa / vdpa_sim_net). Debian 12 kernels are built without vDPA.',
    );
  }
  throw new CollectError('VDPA_FAILED', `\`${shown}\` failed: ${reason}`, 'Run the command by hand to see why; it needs the vdpa module loaded.');
}

/** What the vdpa tool source captured; the text files of a dump directory. */
export interface VdpaToolCapture {
  mgmtdevShow: string;
  devShow: string;
  devConfigShow: string;
  vdpaVersion: string | null;
  perDeviceConfig: Record<string, CommandRecord>;
  commands: CommandRecord[];
}

/** The iproute2 `vdpa` tool as a live source. */
export const vdpaToolSource: LiveSource = {
  name: 'vdpa-tool',
  async capture(_dump, context) {
    const { commands, ...capture } = await captureVdpaTool({
      vdpaPath: context.vdpaPath,
      timeoutMs: context.timeoutMs,
      ...(context.device !== undefined ? { device: context.device } : {}),
    });
    context.commands.push(...commands);
    return capture;
  },
};

/**
 * Captures mgmtdev, dev and config output. The config dump is not trusted to
 * be complete: kernel 6.1 stops a `dev config show` dump silently at the
 * first block device (fixtures/QUIRKS.md, 077-net-and-blk-config-show), so
 * every device the dump left out is asked for by name.
 */
export async function captureVdpaTool(options: VdpaToolOptions): Promise<VdpaToolCapture> {
  const commands: CommandRecord[] = [];
  const run = async (args: string[]): Promise<CommandRecord> => {
    const record = await runVdpa(options, args);
    commands.push(record);
    return record;
  };
  const version = await run(['-V']);
  const mgmtdev = requireSuccess(await run(['-j', 'mgmtdev', 'show']), 'vdpa -j mgmtdev show');
  const dev = requireSuccess(await run(['-j', 'dev', 'show']), 'vdpa -j dev show');
  // A failed dump still prints a `{"config":{}}` skeleton, sometimes with exit status 0; the per-device pass below covers it.
  const config = await run(['-j', 'dev', 'config', 'show']);

  const perDeviceConfig: Record<string, CommandRecord> = {};
  let deviceNames: string[] = [];
  let dumped = new Set<string>();
  try {
    deviceNames = parseDevShow(dev.stdout, 'vdpa -j dev show').map((d) => d.name);
    dumped = new Set(parseDevConfigShow(config.stdout, 'vdpa -j dev config show').keys());
  } catch {
    // Unparseable output is reported with its location when the profile is built from this capture.
  }
  for (const name of deviceNames) {
    if (dumped.has(name) || (options.device !== undefined && name !== options.device)) continue;
    perDeviceConfig[name] = await run(['-j', 'dev', 'config', 'show', name]);
  }
  return {
    mgmtdevShow: mgmtdev.stdout,
    devShow: dev.stdout,
    devConfigShow: config.stdout,
    vdpaVersion: version.rc === 0 ? version.stdout : null,
    perDeviceConfig,
    commands,
  };
}
