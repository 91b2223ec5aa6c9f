// Durable kernel transfers per second on PostgreSQL beside SQLite, in one run on one machine:
// the same kernel command (checks, journal append, projections) as bench/ledger.bench.ts, with
// one transaction per transfer and with group commit of 100, each store at its power-loss
// durable setting: SQLite synchronous=FULL (fsync per commit, WAL), PostgreSQL on a cluster of
// its own with fsync and synchronous_commit on, over loopback TCP. With PostgreSQL not installed
// its rows say so and are skipped.
import { postgresSkip, startPostgresCluster, type PostgresCluster } from '../test/support/postgres.js';
import { transfersPerSecond } from './transfers.js';
import type { BenchRow } from './types.js';


export default async function bench(): Promise<BenchRow[]> {
  const sqlite = { kind: 'sqlite', synchronous: 'FULL' } as const;
  transfersPerSecond(sqlite, 2_000, 100); // warm-up: JIT, page cache
  const sqlite_single = transfersPerSecond(sqlite, 2_000, 1);
  const sqlite_grouped = transfersPerSecond(sqlite, 20_000, 100);
  const rows: BenchRow[] = [
    { name: 'durable transfers/s on SQLite, one transaction each (synchronous=FULL)', value: sqlite_single, unit: 'transfers/s', note: 'beside PostgreSQL, same run' },
    { name: 'durable transfers/s on SQLite, group commit of 100 (synchronous=FULL)', value: sqlite_grouped, unit: 'transfers/s', note: 'beside PostgreSQL, same run' },
  ];
  if (postgresSkip !== null) {
    for (const how of ['one transaction each', 'group commit of 100']) rows.push({ name: `durable transfers/s on PostgreSQL, ${how}`, value: 0, unit: 'transfers/s', note: `skipped: ${postgresSkip}` });
    return rows;
  }
  let cluster: PostgresCluster | null = null;
  try {
    cluster = startPostgresCluster({ durable: true });
    const postgres = () => ({ kind: 'postgres', postgres: { url: cluster!.freshUrl() } }) as const;
    transfersPerSecond(postgres(), 200, 100); // warm-up: prepared plans, the worker thread
    const pg_single = transfersPerSecond(postgres(), 500, 1);
    const pg_grouped = transfersPerSecond(postgres(), 2_000, 100);
    rows.push(
      { name: 'durable transfers/s on PostgreSQL, one transaction each (fsync, synchronous_commit on)', value: pg_single, unit: 'transfers/s', note: `${(pg_single / sqlite_single).toFixed(2)}x SQLite's; loopback TCP, local disk` },
      { name: 'durable transfers/s on PostgreSQL, group commit of 100 (fsync, synchronous_commit on)', value: pg_grouped, unit: 'transfers/s', note: `${(pg_grouped / sqlite_grouped).toFixed(3)}x SQLite's; each statement a round trip` },
    );
  } finally {
    cluster?.stop();
  }
  return rows;
}
