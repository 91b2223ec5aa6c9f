// The SQLite-to-PostgreSQL translation (src/store/sql-dialect.ts) on its own, statement by
// statement, and every migration through it against a real PostgreSQL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toPostgres, toPostgresScript, UntranslatableSql } from '../src/store/sql-dialect.js';
import { migrations } from '../src/store/migrations.js';
import { openPostgres, PostgresDb } from '../src/store/postgres.js';
import { freshPostgresUrl, postgresSkip } from './support/postgres.js';
import { AgoraError } from '../src/base/errors.js';

test('placeholders are numbered outside string literals, and a bare `? IS NULL` gets a type', () => {
  assert.equal(toPostgres("SELECT * FROM t WHERE a = ? AND b = '?' AND (? IS NULL OR c = ?)"), "SELECT * FROM t WHERE a = $1 AND b = '?' AND ($2::text IS NULL OR c = $3)");
});

test('INSERT OR IGNORE is ON CONFLICT DO NOTHING, before any RETURNING', () => {
  assert.equal(toPostgres('INSERT OR IGNORE INTO t (a) VALUES (?)'), 'INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING');
  assert.equal(toPostgres('INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING a'), 'INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING a');
});

test("SQLite's scalar MAX/MIN become GREATEST/LEAST; the aggregates stay; LIKE ignores case as in SQLite", () => {
  assert.equal(toPostgres('UPDATE s SET r = MAX(r, ?) WHERE x = (SELECT MAX(y) FROM u)'), 'UPDATE s SET r = GREATEST(r, $1) WHERE x = (SELECT MAX(y) FROM u)');
  assert.equal(toPostgres("SELECT MIN(MAX(a, b), 3) FROM t WHERE n LIKE 'x%'"), "SELECT LEAST(GREATEST(a, b), 3) FROM t WHERE n ILIKE 'x%'");
});

test('instr is strpos (same position, 0 when absent); a literal naming it is left alone', () => {
  assert.equal(toPostgres("SELECT * FROM events WHERE actor = ? OR instr(data, ?) > 0 OR x = 'instr('"), "SELECT * FROM events WHERE actor = $1 OR strpos(data, $2) > 0 OR x = 'instr('");
});

test('DDL: INTEGER is BIGINT, REAL is DOUBLE PRECISION, a rowid alias is numbered MAX+1 by a trigger, ABORT triggers and fts5 tables translate', () => {
  const out = toPostgresScript(`
    CREATE TABLE e (seq INTEGER PRIMARY KEY, v REAL, n INTEGER NOT NULL); -- a comment; with a semicolon
    CREATE TRIGGER e_no_update BEFORE UPDATE ON e BEGIN SELECT RAISE(ABORT, 'append-only; really'); END;
    CREATE VIRTUAL TABLE f USING fts5 (id UNINDEXED, name);
    DROP TABLE old;`);
  assert.match(out, /CREATE TABLE e \(seq BIGINT PRIMARY KEY, v DOUBLE PRECISION, n BIGINT NOT NULL\)/);
  assert.match(out, /CREATE TRIGGER e_rowid BEFORE INSERT ON e FOR EACH ROW EXECUTE FUNCTION agora_rowid\('seq'\)/);
  assert.match(out, /CREATE TRIGGER e_no_update BEFORE UPDATE ON e FOR EACH ROW EXECUTE FUNCTION agora_abort\('append-only; really'\)/);
  assert.match(out, /CREATE TABLE f \(id TEXT, name TEXT\)/);
  assert.match(out, /DROP TABLE old CASCADE/);
});

test('what has no translation is refused with what it is, never sent half-translated', () => {
  for (const sql of ['INSERT OR REPLACE INTO t VALUES (?)', "SELECT 1 FROM f WHERE f MATCH ?", "SELECT strftime('%s', 'now')", 'SELECT last_insert_rowid()', 'SELECT * FROM main.t', "SELECT 1 WHERE a GLOB 'x*'"]) {
    assert.throws(() => toPostgres(sql), UntranslatableSql, sql);
  }
});

test('every migration runs on a real PostgreSQL, and the schema version reads back', { skip: postgresSkip ?? false }, () => {
  const url = freshPostgresUrl(); // a copy of a database the migrations already ran on
  const db = openPostgres({ url, connect_timeout_ms: 10_000, statement_timeout_ms: 60_000, writer: true });
  try {
    assert.equal(db.pragma('user_version', { simple: true }), migrations[migrations.length - 1]!.version);
    // The rowid rule: a NULL key takes MAX + 1, and a rolled-back insert leaves no gap.
    const insert = db.prepare("INSERT INTO events (id, type, at_ms, actor, data) VALUES (?, 'x', 0, 'a', '{}') RETURNING seq").pluck();
    assert.equal(insert.get('e1'), 1);
    assert.throws(() => db.transaction(() => { insert.get('e2'); throw new Error('rolled back'); })(), /rolled back/);
    assert.equal(insert.get('e3'), 2);
    // Integers come back as numbers, as from SQLite; one past 2^53 is refused, not rounded.
    assert.deepEqual(db.prepare('SELECT COUNT(*) AS n, SUM(seq) AS s FROM events').get(), { n: 2, s: 3 });
    assert.throws(() => db.prepare('SELECT 9007199254740993::bigint AS n').get(), /outside what JavaScript holds exactly/);
  } finally {
    db.close();
  }
});

test('one writer per world: a second writer on the same database is refused, naming the holder; once it closes, the next one opens', { skip: postgresSkip ?? false }, () => {
  const url = freshPostgresUrl();
  const options = { url, connect_timeout_ms: 10_000, statement_timeout_ms: 60_000, writer: true };
  const first = openPostgres(options);
  let second: ReturnType<typeof openPostgres> | null = null;
  try {
    assert.throws(
      () => openPostgres(options),
      (err: unknown) => err instanceof AgoraError && err.code === 'CONFLICT' && err.message.includes(`agora pid ${process.pid} (writer)`),
    );
    // A reader is not a writer: it opens beside the writer.
    new PostgresDb({ ...options, writer: false }).close();
    first.close();
    second = openPostgres(options);
  } finally {
    first.close();
    second?.close();
  }
});
