// The artifacts domain through the kernel: publish, versions, tombstones, the id namespace,
// contracts that fail closed, and the kernel side of calls (escrow, settle, fail, nesting).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgoraError } from '../src/base/errors.js';
import type { VirtualClock } from '../src/kernel/engine/clock.js';
import { escrowAccount } from '../src/kernel/ledger/accounts.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { balanceOf, NO_USAGE, publishData, publishTool, SMALL_ALLOWANCE } from './support/artifacts.js';
import { accessOf } from '../src/kernel/artifacts/access.js';
import { bundle } from './support/market.js';
import { addAgent, makeWorld } from './support/world.js';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof AgoraError) return err.code;
    throw err;
  }
  return 'OK';
};

function world() {
  const w = makeWorld({ config: { artifacts: { publish_fee: 0.5 } } });
  addAgent(w, 'owner', 10);
  addAgent(w, 'caller', 10);
  addAgent(w, 'third', 10);
  return w;
}

test('publish burns the fee and records version 1 with a sha256 content hash; audit rebuilds it', () => {
  const w = world();
  try {
    const before = balanceOf(w, 'owner');
    const id = publishTool(w, 'owner');
    assert.match(id, /^art-[0-9a-z]{12}$/);
    assert.equal(balanceOf(w, 'owner'), before - 500_000);
    const a = w.kernel.artifacts.get(id)!;
    assert.equal(a.latest_version, 1);
    assert.equal(a.can_execute, true);
    assert.equal(a.has_standing, false);
    const v = w.kernel.artifacts.version(id, 1)!;
    assert.match(v.content_hash, /^[0-9a-f]{64}$/);
    assert.deepEqual(v.files?.map((f) => f.name), ['main.js']);
    assertConserved(w);
    assertAuditPasses(w);
  } finally {
    w.cleanup();
  }
});

test('an artifact id is never an agent id, and an agent cannot take an artifact id', () => {
  const w = world();
  try {
    const id = publishTool(w, 'owner');
    assert.equal(w.kernel.agents.get(id), null);
    assert.throws(() => addAgent(w, id, 1), (err: AgoraError) => err.code === 'CONFLICT');
    // Deleted, the id stays taken.
    w.kernel.artifacts.delete({ by_id: 'owner', artifact_id: id }, { actor: 'owner' });
    assert.throws(() => addAgent(w, id, 1), (err: AgoraError) => err.code === 'CONFLICT');
  } finally {
    w.cleanup();
  }
});

test('an update names the version it replaces; a stale update is refused with CONFLICT', () => {
  const w = world();
  try {
    const id = publishData(w, 'owner', 'one');
    const k = w.kernel.artifacts;
    const v2 = k.update({ by_id: 'owner', artifact_id: id, replaces_version: 1, content: Buffer.from('two') }, { actor: 'owner' });
    assert.equal(v2.version, 2);
    assert.equal(code(() => k.update({ by_id: 'owner', artifact_id: id, replaces_version: 1, content: Buffer.from('stale') }, { actor: 'owner' })), 'CONFLICT');
    assert.equal(k.read({ reader_id: 'owner', artifact_id: id }, { actor: 'owner' }).content!.toString(), 'two');
    assert.equal(k.read({ reader_id: 'owner', artifact_id: id, version: 1 }, { actor: 'owner' }).content!.toString(), 'one');
    assertAuditPasses(w);
  } finally {
    w.cleanup();
  }
});

