/**
 * `matrix --jobs N`: the matrix's pair decisions split over N worker threads. Each worker decides
 * one share of the source device groups (decideMatrixShare) on its own copy of the fleet's job;
 * this thread then assembles the document as one thread would (assembleMatrix), so the output is
 * the same bytes whatever N is. The worker runs the same entry file as the CLI (the bundle, or
 * dist/cli/main.js), told apart by a first argument no command has.
 */
import { fileURLToPath } from 'node:url';
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { MATRIX_WORKER_ARG } from './options.js';
import { assembleMatrix, decideMatrixShare, type MatrixDocument, type MatrixJob, type MatrixShare, type MatrixShareOptions } from '../index.js';

interface WorkerInput {
  job: MatrixJob;
  options: MatrixShareOptions;
  share: number;
  shares: number;
}

type WorkerMessage = { kind: 'progress'; done: number } | { kind: 'share'; share: MatrixShare };

/** Decides the matrix of `job` in `jobs` worker threads started from `entry`; progress is (groups done, groups). */
export async function matrixInThreads(job: MatrixJob, options: MatrixShareOptions, jobs: number, entry: URL, progress?: (done: number, total: number) => void): Promise<MatrixDocument> {
  const done = new Array<number>(jobs).fill(0);
  const workers: Worker[] = [];
  try {
    const shares = await Promise.all(
      Array.from({ length: jobs }, (_, share) => {
        const input: WorkerInput = { job, options, share, shares: jobs };
        const worker = new Worker(fileURLToPath(entry), { argv: [MATRIX_WORKER_ARG], workerData: input, stdout: false, stderr: false });
        workers.push(worker);
        return new Promise<MatrixShare>((resolve, reject) => {
          worker.on('message', (message: WorkerMessage) => {
            if (message.kind === 'share') resolve(message.share);
            else {
              done[share] = message.done;
              // The shares hold every group once.
              progress?.(
                done.reduce((a, b) => a + b, 0),
                job.members.length,
              );
            }
          });
          worker.on('error', reject);
          worker.on('exit', (code) => reject(new Error(`matrix worker ${share + 1} of ${jobs} exited (${code}) before its share was decided`)));
        });
      }),
    );
    return assembleMatrix(job, shares);
  } finally {
    // A worker that failed leaves the others running: stop them (a resolved one has exited already).
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The worker's side: decide the share it was given, post it back (the cell ids' buffers moved, not copied). */
export function runMatrixWorker(): void {
  const { job, options, share, shares } = workerData as WorkerInput;
  let last = 0;
  const result = decideMatrixShare(job, options, share, shares, (done, total) => {
    // Now and then: a message per group would cost more than a distinct fleet's group does.
    const now = Date.now();
    if (done === total || now - last >= 250) {
      last = now;
      parentPort?.postMessage({ kind: 'progress', done } satisfies WorkerMessage);
    }
  });
  const buffers = Object.values(result.best).map((b) => b.ids.buffer as ArrayBuffer);
  parentPort?.postMessage({ kind: 'share', share: result } satisfies WorkerMessage, buffers);
}
