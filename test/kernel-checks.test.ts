// Refusals of the kernel that nothing else stands behind: each test fails if its check is
// removed (a dead agent's reward, an ended run's extension, the global order-book cap).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgoraError } from '../src/base/errors.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { startRun } from './support/attention.js';
import { bundle, credits } from './support/market.js';
import { killBrokeAgent } from './support/social.js';
import { addAgent, makeWorld } from './support/world.js';

const isCode = (code: string) => (err: unknown) => err instanceof AgoraError && err.code === code;

const ENDED = { reason: 'exit', exit_code: 0, signal: null, cpu_ms: 1, memory_peak_mb: 1, wall_ms: 1, log_bytes: 0, log_truncated: false } as const;

function eventCount(world: ReturnType<typeof makeWorld>): number {
  return (world.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
}

test("rewarding a dead agent's prompt is refused: nothing is minted, the prompt stays pending", (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  const k = world.kernel;
  addAgent(world, 'asker', 10);
  const run = startRun(world, 'asker', { attention: 1 });
  const prompt = k.attention.submit({ agent_id: 'asker', execution_id: run.id, content: 'Worth it?', options: [] }, { actor: 'asker' });
  k.executions.end(run.id, ENDED, { actor: 'system:loop' });
  // Broke, then dead through the real lifecycle.
  k.ledger.transfer({ from_id: 'asker', to_id: 'genesis', amount_ucr: k.ledger.agentBalance('asker'), memo: 'all' }, { actor: 'asker' });
  killBrokeAgent(world, 'asker');
  const human_before = k.ledger.conservation();
  const events_before = eventCount(world);
  // No reply: the reply's delivery cannot be what refuses it.
  assert.throws(
    () => k.attention.reward({ prompt_id: prompt.prompt_id, scores: { interesting: 3, useful: 3, understandable: 3 }, reply: null }, { actor: 'operator' }),
    isCode('DELETED'),
  );
  assert.equal(k.attention.require(prompt.prompt_id).status, 'pending');
  assert.equal(k.ledger.agentBalance('asker'), 0, 'no reward reached the dead agent');
  assert.equal(eventCount(world), events_before, 'the refusal journaled nothing');
  assert.deepEqual(k.ledger.conservation(), human_before);
  assertConserved(world);
  assertAuditPasses(world);
});

test('extending an ended run is refused and changes nothing', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  const k = world.kernel;
  addAgent(world, 'runner', 10);
  const run = startRun(world, 'runner');
  const ended = k.executions.end(run.id, ENDED, { actor: 'system:loop' });
  const events_before = eventCount(world);
  assert.throws(
    () =>
      k.executions.extendLease(
        { execution_id: run.id, bid_id: run.bid_id, cycle: run.cycle + 1, bundle: run.bundle, lease_ends_at_ms: run.lease_ends_at_ms + 60_000 },
        { actor: 'system:loop' },
      ),
    isCode('CONFLICT'),
  );
  assert.deepEqual(k.executions.require(run.id), ended, 'the ended run is as it was');
  assert.equal(eventCount(world), events_before, 'the refusal journaled nothing');
  assertAuditPasses(world);
});

test('the global order-book cap: past market.bids_open_max open bids a new bid is UNAVAILABLE with retry_after, until an open bid closes', (t) => {
  // Each payer stays far under its own cap, so only the global one can refuse.
  const world = makeWorld({ config: { market: { bids_open_max: 3, bids_open_per_agent_max: 10 } } });
  t.after(() => world.cleanup());
  const m = world.kernel.market;
  for (const id of ['a', 'b', 'c', 'd']) addAgent(world, id, 10);
  const placed = ['a', 'b', 'c'].map((id) => m.placeBid({ payer_id: id, amount_ucr: credits(1), bundle: bundle() }, { actor: id }));
  const balance_before = world.kernel.ledger.agentBalance('d');
  assert.throws(
    () => m.placeBid({ payer_id: 'd', amount_ucr: credits(1), bundle: bundle() }, { actor: 'd' }),
    (err: unknown) => isCode('UNAVAILABLE')(err) && (err as AgoraError).retry_after_s === world.config.market.clearing_interval_s,
  );
  assert.equal(m.state().open_bids, 3);
  assert.equal(world.kernel.ledger.agentBalance('d'), balance_before, 'nothing was escrowed');
  m.withdrawBid(placed[0]!.bid_id, 'a', { actor: 'a' });
  m.placeBid({ payer_id: 'd', amount_ucr: credits(1), bundle: bundle() }, { actor: 'd' });
  assert.equal(m.state().open_bids, 3);
  assertConserved(world);
  assertAuditPasses(world);
});
