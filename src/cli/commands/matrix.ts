/** `vdpa-compat matrix HOSTS…`: who can go where, for every ordered pair of hosts and device class. */
import type { Io } from '../io.js';
import { vmConfigOf, type VmOptionValues } from '../options.js';
import { MatrixBuilder, UsageError, loadInput, renderMatrixCsv, renderMatrixTable } from '../../index.js';

/** Options of the matrix command. */
export interface MatrixCommandOptions extends Pick<VmOptionValues, 'xSvq'> {
  format: 'table' | 'csv' | 'json';
  qemu?: string;
  strict: boolean;
  allowUnverified: boolean;
  progress: boolean;
}

/** Loads every host, computes the matrix, prints it; exits 0 when it did its job. */
export async function matrixCommand(inputs: string[], options: MatrixCommandOptions, io: Io): Promise<number> {
  if (inputs.length < 2) throw new UsageError('USAGE', 'a matrix needs at least two hosts', 'Name two or more host profiles or dump directories.');
  if (new Set(inputs).size !== inputs.length) throw new UsageError('USAGE', 'a host is named twice', 'Name each host profile once.');
  // One host at a time: the builder keeps only the profiles a group or a management device needs.
  const builder = new MatrixBuilder();
  for (const input of inputs) builder.add(await loadInput(input), input);
  const qemu = options.qemu !== undefined ? { text: options.qemu, origin: '--qemu' } : undefined;
  const started = Date.now();
  const doc = builder.build({
    vm: vmConfigOf(options),
    strict: options.strict,
    allowUnverified: options.allowUnverified,
    ...(qemu !== undefined ? { sourceQemu: qemu, targetQemu: qemu } : {}),
    // Progress on stderr for long runs: a line per tenth of the source rows, after the first second.
    ...(options.progress
      ? {
          progress: (done: number, total: number) => {
            if (Date.now() - started > 1000 && (done === total || done % Math.max(1, Math.ceil(total / 10)) === 0)) io.stderr.write(`vdpa-compat: matrix: ${done} of ${total} source rows\n`);
          },
        }
      : {}),
  });
  if (options.format === 'json') io.stdout.write(`${JSON.stringify(doc)}\n`);
  else if (options.format === 'csv') for (const chunk of renderMatrixCsv(doc)) io.stdout.write(chunk);
  else io.stdout.write(renderMatrixTable(doc));
  return 0;
}