test('a tombstoned artifact answers DELETED with when, to reads and calls alike', () => {
  const w = world();
  try {
    const id = publishTool(w, 'owner');
    (w.clock as VirtualClock).advance(1000);
    w.kernel.artifacts.delete({ by_id: 'owner', artifact_id: id }, { actor: 'owner' });
    const err = (() => {
      try {
        w.kernel.artifacts.resolveForCall({ artifact_id: id });
      } catch (e) {
        return e as AgoraError;
      }
      return null;
    })();
    assert.equal(err?.code, 'DELETED');
    assert.equal(typeof (err?.details as { deleted_at_ms: number }).deleted_at_ms, 'number');
    assert.equal(code(() => w.kernel.artifacts.read({ reader_id: 'caller', artifact_id: id }, { actor: 'caller' })), 'DELETED');
    assert.equal(
      code(() => w.kernel.artifacts.calls.beginCall({ payer_id: 'caller', caller_id: 'caller', artifact_id: id, tool: 'double', max_price_ucr: 1e6, allowance: SMALL_ALLOWANCE, depth: 1 }, { actor: 'caller' })),
      'DELETED',
    );
  } finally {
    w.cleanup();
  }
});

test('a missing or deleted access contract denies (fail closed); an allow-list admits only its members', () => {
  const w = world();
  try {
    const k = w.kernel.artifacts;
    const contract = k.publish(
      { owner_id: 'owner', kind: 'contract', name: 'friends', content: Buffer.from(JSON.stringify({ rule: 'allow-list', allow: ['caller'] })) },
      { actor: 'owner' },
    ).artifact_id;
    const id = publishData(w, 'owner', 'secret', { access_contract_id: contract });
    assert.deepEqual(k.checkAccess({ caller_id: 'caller', action: 'read', artifact_id: id }), { allow: true });
    assert.equal((k.checkAccess({ caller_id: 'third', action: 'read', artifact_id: id }) as { allow: boolean }).allow, false);
    k.delete({ by_id: 'owner', artifact_id: contract }, { actor: 'owner' });
    const after = k.checkAccess({ caller_id: 'caller', action: 'read', artifact_id: id }) as { allow: boolean; reason: string };
    assert.equal(after.allow, false);
    assert.match(after.reason, /fail closed/);
    assert.equal(code(() => k.read({ reader_id: 'caller', artifact_id: id }, { actor: 'caller' })), 'ACCESS_DENIED');
  } finally {
    w.cleanup();
  }
});

test('a settled call pays the owner exactly the price and burns metered resources; the rest is refunded', () => {
  const w = world();
  try {
    const id = publishTool(w, 'owner');
    const calls = w.kernel.artifacts.calls;
    const owner0 = balanceOf(w, 'owner');
    const caller0 = balanceOf(w, 'caller');
    const begun = calls.beginCall({ payer_id: 'caller', caller_id: 'caller', artifact_id: id, tool: 'double', max_price_ucr: 100_000, allowance: SMALL_ALLOWANCE, depth: 1 }, { actor: 'caller' });
    assert.equal(begun.price_ucr, 100_000);
    assert.equal(balanceOf(w, 'caller'), caller0 - begun.escrow_ucr);
    assert.equal(w.kernel.ledger.balance(escrowAccount('caller')), begun.escrow_ucr);
    assertAuditPasses(w);
    const settled = calls.settleCall({ call_id: begun.call_id, resources: { cpu_ms: 200, memory_peak_mb: 10, wall_ms: 300 }, duration_ms: 300 }, { actor: 'system:invoke' });
    assert.equal(settled.price_ucr, 100_000);
    assert.equal(balanceOf(w, 'owner'), owner0 + 100_000);
    assert.equal(balanceOf(w, 'caller'), caller0 - 100_000 - settled.resources_ucr);
    assert.ok(settled.resources_ucr > 0);
    assert.equal(w.kernel.ledger.balance(escrowAccount('caller')), 0);
    assertConserved(w);
    assertAuditPasses(w);
  } finally {
    w.cleanup();
  }
});

