// GET /economic/balance requests per second over real HTTP, measured with autocannon from
// this process against `agora start` running as its own process (as in production).
import { spawnSync } from 'node:child_process';
import { startAgora } from '../test/support/agora-process.js';
import { rmSync } from 'node:fs';
import autocannon from 'autocannon';
import { tempDir } from '../test/support/world.js';
import type { BenchRow } from './types.js';

export default async function bench(): Promise<BenchRow[]> {
  const dir = tempDir('agora-bench-api-');
  const world = await startAgora(['--world', dir]);
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
    await world.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
