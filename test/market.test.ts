// The market's promises at the kernel: escrow on placing, exact refunds, queues that persist
// across cycles, all-or-nothing allocation, reserve values, second-price attention, price
// discovery within bounds, determinism, and conservation + audit under random operations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ConfigInput } from '../src/config/schema.js';
import { escrowAccount } from '../src/kernel/ledger/accounts.js';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { AgoraError } from '../src/base/errors.js';
import { configuredSupply, priceToCredits, quantityOf, RESOURCES } from '../src/kernel/resources/units.js';
import { openWorld } from '../src/orchestrator/open-world.js';
import { parseConfig } from '../src/config/load.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { assertEscrowMatchesBook, bundle, credits } from './support/market.js';
import { addAgent, makeWorld, tempDir, type TestWorld } from './support/world.js';
import { rmSync } from 'node:fs';

const SYSTEM = { actor: 'system:market' };
const isCode = (code: string) => (err: unknown) => err instanceof AgoraError && err.code === code;

function eventCount(world: TestWorld): number {
  return (world.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
}

function clear(world: TestWorld) {
  (world.clock as VirtualClock).advance(10_000);
  return world.kernel.market.clear(SYSTEM);
}

test('a bid larger than the balance is refused and nothing moves', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'alice', 10);
  const before = eventCount(world);
  assert.throws(() => world.kernel.market.placeBid({ payer_id: 'alice', amount_ucr: credits(10) + 1, bundle: bundle() }, { actor: 'alice' }), isCode('INSUFFICIENT_FUNDS'));
  assert.equal(eventCount(world), before, 'no event was written');
  assert.equal(world.kernel.ledger.agentBalance('alice'), credits(10));
  assert.equal(world.kernel.ledger.balance(escrowAccount('alice')), 0);
  assert.equal(world.kernel.market.state().open_bids, 0);
  assertConserved(world);
  assertAuditPasses(world);
});

test('placing escrows the whole amount; withdrawing refunds it exactly, once, and only for the payer', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'alice', 10);
  addAgent(world, 'bob', 10);
  const m = world.kernel.market;
  const bid = m.placeBid({ payer_id: 'alice', amount_ucr: 3_141_593, bundle: bundle() }, { actor: 'alice' });
  assert.equal(world.kernel.ledger.agentBalance('alice'), credits(10) - 3_141_593);
  assert.equal(world.kernel.ledger.balance(escrowAccount('alice')), 3_141_593);
  assertEscrowMatchesBook(world);

  assert.throws(() => m.withdrawBid(bid.bid_id, 'bob', { actor: 'bob' }), isCode('ACCESS_DENIED'));
  assert.throws(() => m.withdrawBid('bid_nosuchbid', 'alice', { actor: 'alice' }), isCode('NOT_FOUND'));
  const withdrawn = m.withdrawBid(bid.bid_id, 'alice', { actor: 'alice' });
  assert.equal(withdrawn.status, 'withdrawn');
  assert.equal(withdrawn.refund_ucr, 3_141_593);
  assert.equal(world.kernel.ledger.agentBalance('alice'), credits(10));
  assert.equal(world.kernel.ledger.balance(escrowAccount('alice')), 0);
  assert.throws(() => m.withdrawBid(bid.bid_id, 'alice', { actor: 'alice' }), isCode('CONFLICT'));
  assertEscrowMatchesBook(world);
  assertConserved(world);
  assertAuditPasses(world);
});

test('a losing bid stays queued and wins a later cycle when supply frees', (t) => {
  const world = makeWorld({ config: { market: { resources: { cpu: { supply_per_cycle: 2 } } } } });
  t.after(() => world.cleanup());
  addAgent(world, 'alice', 10);
  addAgent(world, 'bob', 10);
  const m = world.kernel.market;
  const high = m.placeBid({ payer_id: 'alice', amount_ucr: credits(5), bundle: bundle({ cpu_s: 2 }) }, { actor: 'alice' });
  const low = m.placeBid({ payer_id: 'bob', amount_ucr: credits(3), bundle: bundle({ cpu_s: 2 }) }, { actor: 'bob' });

  const first = clear(world);
  assert.deepEqual(first.winners.map((w) => w.bid_id), [high.bid_id]);
  assert.equal(first.counts.outbid, 1);
  assert.equal(m.bid(low.bid_id)!.status, 'open', 'the loser stays queued');
  assert.equal(world.kernel.ledger.balance(escrowAccount('bob')), credits(3), 'its escrow stays held');

  const second = clear(world);
  assert.deepEqual(second.winners.map((w) => w.bid_id), [low.bid_id]);
  assert.equal(second.winners[0]!.price_paid_ucr, credits(3), 'pay as bid');
  assert.equal(m.bid(low.bid_id)!.status, 'won');
  assert.equal(world.kernel.ledger.agentBalance('bob'), credits(7));
  assert.equal(world.kernel.ledger.balance('system:burn'), credits(8));
  assertEscrowMatchesBook(world);
  assertConserved(world);
  assertAuditPasses(world);
});

