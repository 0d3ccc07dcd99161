#!/usr/bin/env node
// A stand-in `vdpa` binary for the live collector tests: it replays REAL
// captured output (test/fixtures/captures) for the arguments it receives, as
// its own process with its own exit status, so the collector's execFile,
// argument arrays, timeouts and error handling run for real. It is not a
// kernel: tests/e2e (issue 3) runs the real vdpa against a real kernel.
//
// VDPA_REPLAY: JSON object mapping the argument string ("-j dev show") to a
//   capture base path ("<dir>/123-vhost-bound-dev-show.json"); the script
//   prints <base>.stdout and <base>.stderr and exits with <base>.rc.
//   A value {"sleep": ms} sleeps instead (to test timeouts); {"stdout": text}
//   prints that text (for `vdpa -V`, captured as one line of 000-versions.txt).
// VDPA_REPLAY_LOG: file to which each received argv is appended as JSON.
import { appendFileSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (process.env.VDPA_REPLAY_LOG) appendFileSync(process.env.VDPA_REPLAY_LOG, `${JSON.stringify(args)}\n`);
const table = JSON.parse(process.env.VDPA_REPLAY ?? '{}');
const entry = table[args.join(' ')];
if (entry === undefined) {
  process.stderr.write(`replay-vdpa: no capture for "${args.join(' ')}"\n`);
  process.exit(1);
}
if (typeof entry === 'object' && entry.sleep !== undefined) {
  setTimeout(() => process.exit(0), entry.sleep);
} else if (typeof entry === 'object') {
  process.stdout.write(entry.stdout);
} else {
  const read = (ext) => {
    try {
      return readFileSync(`${entry}.${ext}`, 'utf8');
    } catch {
      return '';
    }
  };
  process.stdout.write(read('stdout'));
  process.stderr.write(read('stderr'));
  process.exitCode = Number(read('rc').trim() || '0');
}
