// The cycle's state hash on a PostgreSQL world (docs/replay.md, "State hashes"; docs/deploy.md):
// the same lthash16 digests as on SQLite, kept the same way, from the rows each command changed.
// The digests must be equal across stores for the same rows (`agora replay` folds a PostgreSQL
// journal into SQLite and compares the hashes the world recorded), so each row's text is SQLite's
// quote() of each column, made here from PostgreSQL's values, REALs by SQLite itself.
//
// PostgreSQL has no TEMP triggers, so the triggers are ordinary ones (agora_hash_<table>, one
// PL/pgSQL function), created at the first close on a world's database, and they log a changed
// row only on a connection that asked for it (the session setting agora.hash_log, which the
// kernel's connection sets): any other session writing the tables (`agora migrate-store`, an
// operator's psql) logs nothing and needs no TEMP table. The log and each table's lanes are TEMP
// tables of the kernel's session, written inside the command's transaction, so a rolled-back
// command leaves no trace in the digests, as on SQLite. A close costs three round trips and the
// rows the cycle changed; the first on a connection reads every table once.
import Database from 'better-sqlite3';
import { AgoraError } from '../../base/errors.js';
import type { PostgresDb } from '../../store/postgres.js';
import type { Db } from '../../store/store.js';
import * as lthash from './lthash.js';
import type { StateHash } from './lthash.js';

type Quote = (value: unknown) => string;

/** Rows as jsonb (to_jsonb), the same from a trigger and from a whole-table read. */
type JsonRow = Record<string, unknown>;

// SQLite prints a REAL with its own formatting (%!.15g, or %!.20e when that does not round-trip),
// which JavaScript's number printing does not reproduce; an in-memory SQLite prints it exactly.
let sqlite_quote: Database.Statement | null = null;
function quoteReal(value: number): string {
  sqlite_quote ??= new Database(':memory:').prepare('SELECT quote(?)').pluck();
  return sqlite_quote.get(value) as string;
}

const quoteText = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** SQLite's quote() of a value PostgreSQL holds in a column of this type, as to_jsonb gave it. */
function quoterOf(data_type: string, where: string): Quote {
  const integer = data_type === 'bigint' || data_type === 'integer' || data_type === 'smallint';
  const real = data_type === 'double precision' || data_type === 'real';
  return (value) => {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'boolean') return value ? '1' : '0';
    if (integer) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new AgoraError('INTERNAL', `${where} holds ${String(value)}, outside what the state hash reads exactly`);
      return String(value);
    }
    if (real) return quoteReal(Number(value));
    if (data_type === 'bytea') return `X'${String(value).slice(2).toUpperCase()}'`; // jsonb's "\\x..." text
    return quoteText(typeof value === 'string' ? value : JSON.stringify(value));
  };
}

interface Keeper {
  /** Each table's columns in SQLite's order (ordinal position), with their quoters. */
  columns: Map<string, { name: string; quote: Quote }[]>;
}

/** Per connection: what the hash has read of the schema (the migrations run before the first close). */
const keepers = new WeakMap<Db, Keeper>();

