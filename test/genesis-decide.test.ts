// The genesis agent's decisions (agents/genesis/src/decide.ts, strategy.ts) as properties:
// a bid never exceeds the balance, never falls below the bundle's value, and its markup never
// eats the reserve; a spawn leaves the reserve; mutation stays in bounds and varies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LEAN_BUNDLE, planBid, planSpawn, reserveUcr, strategyBundle, toUcr, type Prices } from '../agents/genesis/src/decide.js';
import { Rng } from '../agents/genesis/src/rng.js';
import { DEFAULT_STRATEGY, GENES, mutate, parseStrategy, type GeneName } from '../agents/genesis/src/strategy.js';

const prices = fc.record({
  cpu: fc.double({ min: 0.001, max: 100, noNaN: true }),
  memory: fc.double({ min: 0.00001, max: 1, noNaN: true }),
  tokens: fc.double({ min: 0.000001, max: 0.01, noNaN: true }),
  attention: fc.double({ min: 0.1, max: 1000, noNaN: true }),
}) as fc.Arbitrary<Prices>;

const strategy = fc.integer({ min: 0, max: 2 ** 31 }).map((seed) => {
  let s = DEFAULT_STRATEGY;
  for (let i = 0; i < 3; i++) s = mutate(s, new Rng(String(seed + i)));
  return s;
});

test('a planned bid is within the balance, at least the bundle value, and its markup spares the reserve', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), strategy, prices, fc.boolean(), fc.boolean(), (balance_ucr, s, p, busy, want_attention) => {
      const plan = planBid({ balance_ucr, strategy: s, prices: p, busy, want_attention });
      if (plan.kind === 'bequeath') {
        assert.ok(balance_ucr < reserveUcr({ ...LEAN_BUNDLE, duration_s: 5 }, p), 'gives up only when even a lean run is out of reach');
        return;
      }
      assert.ok(plan.amount_ucr <= balance_ucr, 'never more than the balance');
      assert.ok(plan.amount_ucr >= plan.reserve_ucr, 'never below what the bundle is worth');
      const spare = Math.max(0, balance_ucr - s.reserve_runs * plan.reserve_ucr);
      assert.ok(plan.amount_ucr - plan.reserve_ucr <= spare, 'the markup comes from money beyond the reserve');
    }),
    { numRuns: 500 },
  );
});

test('a planned spawn leaves reserve_runs runs of money and gives at least the minimum', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), strategy, prices, fc.nat(100), (balance_ucr, s, p, runs) => {
      const rules = { spawn_cost: 2, spawn_min_initial_credits: 5 };
      const run_cost_ucr = reserveUcr(strategyBundle(s, false), p);
      const plan = planSpawn({ balance_ucr, strategy: s, runs, last_spawn_run: null, rules, run_cost_ucr });
      if (plan === null) return;
      assert.ok(plan.initial_ucr >= toUcr(rules.spawn_min_initial_credits));
      assert.ok(balance_ucr - plan.initial_ucr - toUcr(rules.spawn_cost) >= s.reserve_runs * run_cost_ucr);
    }),
    { numRuns: 500 },
  );
});

test('mutation keeps every gene in bounds and changes the genes; bad strategy files fall back to defaults', () => {
  let differed = 0;
  for (let i = 0; i < 200; i++) {
    const child = mutate(DEFAULT_STRATEGY, new Rng(`seed-${i}`));
    for (const name of Object.keys(GENES) as GeneName[]) {
      assert.ok(child[name] >= GENES[name].min && child[name] <= GENES[name].max, `${name} = ${child[name]} in bounds`);
    }
    if ((Object.keys(GENES) as GeneName[]).some((name) => child[name] !== DEFAULT_STRATEGY[name])) differed++;
  }
  assert.equal(differed, 200, 'every child differs from its parent');
  assert.deepEqual(parseStrategy('not json'), DEFAULT_STRATEGY);
  assert.equal(parseStrategy({ bid_markup: 1e9, risk: Number.NaN }).bid_markup, GENES.bid_markup.max);
  assert.equal(parseStrategy({ risk: 'high' }).risk, DEFAULT_STRATEGY.risk);
});
