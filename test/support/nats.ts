// A real nats-server with JetStream for tests: started on a free loopback port with its store in
// a temporary directory, stopped (and the directory removed) after. Tests skip with the reason
// when nats-server is not installed (.ci/run installs Debian's nats-server).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let cached: string | false | undefined;

/** false when nats-server can run here, else why not (node:test prints it as the skip reason). */
export function natsUnavailable(): string | false {
  if (cached !== undefined) return cached;
  const which = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  return (cached = which.status === 0 ? false : 'nats-server is not installed (apt-get install nats-server)');
}

export interface TestNats {
  url: string;
  /** Stops the server, keeping its store (an outage). */
  pause(): Promise<void>;
  /** Starts it again on the same port with the same store. */
  resume(): Promise<void>;
  /** Stops the server and removes its store. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function spawnServer(dir: string, port: number): Promise<ChildProcess> {
  const child: ChildProcess = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      log += chunk;
      if (log.includes('Server is ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`nats-server exited (${code}) before it was ready:\n${log}`)));
    child.once('error', reject);
  });
  child.stderr!.removeAllListeners('data');
  child.stderr!.resume();
  return child;
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Starts nats-server -js on loopback and resolves once it says it is ready. */
export async function startNats(): Promise<TestNats> {
  const dir = mkdtempSync(join(tmpdir(), 'agora-nats-'));
  const port = await freePort();
  let child = await spawnServer(dir, port);
  return {
    url: `nats://127.0.0.1:${port}`,
    async pause() {
      await stopServer(child);
    },
    async resume() {
      child = await spawnServer(dir, port);
    },
    async stop() {
      await stopServer(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
