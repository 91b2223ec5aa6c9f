// The CLI's start: `agora status` on a small world and `agora requests` (both lazily loaded
// from the bundle in build/cli/), against a bare `node -e 0` on the same machine at the same
// moment. Each is run alternately, many times; the median is reported (load on a shared
// machine moves single runs a lot). Target: at most about 2x a bare node start (issue 14).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { buildCli, cliBundleIsStale } from '../src/cli/bundle.js';
import { makeWorld, tempDir } from '../test/support/world.js';
import type { BenchRow } from './types.js';

const RUNS = 15;

function ms(args: string[]): number {
  const started = process.hrtime.bigint();
  const res = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${args.join(' ')}: ${res.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export default async function bench(): Promise<BenchRow[]> {
  if (cliBundleIsStale()) await buildCli();
  const dir = tempDir('agora-bench-');
  makeWorld({ dir }).close();
  try {
    const samples: Record<string, number[]> = { node: [], status: [], requests: [] };
    for (let i = 0; i < RUNS; i++) {
      samples.node!.push(ms(['-e', '0']));
      samples.status!.push(ms(['bin/agora.js', 'status', '--world', dir]));
      samples.requests!.push(ms(['bin/agora.js', 'requests', '--world', dir]));
    }
    const node = median(samples.node!);
    const row = (name: string, key: string): BenchRow => {
      const value = median(samples[key]!);
      return { name, value: Math.round(value), unit: 'ms', target: `<= ${Math.round(2 * node)} (2x node -e 0)`, ok: value <= 2 * node, note: `${(value / node).toFixed(1)}x a bare node start (${Math.round(node)} ms)` };
    };
    return [
      { name: 'cli: node -e 0 (reference)', value: Math.round(node), unit: 'ms' },
      row('cli: agora status', 'status'),
      row('cli: agora requests', 'requests'),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
