// A minimal QMP client for the QEMU migration suite (replaces the lab's tools/qmp.py,
// ../shared/lab/tools/qmp.py, which wrote lines blind and slept between them):
//   node qmp.mjs SOCKET COMMAND_JSON...
// Connects to a QEMU's QMP UNIX socket, negotiates capabilities, sends each command in turn
// and waits for its reply (matched by id). Prints one JSON line per command:
// {"command": ..., "return": ...} or {"command": ..., "error": ...}; events are left out.
// Exits 0 when every command got a reply, 1 when one did not (timeout, socket closed),
// 2 when it could not connect. Never waits longer than QMP_TIMEOUT_MS (default 20000) in all.
import { connect } from 'node:net';

const [socketPath, ...commands] = process.argv.slice(2);
if (!socketPath || commands.length === 0) {
  process.stderr.write('usage: node qmp.mjs SOCKET COMMAND_JSON...\n');
  process.exit(2);
}
const parsed = commands.map((c) => JSON.parse(c));
const limit = Number(process.env.QMP_TIMEOUT_MS ?? 20000);
const timer = setTimeout(() => finish(1, `qmp: no reply within ${limit} ms`), limit);

const sock = connect(socketPath);
let buffer = '';
let greeted = false;
let next = -1; // -1: qmp_capabilities in flight
const printed = [];

function finish(code, message) {
  clearTimeout(timer);
  if (message) process.stderr.write(`${message}\n`);
  sock.destroy();
  process.exitCode = code;
}
function send(index) {
  const body = index < 0 ? { execute: 'qmp_capabilities' } : parsed[index];
  sock.write(`${JSON.stringify({ ...body, id: `c${index}` })}\n`);
}

sock.on('error', (e) => finish(greeted ? 1 : 2, `qmp: ${socketPath}: ${e.message}`));
sock.on('close', () => {
  if (printed.length < parsed.length) finish(1, `qmp: ${socketPath} closed after ${printed.length} of ${parsed.length} replies`);
});
sock.on('data', (chunk) => {
  buffer += chunk.toString('utf8');
  let nl;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, nl).trim();
    buffer = buffer.slice(nl + 1);
    if (line === '') continue;
    const msg = JSON.parse(line);
    if (msg.QMP) {
      greeted = true;
      send(-1);
      continue;
    }
    if (msg.event || msg.id !== `c${next}`) continue;
    if (next >= 0) {
      const out = { command: parsed[next].execute };
      if ('error' in msg) out.error = msg.error;
      else out.return = msg.return;
      printed.push(out);
      process.stdout.write(`${JSON.stringify(out)}\n`);
    }
    next += 1;
    if (next < parsed.length) send(next);
    else return finish(0);
  }
});