test('an unfilled bid expires after its ttl and is refunded in full', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'alice', 1);
  const m = world.kernel.market;
  // Below the reserve value (0.164 credits at the starting prices): it can never win.
  const bid = m.placeBid({ payer_id: 'alice', amount_ucr: credits(0.05), bundle: bundle(), ttl_cycles: 2 }, { actor: 'alice' });
  assert.equal(bid.expires_after_cycle, 2);
  assert.equal(clear(world).counts.below_reserve, 1);
  assert.equal(clear(world).counts.below_reserve, 1);
  assert.equal(m.bid(bid.bid_id)!.status, 'open', 'still queued through its last cycle');
  const third = clear(world);
  assert.deepEqual(third.expired.map((e) => [e.bid_id, e.refund_ucr]), [[bid.bid_id, credits(0.05)]]);
  assert.equal(m.bid(bid.bid_id)!.status, 'expired');
  assert.equal(world.kernel.ledger.agentBalance('alice'), credits(1));
  assert.equal(world.kernel.ledger.balance(escrowAccount('alice')), 0);
  assertEscrowMatchesBook(world);
  assertConserved(world);
  assertAuditPasses(world);
});

test('all-or-nothing: a bundle that fits in cpu but not memory gets nothing, and a smaller one behind it still can', (t) => {
  const world = makeWorld({ config: { market: { resources: { memory: { supply_per_cycle: 1500 } } } } });
  t.after(() => world.cleanup());
  for (const id of ['a', 'b', 'c']) addAgent(world, id, 50);
  const m = world.kernel.market;
  const a = m.placeBid({ payer_id: 'a', amount_ucr: credits(10), bundle: bundle({ memory_mb: 1000 }) }, { actor: 'a' });
  const b = m.placeBid({ payer_id: 'b', amount_ucr: credits(9), bundle: bundle({ memory_mb: 1000 }) }, { actor: 'b' });
  const c = m.placeBid({ payer_id: 'c', amount_ucr: credits(1), bundle: bundle({ memory_mb: 400 }) }, { actor: 'c' });
  const result = clear(world);
  assert.deepEqual(result.winners.map((w) => w.bid_id), [a.bid_id, c.bid_id]);
  assert.equal(result.allocated.memory, 1400);
  assert.equal(result.allocated.cpu, 2000, 'b got no cpu either, though cpu was plentiful');
  assert.equal(m.bid(b.bid_id)!.status, 'open');
  assert.equal(world.kernel.ledger.balance(escrowAccount('b')), credits(9));
  assertConserved(world);
  assertAuditPasses(world);
});

test('a bid below its reserve value never wins, even with supply to spare', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'alice', 10);
  const m = world.kernel.market;
  // Reserve at starting prices: 2 CPU-s x 0.1 + 100 MB x 0.001 + 1000 tokens x 0.0001 = 0.4 credits.
  const below = m.placeBid({ payer_id: 'alice', amount_ucr: credits(0.4) - 1, bundle: bundle({ cpu_s: 2, memory_mb: 100, tokens: 1000 }), ttl_cycles: 1 }, { actor: 'alice' });
  const at = m.placeBid({ payer_id: 'alice', amount_ucr: credits(0.4), bundle: bundle({ cpu_s: 2, memory_mb: 100, tokens: 1000 }) }, { actor: 'alice' });
  const result = clear(world);
  assert.deepEqual(result.winners.map((w) => w.bid_id), [at.bid_id]);
  assert.equal(result.counts.below_reserve, 1);
  assert.equal(m.bid(below.bid_id)!.status, 'open');
  assertAuditPasses(world);
});

