// A world's store on PostgreSQL, synchronous to the kernel like better-sqlite3: each statement is
// sent to the thread that owns the connection (store/postgres-worker.mjs) and this thread waits
// for the answer (synckit). The kernel's command transaction maps to BEGIN/COMMIT on the one
// connection, so the journal semantics are SQLite's: one transaction appends the events and
// updates the projections, and seq (agora_rowid: MAX + 1, under the writer's lock) strictly
// increases. One writer per world: a writer holds a session advisory lock on the database.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSyncFn } from 'synckit';
import { AgoraError } from '../base/errors.js';
import { assertKnownSchema, migrate } from './migrations.js';
import { POSTGRES_PRELUDE } from './postgres-prelude.js';
import { toPostgres, toPostgresScript } from './sql-dialect.js';
import type { ArgumentTypes, ColumnInfo, Db, RunResult, Statement } from './store.js';

export interface PostgresOptions {
  url: string;
  connect_timeout_ms: number;
  statement_timeout_ms: number;
  /** Take the world's writer lock (the kernel's process); readers leave it. */
  writer: boolean;
  readonly?: boolean;
}

type Op =
  | { kind: 'connect'; url: string; application_name: string; connect_timeout_ms: number; statement_timeout_ms: number }
  | { kind: 'query'; id: number; name: string; text: string; values: unknown[]; raw: boolean }
  | { kind: 'script'; id: number; text: string }
  | { kind: 'close'; id: number };
type Answer = { ok: true; value: unknown } | { ok: false; message: string; code: string | null; detail: string | null };
interface QueryAnswer {
  rows: unknown[];
  fields: string[];
  count: number;
}

/** The worker beside src/store/postgres.ts, or, from the CLI bundle (build/cli/), the one in src/store/. */
function workerPath(): string {
  for (const candidate of ['./postgres-worker.mjs', '../../src/store/postgres-worker.mjs']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new AgoraError('INTERNAL', 'the PostgreSQL store worker (src/store/postgres-worker.mjs) is missing from this installation');
}

let bridge: ((op: Op) => Answer) | null = null;
function send(op: Op): unknown {
  bridge ??= createSyncFn(workerPath()) as (op: Op) => Answer;
  const answer = bridge(op);
  if (!answer.ok) throw new PostgresError(answer.message, answer.code, answer.detail);
  return answer.value;
}

/** A statement PostgreSQL refused; `code` is its SQLSTATE. */
export class PostgresError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
    readonly detail: string | null,
  ) {
    super(detail === null ? message : `${message} (${detail})`);
    this.name = 'PostgresError';
  }
}

