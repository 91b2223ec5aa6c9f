// The LLM replies a world recorded, served back under llm.mode replay (docs/replay.md): the
// n-th time an agent sends a request, it gets the reply the recording gave that agent the n-th
// time it sent the same request. The recording is another world's journal (a fork's parent,
// or llm.replay_world), opened read-only; a world never writes to it.
import { existsSync } from 'node:fs';
import type { Db } from '../../store/store.js';
import { openDatabase } from '../../store/database.js';
import { worldPaths } from '../../store/world-dir.js';

export interface RecordedReply {
  body: string;
  stream: boolean;
}

export interface ReplySource {
  /** The `occurrence`-th (0-based) reply recorded for this agent and request, if any. */
  reply(agent_id: string, request_sha256: string, occurrence: number): RecordedReply | null;
  close(): void;
}

export function openRecording(world_dir: string): ReplySource | null {
  const file = worldPaths(world_dir).database;
  if (!existsSync(file)) return null;
  const db: Db = openDatabase(file, { readonly: true });
  const find = db.prepare(
    `SELECT e.data FROM history_llm_replies r JOIN events e ON e.seq = r.seq
     WHERE r.agent_id = ? AND r.request_sha256 = ? ORDER BY r.seq LIMIT 1 OFFSET ?`,
  );
  return {
    reply(agent_id, request_sha256, occurrence) {
      const row = find.get(agent_id, request_sha256, occurrence) as { data: string } | undefined;
      if (row === undefined) return null;
      const data = JSON.parse(row.data) as { body: string; stream: boolean };
      return { body: data.body, stream: data.stream };
    },
    close: () => db.close(),
  };
}
