/** `vdpa-compat matrix HOSTS…`: who can go where, for every ordered pair of hosts and device class. */
import type { Io } from '../io.js';
import { vmConfigOf, type VmOptionValues } from '../options.js';
import { MatrixBuilder, UsageError, loadInput, renderMatrixCsv, renderMatrixTable, type MatrixDocument } from '../../index.js';

/** Options of the matrix command. */
export interface MatrixCommandOptions extends Pick<VmOptionValues, 'xSvq'> {
  format: 'table' | 'csv' | 'json';
  qemu?: string;
  strict: boolean;
  allowUnverified: boolean;
  progress: boolean;
  /** Worker threads that decide the pairs; 1: this thread, as without --jobs. */
  jobs: number;
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
  const decideOptions = {
    vm: vmConfigOf(options),
    strict: options.strict,
    allowUnverified: options.allowUnverified,
    ...(qemu !== undefined ? { sourceQemu: qemu, targetQemu: qemu } : {}),
  };
  // Progress on stderr for long runs: a line per tenth of the source device groups, after the first second.
  let tenth = 0;
  const progress = (done: number, total: number) => {
    const now = Math.floor((done * 10) / Math.max(1, total));
    if (now > tenth && Date.now() - started > 1000) io.stderr.write(`vdpa-compat: matrix: ${done} of ${total} source device groups\n`);
    tenth = Math.max(tenth, now);
  };
  let doc: MatrixDocument;
  if (options.jobs <= 1) doc = builder.build({ ...decideOptions, ...(options.progress ? { progress } : {}) });
  else {
    const [{ matrixInThreads }, { cliEntry }] = await Promise.all([import('../matrix-jobs.js'), import('../main.js')]);
    doc = await matrixInThreads(builder.job(), decideOptions, options.jobs, cliEntry(), options.progress ? progress : undefined);
  }
  if (options.format === 'json') io.stdout.write(`${JSON.stringify(doc)}\n`);
  else if (options.format === 'csv') for (const chunk of renderMatrixCsv(doc)) io.stdout.write(chunk);
  else io.stdout.write(renderMatrixTable(doc));
  return 0;
}
