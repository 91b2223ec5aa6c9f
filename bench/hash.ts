// The cycle hash's cost on a small and a large world (docs/replay.md, "State hashes"): the same
// cycle of commands (transfers between agents) run on a world of a few hundred rows and on one
// of a few hundred thousand, each closed with cycle_closed. Incremental (lthash16, the rows the
// cycle changed) against the old rule that read every table (sorted sha256), timed on the same
// state. Kernel only: no sandbox, so the numbers are the hash's, not the runs'.
import { rmSync } from 'node:fs';
import { parseConfig } from '../src/config/load.js';
import { sortedStateHash } from '../src/kernel/history/state-hash.js';
import { SYSTEM_MINT } from '../src/kernel/ledger/accounts.js';
import { openWorld } from '../src/orchestrator/open-world.js';
import { tempDir } from '../test/support/world.js';

const AGENTS = 20;
const CYCLE_TRANSFERS = 200;
const CYCLES = 10;

export interface HashCost {
  rows: number;
  /** Per cycle: the cycle's commands, the incremental close, and the old full-read hash of the same state. */
  commands_ms: number;
  close_ms: number;
  full_ms: number;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

export function hashCost(filler_transfers: number): HashCost {
  const dir = tempDir('agora-bench-hash-');
  const world = openWorld({ dir, config: parseConfig({}), seed: 1, log_to_file: false });
  try {
    const k = world.kernel;
    const ids = Array.from({ length: AGENTS }, (_, i) => `h${i}`);
    k.core.command({ actor: 'bench' }, (tx) => {
      for (const id of ids) k.agents.create(tx, { agent_id: id, parent_id: null, workspace: `workspaces/${id}`, postings: [{ from: SYSTEM_MINT, to: id, amount_ucr: 1e12, kind: 'grant' }] });
    });
    let n = 0;
    const transfer = () => {
      const from_id = ids[n % AGENTS]!;
      const to_id = ids[(n * 7 + 1) % AGENTS]!;
      n++;
      k.ledger.transfer({ from_id, to_id: to_id === from_id ? ids[(n + 1) % AGENTS]! : to_id, amount_ucr: 1 + (n % 100), memo: '' }, { actor: from_id });
    };
    for (let i = 0; i < filler_transfers; i += 1000) k.core.batch({ actor: 'bench' }, () => { for (let j = 0; j < 1000 && i + j < filler_transfers; j++) transfer(); });
    k.history.closeCycle(0, { actor: 'bench' }); // the first close starts the digests (reads every table once)
    let commands_ms = 0;
    let close_ms = 0;
    let full_ms = 0;
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      let t0 = process.hrtime.bigint();
      k.core.batch({ actor: 'bench' }, () => { for (let j = 0; j < CYCLE_TRANSFERS; j++) transfer(); });
      commands_ms += ms(t0);
      t0 = process.hrtime.bigint();
      sortedStateHash(world.db, k.core.registry.tables);
      full_ms += ms(t0);
      t0 = process.hrtime.bigint();
      k.history.closeCycle(cycle, { actor: 'bench' });
      close_ms += ms(t0);
    }
    const rows = k.core.registry.tables.reduce((sum, t) => sum + (world.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n, 0);
    return { rows, commands_ms: commands_ms / CYCLES, close_ms: close_ms / CYCLES, full_ms: full_ms / CYCLES };
  } finally {
    world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const HASH_CYCLE = { agents: AGENTS, transfers: CYCLE_TRANSFERS, cycles: CYCLES };
