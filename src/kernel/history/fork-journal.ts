// A fork's journal: its parent's events up to the end of a cycle, copied as they are (same
// seq, id, time, data) and folded into the fork's own tables by the same projectors that
// built the parent's. Nothing is copied from the parent's tables: the fork's state is what
// the journal prefix folds to, as `agora replay` would rebuild it.
import type { Db } from '../../store/store.js';
import { AgoraError } from '../../base/errors.js';
import { ProjectionWriter } from '../engine/projection.js';
import { kernelRegistry } from '../kernel.js';
import { historyEvents } from './events.js';
import type { EventData } from '../registry.js';

export interface ForkPoint {
  cycle: number;
  seq: number;
  at_ms: number;
  rng: EventData<'cycle_closed'>['rng'];
  world_id: string;
}

/** Where the parent's journal closed `cycle` (the last time, if it was closed more than once). */
export function forkPoint(parent: Db, cycle: number): ForkPoint {
  const row = parent
    .prepare("SELECT seq, at_ms, data FROM events WHERE type = 'cycle_closed' AND json_extract(data, '$.cycle') = ? ORDER BY seq DESC LIMIT 1")
    .get(cycle) as { seq: number; at_ms: number; data: string } | undefined;
  if (row === undefined) {
    const last = parent.prepare("SELECT MAX(json_extract(data, '$.cycle')) AS c FROM events WHERE type = 'cycle_closed'").get() as { c: number | null };
    throw new AgoraError('NOT_FOUND', `the world recorded no end of cycle ${cycle} (its last closed cycle is ${last.c ?? 'none'})`);
  }
  const closed = historyEvents.cycle_closed.parse(JSON.parse(row.data));
  const world = parent.prepare("SELECT value FROM meta WHERE key = 'world_id'").get() as { value: string } | undefined;
  return { cycle, seq: row.seq, at_ms: row.at_ms, rng: closed.rng, world_id: world?.value ?? 'unknown' };
}

/** Copies the parent's events up to `seq` into an empty fork database and folds them. */
export function copyJournalPrefix(parent: Db, fork: Db, seq: number): number {
  const existing = fork.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number };
  if (existing.n > 0) throw new AgoraError('CONFLICT', 'the fork database already has a journal');
  const insert = fork.prepare('INSERT INTO events (seq, id, type, at_ms, actor, correlation_id, causation_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const writer = new ProjectionWriter(fork);
  let copied = 0;
  fork.transaction(() => {
    const rows = parent.prepare('SELECT * FROM events WHERE seq <= ? ORDER BY seq').iterate(seq) as IterableIterator<{
      seq: number; id: string; type: string; at_ms: number; actor: string; correlation_id: string | null; causation_id: string | null; data: string;
    }>;
    for (const row of rows) {
      insert.run(row.seq, row.id, row.type, row.at_ms, row.actor, row.correlation_id, row.causation_id, row.data);
      kernelRegistry.project(writer, { ...row, data: JSON.parse(row.data) as unknown });
      copied++;
    }
  })();
  return copied;
}