test('attention is sold by sealed second price; plain bundles pay as bid; excess escrow is refunded', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  for (const id of ['a', 'b', 'c', 'd']) addAgent(world, id, 100);
  const m = world.kernel.market;
  const attention = bundle({ attention: 1 });
  const top = m.placeBid({ payer_id: 'a', amount_ucr: credits(8), bundle: attention }, { actor: 'a' });
  const second = m.placeBid({ payer_id: 'b', amount_ucr: credits(7), bundle: attention }, { actor: 'b' });
  const plain = m.placeBid({ payer_id: 'c', amount_ucr: credits(2), bundle: bundle() }, { actor: 'c' });
  const result = clear(world);
  const byId = new Map(result.winners.map((w) => [w.bid_id, w]));
  assert.equal(byId.get(top.bid_id)?.rule, 'second_price');
  assert.equal(byId.get(top.bid_id)?.price_paid_ucr, credits(7), 'pays what beats the runner-up');
  assert.equal(byId.get(top.bid_id)?.refund_ucr, credits(1));
  assert.equal(byId.get(plain.bid_id)?.price_paid_ucr, credits(2));
  assert.equal(byId.has(second.bid_id), false, 'one slot per cycle');
  assert.equal(world.kernel.ledger.agentBalance('a'), credits(93));
  assert.equal(m.bid(second.bid_id)!.status, 'open');

  // Alone in the next auction, the runner-up pays only its reserve value.
  const alone = clear(world);
  assert.equal(alone.winners.length, 1);
  const reserve = Math.ceil((1000 * alone.prices_ncr.cpu + 64 * alone.prices_ncr.memory + alone.prices_ncr.attention) / 1000);
  assert.equal(alone.winners[0]!.price_paid_ucr, reserve);
  assert.equal(world.kernel.ledger.agentBalance('b'), credits(100) - reserve);
  assertEscrowMatchesBook(world);
  assertConserved(world);
  assertAuditPasses(world);
});

test('paying for another agent records payer and beneficiary; bids for the dead are refused and cancelled', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'patron', 20);
  addAgent(world, 'sleeper', 0);
  addAgent(world, 'ghost', 0);
  const m = world.kernel.market;
  const gift = m.placeBid({ payer_id: 'patron', for_agent: 'sleeper', amount_ucr: credits(1), bundle: bundle() }, { actor: 'patron' });
  assert.equal(gift.payer_id, 'patron');
  assert.equal(gift.agent_id, 'sleeper');
  assert.equal(m.openBidsFor('sleeper'), 1);
  const doomed = m.placeBid({ payer_id: 'patron', for_agent: 'ghost', amount_ucr: credits(1), bundle: bundle() }, { actor: 'patron' });
  assert.throws(() => m.placeBid({ payer_id: 'patron', for_agent: 'nobody', amount_ucr: 1, bundle: bundle() }, { actor: 'patron' }), isCode('NOT_FOUND'));

  // No lifecycle command exists yet to kill an agent; mark it dead directly (this test skips audit).
  world.db.prepare("UPDATE agents SET status = 'dead' WHERE id = 'ghost'").run();
  assert.throws(() => m.placeBid({ payer_id: 'patron', for_agent: 'ghost', amount_ucr: credits(1), bundle: bundle() }, { actor: 'patron' }), isCode('DELETED'));
  assert.throws(() => m.placeBid({ payer_id: 'ghost', amount_ucr: 1, bundle: bundle() }, { actor: 'ghost' }), isCode('DELETED'));
  const result = clear(world);
  assert.deepEqual(result.winners.map((w) => [w.bid_id, w.payer_id, w.agent_id]), [[gift.bid_id, 'patron', 'sleeper']]);
  assert.deepEqual(result.cancelled.map((c) => c.bid_id), [doomed.bid_id]);
  assert.equal(m.bid(doomed.bid_id)!.close_reason, 'agent_dead');
  assert.equal(world.kernel.ledger.agentBalance('patron'), credits(19), 'the cancelled bid was refunded to its payer');
  assertConserved(world);
});

