// What the world's history costs (docs/replay.md): the same world run side by side with
// workspace snapshots on and off, each cycle timed; the cycle hash (cycle_closed) timed on its
// own; the history store's size per 1,000 runs; and the cycle hash on a small and a large world
// (bench/hash.ts: kernel only, incremental against the old full read). Agents run in bwrap: a shell that appends a
// line to a log in a workspace of 40 files (so every run changes one file and shares the rest).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { SYSTEM_MINT } from '../src/kernel/ledger/accounts.js';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { bundleFromNatural } from '../src/kernel/resources/units.js';
import { openWorld } from '../src/orchestrator/open-world.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { startApi } from '../src/api/start.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { tempDir } from '../test/support/world.js';
import type { BenchRow } from './types.js';
import { HASH_CYCLE, hashCost } from './hash.js';

const AGENTS = 8;
const CYCLES = 12;
const FILES = 40;

interface Measured { cycle_ms: number; close_ms: number; runs: number; store_bytes: number }

async function runWorld(snapshots: boolean): Promise<Measured> {
  const dir = tempDir('agora-bench-history-');
  const clock = new VirtualClock();
  const config = parseConfig({ agents: { genesis_first_bid: { credits: 0 } }, orchestrator: { runs_concurrent_max: AGENTS }, history: { snapshots } });
  const world = openWorld({ dir, config, clock, seed: 5, log_to_file: false });
  const api = await startApi(world, { port: 0 });
  const runner = await createRunner(config, world.log);
  const k = world.kernel;
  const ids = Array.from({ length: AGENTS }, (_, i) => `hist-${i}`);
  k.core.batch({ actor: 'bench' }, () => {
    for (const id of ids) {
      k.core.command({ actor: 'bench' }, (tx) =>
        k.agents.create(tx, { agent_id: id, parent_id: null, workspace: `workspaces/${id}`, postings: [{ from: SYSTEM_MINT, to: id, amount_ucr: 1e12, kind: 'grant' }] }),
      );
      const ws = join(dir, 'workspaces', id);
      mkdirSync(join(ws, 'lib'), { recursive: true });
      for (let f = 0; f < FILES; f++) writeFileSync(join(ws, 'lib', `m${f}.js`), `// module ${f}\n`.repeat(100));
      writeFileSync(join(ws, 'agent.json'), JSON.stringify({ command: ['/bin/sh', '-c', 'echo run >> runs.log'] }));
    }
  });
  // The cycle hash, timed where the loop calls it.
  let close_ms = 0;
  const closeCycle = k.history.closeCycle.bind(k.history);
  k.history.closeCycle = (cycle, meta) => {
    const t0 = process.hrtime.bigint();
    try {
      return closeCycle(cycle, meta);
    } finally {
      close_ms += Number(process.hrtime.bigint() - t0) / 1e6;
    }
  };
  const bundle = bundleFromNatural({ cpu: 0.1, memory: 32, tokens: 0, attention: 0, duration_s: 10 });
  let cycle_ms = 0;
  try {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      k.core.batch({ actor: 'bench' }, () => {
        for (const id of ids) k.market.placeBid({ payer_id: id, amount_ucr: 100_000, bundle }, { actor: id });
      });
      const loop = new WorldLoop(world, api, runner, { cycles: 1, virtual_clock: clock });
      const started = process.hrtime.bigint();
      await loop.run();
      await loop.launcher.idle();
      if (cycle > 0) cycle_ms += Number(process.hrtime.bigint() - started) / 1e6; // the first warms caches
      if (cycle === 0) close_ms = 0;
    }
    const runs = (world.db.prepare("SELECT COUNT(*) AS n FROM executions WHERE status = 'ended'").get() as { n: number }).n;
    return { cycle_ms: cycle_ms / (CYCLES - 1), close_ms: close_ms / (CYCLES - 1), runs, store_bytes: world.history.sizeBytes().bytes };
  } finally {
    await runner.close();
    await api.close();
    world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function bench(): Promise<BenchRow[]> {
  // Interleaved, so load on the machine falls on both sides alike.
  const off1 = await runWorld(false);
  const on1 = await runWorld(true);
  const off2 = await runWorld(false);
  const on2 = await runWorld(true);
  const off = (off1.cycle_ms + off2.cycle_ms) / 2;
  const on = (on1.cycle_ms + on2.cycle_ms) / 2;
  const ratio = on / off;
  const journaling_pct = ((on1.close_ms + on2.close_ms) / 2 / on) * 100;
  const per_1000_runs_mb = (on2.store_bytes / on2.runs) * 1000 / 1e6;
  return [
    {
      name: `workspace snapshots: cycle time on / off (${AGENTS} runs per cycle, ${FILES + 2} files each, bwrap, interleaved)`,
      value: ratio,
      unit: '×',
      target: '<= 1.10',
      ok: ratio <= 1.1,
      note: `${on.toFixed(1)} ms per cycle with snapshots, ${off.toFixed(1)} ms without (runs: off ${off1.cycle_ms.toFixed(0)}/${off2.cycle_ms.toFixed(0)}, on ${on1.cycle_ms.toFixed(0)}/${on2.cycle_ms.toFixed(0)})`,
    },
    {
      name: 'cycle state hash (cycle_closed) share of a cycle',
      value: journaling_pct,
      unit: '%',
      target: '<= 10',
      ok: journaling_pct <= 10,
      note: `${((on1.close_ms + on2.close_ms) / 2).toFixed(2)} ms per cycle`,
    },
    {
      name: `history store size per 1,000 runs (each run changes one file of ${FILES + 2})`,
      value: per_1000_runs_mb,
      unit: 'MB',
      target: '<= 5',
      ok: per_1000_runs_mb <= 5,
      note: `${on2.store_bytes} bytes for ${on2.runs} runs`,
    },
    ...hashRows(),
  ];
}

/** The cycle hash on a small and a large world: its share of a cycle must not grow with the world. */
function hashRows(): BenchRow[] {
  hashCost(0); // warm-up
  const small = hashCost(0);
  const large = hashCost(100_000);
  const share = (c: ReturnType<typeof hashCost>) => c.close_ms / (c.commands_ms + c.close_ms);
  const growth = share(large) / share(small);
  const cycle = `${HASH_CYCLE.transfers} transfers among ${HASH_CYCLE.agents} agents, mean of ${HASH_CYCLE.cycles} cycles`;
  const commands = (c: ReturnType<typeof hashCost>) => `the commands ${c.commands_ms.toFixed(1)} ms`;
  return [
    { name: `cycle hash (incremental), small world: ${small.rows.toLocaleString('en-US')} rows`, value: small.close_ms, unit: 'ms per cycle', note: `${(share(small) * 100).toFixed(1)}% of a cycle of ${cycle}; ${commands(small)}; the old full read: ${small.full_ms.toFixed(1)} ms` },
    { name: `cycle hash (incremental), large world: ${large.rows.toLocaleString('en-US')} rows`, value: large.close_ms, unit: 'ms per cycle', note: `${(share(large) * 100).toFixed(1)}% of the same cycle; ${commands(large)}; the old full read: ${large.full_ms.toFixed(1)} ms` },
    { name: "cycle hash's share of a cycle, large world / small world", value: growth, unit: '×', target: '<= 1.5', ok: growth <= 1.5, note: 'about 1: the share follows the cycle\'s writes, not the world\'s size' },
  ];
}
