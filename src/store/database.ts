// Opens a world database with the pragmas Agora relies on: WAL (readers never block the
// writer), foreign keys, and the configured durability.
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';
import type { Db } from './store.js';
import { openPostgres } from './postgres.js';
import { invariant } from '../base/errors.js';

export type { Db } from './store.js';

export interface OpenOptions {
  synchronous?: 'NORMAL' | 'FULL';
  busy_timeout_ms?: number;
  readonly?: boolean;
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const db: Database.Database = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  db.pragma(`busy_timeout = ${options.busy_timeout_ms ?? 5000}`);
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  }
  db.pragma('foreign_keys = ON');
  if (!options.readonly) migrate(db);
  return db;
}

/** A fresh in-memory database with the current schema: where `agora audit` replays the journal. */
export function openScratchDatabase(): Db {
  const db: Database.Database = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

export interface StoreConfig {
  kind: 'sqlite' | 'postgres';
  synchronous: 'NORMAL' | 'FULL';
  busy_timeout_ms: number;
  postgres: { url: string | null; connect_timeout_ms: number; statement_timeout_ms: number };
}

/**
 * A world's store as its config says: world.db in the world directory (SQLite, the default) or
 * the PostgreSQL database at store.postgres.url. `writer`: the process that will write (the
 * kernel's); on PostgreSQL it takes the world's advisory lock and runs the migrations.
 */
export function openStore(database_file: string, store: StoreConfig, options: { writer: boolean; readonly?: boolean }): Db {
  if (store.kind === 'postgres') {
    invariant(store.postgres.url !== null, 'store.kind postgres needs store.postgres.url');
    return openPostgres({
      url: store.postgres.url,
      connect_timeout_ms: store.postgres.connect_timeout_ms,
      statement_timeout_ms: store.postgres.statement_timeout_ms,
      writer: options.writer,
      readonly: options.readonly,
    });
  }
  return openDatabase(database_file, { synchronous: store.synchronous, busy_timeout_ms: store.busy_timeout_ms, readonly: options.readonly });
}
