/**
 * Standard output and error for the command line: written straight to file
 * descriptors 1 and 2 with fs.writeSync.
 *
 * Why not process.stdout: making it for a pipe loads net and the stream
 * classes, measured at ~3.5 ms of a ~65 ms run, on every run, the libvirt
 * hook's included, to write one report. A synchronous write also leaves
 * nothing unflushed when the hook exits at once.
 *
 * A descriptor that is non-blocking and full (EAGAIN) hands the rest, and
 * every later write, to the real stream, which waits for it; the order holds.
 * A descriptor that cannot be written at all (a closed pipe, a full disk)
 * ends the run with status 2 and one line, never a stack trace and never 1,
 * which an orchestrator would read as "incompatible".
 */
import { fstatSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Io } from './io.js';

const UNDECIDED = 2;

function fail(name: string, error: NodeJS.ErrnoException): never {
  if (name !== 'stderr') {
    try {
      writeSync(2, `vdpa-compat: cannot write to ${name}: ${error.code ?? error.message} [OUTPUT_FAILED]; fix: check where ${name} goes (a full disk, a closed pipe)\n`);
    } catch {
      // stderr is gone too: the exit status is all that is left.
    }
  }
  process.exit(UNDECIDED);
}

/** Linux's memory devices (/dev/null, /dev/zero, /dev/full): character devices that are never terminals. */
const MEM_MAJOR = 1;

/**
 * Whether fd is a terminal. Only a character device can be, and only then is
 * tty loaded (with net and the streams, ~5 ms); /dev/null, where a hook's or a
 * script's output often goes, is known without it.
 */
function isTerminal(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    if (!stat.isCharacterDevice() || ((stat.rdev >>> 8) & 0xfff) === MEM_MAJOR) return false;
    return (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd);
  } catch {
    return false;
  }
}

/**
 * A writer for `fd`: synchronous writes while they go through; from the first
 * EAGAIN on, `stream()` takes the rest. `name` is what a failure calls it.
 */
export function fdWriter(fd: number, name: string, stream: () => NodeJS.WritableStream): Io['stdout'] {
  let fallback: NodeJS.WritableStream | undefined;
  let tty: boolean | undefined;
  const handOver = (rest: Buffer): void => {
    if (fallback === undefined) {
      fallback = stream();
      fallback.on('error', (error: NodeJS.ErrnoException) => fail(name, error));
    }
    fallback.write(rest);
  };
  return {
    write(text: string) {
      const bytes = Buffer.from(text, 'utf8');
      if (fallback !== undefined) return handOver(bytes);
      for (let offset = 0; offset < bytes.length;) {
        try {
          offset += writeSync(fd, bytes, offset);
        } catch (error) {
          const e = error as NodeJS.ErrnoException;
          if (e.code !== 'EAGAIN') fail(name, e);
          return handOver(bytes.subarray(offset));
        }
      }
    },
    get isTTY() {
      return (tty ??= isTerminal(fd));
    },
  };
}

/** The process's standard output (1) or error (2). */
export function fdStream(fd: 1 | 2): Io['stdout'] {
  const name = fd === 1 ? 'stdout' : 'stderr';
  return fdWriter(fd, name, () => process[name]);
}
