import { InputError, UsageError } from '../index.js';
/**
 * Reading `-` (standard input): the domain XML libvirt pipes to the hook or
 * an operator pipes to annotate, or a profile for `check -`. Capped in size,
 * like a file, and in time: a pipe whose writer never closes it (a hung ssh,
 * a forgotten redirect) must not hang the caller.
 */

/** What stdin should hold, and the limits. */
export interface StdinOptions {
  limit: number;
  timeoutMs: number;
  /** The expected content, for messages: "a domain XML". */
  what: string;
  hint: string;
  /** How to wait longer, for the timeout's message. */
  timeoutHint: string;
}

/** All of stdin as text. A terminal, an empty stdin, too many bytes or too long a wait are errors. */
export function readStdin(options: StdinOptions): Promise<string> {
  const stdin = process.stdin;
  // Nothing is piped in: reading would wait for a human to type the document.
  if (stdin.isTTY) return Promise.reject(new UsageError('USAGE', `-: stdin is a terminal, not ${options.what}`, options.hint));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: Error | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error === null) {
        const text = Buffer.concat(chunks).toString('utf8');
        if (text.trim() === '') reject(new InputError('INPUT_MISSING', `stdin: empty, not ${options.what}`, options.hint));
        else resolve(text);
        return;
      }
      // Closes our end of the pipe, so that nothing keeps the process waiting for it.
      stdin.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () => finish(new InputError('INPUT_TIMEOUT', `stdin: still open after ${options.timeoutMs} ms (${size} bytes of ${options.what} read, no end of input)`, `Close the pipe once the document is written; ${options.timeoutHint}.`)),
      options.timeoutMs,
    );
    stdin.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.limit) {
        finish(new InputError('INPUT_TOO_LARGE', `stdin: more than the ${options.limit}-byte limit for ${options.what}`, options.hint));
        return;
      }
      chunks.push(chunk);
    });
    stdin.on('end', () => finish(null));
    stdin.on('error', (error: NodeJS.ErrnoException) => finish(new InputError('INPUT_UNREADABLE', `stdin: cannot read it (${error.code ?? error.message})`, options.hint, { cause: error })));
  });
}
