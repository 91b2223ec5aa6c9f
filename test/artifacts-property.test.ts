// Property: under any sequence of publish, update, calls that settle or fail (the kernel side of
// invoke), nested calls, reads, transfers and deletes, money is conserved, no balance goes
// negative, every receipt matches the ledger (each agent's balance moves exactly by what the
// commands said), and the journal replays to the same tables (audit).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AgoraError } from '../src/base/errors.js';
import { escrowAccount } from '../src/kernel/ledger/accounts.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { NO_USAGE, toolInput } from './support/artifacts.js';
import { addAgent, makeWorld } from './support/world.js';

const AGENTS = ['a', 'b', 'c'] as const;
const agent = fc.constantFrom(...AGENTS);
const pick = fc.nat(20);
const usage = fc.record({ cpu_ms: fc.nat(3000), memory_peak_mb: fc.nat(200), wall_ms: fc.nat(1000) });
const allowance = fc.record({ cpu_ms: fc.nat(2000), memory_mb: fc.nat(128), wall_ms: fc.nat(1000) });

const operation = fc.oneof(
  fc.record({ kind: fc.constant('publish_tool' as const), who: agent, price_ucr: fc.nat(400_000), capped: fc.boolean() }),
  fc.record({ kind: fc.constant('publish_data' as const), who: agent, read_ucr: fc.nat(200_000), size: fc.nat(2000) }),
  fc.record({ kind: fc.constant('update' as const), who: agent, target: pick, stale: fc.boolean() }),
  fc.record({ kind: fc.constant('read' as const), who: agent, target: pick }),
  fc.record({ kind: fc.constant('call' as const), who: agent, target: pick, max_ucr: fc.nat(500_000), allowance, used: usage, used_price_ucr: fc.nat(600_000), outcome: fc.constantFrom('settle', 'fail'), nested: fc.option(fc.record({ target: pick, outcome: fc.constantFrom('settle', 'fail') }), { nil: null }) }),
  fc.record({ kind: fc.constant('transfer' as const), who: agent, target: pick, to: agent }),
  fc.record({ kind: fc.constant('delete' as const), who: agent, target: pick }),
);

