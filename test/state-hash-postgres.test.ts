// The cycle hash on PostgreSQL (docs/deploy.md): the digest kept from the changed rows equals the
// whole-table one, the same rows hash the same on PostgreSQL as on SQLite (REALs, quotes, NULLs
// included), another session's writes do not break the kernel's, and a world run on PostgreSQL
// replays (its journal folded into SQLite) to every cycle hash it recorded.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { kernelRegistry } from '../src/kernel/kernel.js';
import { stateHash } from '../src/kernel/history/state-hash.js';
import { postgresFullStateHash } from '../src/kernel/history/state-hash-postgres.js';
import { replayJournal } from '../src/kernel/replay.js';
import { openScratchDatabase } from '../src/store/database.js';
import { openPostgres, PostgresDb } from '../src/store/postgres.js';
import type { Db } from '../src/store/store.js';
import { freshPostgresUrl, onPostgres, postgresSkip } from './support/postgres.js';
import { runSimulated, SIMULATED_CONFIG } from './support/simulated.js';

const skip = postgresSkip ?? false;
const tables = kernelRegistry.tables;

/** The same writes on either store, through the Db interface. */
function write(db: Db): void {
  const insert = db.prepare("INSERT INTO accounts (id, kind, balance_ucr) VALUES (?, 'agent', ?)");
  const kpi = db.prepare('INSERT INTO kpi_cycles (cycle, name, value) VALUES (?, ?, ?) ON CONFLICT (cycle, name) DO UPDATE SET value = excluded.value');
  db.transaction(() => {
    for (let i = 0; i < 12; i++) insert.run(`a${i}`, i * 1000);
    insert.run("o'brien", 5);
    kpi.run(1, 'gini', 0.1 + 0.2); // 0.30000000000000004: SQLite prints it its own way
    kpi.run(1, 'third', 1 / 3);
    kpi.run(1, 'whole', 5);
    kpi.run(1, 'none', null);
    kpi.run(2, 'big', 1e21);
  })();
  db.transaction(() => {
    db.prepare("UPDATE accounts SET balance_ucr = balance_ucr + 7 WHERE id IN ('a1', 'a2')").run();
    db.prepare("DELETE FROM accounts WHERE id = 'a3'").run();
    kpi.run(1, 'gini', 0.5);
  })();
  assert.throws(() =>
    db.transaction(() => {
      insert.run('ghost', 1);
      throw new Error('rolled back');
    })(),
  );
}

test('on PostgreSQL the kept state hash equals the whole-table one and SQLite\'s for the same rows, a rollback and another session\'s writes included', { skip }, () => {
  const url = freshPostgresUrl();
  const pg = openPostgres({ url, connect_timeout_ms: 10_000, statement_timeout_ms: 60_000, writer: true });
  const sqlite = openScratchDatabase();
  const other = new PostgresDb({ url, connect_timeout_ms: 10_000, statement_timeout_ms: 60_000, writer: false });
  try {
    const first = pg.transaction(() => stateHash(pg, tables))();
    assert.equal(first.state_hash, db_first(sqlite), 'the empty worlds hash the same');
    write(pg);
    write(sqlite);
    // A session that is not the kernel's (an operator, migrate-store) writes: its triggers log nothing and fail nothing.
    other.prepare("INSERT INTO accounts (id, kind, balance_ucr) VALUES ('by_hand', 'agent', 1)").run();
    other.prepare("DELETE FROM accounts WHERE id = 'by_hand'").run();
    const kept = pg.transaction(() => stateHash(pg, tables))();
    assert.deepEqual(kept.table_hashes, postgresFullStateHash(pg, tables).table_hashes, 'kept = whole tables');
    const on_sqlite = sqlite.transaction(() => stateHash(sqlite, tables))();
    assert.deepEqual(kept.table_hashes, on_sqlite.table_hashes, 'PostgreSQL = SQLite');
    assert.equal(kept.state_hash, on_sqlite.state_hash);
    assert.notEqual(kept.state_hash, first.state_hash);
    // Back to the first state by other writes: the digest is the state's, not the history's.
    pg.transaction(() => {
      pg.prepare('DELETE FROM accounts').run();
      pg.prepare('DELETE FROM kpi_cycles').run();
    })();
    assert.equal(pg.transaction(() => stateHash(pg, tables))().state_hash, first.state_hash);
  } finally {
    other.close();
    pg.close();
    sqlite.close();
  }
});

function db_first(db: Db): string {
  return db.transaction(() => stateHash(db, tables))().state_hash;
}

test('a world run on PostgreSQL closes its cycles, and its journal folded into SQLite reaches every cycle hash it recorded', { skip }, async () => {
  const world = await runSimulated({ cycles: 4, config: onPostgres({ ...SIMULATED_CONFIG, sandbox: { runner: 'process' } }) });
  try {
    const closed = world.db.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'cycle_closed'").get() as { n: number };
    assert.equal(closed.n, 4);
    const result = replayJournal(world.db);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.cycles_checked, 4);
  } finally {
    world.cleanup();
  }
});
