// Agent vs agent: a sealed (attention) bid's amount stays with its payer and the operator. An
// agent in its real sandbox reads every route that shows bids or balances and finds neither
// the amounts nor the refunds (which with the public price give the amount), nor the escrow
// or balance moves that would; the bidder and the operator see them.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { microToCredits } from '../src/kernel/ledger/money.js';
import { reserveValueUcr } from '../src/kernel/resources/units.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { bundle, credits } from './support/market.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { addAgent, agentToken, runnerWorld } from './support/world.js';

interface Seen {
  path: string;
  status: number;
  body: any;
}

/** Every number in a JSON value, with where it is. */
function numbers(value: unknown, at = ''): { at: string; n: number }[] {
  if (typeof value === 'number') return [{ at, n: value }];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => numbers(v, `${at}.${k}`));
}

test('another agent, from inside its sandbox, cannot read or add up a sealed bid; the bidder and the operator can', { skip: sandboxUnavailable() }, async (t) => {
  const clock = new VirtualClock();
  const { world, api, runner } = await runnerWorld(t, { clock });
  const k = world.kernel;
  for (const id of ['winner', 'waiter', 'quitter', 'snoop']) addAgent(world, id, 100);
  const sealed = bundle({ cpu_s: 1, memory_mb: 64, attention: 1, duration_s: 20 });

  // A sealed bid that wins alone (it pays its reserve; the rest is refunded).
  const won = k.market.placeBid({ payer_id: 'winner', amount_ucr: 7_654_321, bundle: sealed }, { actor: 'winner' });
  clock.advance(world.config.market.clearing_interval_s * 1000);
  const first = k.market.clear({ actor: 'system:loop' });
  assert.ok(first.winners.some((w) => w.bid_id === won.bid_id));
  // One that waits below its reserve (it stays in the book), and one withdrawn (refunded whole).
  const reserve_ucr = reserveValueUcr(sealed, k.market.prices());
  const waiting = k.market.placeBid({ payer_id: 'waiter', amount_ucr: reserve_ucr - 123_457, bundle: sealed, ttl_cycles: 5 }, { actor: 'waiter' });
  const withdrawn = k.market.placeBid({ payer_id: 'quitter', amount_ucr: 3_141_593, bundle: sealed }, { actor: 'quitter' });
  k.market.withdrawBid(withdrawn.bid_id, 'quitter', { actor: 'quitter' });

  const secrets = new Map<string, number>();
  const wonView = k.market.bid(won.bid_id)!;
  secrets.set('won amount', microToCredits(wonView.amount_ucr)).set('won refund', microToCredits(wonView.refund_ucr!));
  secrets.set('waiting amount', microToCredits(waiting.amount_ucr));
  secrets.set('withdrawn amount', microToCredits(withdrawn.amount_ucr));
  // What a snoop could subtract from: a spendable balance while its bid holds escrow.
  secrets.set('waiter spendable', microToCredits(k.ledger.agentBalance('waiter')));

  const dir = join(world.paths.dir, 'workspaces', 'snoop');
  mkdirSync(dir, { recursive: true });
  copyFileSync('test/fixtures/agents/sealed-snoop.js', join(dir, 'main.js'));
  writeFileSync(join(dir, 'targets.json'), JSON.stringify({ bids: [won.bid_id, waiting.bid_id, withdrawn.bid_id], agents: ['winner', 'waiter', 'quitter'] }));
  k.market.placeBid({ payer_id: 'snoop', amount_ucr: credits(2), bundle: bundle({ cpu_s: 1, memory_mb: 128, duration_s: 20 }) }, { actor: 'snoop' });
  const loop = new WorldLoop(world, api, runner, { cycles: 1, virtual_clock: clock });
  await loop.run();
  await loop.stop();
  const execution = k.executions.listForAgent('snoop', { limit: 1 })[0]!;
  assert.equal(execution.reason, 'exit', readFileSync(join(world.paths.executions, `${execution.id}.log`), 'utf8'));
  assert.equal(k.market.bid(waiting.bid_id)!.status, 'open', 'the waiting bid was still in the book when the snoop looked');

  const seen = JSON.parse(readFileSync(join(dir, 'seen.json'), 'utf8')) as Seen[];
  for (const s of seen) assert.equal(s.status, 200, `${s.path}: ${JSON.stringify(s.body)}`);
  const byPath = (p: string) => seen.find((s) => s.path.startsWith(p))!.body;
  for (const bid_id of [won.bid_id, waiting.bid_id, withdrawn.bid_id]) {
    const view = byPath(`/market/bid/${bid_id}`);
    assert.deepEqual([view.sealed, view.amount, view.refund], [true, null, null], `bid ${bid_id} by id`);
  }
  const trade = byPath('/market/history').trades.find((b: { bid_id: string }) => b.bid_id === won.bid_id);
  assert.deepEqual([trade.amount, trade.refund], [null, null], 'the won sealed bid in the history');
  for (const c of byPath('/market/history').clearings) assert.equal(c.refunded, null, 'clearing refund totals include sealed refunds');
  const entry = byPath('/market/bids').items.find((e: { bid_id: string }) => e.bid_id === waiting.bid_id);
  assert.deepEqual([entry.amount, entry.score], [null, null], 'the open sealed bid in the book');
  for (const id of ['winner', 'waiter', 'quitter']) {
    const balance = byPath(`/economic/balance/${id}`);
    assert.equal(balance.escrow, null, `${id}'s escrow`);
  }
  // Each bidder's public balance moved by no more than what the auction makes public: the
  // price the winner paid. Its spendable balance and escrow apart would give the amount.
  assert.equal(byPath('/economic/balance/waiter').balance, 100);
  assert.equal(byPath('/economic/balance/quitter').balance, 100);
  assert.equal(byPath('/economic/balance/winner').balance, 100 - microToCredits(wonView.price_paid_ucr!));
  // No number anywhere the snoop read is a secret, nor the sum or difference of two it read.
  const all = seen.flatMap((s) => numbers(s.body, s.path));
  const values = [...new Set(all.map((x) => x.n))];
  for (const [what, secret] of secrets) {
    const found = all.find((x) => Math.abs(x.n - secret) < 1e-9);
    assert.equal(found, undefined, `${what} (${secret}) is readable at ${found?.at}`);
    for (const a of values) {
      for (const b of values) {
        assert.ok(Math.abs(a + b - secret) > 1e-9 || secret === 0, `${what} (${secret}) = ${a} + ${b}`);
      }
    }
  }

  // The bidder sees its own sealed bid whole, and so does the operator.
  for (const token of [agentToken(world, 'winner'), world.operator_token]) {
    const own = await api.request('GET', `/market/bid/${won.bid_id}`, { token });
    assert.deepEqual([own.body.amount, own.body.refund, own.body.price_paid], [microToCredits(wonView.amount_ucr), microToCredits(wonView.refund_ucr!), microToCredits(wonView.price_paid_ucr!)]);
  }
  const waiterOwn = await api.request('GET', '/economic/balance/waiter', { token: agentToken(world, 'waiter') });
  assert.equal(waiterOwn.body.escrow, microToCredits(waiting.amount_ucr), 'an agent sees its own escrow');
  const history = await api.request('GET', '/market/history', { token: world.operator_token });
  assert.ok(history.body.clearings.every((c: { refunded: number | null }) => typeof c.refunded === 'number'), 'the operator sees refund totals');
});
