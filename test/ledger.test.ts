// The ledger's promises: exact money, no negative balance, conservation, a journal that
// rebuilds every table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { audit } from '../src/kernel/audit.js';
import { AgoraError } from '../src/base/errors.js';
import { creditsToMicro, microToCredits } from '../src/kernel/ledger/money.js';
import { addAgent, makeWorld } from './support/world.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { STORES } from './support/postgres.js';

test('credits convert to micro-credits exactly, and bad amounts are refused', () => {
  assert.equal(creditsToMicro(0.1), 100_000);
  assert.equal(creditsToMicro('0.000001'), 1);
  assert.equal(creditsToMicro(1e-6), 1);
  assert.equal(creditsToMicro(123456.654321), 123_456_654_321);
  assert.equal(microToCredits(100_000), 0.1);
  for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 1.0000001, '1e3', 'abc', '-0.5', '0.1234567', 1e-7, 9e15]) {
    assert.throws(() => creditsToMicro(bad as number), (err: unknown) => err instanceof AgoraError && err.code === 'INVALID_ARGS', `refuses ${String(bad)}`);
  }
});

test('a new world holds genesis with the configured credits, conserved and auditable', (t) => {
  const world = makeWorld({ config: { agents: { genesis_credits: 250.5 } } });
  t.after(() => world.cleanup());
  const genesis = world.kernel.agents.require('genesis');
  assert.equal(genesis.balance_ucr, 250_500_000);
  assert.equal(genesis.generation, 0);
  assert.equal(genesis.status, 'alive');
  assertConserved(world);
  assertAuditPasses(world);
});

test('a transfer larger than the balance is refused and moves nothing', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'alice', 10);
  addAgent(world, 'bob', 0);
  const before = world.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number };
  assert.throws(
    () => world.kernel.ledger.transfer({ from_id: 'alice', to_id: 'bob', amount_ucr: 10_000_001, memo: '' }, { actor: 'alice' }),
    (err: unknown) => err instanceof AgoraError && err.code === 'INSUFFICIENT_FUNDS',
  );
  const after = world.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number };
  assert.equal(after.n, before.n, 'no event was written');
  assert.equal(world.kernel.ledger.agentBalance('alice'), 10_000_000);
  assert.equal(world.kernel.ledger.agentBalance('bob'), 0);
});

for (const store of STORES) test(`the journal is append-only: the store refuses to rewrite or delete an event (${store.name})`, { skip: store.skip }, (t) => {
  const world = makeWorld({ config: store.config() });
  t.after(() => world.cleanup());
  assert.throws(() => world.db.prepare("UPDATE events SET type = 'x' WHERE seq = 1").run(), /append-only/);
  assert.throws(() => world.db.prepare('DELETE FROM events WHERE seq = 1').run(), /append-only/);
});

test('audit notices a projection that no longer matches the journal', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'alice', 10);
  world.db.prepare("UPDATE accounts SET balance_ucr = balance_ucr + 1 WHERE id = 'alice'").run();
  const report = audit(world.db);
  assert.equal(report.ok, false);
  assert.ok(report.tables.some((t) => t.table === 'accounts' && t.differences === 1));
  assert.equal(report.conservation.ok, false);
});

const AGENTS = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5'];

/** What the ledger must answer to a transfer, from the model's balances alone. */
function expectedTransfer(balances: Map<string, number>, op: { from: string; to: string; amount_ucr: number }): 'ok' | string {
  if (op.amount_ucr <= 0) return 'INVALID_ARGS';
  if (op.from === op.to) return 'INVALID_ARGS';
  if (!balances.has(op.from) || !balances.has(op.to)) return 'NOT_FOUND';
  if (balances.get(op.from)! < op.amount_ucr) return 'INSUFFICIENT_FUNDS';
  return 'ok';
}

for (const store of STORES) test(`property: every transfer does what a model of the balances predicts (a valid one succeeds, an invalid one is refused with its code), conservation and audit hold (${store.name})`, { skip: store.skip }, (t) => {
  const operation = fc.record({
    from: fc.constantFrom(...AGENTS, 'ghost'),
    to: fc.constantFrom(...AGENTS, 'ghost'),
    // Amounts around the balances so that many transfers fail for lack of funds.
    amount_ucr: fc.oneof(fc.integer({ min: -5, max: 0 }), fc.integer({ min: 1, max: 30_000_000 }), fc.constant(Number.MAX_SAFE_INTEGER)),
  });
  // One world for every run, each run with agents of its own (r<n>_a0...): a run sees only its
  // agents' balances, as in a world of its own, while conservation and the audit cover the whole
  // world, every earlier run's journal included. Opening a world costs far more than a run's
  // transfers (most on PostgreSQL: a database created, a connection, ~90 statements).
  const world = makeWorld({ config: store.config() });
  t.after(() => world.cleanup());
  let run = 0;
  fc.assert(
    fc.property(fc.array(operation, { minLength: 1, maxLength: 60 }), fc.array(fc.integer({ min: 0, max: 40 }), { minLength: AGENTS.length, maxLength: AGENTS.length }), (ops, starts) => {
      const prefix = `r${++run}_`;
      const id = (name: string) => (name === 'ghost' ? name : prefix + name);
      AGENTS.forEach((name, i) => addAgent(world, id(name), starts[i]!));
      const expected = new Map(AGENTS.map((name, i) => [id(name), starts[i]! * 1_000_000]));
      for (const raw of ops) {
        const op = { ...raw, from: id(raw.from), to: id(raw.to) };
        const predicted = expectedTransfer(expected, op);
        let actual = 'ok';
        try {
          world.kernel.ledger.transfer({ from_id: op.from, to_id: op.to, amount_ucr: op.amount_ucr, memo: 'p' }, { actor: op.from });
        } catch (err) {
          assert.ok(err instanceof AgoraError, `only domain errors escape: ${String(err)}`);
          actual = err.code;
        }
        assert.equal(actual, predicted, `transfer ${JSON.stringify(op)} with balances ${JSON.stringify([...expected])}`);
        if (predicted === 'ok') {
          expected.set(op.from, expected.get(op.from)! - op.amount_ucr);
          expected.set(op.to, expected.get(op.to)! + op.amount_ucr);
        }
        for (const [agent, balance_ucr] of expected) {
          const balance = world.kernel.ledger.agentBalance(agent);
          assert.ok(balance >= 0, `${agent} went negative`);
          assert.equal(balance, balance_ucr, `${agent} holds exactly what the model says`);
        }
        assertConserved(world);
      }
      assertAuditPasses(world);
    }),
    { numRuns: 40 },
  );
});
