/** Reading standard input with a size limit (the domain XML libvirt pipes to hooks). */
import { InputError } from '../errors.js';

/** All of stdin as text; more than `limit` bytes is an error. A terminal gives "". */
export function readStdin(limit: number): Promise<string> {
  if (process.stdin.isTTY) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    process.stdin.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        process.stdin.destroy();
        reject(new InputError('INPUT_TOO_LARGE', `stdin: more than ${limit} bytes`, 'Pass one domain XML.'));
        return;
      }
      chunks.push(chunk);
    });
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}