function keeperOf(db: PostgresDb): Keeper {
  let keeper = keepers.get(db);
  if (keeper === undefined) {
    const rows = db.query(
      'agora_hash_columns',
      `SELECT table_name::text AS t, column_name::text AS c, data_type::text AS d FROM information_schema.columns
        WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
      [],
      false,
    ).rows as { t: string; c: string; d: string }[];
    const columns = new Map<string, { name: string; quote: Quote }[]>();
    for (const { t, c, d } of rows) {
      let list = columns.get(t);
      if (list === undefined) columns.set(t, (list = []));
      list.push({ name: c, quote: quoterOf(d, `${t}.${c}`) });
    }
    keepers.set(db, (keeper = { columns }));
  }
  return keeper;
}

/** A row's text as SQLite's rowText makes it: quote() of each column, joined by commas. */
function rowText(keeper: Keeper, table: string, row: JsonRow): string {
  const columns = keeper.columns.get(table);
  if (columns === undefined) throw new AgoraError('INTERNAL', `the state hash found no table ${table} in the PostgreSQL database`);
  return columns.map((c) => c.quote(row[c.name])).join(',');
}

const LOG_FUNCTION = `
CREATE OR REPLACE FUNCTION agora_hash_log() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  -- Only the kernel's session keeps digests (and has the TEMP log); any other writer logs nothing.
  IF current_setting('agora.hash_log', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  IF TG_OP <> 'INSERT' THEN INSERT INTO pg_temp.agora_hash_delta VALUES (TG_TABLE_NAME, -1, to_jsonb(OLD)); END IF;
  IF TG_OP <> 'DELETE' THEN INSERT INTO pg_temp.agora_hash_delta VALUES (TG_TABLE_NAME, 1, to_jsonb(NEW)); END IF;
  RETURN NULL;
END $f$`;

function installed(db: PostgresDb): boolean {
  return (db.query('agora_hash_installed', "SELECT to_regclass('pg_temp.agora_hash_lanes') IS NOT NULL", [], true).rows[0] as [number])[0] === 1;
}

/** A table's lanes from all its rows. */
function fullLanes(db: PostgresDb, keeper: Keeper, table: string): Uint16Array {
  const lanes = new Uint16Array(lthash.LANES);
  const rows = db.query(`agora_hash_full_${table}`, `SELECT to_jsonb(t) FROM ${table} AS t`, [], true).rows as [JsonRow][];
  for (const [row] of rows) lthash.addRow(lanes, rowText(keeper, table, row), 1);
  return lanes;
}

/**
 * Starts keeping the digests on this connection, inside the caller's transaction (a rollback
 * undoes it): the triggers where missing, the session's log and lanes, each table read once.
 */
function install(db: PostgresDb, keeper: Keeper, tables: readonly string[]): void {
  const triggers = new Set(db.query('agora_hash_triggers', "SELECT tgname::text FROM pg_trigger WHERE tgname LIKE 'agora_hash_%'", [], true).rows.map((r) => (r as [string])[0]));
  const missing = tables.filter((t) => !triggers.has(`agora_hash_${t}`));
  const ddl = missing.map((t) => `CREATE TRIGGER agora_hash_${t} AFTER INSERT OR UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION agora_hash_log()`);
  db.execNative(
    [
      ...(missing.length === 0 ? [] : [LOG_FUNCTION, ...ddl]),
      'CREATE TEMP TABLE agora_hash_lanes (tbl text PRIMARY KEY, lanes bytea NOT NULL)',
      'CREATE TEMP TABLE agora_hash_delta (tbl text NOT NULL, sign int NOT NULL, row jsonb NOT NULL)',
      "SELECT set_config('agora.hash_log', 'on', false)",
    ].join(';\n'),
  );
  const names: string[] = [];
  const hex: string[] = [];
  for (const table of tables) {
    names.push(table);
    hex.push(lthash.blobOf(fullLanes(db, keeper, table)).toString('hex'));
  }
  db.query('agora_hash_put', "INSERT INTO pg_temp.agora_hash_lanes SELECT tbl, decode(h, 'hex') FROM unnest($1::text[], $2::text[]) AS v(tbl, h)", [names, hex], false);
}

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The state hash now, kept incrementally on this PostgreSQL connection (see stateHash). */
export function postgresStateHash(store: Db, tables: readonly string[]): StateHash {
  const db = store as PostgresDb;
  const keeper = keeperOf(db);
  if (!installed(db)) install(db, keeper, tables);
  // Drained and read in one round trip; netted as on SQLite, so a hot row costs two elements per cycle.
  const logged = db.query('agora_hash_drain', 'DELETE FROM pg_temp.agora_hash_delta RETURNING tbl, sign, row', [], true).rows as [string, number, JsonRow][];
  const net = new Map<string, Map<string, number>>();
  for (const [tbl, sign, row] of logged) {
    let rows = net.get(tbl);
    if (rows === undefined) net.set(tbl, (rows = new Map()));
    const text = rowText(keeper, tbl, row);
    rows.set(text, (rows.get(text) ?? 0) + sign);
  }
  const stored = db.query('agora_hash_lanes', 'SELECT tbl, lanes FROM pg_temp.agora_hash_lanes', [], true).rows as [string, Uint8Array][];
  const blobs = new Map(stored.map(([tbl, lanes]) => [tbl, asBuffer(lanes)]));
  const names: string[] = [];
  const hex: string[] = [];
  for (const [tbl, rows] of net) {
    const blob = blobs.get(tbl);
    if (blob === undefined) continue; // a table outside the hash's list
    const lanes = lthash.lanesOf(blob);
    for (const [row, times] of rows) for (let i = 0; i < Math.abs(times); i++) lthash.addRow(lanes, row, times > 0 ? 1 : -1);
    const changed = lthash.blobOf(lanes);
    blobs.set(tbl, changed);
    names.push(tbl);
    hex.push(changed.toString('hex'));
  }
  if (names.length > 0) {
    db.query('agora_hash_update', "UPDATE pg_temp.agora_hash_lanes AS l SET lanes = decode(v.h, 'hex') FROM unnest($1::text[], $2::text[]) AS v(tbl, h) WHERE l.tbl = v.tbl", [names, hex], false);
  }
  return lthash.combine(tables, (table) => {
    const blob = blobs.get(table);
    return lthash.digestOf(blob ?? lthash.blobOf(fullLanes(db, keeper, table)));
  });
}

/** A PostgreSQL world's digests from whole tables (the reference the kept ones must equal). */
export function postgresFullStateHash(store: Db, tables: readonly string[]): StateHash {
  const db = store as PostgresDb;
  const keeper = keeperOf(db);
  return lthash.combine(tables, (table) => lthash.digestOf(lthash.blobOf(fullLanes(db, keeper, table))));
}