test('artifacts: conservation, no negative balance, receipts match the ledger, audit passes', () => {
  fc.assert(
    fc.property(fc.array(operation, { minLength: 1, maxLength: 25 }), (ops) => {
      const world = makeWorld({ config: { artifacts: { publish_fee: 0.05, content_bytes_max: 4096 } } });
      try {
        const k = world.kernel;
        const ar = k.artifacts;
        for (const id of AGENTS) addAgent(world, id, 2);
        const expected = new Map<string, number>(AGENTS.map((id) => [id, 2_000_000]));
        const move = (id: string, delta: number) => expected.set(id, expected.get(id)! + delta);
        const ids: string[] = [];
        const target = (n: number) => ids[n % Math.max(1, ids.length)];
        const meta = (who: string) => ({ actor: who });
        for (const op of ops) {
          try {
            switch (op.kind) {
              case 'publish_tool': {
                const pricing = op.capped ? { kind: 'capped' as const, cap_ucr: op.price_ucr } : { kind: 'fixed' as const, price_ucr: op.price_ucr };
                const p = ar.publish(toolInput(op.who, { pricing }), meta(op.who));
                ids.push(p.artifact_id);
                move(op.who, -p.fee_ucr);
                break;
              }
              case 'publish_data': {
                const p = ar.publish({ owner_id: op.who, kind: 'data', name: 'd', content: Buffer.alloc(op.size, 7), price_read_ucr: op.read_ucr }, meta(op.who));
                ids.push(p.artifact_id);
                move(op.who, -p.fee_ucr);
                break;
              }
              case 'update': {
                const id = target(op.target);
                if (id === undefined) break;
                const a = ar.get(id)!;
                const input = a.kind === 'code' ? toolInput(op.who) : { content: Buffer.from('v') };
                ar.update({ ...input, by_id: op.who, artifact_id: id, replaces_version: a.latest_version - (op.stale && a.latest_version > 1 ? 1 : 0), name: undefined, description: undefined, tags: undefined }, meta(op.who));
                break;
              }
              case 'read': {
                const id = target(op.target);
                if (id === undefined) break;
                const r = ar.read({ reader_id: op.who, artifact_id: id }, meta(op.who));
                move(op.who, -r.price_ucr);
                move(r.artifact.owner_id, r.price_ucr);
                break;
              }
              case 'call': {
                const id = target(op.target);
                if (id === undefined) break;
                const top = ar.calls.beginCall({ payer_id: op.who, caller_id: op.who, artifact_id: id, tool: 'double', max_price_ucr: op.max_ucr, allowance: op.allowance, depth: 1 }, meta(op.who));
                assert.ok(top.price_ucr <= op.max_ucr, 'never quoted above max_price');
                let spent_by_nested = 0;
                if (op.nested !== null) {
                  const nested_id = target(op.nested.target)!;
                  try {
                    const child = ar.calls.beginCall(
                      { payer_id: op.who, caller_id: top.owner_id, artifact_id: nested_id, tool: 'double', max_price_ucr: op.max_ucr, allowance: { cpu_ms: 10, memory_mb: 1, wall_ms: 10 }, depth: 2, parent_call_id: top.call_id },
                      meta('system:invoke'),
                    );
                    if (op.nested.outcome === 'settle') {
                      const s = ar.calls.settleCall({ call_id: child.call_id, used_price_ucr: op.used_price_ucr, resources: NO_USAGE, duration_ms: 1 }, meta('system:invoke'));
                      move(child.owner_id, s.price_ucr);
                      spent_by_nested = s.price_ucr + s.resources_ucr;
                    } else {
                      ar.calls.failCall({ call_id: child.call_id, error_code: 'EXECUTION_ERROR', resources: NO_USAGE, duration_ms: 1 }, meta('system:invoke'));
                    }
                  } catch (err) {
                    if (!(err instanceof AgoraError)) throw err;
                  }
                }
                if (op.outcome === 'settle') {
                  const s = ar.calls.settleCall({ call_id: top.call_id, used_price_ucr: op.used_price_ucr, resources: op.used, duration_ms: 5 }, meta('system:invoke'));
                  assert.ok(s.price_ucr <= top.price_ucr, 'never settled above the quote');
                  assert.equal(s.price_ucr + s.resources_ucr + s.refund_ucr + spent_by_nested, top.escrow_ucr, 'the receipt accounts for everything held');
                  move(op.who, -(s.price_ucr + s.resources_ucr + spent_by_nested));
                  move(top.owner_id, s.price_ucr);
                } else {
                  const f = ar.calls.failCall({ call_id: top.call_id, error_code: 'TIMEOUT', resources: op.used, duration_ms: 5 }, meta('system:invoke'));
                  assert.equal(f.refund_ucr + spent_by_nested, top.escrow_ucr);
                  move(op.who, -spent_by_nested);
                }
                assert.equal(k.ledger.balance(escrowAccount(op.who)), 0, 'nothing stays held once the call ended');
                break;
              }
              case 'transfer': {
                const id = target(op.target);
                if (id === undefined) break;
                ar.transfer({ by_id: op.who, artifact_id: id, to_id: op.to }, meta(op.who));
                break;
              }
              case 'delete': {
                const id = target(op.target);
                if (id === undefined) break;
                ar.delete({ by_id: op.who, artifact_id: id }, meta(op.who));
                break;
              }
            }
          } catch (err) {
            if (!(err instanceof AgoraError)) throw err;
          }
          for (const id of AGENTS) assert.equal(k.ledger.agentBalance(id), expected.get(id), `${id}'s balance after ${op.kind}`);
          assertConserved(world);
        }
        // Every receipt's postings move exactly what it says.
        for (const row of world.db.prepare("SELECT seq, data FROM events WHERE type = 'artifact_call_settled'").all() as { seq: number; data: string }[]) {
          const r = JSON.parse(row.data);
          const posted = world.db.prepare('SELECT to_id, kind, amount_ucr FROM postings WHERE seq = ?').all(row.seq) as { to_id: string; kind: string; amount_ucr: number }[];
          assert.equal(posted.filter((p) => p.kind === 'transfer').reduce((s, p) => s + p.amount_ucr, 0), r.price_ucr);
          assert.equal(posted.filter((p) => p.kind === 'burn').reduce((s, p) => s + p.amount_ucr, 0), r.resources_ucr);
        }
        assertAuditPasses(world);
      } finally {
        world.cleanup();
      }
    }),
    { numRuns: 25 },
  );
});
