// The CLI's start: `agora status` on a small world, `agora requests` (both lazily loaded from
// the bundle in build/cli/) and `agora --help` (printed from the command list alone), against a
// bare `node -e 0` on the same machine at the same moment. Measured as CPU time (user + sys, as
// bash's `times` reports it for a child), not wall time: on a shared machine, waiting for a core
// is not the CLI's cost. Each is run alternately, many times; the medians are reported.
// Target: at most 2.2x a bare node start (issue 14 asks about 2x).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { buildCli, cliBundleIsStale } from '../src/cli/bundle.js';
import { makeWorld, tempDir } from '../test/support/world.js';
import type { BenchRow } from './types.js';

const RUNS = 15;
const TARGET_RATIO = 2.2;

/** CPU milliseconds (user + sys) the command's process used. */
function cpuMs(args: string[]): number {
  const res = spawnSync('bash', ['-c', '"$@" >/dev/null && times', 'cpu', process.execPath, ...args], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${args.join(' ')}: ${res.stderr}`);
  const [user, sys] = res.stdout.trim().split('\n').at(-1)!.trim().split(/\s+/).map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t)!;
    return (Number(m[1]) * 60 + Number(m[2])) * 1000;
  });
  return user! + sys!;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export default async function bench(): Promise<BenchRow[]> {
  if (cliBundleIsStale()) await buildCli();
  const dir = tempDir('agora-bench-');
  makeWorld({ dir }).close();
  try {
    const commands: Record<string, string[]> = {
      node: ['-e', '0'],
      status: ['bin/agora.js', 'status', '--world', dir],
      requests: ['bin/agora.js', 'requests', '--world', dir],
      help: ['bin/agora.js', '--help'],
    };
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    const load = loadavg()[0]!;
    for (let i = 0; i < RUNS; i++) for (const [key, args] of Object.entries(commands)) samples[key]!.push(cpuMs(args));
    const node = median(samples.node!);
    const row = (name: string, key: string): BenchRow => {
      const ratio = median(samples[key]!) / node;
      return { name, value: Number(ratio.toFixed(2)), unit: 'x node -e 0', target: `<= ${TARGET_RATIO}`, ok: ratio <= TARGET_RATIO, note: `${Math.round(median(samples[key]!))} ms of CPU against ${Math.round(node)} ms for node -e 0 (medians of ${RUNS}, load ${load.toFixed(1)})` };
    };
    return [
      { name: 'cli: node -e 0 (reference)', value: Math.round(node), unit: 'ms CPU' },
      row('cli: agora status', 'status'),
      row('cli: agora requests', 'requests'),
      row('cli: agora --help', 'help'),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
