// Helpers for attention tests: runs that won (or did not win) human attention, made the way the
// world loop makes them: an escrowed bid, a clearing, an execution started from the winner.
import assert from 'node:assert/strict';
import type { VirtualClock } from '../../src/kernel/engine/clock.js';
import type { ExecutionView } from '../../src/kernel/executions/commands.js';
import type { World } from '../../src/orchestrator/open-world.js';
import { bundle, credits } from './market.js';

/** Places a bid for `agent_id`, clears the market and starts the winning run. */
export function startRun(world: World & { clock: unknown }, agent_id: string, options: { attention?: number; amount_credits?: number } = {}): ExecutionView {
  const k = world.kernel;
  const wanted = bundle({ cpu_s: 1, memory_mb: 64, attention: options.attention ?? 0, duration_s: 60 });
  const bid = k.market.placeBid({ payer_id: agent_id, amount_ucr: credits(options.amount_credits ?? 10), bundle: wanted }, { actor: agent_id });
  (world.clock as VirtualClock).advance(world.config.market.clearing_interval_s * 1000);
  const result = k.market.clear({ actor: 'system:loop' });
  const winner = result.winners.find((w) => w.bid_id === bid.bid_id);
  assert.ok(winner !== undefined, `the bid of ${agent_id} won`);
  const now_ms = k.core.clock.now_ms();
  return k.executions.start(
    { agent_id, bid_id: winner.bid_id, cycle: result.cycle, bundle: winner.bundle, lease_ends_at_ms: now_ms + winner.bundle.duration_s * 1000 },
    { actor: 'system:loop', causation_id: winner.bid_id },
  );
}