test('a failed call refunds everything held', () => {
  const w = world();
  try {
    const id = publishTool(w, 'owner');
    const owner0 = balanceOf(w, 'owner');
    const caller0 = balanceOf(w, 'caller');
    const calls = w.kernel.artifacts.calls;
    const begun = calls.beginCall({ payer_id: 'caller', caller_id: 'caller', artifact_id: id, tool: 'double', max_price_ucr: 100_000, allowance: SMALL_ALLOWANCE, depth: 1 }, { actor: 'caller' });
    const failed = calls.failCall({ call_id: begun.call_id, error_code: 'TIMEOUT', resources: { cpu_ms: 900, memory_peak_mb: 60, wall_ms: 5000 }, duration_ms: 5000 }, { actor: 'system:invoke' });
    assert.equal(failed.refund_ucr, begun.escrow_ucr);
    assert.equal(balanceOf(w, 'caller'), caller0);
    assert.equal(balanceOf(w, 'owner'), owner0);
    assert.equal(code(() => calls.settleCall({ call_id: begun.call_id, resources: NO_USAGE, duration_ms: 1 }, { actor: 'x' })), 'CONFLICT');
    assert.deepEqual(w.kernel.artifacts.reads.usage(id).failures, { TIMEOUT: 1 });
    assertConserved(w);
    assertAuditPasses(w);
  } finally {
    w.cleanup();
  }
});

test('a price above max_price is refused before anything is held; capped pricing settles at use, never above the cap', () => {
  const w = world();
  try {
    const calls = w.kernel.artifacts.calls;
    const fixed = publishTool(w, 'owner');
    const caller0 = balanceOf(w, 'caller');
    assert.equal(code(() => calls.beginCall({ payer_id: 'caller', caller_id: 'caller', artifact_id: fixed, tool: 'double', max_price_ucr: 99_999, allowance: SMALL_ALLOWANCE, depth: 1 }, { actor: 'caller' })), 'PRICE_ABOVE_MAX');
    assert.equal(balanceOf(w, 'caller'), caller0);
    const capped = publishTool(w, 'owner', { pricing: { kind: 'capped', cap_ucr: 50_000 } });
    const owner0 = balanceOf(w, 'owner');
    const a = calls.beginCall({ payer_id: 'caller', caller_id: 'caller', artifact_id: capped, tool: 'double', max_price_ucr: 50_000, allowance: SMALL_ALLOWANCE, depth: 1 }, { actor: 'caller' });
    assert.equal(calls.settleCall({ call_id: a.call_id, used_price_ucr: 20_000, resources: NO_USAGE, duration_ms: 1 }, { actor: 'x' }).price_ucr, 20_000);
    const b = calls.beginCall({ payer_id: 'caller', caller_id: 'caller', artifact_id: capped, tool: 'double', max_price_ucr: 50_000, allowance: SMALL_ALLOWANCE, depth: 1 }, { actor: 'caller' });
    assert.equal(calls.settleCall({ call_id: b.call_id, used_price_ucr: 10_000_000, resources: NO_USAGE, duration_ms: 1 }, { actor: 'x' }).price_ucr, 50_000);
    assert.equal(balanceOf(w, 'owner'), owner0 + 70_000);
    assertConserved(w);
    assertAuditPasses(w);
  } finally {
    w.cleanup();
  }
});

