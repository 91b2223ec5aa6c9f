// `agora audit` against a tampered database: every projected table is compared with its replay
// (one changed row in any of them is reported, by name), and an event that does not replay
// fails the audit even when every table still matches.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { Db } from '../src/store/store.js';
import { audit, type AuditReport } from '../src/kernel/audit.js';
import { NO_USAGE, publishTool, SMALL_ALLOWANCE } from './support/artifacts.js';
import { startRun } from './support/attention.js';
import { addAgent, makeWorld, tempDir, type TestWorld } from './support/world.js';

/** A world with at least one row in every projected table, made through kernel commands only. */
function populatedWorld(dir: string): TestWorld {
  const world = makeWorld({ dir });
  const k = world.kernel;
  addAgent(world, 'alice', 50);
  addAgent(world, 'bob', 50);
  k.ledger.transfer({ from_id: 'alice', to_id: 'bob', amount_ucr: 1_000_000, memo: 'hi' }, { actor: 'alice' });
  const run = startRun(world, 'alice', { attention: 1 }); // a bid, a clearing, an execution, an attention slot
  k.attention.submit({ agent_id: 'alice', execution_id: run.id, content: 'Is this right?', options: [] }, { actor: 'alice' });
  k.llm.recordCall(
    {
      execution_id: run.id, agent_id: 'alice', model: 'm', provider: 'p', stream: false, status: 'ok', error: null, prompt_tokens: 3,
      completion_tokens: 4, usage_source: 'provider', reserved_tokens: 10, max_completion_tokens: 7, finish_reason: 'stop', latency_ms: 5,
    },
    { actor: 'system:llm' },
  );
  k.market.placeBid({ payer_id: 'bob', amount_ucr: 1_000_000, bundle: run.bundle }, { actor: 'bob' }); // one bid still open
  k.social.sendMessage({ from_id: 'bob', to_id: 'alice', content: 'hello' }, { actor: 'bob' });
  // The researcher's tables: an operator agent (kept paused), a cycle's KPIs, an auditor's report.
  k.operatorAgents.add({ agent_id: 'carol', name: 'carol', source: '/projects/carol', workspace: 'workspaces/carol', granted_ucr: 20_000_000, files: { copied: 1, skipped: 0, bytes: 10 } }, { actor: 'operator' });
  k.operatorAgents.pause('carol', { actor: 'operator' });
  const cycle = k.market.state().cycle;
  k.kpis.record(cycle);
  k.kpis.writeReport({ cycle, author: 'template', text: 'a report', moved: [{ name: 'gini', from: 0, to: 0.5 }] });
  // An artifact with a version, a tool, a subscriber, a settled call and its news.
  const tool = publishTool(world, 'alice');
  k.artifacts.subscribe({ agent_id: 'bob', artifact_id: tool, subscribed: true }, { actor: 'bob' });
  const call = k.artifacts.calls.beginCall({ payer_id: 'bob', caller_id: 'bob', artifact_id: tool, tool: 'double', max_price_ucr: 1_000_000, allowance: SMALL_ALLOWANCE, depth: 1 }, { actor: 'bob' });
  k.artifacts.calls.settleCall({ call_id: call.call_id, resources: NO_USAGE, duration_ms: 5 }, { actor: 'system:invoke' });
  k.capabilities.request({ agent_id: 'bob', capability: 'mcp:github', reason: 'read issues', max_price_ucr: 0 }, { actor: 'bob' });
  // Trade's tables (docs/trade.md): an accepted licence, a loan collected once, rights and their supply.
  const licence = k.trade.offers.post({ seller_id: 'alice', kind: 'licence', artifact_id: tool, calls: 3, price_ucr: 1 }, { actor: 'alice' });
  k.trade.offers.accept({ buyer_id: 'bob', offer_id: licence.offer_id, price_ucr: 1, revision: 1, content_hash: licence.content_hash! }, { actor: 'bob' });
  const loan = k.trade.loans.propose({ proposer_id: 'alice', counterparty_id: 'bob', role: 'lender', principal_ucr: 2, repayment_ucr: 4, instalments: 2, first_due_in: 1, every_cycles: 1 }, { actor: 'alice' });
  k.trade.loans.accept({ by_id: 'bob', loan_id: loan.loan_id, principal_ucr: 2, repayment_ucr: 4 }, { actor: 'bob' });
  k.market.clear({ actor: 'test' });
  k.trade.tick({ actor: 'test' });
  // The history's tables (docs/replay.md): a recorded reply and workspace, a closed cycle, a checkpoint, a fork origin.
  const sha = 'a'.repeat(64);
  k.history.recordLlmReply({ execution_id: run.id, agent_id: 'alice', request_sha256: sha, body: '{}', stream: false, replayed: false }, { actor: 'alice' });
  k.history.recordWorkspace({ execution_id: run.id, agent_id: 'alice', cycle: run.cycle, manifest: sha, files: 1, bytes: 2, skipped: 0 }, { actor: 'system:history' });
  k.history.closeCycle(run.cycle, { actor: 'system:loop' });
  k.history.markCheckpoint('c1', { actor: 'operator' });
  k.history.recordFork({ parent_dir: '/parent', parent_world_id: 'world_x', cycle: 1, parent_seq: 1, changes: { 'social.message_cost': 1 }, rng: { seed: 1, draws: 7 } }, { actor: 'operator' });
  return world;
}

