// The world state as one hash (docs/replay.md, "State hashes"). Each kernel table's digest is
// a homomorphic multiset hash of its rows (LtHash16: every row expanded by SHAKE256 to 1,024
// 16-bit lanes, the lanes added mod 2^16), so a row written adds its element and a row removed
// subtracts it, in any order. That lets the hash be kept up to date from the rows each command
// changed instead of re-reading every table at every cycle's end: its cost follows the cycle's
// writes, not the world's size. Connection-local TEMP triggers (nothing in the world file)
// log each changed row into a TEMP table inside the writing transaction, so a rolled-back
// command leaves no trace in the digest either. The same journal folds to the same hash on any
// machine, whether the digest was kept incrementally or computed from the whole table.
import { createHash } from 'node:crypto';
import { storeKind, type Db } from '../../store/store.js';
import { postgresStateHash } from './state-hash-postgres.js';
import { addElement, addRow, blobOf, combine, digestOf, ElementCache, LANES, lanesOf, type StateHash } from './lthash.js';

export type { StateHash } from './lthash.js';

/** How a cycle_closed event's hashes were made: absent in journals written before LtHash16. */
export const HASH_SCHEME = 'lthash16';

// ---------- the sorted-sha256 scheme (journals written before lthash16; the live comparison) ----------

/** sha256 over a table's rows as text, sorted: reads the whole table. */
export function tableHash(db: Db, table: string): string {
  const hash = createHash('sha256');
  // Sorted as text, so the order never rests on how SQLite happens to walk the table.
  const rows = db.prepare(`SELECT * FROM ${table}`).raw().all().map((r) => JSON.stringify(r));
  rows.sort();
  for (const row of rows) hash.update(row).update('\n');
  return hash.digest('hex');
}

/** The state hash as worlds recorded it before lthash16: every table read whole. */
export function sortedStateHash(db: Db, tables: readonly string[]): StateHash {
  return combine(tables, (table) => tableHash(db, table));
}

// ---------- lthash16, kept incrementally ----------

/** A row's text: SQLite's own quote() of each column, so a trigger and a full read agree byte for byte. */
function rowText(db: Db, table: string, prefix: string): string {
  const columns = db.prepare(`SELECT * FROM main.${table} LIMIT 0`).columns().map((c) => c.name);
  return columns.map((c) => `quote(${prefix}"${c}")`).join(` || ',' || `);
}

const caches = new WeakMap<Db, ElementCache>();

/** A table's lthash16 digest computed from all its rows (the reference the incremental one must equal). */
export function fullTableDigest(db: Db, table: string): string {
  const lanes = new Uint16Array(LANES);
  for (const [row] of db.prepare(`SELECT ${rowText(db, table, '')} FROM main.${table}`).raw().iterate() as Iterable<[string]>) addRow(lanes, row, 1);
  return digestOf(blobOf(lanes));
}

export function fullStateHash(db: Db, tables: readonly string[]): StateHash {
  return combine(tables, (table) => fullTableDigest(db, table));
}

/** Virtual tables (the artifacts' full-text index) take no triggers: they are read whole each time. */
function isVirtual(db: Db, table: string): boolean {
  const row = db.prepare("SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?").get(table) as { sql: string } | undefined;
  return row !== undefined && /^CREATE VIRTUAL TABLE/i.test(row.sql);
}

function installed(db: Db): boolean {
  return db.prepare("SELECT 1 FROM temp.sqlite_master WHERE type = 'table' AND name = 'agora_hash_lanes'").get() !== undefined;
}

/**
 * Starts keeping the digests on this connection: each table's lanes from a full read (once),
 * then triggers that log every row written. Inside the caller's transaction, so a rollback
 * undoes the install too.
 */