test('nested calls draw on the call above, are paid by the original caller, stop at depth 5', () => {
  const w = makeWorld({ config: { artifacts: { publish_fee: 0 } } });
  try {
    addAgent(w, 'caller', 100);
    const owners = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6'];
    for (const o of owners) addAgent(w, o, 1);
    const ids = owners.map((o) => publishTool(w, o, { pricing: { kind: 'fixed', price_ucr: 1000 } }));
    const calls = w.kernel.artifacts.calls;
    const caller0 = balanceOf(w, 'caller');
    const big = { cpu_ms: 30_000, memory_mb: 512, wall_ms: 60_000 };
    // A call's allowance is its budget: its own metered resources and the calls it makes.
    const chain = [calls.beginCall({ payer_id: 'caller', caller_id: 'caller', artifact_id: ids[0]!, tool: 'double', max_price_ucr: 1000, allowance: big, depth: 1 }, { actor: 'caller' })];
    for (let depth = 2; depth <= 5; depth++) {
      const parent = chain[chain.length - 1]!;
      const nested = { payer_id: 'caller', caller_id: owners[depth - 2]!, artifact_id: ids[depth - 1]!, tool: 'double', max_price_ucr: 1000, allowance: { cpu_ms: (6 - depth) * 5000, memory_mb: 1, wall_ms: 100 }, depth, parent_call_id: parent.call_id };
      // A nested call cannot make a third party pay.
      assert.equal(code(() => calls.beginCall({ ...nested, payer_id: 'o6' }, { actor: 'x' })), 'ACCESS_DENIED');
      chain.push(calls.beginCall(nested, { actor: 'x' }));
    }
    assert.equal(balanceOf(w, 'caller'), caller0 - chain[0]!.escrow_ucr, 'only the top-level call took money from the payer');
    const deepest = chain[chain.length - 1]!;
    assert.equal(
      code(() => calls.beginCall({ payer_id: 'caller', caller_id: owners[4]!, artifact_id: ids[5]!, tool: 'double', max_price_ucr: 1000, allowance: SMALL_ALLOWANCE, depth: 6, parent_call_id: deepest.call_id }, { actor: 'x' })),
      'DEPTH_LIMIT',
    );
    for (const c of [...chain].reverse()) calls.settleCall({ call_id: c.call_id, resources: NO_USAGE, duration_ms: 1 }, { actor: 'x' });
    for (const o of owners.slice(0, 5)) assert.equal(balanceOf(w, o), 1_000_000 + 1000);
    assert.equal(balanceOf(w, 'caller'), caller0 - 5000);
    assertConserved(w);
    assertAuditPasses(w);
  } finally {
    w.cleanup();
  }
});

test('failing a call fails its nested calls in flight and refunds the whole chain', () => {
  const w = world();
  try {
    const a = publishTool(w, 'owner');
    const b = publishTool(w, 'third');
    const calls = w.kernel.artifacts.calls;
    const caller0 = balanceOf(w, 'caller');
    const top = calls.beginCall({ payer_id: 'caller', caller_id: 'caller', artifact_id: a, tool: 'double', max_price_ucr: 1e6, allowance: { cpu_ms: 30_000, memory_mb: 512, wall_ms: 1000 }, depth: 1 }, { actor: 'caller' });
    calls.beginCall({ payer_id: 'caller', caller_id: 'owner', artifact_id: b, tool: 'double', max_price_ucr: 1e6, allowance: SMALL_ALLOWANCE, depth: 2, parent_call_id: top.call_id }, { actor: 'x' });
    assert.equal(code(() => calls.settleCall({ call_id: top.call_id, resources: NO_USAGE, duration_ms: 1 }, { actor: 'x' })), 'CONFLICT');
    calls.failCall({ call_id: top.call_id, error_code: 'EXECUTION_ERROR', resources: NO_USAGE, duration_ms: 1 }, { actor: 'x' });
    assert.equal(balanceOf(w, 'caller'), caller0);
    assert.equal(w.kernel.ledger.balance(escrowAccount('caller')), 0);
    assertConserved(w);
    assertAuditPasses(w);
  } finally {
    w.cleanup();
  }
});