/**
 * Every table of the database except the journal itself and SQLite's own (the shadow tables
 * of a full-text index are SQLite's: the index itself is compared).
 */
function allTables(db: Db): string[] {
  const rows = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'events' ORDER BY name").all() as { name: string; sql: string }[];
  const virtual = rows.filter((r) => r.sql.startsWith('CREATE VIRTUAL TABLE')).map((r) => r.name);
  return rows.filter((r) => !virtual.some((v) => r.name.startsWith(`${v}_`))).map((r) => r.name);
}

/**
 * Changes one column of one row of `table` (the first column SQLite's constraints let change;
 * primary keys are left alone so the row still pairs with its replay). Returns what changed.
 */
function tamperOneRow(db: Db, table: string): string {
  const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; pk: number }[];
  const row = db.prepare(`SELECT rowid AS _rowid, * FROM ${table} ORDER BY 1 LIMIT 1`).get() as Record<string, unknown> | undefined;
  assert.ok(row !== undefined, `${table} has a row to tamper with`);
  for (const column of columns.filter((c) => c.pk === 0)) {
    const value = row[column.name];
    const changed = typeof value === 'number' ? value + 1 : typeof value === 'string' ? (value.startsWith('{') || value.startsWith('[') ? value.replace(/\d/, (d) => String((Number(d) + 1) % 10)) : value + 'x') : 1;
    if (changed === value) continue;
    try {
      db.exec('SAVEPOINT tamper');
      db.prepare(`UPDATE ${table} SET "${column.name}" = ? WHERE rowid = ?`).run(changed, row._rowid);
      db.exec('RELEASE tamper');
      return `${table}.${column.name}: ${String(value)} -> ${String(changed)}`;
    } catch {
      db.exec('ROLLBACK TO tamper');
      db.exec('RELEASE tamper');
    }
  }
  assert.fail(`no column of ${table} could be changed`);
}

function differing(report: AuditReport): string[] {
  return report.tables.filter((t) => t.differences > 0).map((t) => t.table);
}

