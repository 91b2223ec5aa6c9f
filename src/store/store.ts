// The store as the kernel sees it: the few calls of better-sqlite3 that Agora makes, and no more.
// better-sqlite3's Database satisfies this structurally, so the SQLite path is better-sqlite3
// itself (no wrapper, no per-call cost); PostgreSQL (store/postgres.ts) implements the same calls
// synchronously. Anything not here (user functions, backups, ...) is not part of the store.

export interface RunResult {
  changes: number;
  /** SQLite only: PostgreSQL answers 0 (a statement that needs the new key says `RETURNING`). */
  lastInsertRowid: number | bigint;
}

export interface ColumnInfo {
  name: string;
}

export interface Statement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  /** Rows as their first column's value. */
  pluck(toggle?: boolean): this;
  /** Rows as arrays of values, in column order. */
  raw(toggle?: boolean): this;
  columns(): ColumnInfo[];
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type ArgumentTypes<F extends Function> = F extends (...args: infer A) => unknown ? A : never;

export interface Db {
  prepare(sql: string): Statement;
  /** Wraps fn so that each call runs in one transaction (nested calls: a savepoint), as better-sqlite3 does. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the shape better-sqlite3 declares, so its Database fits
  transaction<F extends (...params: any[]) => unknown>(fn: F): (...params: ArgumentTypes<F>) => ReturnType<F>;
  /** Runs a script of statements without parameters. */
  exec(sql: string): unknown;
  /** SQLite pragmas; PostgreSQL answers the ones Agora reads (user_version, foreign_keys, query_only). */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): unknown;
  readonly inTransaction: boolean;
}

export type StoreKind = 'sqlite' | 'postgres';

/** Which engine a Db is: PostgreSQL stores mark themselves; anything else is better-sqlite3. */
export function storeKind(db: Db): StoreKind {
  return (db as { store_kind?: StoreKind }).store_kind ?? 'sqlite';
}
