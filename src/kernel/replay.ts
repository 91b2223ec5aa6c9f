// `agora replay`: the journal re-folded into a fresh store, and at every cycle_closed event the
// replayed state's hash checked against the hash the world recorded then. It re-runs no agent:
// every nondeterministic input is already in the journal as data. A difference names the first
// cycle and table; with no --to, the live tables are then compared with the fold's final state,
// which finds a row changed by hand after it was written.
import type { Db } from '../store/store.js';
import { openScratchDatabase } from '../store/database.js';
import { iterateEvents } from '../store/journal.js';
import { ProjectionWriter } from './engine/projection.js';
import { kernelRegistry } from './kernel.js';
import { historyEvents } from './history/events.js';
import { sortedStateHash, stateHash, tableHash } from './history/state-hash.js';

export interface ReplayDifference {
  /** The cycle whose recorded hash the fold does not reach (or, for live rows, the last cycle). */
  cycle: number;
  table: string;
  /** journal: the fold of the journal differs from a hash it recorded; live: a live table differs from the fold. */
  where: 'journal' | 'live';
  detail: string;
}

export interface ReplayResult {
  ok: boolean;
  /** Cycles whose hash the fold reproduced. */
  cycles_checked: number;
  events: number;
  first_difference: ReplayDifference | null;
  journal_problems: string[];
}

export function replayJournal(db: Db, options: { to_cycle?: number } = {}): ReplayResult {
  const registry = kernelRegistry;
  const scratch = openScratchDatabase();
  try {
    const writer = new ProjectionWriter(scratch);
    const journal_problems: string[] = [];
    let events = 0;
    let cycles_checked = 0;
    let last_cycle = 0;
    let first_difference: ReplayDifference | null = null;
    scratch.transaction(() => {
      for (const row of iterateEvents(db)) {
        const schema = registry.schemas[row.type as keyof typeof registry.schemas];
        if (schema === undefined) {
          journal_problems.push(`event ${row.seq} has an unknown type ${row.type}`);
          break;
        }
        const parsed = schema.safeParse(JSON.parse(row.data));
        if (!parsed.success) {
          journal_problems.push(`event ${row.seq} (${row.type}) does not match its schema`);
          break;
        }
        if (row.type === 'cycle_closed') {
          const closed = historyEvents.cycle_closed.parse(parsed.data);
          // Each event says how its hashes were made: a journal begun before lthash16 holds both kinds.
          const replayed = closed.hash_scheme === undefined ? sortedStateHash(scratch, registry.tables) : stateHash(scratch, registry.tables);
          if (replayed.state_hash !== closed.state_hash) {
            const table = registry.tables.find((t) => replayed.table_hashes[t] !== closed.table_hashes[t]) ?? '(table list)';
            first_difference = { cycle: closed.cycle, table, where: 'journal', detail: `the journal folds to another ${table} than the world recorded at the end of cycle ${closed.cycle}` };
            break;
          }
          cycles_checked++;
          last_cycle = closed.cycle;
        }
        try {
          registry.project(writer, { ...row, data: JSON.parse(row.data) as unknown });
        } catch (err) {
          journal_problems.push(`event ${row.seq} (${row.type}) does not replay: ${(err as Error).message}`);
          break;
        }
        events++;
        if (row.type === 'cycle_closed' && options.to_cycle !== undefined && last_cycle >= options.to_cycle) break;
      }
    })();
    if (first_difference === null && journal_problems.length === 0 && options.to_cycle === undefined) {
      first_difference = compareLive(db, scratch, registry.tables, last_cycle);
    }
    return { ok: first_difference === null && journal_problems.length === 0, cycles_checked, events, first_difference, journal_problems };
  } finally {
    scratch.close();
  }
}

function compareLive(live: Db, replayed: Db, tables: readonly string[], last_cycle: number): ReplayDifference | null {
  for (const table of tables) {
    if (tableHash(live, table) === tableHash(replayed, table)) continue;
    const a = new Set(live.prepare(`SELECT * FROM ${table}`).raw().all().map((r) => JSON.stringify(r)));
    const b = new Set(replayed.prepare(`SELECT * FROM ${table}`).raw().all().map((r) => JSON.stringify(r)));
    const only_live = [...a].find((r) => !b.has(r));
    const only_replayed = [...b].find((r) => !a.has(r));
    // A row that names its cycle (world_cycles, leases...) says when; otherwise the live state is the last cycle's.
    const detail = `live row ${only_live ?? '(none)'} is not what the journal folds to (${only_replayed ?? 'no row'})`;
    return { cycle: cycleOfRow(live, table, only_live) ?? last_cycle, table, where: 'live', detail };
  }
  return null;
}

function cycleOfRow(db: Db, table: string, row: string | undefined): number | null {
  if (row === undefined) return null;
  const columns = db.prepare(`SELECT * FROM ${table} LIMIT 0`).columns().map((c) => c.name);
  const at = columns.indexOf('cycle');
  if (at < 0) return null;
  const value = (JSON.parse(row) as unknown[])[at];
  return typeof value === 'number' ? value : null;
}
