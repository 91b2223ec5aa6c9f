// The artifact ecology of a finished world (docs/society.md, "Tools and the artifact ecology"):
// `node --import tsx bench/ecology.ts WORLD_DIR` prints the figures from its journal and runs
// the audit. Run a world first, e.g. `agora start --world W --simulate --cycles 60 --seed 7`.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { audit } from '../src/kernel/audit.js';
import { ecologyFigures } from '../test/support/ecology.js';

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: bench/ecology.ts WORLD_DIR\n');
  process.exit(2);
}
const db = new Database(join(dir, 'world.db'), { readonly: true });
const figures = ecologyFigures(db);
const report = audit(db);
const calls = db.prepare("SELECT json_extract(data, '$.duration_ms') AS ms FROM events WHERE type = 'artifact_call_settled' ORDER BY ms").all() as { ms: number }[];
// The cycle by which three distinct artifacts had been called by agents other than their owners.
const firsts = db
  .prepare("SELECT json_extract(data, '$.artifact_id') AS id, MIN(json_extract(data, '$.cycle')) AS cycle FROM events WHERE type = 'artifact_call_started' AND json_extract(data, '$.caller_id') != json_extract(data, '$.owner_id') GROUP BY id ORDER BY cycle")
  .all() as { id: string; cycle: number }[];
const third_artifact_cycle = firsts[2]?.cycle ?? null;
const median_ms = calls.length === 0 ? null : calls[Math.floor(calls.length / 2)]!.ms;
process.stdout.write(JSON.stringify({ ...figures, paid_between_agents: figures.paid_between_agents_ucr / 1e6, resources_burned: figures.resources_burned_ucr / 1e6, call_median_ms: median_ms, third_artifact_cycle, audit_ok: report.ok }, null, 2) + '\n');
