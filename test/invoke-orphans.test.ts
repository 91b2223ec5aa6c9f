// A host stopped mid-call leaves the call open in the journal, its money held. When the invoker
// is next attached (the world runs again), such calls fail and everything they held comes back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Runner } from '../src/sandbox/runner.js';
import type { ApiPort } from '../src/orchestrator/ports.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { publishTool, SMALL_ALLOWANCE } from './support/artifacts.js';
import { addAgent, makeWorld } from './support/world.js';

test('calls a stopped host left open are failed and refunded in full when the invoker is attached again, nested ones first', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'maker', 10);
  addAgent(world, 'user', 10);
  const artifact_id = publishTool(world, 'maker');
  const calls = world.kernel.artifacts.calls;
  const before = world.kernel.ledger.agentBalance('user');
  const top = calls.beginCall({ payer_id: 'user', caller_id: 'user', artifact_id, tool: 'double', max_price_ucr: 1_000_000, allowance: { ...SMALL_ALLOWANCE, cpu_ms: 3000 }, depth: 1 }, { actor: 'user' });
  calls.beginCall({ payer_id: 'user', caller_id: 'maker', artifact_id, tool: 'double', max_price_ucr: 1_000_000, allowance: SMALL_ALLOWANCE, depth: 2, parent_call_id: top.call_id }, { actor: 'user' });
  assert.ok(world.kernel.ledger.agentBalance('user') < before, 'the calls hold money');
  // Only the attach matters here: no call runs.
  const runner = { channelDir: () => null } as unknown as Runner;
  world.invoker.attach(runner, {} as ApiPort);
  t.after(() => world.invoker.close());
  assert.equal(calls.openCalls(10).length, 0);
  assert.equal(world.kernel.ledger.agentBalance('user'), before, 'everything held came back');
  assert.equal(world.kernel.ledger.balance('escrow:user'), 0);
  assertConserved(world);
  assertAuditPasses(world);
});
