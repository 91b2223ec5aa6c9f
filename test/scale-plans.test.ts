// One machine, a thousand agents (docs/scale.md): env.json is built for every run, so each of
// its reads must find its rows through an index. A table scan or a sort there costs the host
// a walk of the whole table (or of the agent's whole history) per run, every cycle.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Db } from '../src/store/store.js';
import { buildEnvJson, envJsonSchema } from '../src/orchestrator/env-json.js';
import type { VirtualClock } from '../src/kernel/engine/clock.js';
import { ownerWithSubscriber } from './support/artifacts.js';
import { bundle } from './support/market.js';
import { makeWorld } from './support/world.js';

const DISK = { backing: 'directory' as const, bytes_used: 0, bytes_max: 1, inodes_used: 0, inodes_max: 1 };
/** Tables of one row, or one per resource: scanning them is reading them. */
const CONSTANT_TABLES = new Set(['market_state', 'market_resources']);

/** Every SQL statement run while `fn` runs, through the kernel's writer or a prepared statement. */
function statementsDuring(db: Db, writer: { get: unknown; all: unknown; run: unknown }, fn: () => void): Set<string> {
  const seen = new Set<string>();
  const w = writer as Record<'get' | 'all' | 'run', (sql: string, ...params: unknown[]) => unknown>;
  const originals = { prepare: db.prepare, get: w.get, all: w.all, run: w.run };
  db.prepare = ((sql: string) => (seen.add(sql), originals.prepare.call(db, sql))) as typeof db.prepare;
  for (const m of ['get', 'all', 'run'] as const) w[m] = (sql, ...params) => (seen.add(sql), originals[m].call(writer, sql, ...params));
  try {
    fn();
  } finally {
    db.prepare = originals.prepare;
    for (const m of ['get', 'all', 'run'] as const) w[m] = originals[m];
  }
  return seen;
}

function plan(db: Db, sql: string): string {
  const params = new Array((sql.match(/\?/g) ?? []).length).fill(null);
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');
}

test("env.json's reads for a run use indexes: no table scan, no sort, paid reads found by time", () => {
  const w = makeWorld({ config: { artifacts: { publish_fee: 0 } } });
  try {
    const k = w.kernel;
    const clock = w.clock as VirtualClock;
    ownerWithSubscriber(w).call();
    const first = k.executions.start({ agent_id: 'owner', bid_id: 'b1', cycle: 1, bundle: bundle(), lease_ends_at_ms: clock.now_ms() + 5000 }, { actor: 'test' });
    clock.advance(6000);
    const second = k.executions.start({ agent_id: 'fan', bid_id: 'b2', cycle: 2, bundle: bundle(), lease_ends_at_ms: clock.now_ms() + 5000 }, { actor: 'test' });
    const built: unknown[] = [];
    const statements = statementsDuring(w.db, k.core.writer, () => {
      built.push(buildEnvJson(k, first, { api_url: 'http://x', inbox: [], disk: DISK }));
      built.push(buildEnvJson(k, second, { api_url: 'http://x', inbox: [], disk: DISK }));
    });
    // Not parsed as it is built (per run, that cost more than its reads): what it builds is the contract.
    for (const env of built) assert.deepEqual(envJsonSchema.parse(env), env);
    const reads = [...statements].filter((sql) => /^\s*SELECT/i.test(sql));
    assert.ok(reads.length >= 6, `env.json's reads were seen (${reads.length})`);
    const plans = new Map(reads.map((sql) => [sql, plan(w.db, sql)]));
    for (const [sql, p] of plans) {
      const scanned = [...p.matchAll(/SCAN (\w+)/g)].map((m) => m[1]!).filter((table) => !CONSTANT_TABLES.has(table));
      assert.deepEqual(scanned, [], `${sql}\n  scans: ${p}`);
      assert.doesNotMatch(p, /TEMP B-TREE/, `${sql}\n  sorts: ${p}`);
    }
    // The paid reads since the last run: by the account and the time, not all it ever received.
    const paid = [...plans].find(([sql]) => /FROM postings WHERE to_id/.test(sql));
    assert.ok(paid !== undefined, 'the paid-reads query ran');
    assert.match(paid[1], /postings_to_transfer \(to_id=\? AND at_ms>\?\)/);
  } finally {
    w.cleanup();
  }
});
