/**
 * A `collect --save-raw DIR --force` that dies at one step: reads the dump SOURCE, writes it to
 * TARGET and kills itself with SIGKILL right after STEP, as a crash or `kill -9` would (no
 * cleanup runs). Usage: node --import tsx dump-crash-child.ts SOURCE TARGET STEP
 */
import { collect } from '../../src/collect/collect.js';
import { writeDump } from '../../src/collect/dump.js';

const [source, target, killAt] = process.argv.slice(2);
if (source === undefined || target === undefined || killAt === undefined) throw new Error('usage: SOURCE TARGET STEP');
const { raw } = await collect({ from: source });
await writeDump(target, raw, {
  force: true,
  onStep: (step) => {
    if (step === killAt) process.kill(process.pid, 'SIGKILL');
  },
});