test('the audit compares every projected table: one tampered row in any of them fails it, naming that table', (t) => {
  const dir = tempDir();
  const world = populatedWorld(dir);
  const pristine = join(dir, 'pristine.db');
  world.db.exec(`VACUUM INTO '${pristine}'`);
  const tables = allTables(world.db);
  world.cleanup();
  t.after(() => spawnSync('rm', ['-rf', dir]));

  const clean = new Database(pristine, { readonly: true });
  const baseline = audit(clean);
  assert.ok(baseline.ok, `the untouched world audits clean: ${JSON.stringify(differing(baseline))} ${baseline.journal_problems.join('; ')}`);
  assert.deepEqual(baseline.tables.map((x) => x.table).sort(), tables, 'the audit compares every table the database holds besides the journal');
  for (const table of tables) {
    const n = (clean.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    assert.ok(n > 0, `the fixture world has a row in ${table}, so its comparison is exercised`);
  }
  clean.close();

  for (const table of tables) {
    const copy = join(dir, `tampered-${table}.db`);
    copyFileSync(pristine, copy);
    const db = new Database(copy);
    try {
      const what = tamperOneRow(db, table);
      const report = audit(db);
      assert.equal(report.ok, false, `audit fails after ${what}`);
      assert.deepEqual(differing(report), [table], `audit reports exactly the tampered table after ${what}`);
    } finally {
      db.close();
    }
  }
});

test('`agora audit` names a tampered market bid and exits 1', (t) => {
  const dir = tempDir();
  populatedWorld(dir).cleanup();
  t.after(() => spawnSync('rm', ['-rf', dir]));
  const db = new Database(join(dir, 'world.db'));
  db.prepare("UPDATE market_bids SET amount_ucr = amount_ucr + 1 WHERE status = 'open'").run();
  db.close();
  const res = spawnSync(process.execPath, ['bin/agora.js', 'audit', '--world', dir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(res.status, 1, res.stdout + res.stderr);
  assert.match(res.stdout, /market_bids\s+\d+ rows, 1 differences/);
  assert.match(res.stdout, /AUDIT FAILED/);
});

/** Appends a raw event row (the journal refuses updates and deletes, not inserts). */
function appendRaw(db: Db, type: string, data: unknown): void {
  const last = db.prepare('SELECT MAX(seq) AS seq, MAX(at_ms) AS at_ms FROM events').get() as { seq: number; at_ms: number };
  db.prepare('INSERT INTO events (seq, id, type, at_ms, actor, correlation_id, causation_id, data) VALUES (?, ?, ?, ?, ?, NULL, NULL, ?)').run(
    last.seq + 1, `ev_bad${last.seq + 1}`, type, last.at_ms, 'mallory', JSON.stringify(data),
  );
}

test('the audit fails on an event that does not replay, though every table still matches', (t) => {
  const dir = tempDir();
  const world = populatedWorld(dir);
  const pristine = join(dir, 'pristine.db');
  world.db.exec(`VACUUM INTO '${pristine}'`);
  world.cleanup();
  t.after(() => spawnSync('rm', ['-rf', dir]));
  const cases: [string, string, unknown][] = [
    // The ledger projector refuses it (no such accounts) before it writes anything.
    ['postings between unknown accounts', 'credits_transferred', { from_id: 'nobody', to_id: 'noone', amount_ucr: 5, memo: '', postings: [{ from: 'nobody', to: 'noone', amount_ucr: 5, kind: 'transfer', memo: '' }] }],
    // No projector knows the type: it must not replay as a silent no-op.
    ['an unknown event type', 'credits_conjured', { agent_id: 'alice', amount_ucr: 5 }],
    // A known type whose data its schema refuses; its projector would write nothing.
    ['data its schema refuses', 'execution_lease_extended', { execution_id: 'ex_nowhere', lease_ends_at_ms: 'soon' }],
  ];
  for (const [what, type, data] of cases) {
    const copy = join(dir, `bad-${type}.db`);
    copyFileSync(pristine, copy);
    const db = new Database(copy);
    try {
      appendRaw(db, type, data);
      const report = audit(db);
      assert.deepEqual(differing(report), [], `${what}: no table differs, so only the replay check can fail the audit`);
      assert.equal(report.ok, false, `${what}: the audit fails`);
      assert.equal(report.journal_problems.length, 1, `${what}: one journal problem: ${report.journal_problems.join('; ')}`);
      assert.match(report.journal_problems[0]!, new RegExp(`event \\d+ \\(${type}\\) does not replay`));
    } finally {
      db.close();
    }
  }
});
