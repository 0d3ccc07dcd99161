/**
 * src/cli/stdio.ts in-process: a descriptor that is non-blocking and full
 * (EAGAIN) hands the rest to a stream, and nothing is lost or reordered. A
 * real FIFO, opened non-blocking at both ends, as a parent may hand one over.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, mkdtempSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fdWriter } from '../../src/cli/stdio.js';

describe('stdio writer', () => {
  it('writes synchronously until the pipe is full, then through the stream, in order', async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'vdpa-compat-fifo-')), 'out');
    execFileSync('mkfifo', [fifo]);
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    let handedOver = false;
    const socket = new Socket({ fd: writeFd, readable: false, writable: true });
    const out = fdWriter(writeFd, 'stdout', () => {
      handedOver = true;
      return socket;
    });
    // ~390 KB: several times a pipe's 64 KiB, written before anyone reads.
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i}\n`);
    for (let i = 0; i < lines.length; i += 1000) out.write(lines.slice(i, i + 1000).join(''));
    assert.ok(handedOver, 'the pipe filled up and the stream took over');
    const expected = lines.join('');
    const reader = new Socket({ fd: readFd, readable: true, writable: false });
    let got = '';
    reader.setEncoding('utf8').on('data', (chunk: string) => {
      got += chunk;
      if (got.length >= expected.length) reader.destroy();
    });
    await new Promise((resolve) => reader.on('close', resolve));
    socket.destroy();
    assert.equal(got.length, expected.length);
    assert.ok(got === expected, 'every byte, in order');
  });
});