test('dormancy and waking tell rescuers what the agent owns; the waking event names the rescuer', () => {
  const w = makeWorld({ config: { artifacts: { publish_fee: 0 } } });
  try {
    addAgent(w, 'maker', 0.25);
    addAgent(w, 'rescuer', 50);
    const id = publishTool(w, 'maker');
    w.kernel.executions.start({ agent_id: 'maker', bid_id: 'b1', cycle: 3, bundle: bundle(), lease_ends_at_ms: 5_000 }, { actor: 'test' });
    w.kernel.executions.end(w.kernel.executions.runningFor('maker')!.id, { reason: 'exit', exit_code: 0, signal: null, cpu_ms: 1, memory_peak_mb: 1, wall_ms: 1, log_bytes: 0, log_truncated: false }, { actor: 'test' });
    const review = (cycle: number) => w.kernel.lifecycle.review({ cycle, min_bundle_cost_ucr: 1_000_000, death_after_cycles: 10 });
    assert.deepEqual(review(4).dormant, ['maker']);
    const dormant = JSON.parse((w.db.prepare("SELECT data FROM events WHERE type = 'agent_dormant'").get() as { data: string }).data);
    assert.equal(dormant.assets.artifacts_owned, 1);
    assert.deepEqual(dormant.assets.artifact_ids, [id]);
    assert.equal(dormant.assets.last_active_cycle, 3);
    assert.equal(dormant.assets.balance_ucr, 250_000);
    w.kernel.market.placeBid({ payer_id: 'rescuer', for_agent: 'maker', amount_ucr: 5_000_000, bundle: bundle() }, { actor: 'rescuer' });
    assert.deepEqual(review(5).woken, ['maker']);
    const woken = JSON.parse((w.db.prepare("SELECT data FROM events WHERE type = 'agent_woken'").get() as { data: string }).data);
    assert.equal(woken.rescuer_id, 'rescuer');
    assert.deepEqual(woken.assets.artifact_ids, [id]);
    assertAuditPasses(w);
  } finally {
    w.cleanup();
  }
});

test('storage is burned per MB per cycle from each owner, and stops when the artifact is deleted', () => {
  const w = makeWorld({ config: { artifacts: { publish_fee: 0, storage_fee_per_mb_cycle: 0.01, content_bytes_max: 2_000_000 } } });
  try {
    addAgent(w, 'owner', 10);
    const id = publishData(w, 'owner', 'x'.repeat(1_500_000 - 1) + 'y');
    const before = balanceOf(w, 'owner');
    assert.deepEqual(w.kernel.artifacts.chargeStorage(1), { charged_ucr: 20_000, owners: 1 });
    assert.equal(balanceOf(w, 'owner'), before - 20_000, '1.5 MB is charged as 2 MB');
    w.kernel.artifacts.delete({ by_id: 'owner', artifact_id: id }, { actor: 'owner' });
    assert.deepEqual(w.kernel.artifacts.chargeStorage(2), { charged_ucr: 0, owners: 0 });
    assertConserved(w);
    assertAuditPasses(w);
  } finally {
    w.cleanup();
  }
});

test('the bytes an owner holds are bounded by its disk limit', () => {
  const w = makeWorld({ config: { artifacts: { publish_fee: 0, content_bytes_max: 10 * 1024 * 1024 }, workspace: { bytes_max: 16 * 1024 * 1024 } } });
  try {
    addAgent(w, 'owner', 10);
    publishData(w, 'owner', 'a'.repeat(9 * 1024 * 1024));
    assert.equal(code(() => publishData(w, 'owner', 'b'.repeat(8 * 1024 * 1024))), 'PAYLOAD_TOO_LARGE');
  } finally {
    w.cleanup();
  }
});

test('a contract id that names nothing, or names no contract, denies (no fallback to public)', () => {
  const w = world();
  try {
    const k = w.kernel;
    const data = publishData(w, 'owner', 'x');
    // Publish refuses such ids; a world's data may still come to hold one (a contract's id typed
    // wrong by an older version, a kind changed): the check itself must deny.
    for (const contract_id of ['art-000000000000', 'kernel:bogus', data]) {
      const d = accessOf(k.core, k.artifacts.bytes, { id: 'art-111111111111', owner_id: 'owner', access_contract_id: contract_id }, 'caller', 'read');
      assert.equal((d as { allow: boolean }).allow, false, contract_id);
    }
    assert.equal(code(() => publishData(w, 'owner', 'y', { access_contract_id: 'kernel:bogus' })), 'INVALID_ARGS');
  } finally {
    w.cleanup();
  }
});
