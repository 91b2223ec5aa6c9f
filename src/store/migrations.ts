// Versioned schema. PRAGMA user_version holds the version a world was written with; opening
// a world from a newer Agora fails rather than guessing. Append migrations, never edit one
// that has shipped.
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'journal, ledger, agents',
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      -- The journal: the only source of truth. Everything below it is a projection.
      CREATE TABLE events (
        seq            INTEGER PRIMARY KEY,
        id             TEXT NOT NULL UNIQUE,
        type           TEXT NOT NULL,
        at_ms          INTEGER NOT NULL,
        actor          TEXT NOT NULL,
        correlation_id TEXT,
        causation_id   TEXT,
        data           TEXT NOT NULL
      );
      CREATE INDEX events_type ON events (type, seq);
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;

      -- kind: agent | escrow (held for an agent) | source (may create credits) | sink (burn)
      CREATE TABLE accounts (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('agent', 'escrow', 'source', 'sink')),
        owner_id    TEXT,
        balance_ucr INTEGER NOT NULL DEFAULT 0,
        -- Income and spending of the owning agent through this account (see ledger-projection).
        earned_ucr  INTEGER NOT NULL DEFAULT 0,
        spent_ucr   INTEGER NOT NULL DEFAULT 0,
        CHECK (kind = 'source' OR balance_ucr >= 0)
      );

      CREATE TABLE postings (
        id         INTEGER PRIMARY KEY,
        seq        INTEGER NOT NULL,
        from_id    TEXT NOT NULL REFERENCES accounts (id),
        to_id      TEXT NOT NULL REFERENCES accounts (id),
        amount_ucr INTEGER NOT NULL CHECK (amount_ucr > 0),
        kind       TEXT NOT NULL,
        memo       TEXT,
        at_ms      INTEGER NOT NULL,
        CHECK (from_id <> to_id)
      );
      CREATE INDEX postings_from ON postings (from_id, id);
      CREATE INDEX postings_to ON postings (to_id, id);

      CREATE TABLE agents (
        id             TEXT PRIMARY KEY,
        status         TEXT NOT NULL CHECK (status IN ('alive', 'dormant', 'dead')),
        workspace      TEXT NOT NULL,
        parent_id      TEXT REFERENCES agents (id),
        lineage        TEXT NOT NULL,
        generation     INTEGER NOT NULL CHECK (generation >= 0),
        created_at_ms  INTEGER NOT NULL,
        status_at_ms   INTEGER NOT NULL,
        executions     INTEGER NOT NULL DEFAULT 0,
        description    TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX agents_parent ON agents (parent_id);
      CREATE INDEX agents_status ON agents (status);
    `,
  },
];

export const SCHEMA_VERSION = migrations[migrations.length - 1]!.version;

export class SchemaVersionError extends Error {}

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new SchemaVersionError(
      `this world was written by a newer Agora (schema version ${current}; this Agora knows up to ${SCHEMA_VERSION}). Upgrade Agora to open it.`,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