test('limits: open bids per payer, ttl, bundle bounds and supply are checked before anything moves', (t) => {
  const world = makeWorld({ config: { market: { bids_open_per_agent_max: 2 } } });
  t.after(() => world.cleanup());
  addAgent(world, 'alice', 100);
  const m = world.kernel.market;
  const place = (over: Partial<Parameters<typeof m.placeBid>[0]>) => m.placeBid({ payer_id: 'alice', amount_ucr: credits(1), bundle: bundle(), ...over }, { actor: 'alice' });
  const before = eventCount(world);
  for (const bad of [
    { bundle: bundle({ cpu_s: 0 }) },
    { bundle: bundle({ cpu_s: 9 }) }, // over market.bundle.cpu_s_max
    { bundle: bundle({ memory_mb: 4096 }) },
    { bundle: bundle({ duration_s: 0 }) },
    { bundle: bundle({ duration_s: 301 }) },
    { bundle: bundle({ attention: 2 }) },
    { bundle: { ...bundle(), tokens: -1 } },
    { bundle: { ...bundle(), tokens: 1.5 } },
    { bundle: { ...bundle(), memory_mb: Number.NaN } },
    { amount_ucr: 0 },
    { amount_ucr: 1.5 },
    { ttl_cycles: 0 },
    { ttl_cycles: 8641 },
  ]) {
    assert.throws(() => place(bad), isCode('INVALID_ARGS'), JSON.stringify(bad));
  }
  assert.equal(eventCount(world), before);
  place({});
  place({});
  assert.throws(() => place({}), isCode('CONFLICT'));
  assertAuditPasses(world);
});

test('held units (memory of runs that go on) shrink the supply of a cycle', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'alice', 100);
  const m = world.kernel.market;
  const big = m.placeBid({ payer_id: 'alice', amount_ucr: credits(5), bundle: bundle({ memory_mb: 1024 }) }, { actor: 'alice' });
  (world.clock as VirtualClock).advance(10_000);
  const result = m.clear(SYSTEM, { held: { memory: 1500 } });
  assert.equal(result.supply.memory, 548);
  assert.equal(result.winners.length, 0);
  assert.equal(m.bid(big.bid_id)!.status, 'open');
  assert.equal(m.state().resources.memory.held, 1500);
  assertAuditPasses(world);
});

test('the price of a contended resource rises each cycle of excess demand and falls back when demand stops, within its bounds', (t) => {
  const config: ConfigInput = { market: { resources: { cpu: { supply_per_cycle: 2, price_start: 0.1, price_min: 0.05, price_max: 0.15 } }, price_step_max: 0.1 } };
  const world = makeWorld({ config });
  t.after(() => world.cleanup());
  for (let i = 0; i < 40; i++) addAgent(world, `a${i}`, 100);
  const m = world.kernel.market;
  const cpuPrice = () => priceToCredits('cpu', m.prices().cpu);
  const rising: number[] = [cpuPrice()];
  let next = 0;
  // Eight cycles of three bids for two CPU-seconds.
  for (let cycle = 0; cycle < 8; cycle++) {
    for (let j = 0; j < 3; j++) m.placeBid({ payer_id: `a${next++}`, amount_ucr: credits(5), bundle: bundle({ cpu_s: 1 }), ttl_cycles: 1 }, { actor: 'x' });
    const result = clear(world);
    assert.ok(result.demand.cpu > result.supply.cpu);
    rising.push(cpuPrice());
  }
  for (let i = 1; i < rising.length; i++) {
    assert.ok(rising[i]! >= rising[i - 1]!, `price rose or held at the cap: ${rising.join(', ')}`);
    assert.ok(rising[i]! <= 0.15 + 1e-12, 'never above price_max');
  }
  assert.ok(Math.abs(rising[1]! - 0.11) < 1e-9, 'one step is at most price_step_max');
  assert.equal(rising.at(-1), 0.15, 'reaches and holds the cap');

  const falling: number[] = [cpuPrice()];
  for (let cycle = 0; cycle < 15; cycle++) {
    clear(world);
    falling.push(cpuPrice());
  }
  for (let i = 1; i < falling.length; i++) {
    assert.ok(falling[i]! <= falling[i - 1]!, `price fell or held at the floor: ${falling.join(', ')}`);
    assert.ok(falling[i]! >= 0.05 - 1e-12, 'never below price_min');
  }
  assert.equal(falling.at(-1), 0.05, 'idle long enough, it reaches the floor');
  const history = m.history({ trades: 5, cycles: 100 });
  assert.equal(history.prices.cpu.length, 24, 'a price point per cycle, plus the opening');
  assert.equal(history.trades.length, 5);
  assertAuditPasses(world);
});

