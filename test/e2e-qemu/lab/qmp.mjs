// A minimal QMP client for the QEMU migration suite (replaces the lab's tools/qmp.py,
// ../shared/lab/tools/qmp.py, which wrote lines blind and slept between them):
//   node qmp.mjs SOCKET COMMAND_JSON...
// Connects to a QEMU's QMP UNIX socket, negotiates capabilities, sends each command in turn
// and waits for its reply (matched by id). Prints one JSON line per command:
// {"command": ..., "return": ...} or {"command": ..., "error": ...}; events are left out.
// Exits 0 when every command got a reply, 1 when one did not (timeout, socket closed),
// 2 when it could not connect. Never waits longer than QMP_TIMEOUT_MS (default 20000) in all.
//
//   node qmp.mjs --serve REQUESTS REPLIES
// The same for a whole scenario from one process (under TCG a Node start costs a second, and a
// hop asked QMP a dozen times): reads requests from the FIFO REQUESTS, a line each,
// ID<TAB>SOCKET<TAB>COMMAND_JSON..., one at a time, and answers each on the FIFO REPLIES with
// ID<TAB>out LINE (what the one-shot form prints), ID<TAB>err MESSAGE and last ID<TAB>end CODE.
// The scenario holds both FIFOs open read-write, so neither open blocks and neither side sees an
// end of file while the other is there.
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

const limit = Number(process.env.QMP_TIMEOUT_MS ?? 20000);

/**
 * Runs COMMANDS (parsed) on the QMP socket SOCKETPATH; resolves to the reply lines, an exit code
 * as documented above and a message for a failure.
 */
function talk(socketPath, commands) {
  return new Promise((resolve) => {
    const out = [];
    let buffer = '';
    let greeted = false;
    let next = -1; // -1: qmp_capabilities in flight
    let done = false;
    const sock = connect(socketPath);
    const finish = (code, message) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ out, code, message });
    };
    const timer = setTimeout(() => finish(1, `qmp: no reply within ${limit} ms`), limit);
    const send = (index) => {
      const body = index < 0 ? { execute: 'qmp_capabilities' } : commands[index];
      sock.write(`${JSON.stringify({ ...body, id: `c${index}` })}\n`);
    };
    sock.on('error', (e) => finish(greeted ? 1 : 2, `qmp: ${socketPath}: ${e.message}`));
    sock.on('close', () => {
      if (out.length < commands.length) finish(1, `qmp: ${socketPath} closed after ${out.length} of ${commands.length} replies`);
    });
    sock.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let nl;
      while (!done && (nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line === '') continue;
        let msg;
        try {
          msg = JSON.parse(line);
        } catch {
          return finish(1, `qmp: ${socketPath}: not JSON: ${line.slice(0, 200)}`);
        }
        if (msg.QMP) {
          greeted = true;
          send(-1);
          continue;
        }
        if (msg.event || msg.id !== `c${next}`) continue;
        if (next >= 0) {
          const reply = { command: commands[next].execute };
          if ('error' in msg) reply.error = msg.error;
          else reply.return = msg.return;
          out.push(JSON.stringify(reply));
        }
        next += 1;
        if (next < commands.length) send(next);
        else return finish(0);
      }
    });
  });
}

/** The requests of REQUESTS, one at a time, answered on REPLIES. */
async function serve(requests, replies) {
  const fd = openSync(replies, 'w');
  const answer = (id, kind, text) => writeSync(fd, `${id}\t${kind} ${text}\n`);
  const lines = createInterface({ input: createReadStream(requests) });
  for await (const line of lines) {
    const [id, socketPath, ...raw] = line.split('\t');
    if (!id) continue;
    let commands;
    try {
      commands = raw.map((c) => JSON.parse(c));
    } catch (e) {
      answer(id, 'err', `qmp: a command is not JSON: ${e.message}`);
      answer(id, 'end', '2');
      continue;
    }
    if (!socketPath || commands.length === 0) {
      answer(id, 'err', 'qmp: a request needs a socket and a command');
      answer(id, 'end', '2');
      continue;
    }
    const r = await talk(socketPath, commands);
    for (const l of r.out) answer(id, 'out', l);
    if (r.message) answer(id, 'err', r.message);
    answer(id, 'end', String(r.code));
  }
  closeSync(fd);
}

const args = process.argv.slice(2);
if (args[0] === '--serve') {
  if (args.length !== 3) {
    process.stderr.write('usage: node qmp.mjs --serve REQUESTS REPLIES\n');
    process.exit(2);
  }
  await serve(args[1], args[2]);
} else {
  const [socketPath, ...commands] = args;
  if (!socketPath || commands.length === 0) {
    process.stderr.write('usage: node qmp.mjs SOCKET COMMAND_JSON...\n');
    process.exit(2);
  }
  const r = await talk(
    socketPath,
    commands.map((c) => JSON.parse(c)),
  );
  for (const l of r.out) process.stdout.write(`${l}\n`);
  if (r.message) process.stderr.write(`${r.message}\n`);
  process.exitCode = r.code;
}
