// Durable kernel transfers per second on one world: each transfer a full kernel command
// (checks, journal append, projections), one transaction each (batch_size 1) or in group
// commits of batch_size (`KernelCore.batch`). bench/ledger (SQLite's settings) and bench/store
// (PostgreSQL beside SQLite) measure with it.
import { rmSync } from 'node:fs';
import { parseConfig } from '../src/config/load.js';
import type { ConfigInput } from '../src/config/schema.js';
import { SYSTEM_MINT } from '../src/kernel/ledger/accounts.js';
import { openWorld } from '../src/orchestrator/open-world.js';
import { tempDir } from '../test/support/world.js';

export function transfersPerSecond(store: ConfigInput['store'], count: number, batch_size: number): number {
  const dir = tempDir('agora-bench-');
  const world = openWorld({ dir, config: parseConfig({ store }), seed: 1, log_to_file: false });
  try {
    const k = world.kernel;
    k.core.command({ actor: 'bench' }, (tx) => {
      for (const id of ['alice', 'bob']) {
        k.agents.create(tx, { agent_id: id, parent_id: null, workspace: `workspaces/${id}`, postings: [{ from: SYSTEM_MINT, to: id, amount_ucr: 1e12, kind: 'grant' }] });
      }
    });
    const transfer = (i: number) => {
      const from_id = i % 2 === 0 ? 'alice' : 'bob';
      k.ledger.transfer({ from_id, to_id: from_id === 'alice' ? 'bob' : 'alice', amount_ucr: 1 + (i % 100), memo: '' }, { actor: from_id });
    };
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i += batch_size) {
      if (batch_size === 1) transfer(i);
      else k.core.batch({ actor: 'bench' }, () => { for (let j = i; j < i + batch_size; j++) transfer(j); });
    }
    return count / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
