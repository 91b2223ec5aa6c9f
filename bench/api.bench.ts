// GET /economic/balance requests per second over real HTTP, measured with autocannon from
// this process against `agora start` running as its own process (as in production).
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import autocannon from 'autocannon';
import { tempDir } from '../test/support/world.js';
import type { BenchRow } from './types.js';

async function startWorld(dir: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['bin/agora.js', 'start', '--port', '0', '--world', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`world did not start: ${out}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /dashboard:\s+(http:\/\/\S+)\//.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

export default async function bench(): Promise<BenchRow[]> {
  const dir = tempDir('agora-bench-api-');
  const world = await startWorld(dir);
  try {
    const token = spawnSync(process.execPath, ['bin/agora.js', 'token', 'genesis', '--world', dir], { encoding: 'utf8' }).stdout.trim();
    const options = { url: `${world.url}/economic/balance/genesis`, headers: { authorization: `Bearer ${token}` }, connections: 32, pipelining: 1 };
    await autocannon({ ...options, duration: 2 }); // warm-up
    const result = await autocannon({ ...options, duration: 8 });
    if (result.non2xx > 0) throw new Error(`${result.non2xx} balance reads failed`);
    const rps = result.requests.average;
    return [
      { name: 'GET /economic/balance over HTTP (32 connections)', value: rps, unit: 'requests/s', target: '>= 10000', ok: rps >= 10_000, note: `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms` },
    ];
  } finally {
    world.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
