// `agora migrate-store`: a stopped SQLite world copied into an empty PostgreSQL database through
// the real CLI audits ok there and equal to the SQLite world (every projection, row for row); a
// running world and a non-empty target are refused with one clear line, and nothing is copied.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { creditsToMicro } from '../src/kernel/ledger/money.js';
import { PostgresDb } from '../src/store/postgres.js';
import { lockWorld } from '../src/store/world-lock.js';
import { addAgent, makeWorld, tempDir } from './support/world.js';
import { freshPostgresUrl, postgresSkip } from './support/postgres.js';

const skip = postgresSkip ?? false;

function agora(args: string[]) {
  const res = spawnSync(process.execPath, ['bin/agora.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** A small SQLite world: agents, a child of one of them, transfers between them; closed. */
function smallWorld(): string {
  const dir = tempDir();
  const world = makeWorld({ dir, config: { store: { kind: 'sqlite' } } });
  addAgent(world, 'alice', 5);
  addAgent(world, 'bob', 3);
  const k = world.kernel;
  // A child: its row references its parent's, in the same table.
  k.core.command({ actor: 'alice' }, (tx) => {
    k.agents.create(tx, { agent_id: 'alice-1', parent_id: 'alice', workspace: 'workspaces/alice-1', postings: [{ from: 'alice', to: 'alice-1', amount_ucr: creditsToMicro(1), kind: 'spawn', memo: 'endowment' }] });
  });
  for (let i = 0; i < 3; i++) {
    k.ledger.transfer({ from_id: 'alice', to_id: 'bob', amount_ucr: 250_000 + i, memo: `t${i}` }, { actor: 'alice' });
    k.ledger.transfer({ from_id: 'bob', to_id: 'alice-1', amount_ucr: 100_000, memo: `u${i}` }, { actor: 'bob' });
  }
  world.cleanup();
  return dir;
}

function auditJson(dir: string, config_file?: string) {
  const res = agora(['audit', '--json', '--world', dir, ...(config_file === undefined ? [] : ['--config', config_file])]);
  assert.equal(res.code, 0, res.stdout + res.stderr);
  return JSON.parse(res.stdout) as { ok: boolean; events: number; tables: { table: string; rows: number; differences: number }[]; conservation: unknown };
}

test('a stopped SQLite world moved to PostgreSQL audits ok there, equal to the SQLite world, table by table', { skip }, () => {
  const dir = smallWorld();
  const url = freshPostgresUrl();
  const moved = agora(['migrate-store', '--world', dir, '--to', url]);
  assert.equal(moved.code, 0, moved.stdout + moved.stderr);
  assert.match(moved.stdout, /\[\s*\d+\/\d+\] events\s+\d+ rows/);
  assert.match(moved.stdout, /copied \d+ events and \d+ rows in \d+ tables/);

  const config_file = join(dir, 'postgres.yaml');
  writeFileSync(config_file, toYaml({ store: { kind: 'postgres', postgres: { url } } }));
  const on_sqlite = auditJson(dir);
  const on_postgres = auditJson(dir, config_file);
  assert.equal(on_postgres.ok, true);
  assert.ok(on_sqlite.events > 10, `the world has a journal (${on_sqlite.events} events)`);
  assert.equal(on_postgres.events, on_sqlite.events);
  assert.deepEqual(on_postgres.tables, on_sqlite.tables);
  assert.deepEqual(on_postgres.conservation, on_sqlite.conservation);

  // The projections themselves, not only their counts: the same balances on both.
  const db = new PostgresDb({ url, connect_timeout_ms: 10_000, statement_timeout_ms: 60_000, writer: false });
  try {
    assert.deepEqual(
      db.prepare("SELECT id, parent_id FROM agents WHERE id LIKE 'alice%' ORDER BY id").all(),
      [{ id: 'alice', parent_id: null }, { id: 'alice-1', parent_id: 'alice' }],
    );
    const status = agora(['status', '--json', '--world', dir, '--config', config_file]);
    const sqlite_status = agora(['status', '--json', '--world', dir]);
    const pick = (s: string) => { const j = JSON.parse(s) as Record<string, unknown>; return [j.seq, j.agents, j.credits_held, j.conservation_ok]; };
    assert.deepEqual(pick(status.stdout), pick(sqlite_status.stdout));
  } finally {
    db.close();
  }

  // The moved world goes on: the next command's events follow the copied journal's last seq.
  const last_seq = on_sqlite.events;
  const world = makeWorld({ dir, config: { store: { kind: 'postgres', postgres: { url } } } });
  try {
    world.kernel.ledger.transfer({ from_id: 'bob', to_id: 'alice', amount_ucr: 1, memo: 'after the move' }, { actor: 'bob' });
    assert.equal(world.db.prepare('SELECT MIN(seq) FROM events WHERE seq > ?').pluck().get(last_seq), last_seq + 1);
  } finally {
    world.cleanup();
  }
  assert.equal(auditJson(dir, config_file).ok, true);
});

test('migrate-store refuses a non-empty target and a running world, with one clear line each, and copies nothing', { skip }, () => {
  const dir = smallWorld();
  const url = freshPostgresUrl();
  assert.equal(agora(['migrate-store', '--world', dir, '--to', url]).code, 0);
  const again = agora(['migrate-store', '--world', dir, '--to', url]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^agora: CONFLICT: the target database is not empty \(\d+ events; rows in [^\n]+\): migrate-store copies a world only into an empty database\n$/);

  const empty = freshPostgresUrl();
  const lock = lockWorld(dir); // as `agora start` holds it
  try {
    const running = agora(['migrate-store', '--world', dir, '--to', empty]);
    assert.equal(running.code, 1);
    assert.match(running.stderr, /^agora: CONFLICT: the world at .* is in use by agora process \d+.*stop it first[^\n]*\n$/);
  } finally {
    lock.release();
  }
  const db = new PostgresDb({ url: empty, connect_timeout_ms: 10_000, statement_timeout_ms: 60_000, writer: false });
  try {
    assert.equal(db.prepare('SELECT COUNT(*) FROM events').pluck().get(), 0);
  } finally {
    db.close();
  }
});
