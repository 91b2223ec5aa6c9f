// Genesis's trade turn (agents/genesis/src/trade.ts) against the real API: a parent offers its
// children loans and (cautious) a slice of its LLM rate share; a short child borrows, a child
// with credits to spare buys the slice; a daring and a cautious child act differently.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from '../agents/genesis/src/client.js';
import { DEFAULT_STRATEGY } from '../agents/genesis/src/strategy.js';
import { tradeTurn, type TradeContext } from '../agents/genesis/src/trade.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { addAgent, agentToken, servedWorld } from './support/world.js';

const RUN_COST_UCR = 1_000_000;

test('genesis lends to its children and sells them rate share; children borrow or buy by their genes', async (t) => {
  const { world, api } = await servedWorld(t, {});
  addAgent(world, 'parent', 50);
  addAgent(world, 'poor', 1);
  addAgent(world, 'rich', 40);
  const clients = new Map<string, ReturnType<typeof createClient>>();
  const client = (id: string) => clients.get(id) ?? clients.set(id, createClient(api.url, agentToken(world, id))).get(id)!;
  t.after(() => clients.forEach((c) => c.close()));
  const turn = (id: string, ctx: Partial<TradeContext>) => {
    const balance_ucr = world.kernel.ledger.balance(id)!;
    const strategy = ctx.strategy ?? DEFAULT_STRATEGY;
    const full: TradeContext = { agent_id: id, parent_id: null, children: [], alive: () => true, strategy, run_cost_ucr: RUN_COST_UCR, balance_ucr, spare_ucr: Math.max(0, balance_ucr - strategy.reserve_runs * RUN_COST_UCR), ...ctx };
    const notes: string[] = [];
    return tradeTurn(client(id), full, notes).then((done) => ({ done, notes }));
  };

  const cautious = { ...DEFAULT_STRATEGY, risk: 0.2 };
  const parent = await turn('parent', { children: ['poor', 'rich'], strategy: cautious });
  assert.deepEqual(parent.notes, []);
  assert.equal(world.kernel.trade.loans.list({ status: 'proposed', limit: 10 }).length, 2, 'a loan offered to each child');
  assert.equal(world.kernel.trade.offers.list({ status: 'open', kind: 'right', limit: 10 }).length, 2, 'a rate-share slice offered to each child');

  // The poor child is short: it borrows. The rich one, cautious, declines the loan and buys its slice.
  const poor = await turn('poor', { parent_id: 'parent', strategy: cautious });
  assert.match(poor.done, /borrowed/);
  const rich = await turn('rich', { parent_id: 'parent', strategy: cautious });
  assert.match(rich.done, /declined/);
  assert.match(rich.done, /bought 5 llm_requests_per_minute from parent/);
  assert.equal(world.kernel.trade.rateShare('rich').requests_per_minute, 65);
  assert.equal(world.kernel.trade.loans.list({ status: 'outstanding', limit: 10 }).length, 1);

  // A daring child (high risk) borrows even when not short: genes change the trade.
  addAgent(world, 'bold', 40);
  await turn('parent', { children: ['bold'], strategy: cautious });
  const bold = await turn('bold', { parent_id: 'parent', strategy: { ...DEFAULT_STRATEGY, risk: 0.9 } });
  assert.match(bold.done, /borrowed/);
  assertConserved(world);
  assertAuditPasses(world);
});
