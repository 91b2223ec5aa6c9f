// agora-init on its own (outside any sandbox): the relay under load and at the edges of a
// stream (partial writes, half-close, a dead upstream), the log cap, the control protocol.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { test } from 'node:test';
import { LineSplitter, parseInitLine, type InitMessage } from '../src/sandbox/control-protocol.js';
import { buildNativeHelpers } from '../src/sandbox/helpers.js';

const built = await buildNativeHelpers().catch((err: Error) => err);
const skip = built instanceof Error ? `agora-init could not be compiled: ${built.message}` : false;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface Init {
  child: ChildProcess;
  messages: InitMessage[];
  next(kind: InitMessage['kind']): Promise<InitMessage>;
  control: Duplex;
  done: Promise<number | null>;
}

function startInit(args: string[], log_path: string, command: string[]): Init {
  const fd = openSync(log_path, 'w');
  const child = spawn((built as { init: string }).init, ['--control-fd', '3', ...args, '--', ...command], { stdio: ['ignore', fd, fd, 'pipe'] });
  closeSync(fd);
  const control = child.stdio[3] as Duplex;
  const messages: InitMessage[] = [];
  const waiters: (() => void)[] = [];
  const splitter = new LineSplitter();
  control.on('data', (chunk: Buffer) =>
    splitter.push(chunk, (line) => {
      const m = parseInitLine(line);
      if (m !== null) messages.push(m);
      waiters.splice(0).forEach((w) => w());
    }),
  );
  const next = async (kind: InitMessage['kind']) => {
    for (;;) {
      const found = messages.find((m) => m.kind === kind);
      if (found !== undefined) return found;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const done = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, messages, next, control, done };
}

test('the relay carries many concurrent connections with large bodies both ways, and passes half-close on', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-fwd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket_path = join(dir, 'up.sock');
  // Upstream: reads until the client half-closes, then answers the digest and the bytes back.
  const upstream = net.createServer({ allowHalfOpen: true }, (s) => {
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => {
      const all = Buffer.concat(chunks);
      s.write(createHash('sha256').update(all).digest('hex') + '\n');
      s.end(all);
    });
  });
  await new Promise<void>((r) => upstream.listen(socket_path, r));
  t.after(() => upstream.close());
  const port = await freePort();
  const init = startInit(['--conns-max', '8', '--relay', `tcp:127.0.0.1:${port}=unix:${socket_path}`], join(dir, 'log'), ['sleep', '60']);
  t.after(() => init.child.kill('SIGKILL'));
  await init.next('ready');

  const one = (size: number) =>
    new Promise<void>((resolve, reject) => {
      const payload = randomBytes(size);
      const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      const got: Buffer[] = [];
      s.on('data', (c) => got.push(c));
      s.on('error', reject);
      s.on('end', () => {
        const all = Buffer.concat(got);
        const nl = all.indexOf('\n');
        try {
          assert.equal(all.subarray(0, nl).toString(), createHash('sha256').update(payload).digest('hex'), 'upstream got every byte, in order');
          assert.ok(all.subarray(nl + 1).equals(payload), 'and every byte came back');
          resolve();
        } catch (err) {
          reject(err);
        }
        s.destroy();
      });
      s.end(payload); // write everything, then half-close
    });
  // More connections than --conns-max: the rest wait in the backlog and still complete.
  await Promise.all(Array.from({ length: 24 }, (_, i) => one(i % 3 === 0 ? 2 << 20 : 1000 + i)));
  init.control.write('k');
  await init.done;
});

test('a dead upstream closes the agent\'s connection instead of hanging it', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-fwd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const init = startInit(['--relay', `tcp:127.0.0.1:${port}=unix:${join(dir, 'nobody.sock')}`], join(dir, 'log'), ['sleep', '60']);
  t.after(() => init.child.kill('SIGKILL'));
  await init.next('ready');
  await new Promise<void>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    setTimeout(() => reject(new Error('connection hung')), 3000).unref();
  });
  init.control.write('k');
  await init.done;
});

