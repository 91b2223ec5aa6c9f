// A world of `agents` agents that all stay alive, with the history a live population leaves:
// every agent bids every cycle and wins (supply sized to the population), each win is a run
// journaled from start to end in which the agent bids for the next cycle, one agent in four writes to another each cycle, and the cycle
// closes as the world loop closes it (lifecycle review, KPIs, cycle hash). Written through the
// kernel's own commands, one group commit per cycle, on a virtual clock; no sandbox starts (the
// runs' outcomes are what a short run reports). For the dashboard bench at 1,000 live agents.
import { parseConfig } from '../src/config/load.js';
import { SYSTEM_MINT } from '../src/kernel/ledger/accounts.js';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { bundleFromNatural } from '../src/kernel/resources/units.js';
import { openWorld, type World } from '../src/orchestrator/open-world.js';

const SYSTEM = { actor: 'system:loop' };
const BID_UCR = 200_000;
const bundle = bundleFromNatural({ cpu: 0.05, memory: 16, tokens: 0, attention: 0, duration_s: 5 });

export function buildLiveWorld(dir: string, options: { agents: number; cycles: number; seed?: number }): World {
  const clock = new VirtualClock();
  const { agents } = options;
  const world = openWorld({
    dir,
    clock,
    seed: options.seed ?? 18,
    log_to_file: false,
    config: parseConfig({
      agents: { genesis_first_bid: { credits: 0 } },
      market: { resources: { cpu: { supply_per_cycle: agents }, memory: { supply_per_cycle: agents * 64 } } },
    }),
  });
  const k = world.kernel;
  const ids = Array.from({ length: agents }, (_, i) => `ag-${String(i).padStart(5, '0')}`);
  k.core.batch({ actor: 'bench' }, () => {
    k.core.command({ actor: 'bench' }, (tx) => {
      for (const [i, id] of ids.entries()) {
        const parent_id = i < 10 ? null : ids[Math.floor(i / 3)]!;
        k.agents.create(tx, { agent_id: id, parent_id, workspace: `workspaces/${id}`, postings: [{ from: SYSTEM_MINT, to: id, amount_ucr: 1e10, kind: 'grant', memo: 'bench' }] });
      }
    });
  });
  // Their first bids; after that each run bids for the next cycle, as an agent's program does.
  k.core.batch({ actor: 'bench' }, () => {
    for (const id of ids) k.market.placeBid({ payer_id: id, amount_ucr: BID_UCR, bundle }, { actor: id });
  });
  const rng = k.core.rng;
  const interval_ms = world.config.market.clearing_interval_s * 1000;
  for (let c = 0; c < options.cycles; c++) {
    k.core.batch({ actor: 'bench' }, () => {
      clock.advance(interval_ms);
      const result = k.market.clear(SYSTEM);
      for (const w of result.winners) {
        const execution = k.executions.start({ agent_id: w.agent_id, bid_id: w.bid_id, cycle: result.cycle, bundle: w.bundle, lease_ends_at_ms: clock.now_ms() + 5000 }, SYSTEM);
        k.market.placeBid({ payer_id: w.agent_id, amount_ucr: BID_UCR, bundle }, { actor: w.agent_id });
        if (rng.int(0, 3) === 0) {
          const to_id = ids[rng.int(0, ids.length - 1)]!;
          if (to_id !== w.agent_id) k.social.sendMessage({ from_id: w.agent_id, to_id, content: `cycle ${result.cycle}: shall we trade memory for cpu?` }, { actor: w.agent_id });
        }
        k.executions.end(execution.id, { reason: 'exit', exit_code: 0, signal: null, cpu_ms: rng.int(10, 50), memory_peak_mb: rng.int(8, 16), wall_ms: rng.int(100, 900), log_bytes: 0, log_truncated: false }, SYSTEM);
      }
      k.lifecycle.review({ cycle: result.cycle, min_bundle_cost_ucr: BID_UCR, death_after_cycles: world.config.lifecycle.death_after_cycles });
      k.kpis.record(result.cycle);
      k.history.closeCycle(result.cycle, SYSTEM);
    });
  }
  return world;
}
