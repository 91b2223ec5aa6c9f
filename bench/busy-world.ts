// A busy world made fast, for the dashboard bench and its screenshot: `agents` funded agents
// and their history (bids, clearings, runs, transfers, prompts) written through the kernel's
// real commands in group commits, on a virtual clock, until the journal holds `events` events.
import { parseConfig } from '../src/config/load.js';
import { SYSTEM_MINT } from '../src/kernel/ledger/accounts.js';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { naturalToBase } from '../src/kernel/resources/units.js';
import { openWorld, type World } from '../src/orchestrator/open-world.js';
import { lastSeq } from '../src/store/journal.js';

const SYSTEM = { actor: 'system:loop' };
const CREDITS = 1_000_000;
/** Below this an agent of this world stops bidding, and the lifecycle puts it to sleep. */
const MIN_BID_UCR = CREDITS / 5;

export function buildBusyWorld(dir: string, options: { agents: number; events: number; seed?: number }): World {
  const clock = new VirtualClock();
  const world = openWorld({
    dir,
    clock,
    seed: options.seed ?? 7,
    log_to_file: false,
    config: parseConfig({ agents: { genesis_first_bid: { credits: 0 } }, market: { bids_open_per_agent_max: 50 } }),
  });
  const k = world.kernel;
  const ids = Array.from({ length: options.agents }, (_, i) => `ag-${String(i).padStart(5, '0')}`);
  k.core.batch({ actor: 'bench' }, () => {
    k.core.command({ actor: 'bench' }, (tx) => {
      for (const [i, id] of ids.entries()) {
        // A family tree: each agent descends from an earlier one (genesis for the first ten).
        const parent_id = i < 10 ? 'genesis' : ids[Math.floor(i / 3)]!;
        // One in seven starts poor: it spends itself out, sleeps, and dies, as agents do.
        const amount_ucr = (i % 7 === 0 ? 3 : 500) * CREDITS;
        k.agents.create(tx, { agent_id: id, parent_id, workspace: `workspaces/${id}`, postings: [{ from: SYSTEM_MINT, to: id, amount_ucr, kind: 'grant', memo: 'bench' }] });
      }
    });
  });
  const rng = k.core.rng;
  const interval_ms = world.config.market.clearing_interval_s * 1000;
  while (lastSeq(world.db) < options.events) {
    k.core.batch({ actor: 'bench' }, () => {
      // Demand swings with the cycle so that prices move both ways.
      const cycle = k.market.state().cycle;
      const bidders = 60 + Math.round(60 * Math.sin(cycle / 15)) + rng.int(0, 40);
      for (let b = 0; b < bidders; b++) {
        const payer_id = ids[rng.int(0, ids.length - 1)]!;
        const attention = b === 0 ? 1 : 0;
        const bundle = { cpu_ms: naturalToBase('cpu', 0.1 + rng.int(0, 3) / 10), memory_mb: 16 + 16 * rng.int(0, 3), tokens: 0, attention, duration_s: 5 };
        const wanted_ucr = attention > 0 ? 8 * CREDITS : (rng.int(1, 20) * CREDITS) / 10;
        const balance_ucr = k.ledger.agentBalance(payer_id);
        if (balance_ucr < MIN_BID_UCR) continue;
        const amount_ucr = Math.min(wanted_ucr, balance_ucr);
        try {
          k.market.placeBid({ payer_id, amount_ucr, bundle }, { actor: payer_id });
        } catch {
          /* refused (per-agent limit): the bench goes on */
        }
      }
      clock.advance(interval_ms);
      const result = k.market.clear(SYSTEM);
      for (const w of result.winners) {
        const running = k.executions.runningFor(w.agent_id);
        if (running !== null) continue;
        const execution = k.executions.start({ agent_id: w.agent_id, bid_id: w.bid_id, cycle: result.cycle, bundle: w.bundle, lease_ends_at_ms: clock.now_ms() + 5000 }, SYSTEM);
        if (w.bundle.attention > 0) {
          const prompt = k.attention.submit({ agent_id: w.agent_id, execution_id: execution.id, content: `Cycle ${result.cycle}: shall I specialise in memory-light bundles?`, options: ['yes', 'no'] }, { actor: w.agent_id });
          if (result.cycle % 3 !== 0) k.attention.reward({ prompt_id: prompt.prompt_id, scores: { interesting: rng.int(0, 10), useful: rng.int(0, 10), understandable: rng.int(0, 10) }, reply: 'Try it for ten cycles.' }, { actor: 'operator' });
        }
        k.executions.end(execution.id, { reason: 'exit', exit_code: 0, signal: null, cpu_ms: rng.int(10, 90), memory_peak_mb: rng.int(8, 40), wall_ms: rng.int(100, 900), log_bytes: 0, log_truncated: false }, SYSTEM);
      }
      for (let t = 0; t < 80; t++) {
        const from_id = ids[rng.int(0, ids.length - 1)]!;
        const to_id = ids[rng.int(0, ids.length - 1)]!;
        if (from_id === to_id) continue;
        try {
          k.ledger.transfer({ from_id, to_id, amount_ucr: rng.int(1, 100) * 10_000, memo: 'trade' }, { actor: from_id });
        } catch {
          /* refused (too poor, or a party is dead): the bench goes on */
        }
      }
      k.attention.expireDue(SYSTEM);
      k.lifecycle.review({ cycle: result.cycle, min_bundle_cost_ucr: MIN_BID_UCR, death_after_cycles: 30 });
    });
  }
  return world;
}