function install(db: Db, tables: readonly string[]): void {
  // REPLACE deletes the row it displaces; only with recursive triggers does that fire a delete trigger.
  db.pragma('recursive_triggers = ON');
  db.exec('CREATE TEMP TABLE agora_hash_lanes (tbl TEXT PRIMARY KEY, lanes BLOB NOT NULL)');
  db.exec('CREATE TEMP TABLE agora_hash_delta (tbl TEXT NOT NULL, sign INTEGER NOT NULL, row TEXT NOT NULL)');
  const put = db.prepare('INSERT INTO temp.agora_hash_lanes (tbl, lanes) VALUES (?, ?)');
  for (const table of tables) {
    if (isVirtual(db, table)) continue;
    const lanes = new Uint16Array(LANES);
    for (const [row] of db.prepare(`SELECT ${rowText(db, table, '')} FROM main.${table}`).raw().iterate() as Iterable<[string]>) addRow(lanes, row, 1);
    put.run(table, blobOf(lanes));
    const added = `INSERT INTO temp.agora_hash_delta VALUES ('${table}', 1, ${rowText(db, table, 'NEW.')});`;
    const removed = `INSERT INTO temp.agora_hash_delta VALUES ('${table}', -1, ${rowText(db, table, 'OLD.')});`;
    db.exec(`CREATE TEMP TRIGGER agora_hash_${table}_i AFTER INSERT ON main.${table} BEGIN ${added} END`);
    db.exec(`CREATE TEMP TRIGGER agora_hash_${table}_d AFTER DELETE ON main.${table} BEGIN ${removed} END`);
    db.exec(`CREATE TEMP TRIGGER agora_hash_${table}_u AFTER UPDATE ON main.${table} BEGIN ${removed} ${added} END`);
  }
}

/**
 * The state hash now, kept incrementally on this connection: the rows changed since the last
 * call are folded into their tables' lanes. Call it inside a transaction (a command): the lanes
 * and the drained log live in TEMP tables, so they commit or roll back with it. The first call
 * on a connection reads every table once.
 */
export function stateHash(db: Db, tables: readonly string[]): StateHash {
  if (storeKind(db) === 'postgres') return postgresStateHash(db, tables);
  if (!installed(db)) install(db, tables);
  // A row written and rewritten in one cycle logs -old +new each time: net the log first, so a
  // hot row (an account's balance) costs two elements per cycle, not two per write.
  const net = new Map<string, Map<string, number>>();
  for (const { tbl, sign, row } of db.prepare('SELECT tbl, sign, row FROM temp.agora_hash_delta').iterate() as Iterable<{ tbl: string; sign: number; row: string }>) {
    let rows = net.get(tbl);
    if (rows === undefined) net.set(tbl, (rows = new Map()));
    rows.set(row, (rows.get(row) ?? 0) + sign);
  }
  const changed = new Map<string, Uint16Array>();
  const get = db.prepare('SELECT lanes FROM temp.agora_hash_lanes WHERE tbl = ?').pluck();
  let cache = caches.get(db);
  if (cache === undefined) caches.set(db, (cache = new ElementCache()));
  for (const [tbl, rows] of net) {
    const lanes = lanesOf(get.get(tbl) as Buffer);
    for (const [row, times] of rows) {
      if (times === 0) continue;
      const element = times > 0 ? cache.added(row) : cache.removed(row);
      for (let i = 0; i < Math.abs(times); i++) addElement(lanes, element, times > 0 ? 1 : -1);
    }
    changed.set(tbl, lanes);
  }
  cache.age();
  db.exec('DELETE FROM temp.agora_hash_delta');
  const put = db.prepare('UPDATE temp.agora_hash_lanes SET lanes = ? WHERE tbl = ?');
  for (const [tbl, lanes] of changed) put.run(blobOf(lanes), tbl);
  const digests = new Map((db.prepare('SELECT tbl, lanes FROM temp.agora_hash_lanes').all() as { tbl: string; lanes: Buffer }[]).map((r) => [r.tbl, digestOf(r.lanes)]));
  return combine(tables, (table) => digests.get(table) ?? fullTableDigest(db, table));
}
