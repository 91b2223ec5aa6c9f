// Property (docs/trade.md, "Invariants"): under any sequence of offers (artifacts, licences,
// claims, rights), acceptances fresh or stale, repricing, withdrawals, expiries, loans, due
// points that repay or default, and right transfers: credits are conserved, every right is
// conserved (held = issued - used), no holding or balance goes negative, a successful
// acceptance moves exactly the price, and the audit (replay plus domain invariants) passes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AgoraError } from '../src/base/errors.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { toolInput } from './support/artifacts.js';
import { addAgent, makeWorld } from './support/world.js';

const AGENTS = ['a', 'b', 'c'] as const;
const agent = fc.constantFrom(...AGENTS);
const pick = fc.nat(20);
const right = fc.constantFrom('llm_tokens_per_minute', 'llm_requests_per_minute', 'llm_token_budget', 'code:a', 'code:b');

const operation = fc.oneof(
  fc.record({ kind: fc.constant('publish' as const), who: agent }),
  fc.record({ kind: fc.constant('offer' as const), who: agent, what: fc.constantFrom('artifact', 'licence', 'claim', 'right'), target: pick, right, units: fc.integer({ min: 1, max: 80 }), price_ucr: fc.nat(3_000_000), buyer: fc.option(agent, { nil: null }), ttl: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }) }),
  fc.record({ kind: fc.constant('accept' as const), who: agent, target: pick, stale: fc.constantFrom('none', 'price', 'revision', 'hash') }),
  fc.record({ kind: fc.constant('reprice' as const), who: agent, target: pick, price_ucr: fc.nat(3_000_000) }),
  fc.record({ kind: fc.constant('withdraw' as const), who: agent, target: pick }),
  fc.record({ kind: fc.constant('update' as const), who: agent, target: pick }),
  fc.record({ kind: fc.constant('loan' as const), who: agent, to: agent, lend: fc.boolean(), principal_ucr: fc.integer({ min: 1, max: 3_000_000 }), repayment_ucr: fc.integer({ min: 3, max: 5_000_000 }), instalments: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('accept_loan' as const), who: agent, target: pick }),
  fc.record({ kind: fc.constant('spend' as const), who: agent, to: agent, ucr: fc.integer({ min: 1, max: 2_000_000 }) }),
  fc.record({ kind: fc.constant('give_right' as const), who: agent, to: agent, right, units: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ kind: fc.constant('cycle' as const) }),
);

test('trade: credits and rights conserved, nothing negative, acceptances move exactly the price, audit passes', () => {
  fc.assert(
    fc.property(fc.array(operation, { minLength: 1, maxLength: 30 }), (ops) => {
      const world = makeWorld({ config: { artifacts: { publish_fee: 0 } } });
      try {
        const k = world.kernel;
        const t = k.trade;
        for (const id of AGENTS) addAgent(world, id, 3);
        const arts: string[] = [];
        const offers: string[] = [];
        const loans: string[] = [];
        const meta = (who: string) => ({ actor: who });
        const at = <T>(list: T[], i: number) => (list.length === 0 ? undefined : list[i % list.length]);
        const supply = () => JSON.stringify(world.db.prepare('SELECT right_name, SUM(units) AS u FROM trade_rights GROUP BY right_name ORDER BY right_name').all());
        for (const op of ops) {
          try {
            switch (op.kind) {
              case 'publish':
                arts.push(k.artifacts.publish(toolInput(op.who), meta(op.who)).artifact_id);
                break;
              case 'offer': {
                const loan = at(loans, op.target);
                const o = t.offers.post(
                  { seller_id: op.who, kind: op.what as 'artifact', artifact_id: at(arts, op.target) ?? 'none', calls: op.units, loan_id: loan ?? 'none', right: op.right, units: op.units, price_ucr: op.price_ucr, buyer_id: op.buyer, expires_in_cycles: op.ttl },
                  meta(op.who),
                );
                offers.push(o.offer_id);
                break;
              }
              case 'accept': {
                const id = at(offers, op.target);
                if (id === undefined) break;
                const v = t.offers.view(t.offers.get(id)!);
                const before = k.ledger.balance(op.who)!;
                const seller_before = k.ledger.balance(v.seller_id)!;
                const rights_before = supply();
                const input = {
                  buyer_id: op.who,
                  offer_id: id,
                  price_ucr: v.price_ucr + (op.stale === 'price' ? 1 : 0),
                  revision: v.revision + (op.stale === 'revision' ? 1 : 0),
                  content_hash: op.stale === 'hash' ? '0'.repeat(64) : (v.content_hash ?? ''),
                };
                try {
                  t.offers.accept(input, meta(op.who));
                  assert.equal(op.stale, 'none', 'a stale acceptance never succeeds');
                  assert.equal(k.ledger.balance(op.who), before - v.price_ucr);
                  assert.equal(k.ledger.balance(v.seller_id), seller_before + v.price_ucr);
                } catch (err) {
                  assert.equal(k.ledger.balance(op.who), before, 'a failed acceptance moves no credits');
                  throw err;
                } finally {
                  assert.equal(supply(), rights_before, 'no right is created or destroyed by a trade');
                }
                break;
              }
              case 'reprice': {
                const id = at(offers, op.target);
                if (id !== undefined) t.offers.reprice({ seller_id: op.who, offer_id: id, price_ucr: op.price_ucr }, meta(op.who));
                break;
              }
              case 'withdraw': {
                const id = at(offers, op.target);
                if (id !== undefined) t.offers.withdraw({ by_id: op.who, offer_id: id }, meta(op.who));
                break;
              }
              case 'update': {
                const id = at(arts, op.target);
                if (id !== undefined) k.artifacts.update({ ...toolInput(op.who), by_id: op.who, artifact_id: id, replaces_version: k.artifacts.get(id)!.latest_version, name: undefined, description: undefined, tags: undefined }, meta(op.who));
                break;
              }
              case 'loan':
                loans.push(
                  t.loans.propose(
                    { proposer_id: op.who, counterparty_id: op.to, role: op.lend ? 'lender' : 'borrower', principal_ucr: op.principal_ucr, repayment_ucr: op.repayment_ucr, instalments: op.instalments, first_due_in: 1, every_cycles: 1 },
                    meta(op.who),
                  ).loan_id,
                );
                break;
              case 'accept_loan': {
                const id = at(loans, op.target);
                if (id === undefined) break;
                const l = t.loans.get(id)!;
                t.loans.accept({ by_id: op.who, loan_id: id, principal_ucr: l.principal_ucr, repayment_ucr: l.repayment_ucr }, meta(op.who));
                break;
              }
              case 'spend':
                k.ledger.transfer({ from_id: op.who, to_id: op.to, amount_ucr: op.ucr, memo: 'p' }, meta(op.who));
                break;
              case 'give_right':
                t.rights.transfer({ from_id: op.who, to_id: op.to, right: op.right, units: op.units }, meta(op.who));
                break;
              case 'cycle':
                k.market.clear({ actor: 'test' });
                t.tick({ actor: 'test' });
                break;
            }
          } catch (err) {
            if (!(err instanceof AgoraError)) throw err;
          }
          const negative = world.db.prepare("SELECT COUNT(*) AS n FROM accounts WHERE balance_ucr < 0 AND kind <> 'source'").get() as { n: number };
          assert.equal(negative.n, 0, 'no balance negative');
        }
        assertConserved(world);
        assertAuditPasses(world);
      } finally {
        world.close();
      }
    }),
    { numRuns: 25 },
  );
});