/** Runs a fixed script of bids, withdrawals and clearings; returns the journal's data column. */
function runScript(options: { restart_before_clearing: boolean }): string[] {
  const dir = tempDir();
  const config = parseConfig({ market: { resources: { cpu: { supply_per_cycle: 3 }, memory: { supply_per_cycle: 600 } } } });
  const clock = new VirtualClock();
  let world = openWorld({ dir, config, clock, seed: 42, log_to_file: false });
  try {
    for (let i = 0; i < 12; i++) addAgent(world, `agent${i}`, 50 + i);
    const ids: string[] = [];
    for (let i = 0; i < 36; i++) {
      const payer_id = `agent${i % 12}`;
      const bid = world.kernel.market.placeBid(
        {
          payer_id,
          for_agent: i % 7 === 0 ? `agent${(i + 1) % 12}` : undefined,
          amount_ucr: 200_000 + ((i * 7919) % 3_000_000),
          bundle: bundle({ cpu_s: 0.5 + (i % 4) * 0.25, memory_mb: 32 + (i % 5) * 64, tokens: (i % 3) * 500, attention: i % 9 === 0 ? 1 : 0 }),
          ttl_cycles: 1 + (i % 5),
        },
        { actor: payer_id },
      );
      ids.push(bid.bid_id);
      if (i % 5 === 0) clock.advance(3);
    }
    world.kernel.market.withdrawBid(ids[4]!, 'agent4', { actor: 'agent4' });
    if (options.restart_before_clearing) {
      world.close();
      world = openWorld({ dir, config, clock, seed: 42, log_to_file: false });
    }
    for (let c = 0; c < 8; c++) {
      clock.advance(10_000);
      world.kernel.market.clear(SYSTEM);
      if (c === 2) {
        const open = world.kernel.market.bidsOf('agent10', { open_only: true, limit: 1 })[0];
        assert.ok(open !== undefined, 'the script leaves agent10 a bid to withdraw');
        world.kernel.market.withdrawBid(open.bid_id, 'agent10', { actor: 'agent10' });
      }
    }
    assertAuditPasses(world as TestWorld);
    return (world.db.prepare('SELECT data FROM events ORDER BY seq').all() as { data: string }[]).map((r) => r.data);
  } finally {
    world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the same seed and the same bids give byte-identical journals, including across a restart (order book rebuilt from the table)', () => {
  const a = runScript({ restart_before_clearing: false });
  const b = runScript({ restart_before_clearing: false });
  const c = runScript({ restart_before_clearing: true });
  assert.ok(a.some((d) => d.includes('"price_paid_ucr"')), 'the script has winners');
  assert.deepEqual(b, a);
  assert.deepEqual(c, a);
});