/** Prepared statement names, one per distinct translated text (the server caches each plan per connection). */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `agora_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

class PostgresStatement implements Statement {
  private plucked = false;
  private rawRows = false;
  private readonly name: string;
  private readonly text: string;

  constructor(
    private readonly db: PostgresDb,
    sql: string,
  ) {
    this.text = toPostgres(sql);
    this.name = statementName(this.text);
  }

  private query(params: unknown[]): QueryAnswer {
    return this.db.query(this.name, this.text, params, this.plucked || this.rawRows);
  }

  private shape(rows: unknown[]): unknown[] {
    return this.plucked ? rows.map((r) => (r as unknown[])[0]) : rows;
  }

  run(...params: unknown[]): RunResult {
    return { changes: this.query(params).count, lastInsertRowid: 0 };
  }

  get(...params: unknown[]): unknown {
    return this.shape(this.query(params).rows)[0];
  }

  all(...params: unknown[]): unknown[] {
    return this.shape(this.query(params).rows);
  }

  /** The whole result, then its rows: no server-side cursor yet (the journal replay reads it all). */
  iterate(...params: unknown[]): IterableIterator<unknown> {
    return this.all(...params)[Symbol.iterator]();
  }

  pluck(toggle = true): this {
    this.plucked = toggle;
    if (toggle) this.rawRows = false;
    return this;
  }

  raw(toggle = true): this {
    this.rawRows = toggle;
    if (toggle) this.plucked = false;
    return this;
  }

  columns(): ColumnInfo[] {
    // A statement's columns without its rows: the same query with nothing to return.
    return this.db.query(`${this.name}_columns`, `SELECT * FROM (${this.text.replace(/;\s*$/, '')}) AS agora_columns LIMIT 0`, [], false).fields.map((name) => ({ name }));
  }
}

const LOCK_CLASS = 0x4147; // "AG": the advisory lock's first key; the second is the database's name hash

export class PostgresDb implements Db {
  readonly store_kind = 'postgres' as const;
  private depth = 0;
  private closed = false;
  private readonly id: number;

  constructor(readonly options: PostgresOptions) {
    this.id = (
      send({
        kind: 'connect',
        url: options.url,
        application_name: `agora pid ${process.pid}${options.writer ? ' (writer)' : ''}`,
        connect_timeout_ms: options.connect_timeout_ms,
        statement_timeout_ms: options.statement_timeout_ms,
      }) as { id: number }
    ).id;
  }

  query(name: string, text: string, values: unknown[], raw: boolean): QueryAnswer {
    return send({ kind: 'query', id: this.id, name, text, values, raw }) as QueryAnswer;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare(sql: string): Statement {
    return new PostgresStatement(this, sql);
  }

  exec(sql: string): this {
    send({ kind: 'script', id: this.id, text: toPostgresScript(sql) });
    return this;
  }

  /** The prelude, untranslated (it is PostgreSQL already). */
  execNative(text: string): void {
    send({ kind: 'script', id: this.id, text });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Db's shape
  transaction<F extends (...params: any[]) => unknown>(fn: F): (...params: ArgumentTypes<F>) => ReturnType<F> {
    return (...params: ArgumentTypes<F>) => {
      const outer = this.depth === 0;
      const savepoint = `agora_sp_${this.depth}`;
      this.execNative(outer ? 'BEGIN' : `SAVEPOINT ${savepoint}`);
      this.depth++;
      try {
        const result = fn(...params) as ReturnType<F>;
        this.depth--;
        this.execNative(outer ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (err) {
        this.depth--;
        try {
          this.execNative(outer ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`);
        } catch {
          /* the connection is gone: the server rolled back */
        }
        throw err;
      }
    };
  }

  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const m = /^\s*(\w+)\s*(?:=\s*(\w+))?\s*$/.exec(source);
    const [name, value] = [m?.[1]?.toLowerCase(), m?.[2]];
    if (name === 'user_version') {
      if (value !== undefined) {
        this.query('agora_set_version', 'UPDATE agora_schema SET user_version = $1 WHERE id = 1', [Number(value)], false);
        return [];
      }
      const version = this.query('agora_version', 'SELECT user_version FROM agora_schema WHERE id = 1', [], true).rows[0] as [number] | undefined;
      return options.simple === true ? (version?.[0] ?? 0) : [{ user_version: version?.[0] ?? 0 }];
    }
    // PostgreSQL always checks foreign keys; a rebuilding migration's DROP TABLE cascades (sql-dialect.ts).
    if (name === 'foreign_keys') return value === undefined ? (options.simple === true ? 1 : [{ foreign_keys: 1 }]) : [];
    if (name === 'foreign_key_check') return [];
    if (name === 'query_only' && value !== undefined) {
      this.execNative(`SET SESSION CHARACTERISTICS AS TRANSACTION ${/^(on|1|true)$/i.test(value) ? 'READ ONLY' : 'READ WRITE'}`);
      return [];
    }
    throw new AgoraError('INTERNAL', `PRAGMA ${source} has no PostgreSQL meaning`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    send({ kind: 'close', id: this.id });
  }

  /**
   * The world's writer lock: a session advisory lock, gone when this connection is (a crash
   * included). A second writer is refused with the holder's connection, as PostgreSQL sees it.
   */
  lockWriter(): void {
    const taken = this.query('agora_lock', 'SELECT pg_try_advisory_lock($1, hashtext(current_database())) AS taken', [LOCK_CLASS], true).rows[0] as [number];
    if (taken[0] === 1) return;
    const holder = this.query(
      'agora_lock_holder',
      `SELECT a.pid, a.application_name, host(a.client_addr) AS addr, a.backend_start::text AS since, current_database() AS db
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = hashtext(current_database())::oid`,
      [LOCK_CLASS],
      false,
    ).rows[0] as { pid: number; application_name: string; addr: string | null; since: string; db: string } | undefined;
    const who =
      holder === undefined
        ? 'another agora process (it has just let go: try again)'
        : `"${holder.application_name}" (PostgreSQL backend ${holder.pid}${holder.addr === null ? ', local' : ` from ${holder.addr}`}, since ${holder.since})`;
    throw new AgoraError('CONFLICT', `the world's PostgreSQL database is in use by ${who}; one writer per world: stop it first, or use its API`, {
      backend_pid: holder?.pid ?? null,
      holder: holder?.application_name ?? null,
    });
  }
}

/** Opens a world database on PostgreSQL: the writer takes the world's lock, then the migrations run. */
export function openPostgres(options: PostgresOptions): Db {
  const db = new PostgresDb(options);
  try {
    const collation = db.query('agora_collation', "SELECT datcollate FROM pg_database WHERE datname = current_database()", [], true).rows[0] as [string];
    // Text ordering must be SQLite's (bytewise) or ORDER BY id answers differ between the stores.
    if (collation[0] !== 'C' && collation[0] !== 'POSIX') {
      throw new AgoraError('INVALID_ARGS', `the PostgreSQL database's collation is ${collation[0]}; Agora needs C (bytewise, as SQLite): CREATE DATABASE ... LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
    }
    if (options.writer) {
      db.lockWriter();
      db.execNative(POSTGRES_PRELUDE);
      migrate(db);
    } else {
      // A reader runs no migration, but a newer Agora's tables are refused as the writer refuses
      // them (SQLite's CLI opens world.db writable, so its migrate() makes the same check).
      assertKnownSchema(db);
    }
    if (options.readonly === true) db.pragma('query_only = ON');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
