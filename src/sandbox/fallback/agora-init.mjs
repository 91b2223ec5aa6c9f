// agora-init, node version: used only when no C compiler built native/agora-init.c. Same
// arguments and the same control protocol (see that file): bind the relays before the agent
// starts, relay each connection, cap the agent's output on fd 1, report on the control fd.
// Weaker than the C version: node cannot mark itself non-dumpable, so an agent could reach
// this process's file descriptors through /proc; and it costs ~40 ms of node start-up.
// Plain JavaScript with node built-ins only: it runs inside the sandbox, outside Agora.
import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import net from 'node:net';
import { constants } from 'node:os';

const args = process.argv.slice(2);
let control = null;
let logBytesMax = 1 << 20;
let connsMax = 64;
const relays = [];
let i = 0;
for (; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--') {
    i++;
    break;
  }
  const value = args[++i];
  if (value === undefined) fail(`missing value for ${arg}`);
  if (arg === '--control-fd') control = new net.Socket({ fd: Number(value), readable: true, writable: true });
  else if (arg === '--log-bytes-max') logBytesMax = Number(value);
  else if (arg === '--conns-max') connsMax = Number(value);
  else if (arg === '--relay') relays.push(parseRelay(value));
  else fail(`unknown option ${arg}`);
}
const command = args.slice(i);
if (command.length === 0) fail('no command');

function fail(message) {
  process.stderr.write(`agora-init: ${message}\n`);
  if (control !== null) control.write(`spawnfail 0 ${message}\n`);
  process.exit(127);
}

function parseEndpoint(spec) {
  if (spec.startsWith('unix:')) return { path: spec.slice(5) };
  if (spec.startsWith('tcp:')) {
    const at = spec.lastIndexOf(':');
    return { host: spec.slice(4, at), port: Number(spec.slice(at + 1)) };
  }
  fail(`bad endpoint ${spec}`);
}

function parseRelay(spec) {
  const eq = spec.indexOf('=');
  if (eq < 0) fail(`relay must be LISTEN=CONNECT, got ${spec}`);
  return { listen: parseEndpoint(spec.slice(0, eq)), connect: parseEndpoint(spec.slice(eq + 1)) };
}

function send(line) {
  if (control !== null && !control.destroyed) control.write(line + '\n');
}

const servers = await Promise.all(
  relays.map(
    (relay) =>
      new Promise((resolve, reject) => {
        const server = net.createServer({ allowHalfOpen: true }, (a) => {
          const b = net.connect({ ...relay.connect, allowHalfOpen: true });
          const done = () => {
            a.destroy();
            b.destroy();
          };
          a.on('error', done);
          b.on('error', done);
          a.pipe(b);
          b.pipe(a);
        });
        server.maxConnections = connsMax;
        server.once('error', reject);
        server.listen(relay.listen, () => resolve(server));
      }),
  ),
).catch((err) => fail(`cannot listen: ${err.message}`));

let logBytes = 0;
let logDropped = 0;
function copy(chunk) {
  const keep = Math.max(0, Math.min(chunk.length, logBytesMax - logBytes));
  if (keep > 0) {
    writeSync(1, chunk, 0, keep);
    logBytes += keep;
  }
  logDropped += chunk.length - keep;
}

const agent = spawn(command[0], command.slice(1), { stdio: ['inherit', 'pipe', 'pipe'], detached: true });
agent.once('error', (err) => fail(`cannot start ${command[0]}: ${err.message}`));
agent.once('spawn', () => send(`ready ${agent.pid}`));
agent.stdout.on('data', copy);
agent.stderr.on('data', copy);

function signalAgent(signal) {
  if (agent.pid === undefined || agent.exitCode !== null || agent.signalCode !== null) return;
  try {
    process.kill(-agent.pid, signal);
  } catch {
    /* the group is gone */
  }
}
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => signalAgent('SIGTERM'));
if (control !== null) {
  control.on('data', (data) => {
    for (const c of data.toString('latin1')) {
      if (c === 't') signalAgent('SIGTERM');
      if (c === 'k') signalAgent('SIGKILL');
    }
  });
  control.on('end', () => signalAgent('SIGKILL'));
  control.on('error', () => signalAgent('SIGKILL'));
}

agent.once('exit', (code, signal) => {
  // Keep what is already in the pipes, but do not wait long on children that hold them open.
  let pending = 2;
  const closed = () => --pending === 0 && finish();
  agent.stdout.once('close', closed);
  agent.stderr.once('close', closed);
  const timer = setTimeout(finish, 100);
  let finished = false;
  function finish() {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    const signo = signal === null ? 0 : (constants.signals[signal] ?? 0);
    send(`exit code=${code ?? -1} signal=${signo} log_bytes=${logBytes} log_dropped=${logDropped} utime_us=-1 stime_us=-1 maxrss_kb=-1`);
    for (const server of servers) server.close();
    try {
      process.kill(-agent.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    const exit = () => process.exit(code ?? 128 + signo);
    if (control !== null) control.end(exit);
    else exit();
  }
});
