// A world on PostgreSQL runs as one on SQLite (docs/deploy.md): the cycle hash kept from the
// changed rows equals the whole-table one, the same rows hash the same on PostgreSQL as on SQLite
// (REALs, quotes, NULLs included), another session's writes do not break the kernel's, a world
// run on PostgreSQL replays (its journal folded into SQLite) to every cycle hash it recorded and
// replay finds a row changed by hand there; `agora fork`, SQLite by nature, refuses it.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { test } from 'node:test';
import { kernelRegistry } from '../src/kernel/kernel.js';
import { stateHash } from '../src/kernel/history/state-hash.js';
import { postgresFullStateHash } from '../src/kernel/history/state-hash-postgres.js';
import { replayJournal } from '../src/kernel/replay.js';
import { forkWorld } from '../src/orchestrator/fork.js';
import { AgoraError } from '../src/base/errors.js';
import { openScratchDatabase } from '../src/store/database.js';
import { openPostgres, PostgresDb } from '../src/store/postgres.js';
import type { Db } from '../src/store/store.js';
import { freshPostgresUrl, onPostgres, postgresSkip } from './support/postgres.js';
import { runSimulated, SIMULATED_CONFIG } from './support/simulated.js';
import { tempDir } from './support/world.js';

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

test('a world run on PostgreSQL closes its cycles, its journal folded into SQLite reaches every cycle hash it recorded, a row changed by hand is found, and agora fork refuses it', { skip }, async () => {
  const world = await runSimulated({ cycles: 4, config: onPostgres({ ...SIMULATED_CONFIG, sandbox: { runner: 'process' } }) });
  try {
    const closed = world.db.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'cycle_closed'").get() as { n: number };
    assert.equal(closed.n, 4);
    const result = replayJournal(world.db);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.cycles_checked, 4);

    const fork = () => forkWorld({ parent_dir: world.paths.dir, cycle: 2, to_dir: tempDir('agora-fork-'), changes: {}, config: world.config });
    assert.throws(fork, (err: unknown) => err instanceof AgoraError && err.code === 'INVALID_ARGS' && /SQLite worlds only.*PostgreSQL/.test(err.message));

    // From the command line, as the operator would: the same config file names the PostgreSQL store.
    world.close();
    const config_file = join(tempDir('agora-pg-config-'), 'agora.yaml');
    writeFileSync(config_file, toYaml({ sandbox: { runner: 'process' }, llm: { mode: 'replay' }, market: { clearing_interval_s: 10 }, store: world.config.store }));
    const agora = (...args: string[]) => spawnSync(process.execPath, ['bin/agora.js', ...args, '--world', world.paths.dir, '--config', config_file], { encoding: 'utf8', timeout: 120_000 });
    const ok = agora('replay');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^replay ok: 4 cycles, \d+ events/);
    const refused = agora('fork', '--at', '2', '--to', tempDir('agora-fork-cli-'));
    assert.equal(refused.status, 1);
    assert.match(refused.stderr.trim(), /^agora: INVALID_ARGS: agora fork works on SQLite worlds only [^\n]*$/, 'one line, the error\'s code and message');

    const by_hand = new PostgresDb({ ...world.config.store.postgres, url: world.config.store.postgres.url!, writer: false });
    try {
      by_hand.prepare("UPDATE accounts SET balance_ucr = balance_ucr + 1 WHERE id = 'alice'").run();
    } finally {
      by_hand.close();
    }
    const differs = agora('replay');
    assert.equal(differs.status, 1);
    assert.match(differs.stdout, /replay differs at cycle \d+, table accounts/);
  } finally {
    world.cleanup();
  }
});