test('property: random bids, withdrawals and clearings from many agents, valid or not, conserve money, keep escrow equal to the book, never sell beyond the supply left by held runs, and audit', () => {
  const AGENTS = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];
  const who = fc.constantFrom(...AGENTS, 'ghost');
  // Mostly valid values, with a tenth of invalid ones mixed in.
  const mostly = <T,>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 9 }, { arbitrary: invalid, weight: 1 });
  const quantity = mostly(fc.integer({ min: 10, max: 3000 }), fc.constantFrom(-1, 0, 0.5, 1e12));
  const place = fc.record({
    op: fc.constant('place' as const),
    payer: who,
    for_agent: fc.option(who, { nil: undefined }),
    amount_ucr: mostly(fc.integer({ min: 1, max: 3_000_000 }), fc.constantFrom(0, -5, 1e16, 0.5)),
    cpu_ms: quantity,
    memory_mb: mostly(fc.integer({ min: 16, max: 512 }), fc.constantFrom(0, 700, 2048)),
    tokens: fc.integer({ min: 0, max: 3000 }),
    attention: fc.integer({ min: 0, max: 1 }),
    ttl: fc.option(mostly(fc.integer({ min: 1, max: 4 }), fc.constantFrom(0, 1e9)), { nil: undefined }),
  });
  const withdraw = fc.record({ op: fc.constant('withdraw' as const), pick: fc.nat(), caller: who });
  const clearing = fc.record({ op: fc.constant('clear' as const), held_memory: fc.integer({ min: 0, max: 300 }) });
  const ops = fc.array(fc.oneof({ arbitrary: place, weight: 5 }, { arbitrary: withdraw, weight: 2 }, { arbitrary: clearing, weight: 2 }), { minLength: 10, maxLength: 60 });
  const allowed = new Set(['INVALID_ARGS', 'INSUFFICIENT_FUNDS', 'NOT_FOUND', 'ACCESS_DENIED', 'CONFLICT', 'DELETED', 'UNAVAILABLE']);
  const config: ConfigInput = {
    market: {
      resources: { cpu: { supply_per_cycle: 3 }, memory: { supply_per_cycle: 512 }, tokens: { supply_per_cycle: 4000 } },
      bids_open_per_agent_max: 3,
      bids_open_max: 12,
    },
  };

  fc.assert(
    fc.property(ops, fc.array(fc.integer({ min: 0, max: 8 }), { minLength: AGENTS.length, maxLength: AGENTS.length }), (sequence, starts) => {
      const world = makeWorld({ config });
      try {
        AGENTS.forEach((id, i) => addAgent(world, id, starts[i]!));
        const placed: string[] = [];
        for (const step of sequence) {
          try {
            if (step.op === 'place') {
              const bid = world.kernel.market.placeBid(
                {
                  payer_id: step.payer,
                  for_agent: step.for_agent,
                  amount_ucr: step.amount_ucr,
                  bundle: { cpu_ms: step.cpu_ms, memory_mb: step.memory_mb, tokens: step.tokens, attention: step.attention, duration_s: 10 },
                  ttl_cycles: step.ttl,
                },
                { actor: step.payer },
              );
              placed.push(bid.bid_id);
            } else if (step.op === 'withdraw') {
              const bid_id = placed.length === 0 || step.pick % 5 === 0 ? 'bid_unknown' : placed[step.pick % placed.length]!;
              world.kernel.market.withdrawBid(bid_id, step.caller, { actor: step.caller });
            } else {
              (world.clock as VirtualClock).advance(10_000);
              const result = world.kernel.market.clear(SYSTEM, { held: { memory: step.held_memory } });
              for (const w of result.winners) assert.ok(w.price_paid_ucr + w.refund_ucr === w.amount_ucr && w.price_paid_ucr > 0);
              // A clearing never allocates beyond supply: the configured supply less what runs still hold.
              const configured = configuredSupply(world.config);
              for (const r of RESOURCES) {
                const offered = Math.max(0, configured[r] - (r === 'memory' ? step.held_memory : 0));
                const sold = result.winners.reduce((sum, w) => sum + quantityOf(w.bundle, r), 0);
                assert.ok(sold <= offered, `cycle ${result.cycle} sold ${sold} ${r} of ${offered} offered`);
              }
              assertAuditPasses(world);
            }
          } catch (err) {
            if (!(err instanceof AgoraError) || !allowed.has(err.code)) throw err;
          }
          assertConserved(world);
          assertEscrowMatchesBook(world);
        }
        assertAuditPasses(world);
      } finally {
        world.cleanup();
      }
    }),
    { numRuns: 80 },
  );
});

test('the in-memory book stays true: a clearing in the same transaction as new bids sees them, and a rolled-back batch leaves no trace', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  for (const id of ['a', 'b', 'c']) addAgent(world, id, 10);
  const m = world.kernel.market;
  const k = world.kernel;
  // Group commit: bid and clear in one transaction (the book reads the uncommitted bids from the table).
  const result = k.core.batch({ actor: 'test' }, () => {
    m.placeBid({ payer_id: 'a', amount_ucr: credits(1), bundle: bundle() }, { actor: 'a' });
    return m.clear(SYSTEM);
  });
  assert.ok(result.winners.some((w) => w.payer_id === 'a'));
  assertEscrowMatchesBook(world);

  // A batch that fails after placing bids rolls back whole; the kept book never saw them.
  assert.throws(() =>
    k.core.batch({ actor: 'test' }, () => {
      m.placeBid({ payer_id: 'b', amount_ucr: credits(1), bundle: bundle() }, { actor: 'b' });
      m.clear(SYSTEM);
      throw new Error('crash after clearing');
    }),
  );
  assertEscrowMatchesBook(world);
  assert.equal(world.kernel.ledger.agentBalance('b'), credits(10));
  const c = m.placeBid({ payer_id: 'c', amount_ucr: credits(1), bundle: bundle() }, { actor: 'c' });
  const next = clear(world);
  assert.deepEqual(next.winners.map((w) => w.bid_id), [c.bid_id]);
  assertEscrowMatchesBook(world);
  assertConserved(world);
  assertAuditPasses(world);
});
