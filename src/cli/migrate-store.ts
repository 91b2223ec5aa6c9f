// `agora migrate-store --to postgres://...`: moves a stopped SQLite world's store into an empty
// PostgreSQL database (store/migrate-store.ts copies it). The world's lock is held throughout, so
// a running world is refused and no start begins meanwhile; the target's writer lock likewise.
// world.db is left as it was: the world directory (workspaces, history, secrets) serves the
// PostgreSQL world once its config says store.kind: postgres.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type Database from 'better-sqlite3';
import { AgoraError } from '../base/errors.js';
import { openDatabase } from '../store/database.js';
import { copyStoreToPostgres } from '../store/migrate-store.js';
import { openPostgres, type PostgresDb } from '../store/postgres.js';
import { worldPaths } from '../store/world-dir.js';
import { lockWorld } from '../store/world-lock.js';
import { loadCliConfig, type GlobalOptions } from './options.js';
import { printOutput, printText } from './output.js';

export function registerMigrateStoreCommand(program: Command): void {
  program
    .command('migrate-store')
    .description("copy this stopped SQLite world's journal and tables into an empty PostgreSQL database; then start it with store.kind: postgres")
    .requiredOption('--to <url>', 'the PostgreSQL database (postgres://user@host:port/db), created with C collation and empty')
    .option('--json', 'machine-readable output')
    .action((_opts, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { to: string; json?: boolean }>();
      if (!/^postgres(ql)?:\/\//.test(options.to)) throw new AgoraError('INVALID_ARGS', `--to is a postgres:// URL, not ${options.to}`);
      const config = loadCliConfig(options);
      const paths = worldPaths(options.world);
      if (!existsSync(paths.database)) throw new AgoraError('NOT_FOUND', `no SQLite world at ${paths.dir} (no world.db)`);
      const lock = lockWorld(paths.dir);
      let source: Database.Database | null = null;
      let target: PostgresDb | null = null;
      try {
        source = openDatabase(paths.database, { synchronous: config.store.synchronous, busy_timeout_ms: config.store.busy_timeout_ms }) as Database.Database;
        target = openPostgres({ url: options.to, connect_timeout_ms: config.store.postgres.connect_timeout_ms, statement_timeout_ms: config.store.postgres.statement_timeout_ms, writer: true }) as PostgresDb;
        const started_ms = Date.now();
        const copies = copyStoreToPostgres(source, target, (copy, index, of) => {
          if (options.json !== true) printText(`  [${String(index).padStart(String(of).length)}/${of}] ${copy.table.padEnd(24)} ${copy.rows} rows`);
        });
        const rows = copies.reduce((n, c) => n + c.rows, 0);
        const events = copies.find((c) => c.table === 'events')?.rows ?? 0;
        const summary = { from: paths.database, to: redacted(options.to), tables: copies.length, rows, events, elapsed_ms: Date.now() - started_ms, copies };
        printOutput(
          summary,
          `copied ${events} events and ${rows} rows in ${copies.length} tables to ${summary.to} in ${summary.elapsed_ms} ms\n` +
            `world.db is left as it was; run the world with store.kind: postgres and store.postgres.url set to that URL (same --world), and check it with agora audit`,
          options.json,
        );
      } finally {
        target?.close();
        source?.close();
        lock.release();
      }
    });
}

/** The URL without its password, for printing. */
function redacted(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]+):[^@]*@/, '$1:***@');
}