test('output is capped exactly, the rest counted as dropped; exit status and rusage are reported', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-fwd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log_path = join(dir, 'log');
  const init = startInit(['--log-bytes-max', '100000'], log_path, ['/bin/sh', '-c', 'head -c 300000 /dev/zero; head -c 50000 /dev/zero >&2; exit 4']);
  const exit = (await init.next('exit')) as Extract<InitMessage, { kind: 'exit' }>;
  assert.equal(await init.done, 4);
  assert.equal(exit.code, 4);
  assert.equal(exit.signal, null);
  assert.equal(exit.log_bytes, 100_000);
  assert.equal(exit.log_dropped, 250_000);
  assert.equal(statSync(log_path).size, 100_000);
  assert.ok(exit.cpu_seconds !== null && exit.cpu_seconds >= 0);
});

/** Waits until the agent's shell has set its trap (it prints "armed"). */
async function armed(log_path: string): Promise<void> {
  while (!readFileSync(log_path, 'utf8').includes('armed')) await new Promise((r) => setTimeout(r, 10));
}

test("'t' asks the agent to stop (SIGTERM to its group), 'k' kills it; a missing program is spawnfail", { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-fwd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const polite = startInit([], join(dir, 'a'), ['/bin/sh', '-c', "trap 'echo bye; exit 0' TERM; echo armed; while :; do sleep 0.05; done"]);
  await polite.next('ready');
  await armed(join(dir, 'a'));
  polite.control.write('t');
  const bye = (await polite.next('exit')) as Extract<InitMessage, { kind: 'exit' }>;
  assert.equal(bye.code, 0);
  assert.match(readFileSync(join(dir, 'a'), 'utf8'), /bye/);

  const stubborn = startInit([], join(dir, 'b'), ['/bin/sh', '-c', "trap '' TERM; echo armed; while :; do sleep 0.05; done"]);
  await stubborn.next('ready');
  await armed(join(dir, 'b'));
  stubborn.control.write('t'); // ignored
  stubborn.control.write('k');
  const killed = (await stubborn.next('exit')) as Extract<InitMessage, { kind: 'exit' }>;
  assert.equal(killed.signal, 9);

  const orphan = startInit([], join(dir, 'c'), ['sleep', '60']);
  await orphan.next('ready');
  orphan.control.end(); // the host went away: the agent must not outlive it
  const gone = (await orphan.next('exit')) as Extract<InitMessage, { kind: 'exit' }>;
  assert.equal(gone.signal, 9);

  const missing = startInit([], join(dir, 'd'), ['/no/such/program']);
  const fail = await missing.next('spawnfail');
  assert.equal(fail.kind, 'spawnfail');
  assert.equal(await missing.done, 127);
});

test('a connection left half-open by the agent after the upstream hung up costs no CPU (no poll spin)', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-fwd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket_path = join(dir, 'up.sock');
  const upstream = net.createServer((s) => s.end('bye'));
  await new Promise<void>((r) => upstream.listen(socket_path, r));
  t.after(() => upstream.close());
  const port = await freePort();
  const init = startInit(['--relay', `tcp:127.0.0.1:${port}=unix:${socket_path}`], join(dir, 'log'), ['sleep', '60']);
  t.after(() => init.child.kill('SIGKILL'));
  await init.next('ready');
  const client = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  t.after(() => client.destroy());
  client.resume();
  await new Promise<void>((r) => client.once('end', () => r())); // got 'bye' and EOF; our side stays open
  const ticks = () => {
    const fields = readFileSync(`/proc/${init.child.pid}/stat`, 'latin1').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  const before = ticks();
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(ticks() - before <= 5, `agora-init stayed idle: ${ticks() - before} ticks in 500 ms`);
  init.control.write('k');
  await init.done;
});
