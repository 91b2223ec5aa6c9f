// env.json's artifacts: what the agent owns, what it earned since its previous run, and the
// news of its subscriptions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEnvJson } from '../src/orchestrator/env-json.js';
import type { VirtualClock } from '../src/kernel/engine/clock.js';
import { ownerWithSubscriber } from './support/artifacts.js';
import { bundle } from './support/market.js';
import { makeWorld } from './support/world.js';

const DISK = { backing: 'directory' as const, bytes_used: 0, bytes_max: 1, inodes_used: 0, inodes_max: 1 };

test('env.json tells an owner its artifacts and its earnings since its last run, and a subscriber its news', () => {
  const w = makeWorld({ config: { artifacts: { publish_fee: 0 } } });
  try {
    const k = w.kernel;
    const clock = w.clock as VirtualClock;
    const { artifact_id: id, call } = ownerWithSubscriber(w);
    call(); // before the owner's first run
    const first = k.executions.start({ agent_id: 'owner', bid_id: 'b1', cycle: 1, bundle: bundle(), lease_ends_at_ms: clock.now_ms() + 5000 }, { actor: 'test' });
    const env1 = buildEnvJson(k, first, { api_url: 'http://x', inbox: [], disk: DISK });
    assert.equal(env1.artifacts.owned_count, 1);
    assert.equal(env1.artifacts.owned[0]!.id, id);
    assert.equal(env1.artifacts.earned_since_last_run.calls, 0.1, 'a first run is told everything earned');
    clock.advance(1000);
    k.executions.end(first.id, { reason: 'exit', exit_code: 0, signal: null, cpu_ms: 1, memory_peak_mb: 1, wall_ms: 1, log_bytes: 0, log_truncated: false }, { actor: 'test' });
    clock.advance(1000);
    call();
    call();
    const second = k.executions.start({ agent_id: 'owner', bid_id: 'b2', cycle: 2, bundle: bundle(), lease_ends_at_ms: clock.now_ms() + 5000 }, { actor: 'test' });
    const env2 = buildEnvJson(k, second, { api_url: 'http://x', inbox: [], disk: DISK });
    assert.deepEqual(env2.artifacts.earned_since_last_run, { calls: 0.2, reads: 0, settled_calls: 2 });
    assert.equal(env2.artifacts.owned[0]!.earned, 0.3);
    const fan = k.executions.start({ agent_id: 'fan', bid_id: 'b3', cycle: 2, bundle: bundle(), lease_ends_at_ms: clock.now_ms() + 5000 }, { actor: 'test' });
    const env3 = buildEnvJson(k, fan, { api_url: 'http://x', inbox: [], disk: DISK });
    assert.deepEqual(env3.artifacts.subscriptions, [id]);
    assert.equal(env3.artifacts.news.length, 3);
    assert.ok(env3.artifacts.news.every((n) => n.event_type === 'artifact_call_settled' && n.artifact_id === id));
  } finally {
    w.cleanup();
  }
});
