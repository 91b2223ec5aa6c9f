// Property: under any sequence of messages, broadcasts, read marks and deliveries, no inbox
// ever holds more than social.inbox_messages_max, every sender paid exactly its fees, money
// is conserved, and the journal replays to the same tables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AgoraError } from '../src/base/errors.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { credits } from './support/market.js';
import { addAgent, makeWorld } from './support/world.js';

const AGENTS = ['a', 'b', 'c', 'd'] as const;

const operation = fc.oneof(
  fc.record({ kind: fc.constant('message' as const), from: fc.constantFrom(...AGENTS), to: fc.constantFrom(...AGENTS), size: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('broadcast' as const), from: fc.constantFrom(...AGENTS) }),
  fc.record({ kind: fc.constant('read' as const), who: fc.constantFrom(...AGENTS), back: fc.nat(5) }),
  fc.record({ kind: fc.constant('deliver' as const), who: fc.constantFrom(...AGENTS) }),
);

test('an inbox never exceeds its limit; fees are exact; conservation and audit hold', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.array(operation, { minLength: 1, maxLength: 60 }), (inbox_max, ops) => {
      const world = makeWorld({ config: { social: { inbox_messages_max: inbox_max, message_cost: 0.1, broadcast_cost: 0.5, message_chars_max: 10, env_inbox_messages_max: 2 } } });
      try {
        const k = world.kernel;
        for (const id of AGENTS) addAgent(world, id, 3);
        const paid = new Map<string, number>(AGENTS.map((id) => [id, 0]));
        for (const op of ops) {
          try {
            if (op.kind === 'message') {
              const sent = k.social.sendMessage({ from_id: op.from, to_id: op.to, content: 'x'.repeat(op.size) }, { actor: op.from });
              paid.set(op.from, paid.get(op.from)! + sent.cost_ucr);
            } else if (op.kind === 'broadcast') {
              const sent = k.social.broadcast({ from_id: op.from, content: 'hi' }, { actor: op.from });
              paid.set(op.from, paid.get(op.from)! + sent.cost_ucr);
            } else if (op.kind === 'read') {
              const inbox = k.social.reads.inbox(op.who, { unread_only: false, limit: 100 });
              const target = inbox[Math.max(0, inbox.length - 1 - op.back)];
              if (target !== undefined) k.social.markRead({ agent_id: op.who, up_to_message_id: target.message_id }, { actor: op.who });
            } else {
              const delivered = k.social.deliverUnread(op.who, { actor: 'system:loop' });
              assert.ok(delivered.length <= 2);
              assert.ok(delivered.every((m) => !m.read), 'only unread messages are delivered');
            }
          } catch (err) {
            // Refusals (a broke sender, a too-long message) are fine; they must write nothing.
            if (!(err instanceof AgoraError)) throw err;
          }
          for (const id of [...AGENTS, 'genesis']) {
            const size = k.social.reads.inboxSize(id);
            assert.ok(size <= inbox_max, `${id} holds ${size} > ${inbox_max}`);
            assert.ok(k.social.reads.unreadCount(id) <= size);
          }
        }
        for (const id of AGENTS) assert.equal(k.ledger.agentBalance(id), credits(3) - paid.get(id)!, `${id} paid exactly its fees`);
        assertConserved(world);
        assertAuditPasses(world);
      } finally {
        world.cleanup();
      }
    }),
    { numRuns: 40 },
  );
});
