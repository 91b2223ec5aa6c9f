// The world page's runs per cycle (GET /operator/series, world.running): a run counts in every
// cycle it ran in at any moment, between the clearing before and the cycle's own; only the runs
// that overlap the cycles shown are read, so the answer must not depend on how far back it looks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bundleFromNatural } from '../src/kernel/resources/units.js';
import type { VirtualClock } from '../src/kernel/engine/clock.js';
import { addAgent, makeWorld } from './support/world.js';

const SYSTEM = { actor: 'system:loop' };
const bundle = bundleFromNatural({ cpu: 0.05, memory: 16, tokens: 0, attention: 0, duration_s: 5 });
const outcome = { reason: 'exit' as const, exit_code: 0, signal: null, cpu_ms: 10, memory_peak_mb: 8, wall_ms: 100, log_bytes: 0, log_truncated: false };

test('runs per cycle count each run in every cycle it overlapped, also for the first cycle of a window and a run still going', (t) => {
  const world = makeWorld({ config: { agents: { genesis_first_bid: { credits: 0 } } } });
  t.after(() => world.cleanup());
  const k = world.kernel;
  const clock = world.clock as VirtualClock;
  addAgent(world, 'a', 100);
  const at = (ms: number) => clock.advance(ms - clock.now_ms());
  /** Clears at `clear_ms`; with a bid placed before, the winner's run starts then. */
  const cycle = (clear_ms: number, bid: boolean, afterClear?: () => void): string | null => {
    if (bid) k.market.placeBid({ payer_id: 'a', amount_ucr: 200_000, bundle }, { actor: 'a' });
    at(clear_ms);
    const result = k.market.clear(SYSTEM);
    afterClear?.();
    const w = result.winners[0];
    if (w === undefined) return null;
    return k.executions.start({ agent_id: 'a', bid_id: w.bid_id, cycle: result.cycle, bundle: w.bundle, lease_ends_at_ms: clear_ms + 5000 }, SYSTEM).id;
  };
  const start_ms = clock.now_ms();
  const T = (s: number) => start_ms + s * 1000;
  const r1 = cycle(T(10), true)!; // cycle 1 at 10 s: r1 from 10 s to 13 s
  at(T(13));
  k.executions.end(r1, outcome, SYSTEM);
  const r2 = cycle(T(20), true)!; // cycle 2 at 20 s: r2 from 20 s to 30 s, ending at cycle 3's clearing
  // Read while r2 is going: what is counted then for the cycles before the latest is kept.
  assert.deepEqual(k.operator.cycleSeries(10).running, [1, 2]);
  at(T(30));
  k.executions.end(r2, outcome, SYSTEM);
  assert.equal(cycle(T(30), false), null); // cycle 3 at 30 s
  assert.deepEqual(k.operator.cycleSeries(1).running, [1]);
  // Cycle 4 at 40 s, read before r3 starts at the same moment: the latest cycle is not kept.
  const r3 = cycle(T(40), true, () => assert.deepEqual(k.operator.cycleSeries(10).running, [1, 2, 1, 0]))!; // r3 still going
  assert.ok(r3);
  assert.equal(cycle(T(50), false), null); // cycle 5 at 50 s

  const all = k.operator.cycleSeries(10);
  assert.equal(all.cycle.length, 5);
  assert.deepEqual(all.running, [1, 2, 1, 1, 1], 'r2 ended as cycle 4 began: not in it');
  // The last two only: cycle 4 began at cycle 3's clearing, so r1 and r2 (ended by then) are not in it.
  assert.deepEqual(k.operator.cycleSeries(2).running, [1, 1]);
  assert.deepEqual(k.operator.cycleSeries(2).cycle, all.cycle.slice(-2));
});
