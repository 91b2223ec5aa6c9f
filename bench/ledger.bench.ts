// Durable kernel transfers per second, single process, WAL. Each transfer is a full kernel
// command (checks, journal append, projection). Measured with one transaction per transfer
// and with group commit (`KernelCore.batch`: 100 commands per transaction, each durable
// when its batch commits), at both durability settings.
import { rmSync } from 'node:fs';
import { parseConfig } from '../src/config/load.js';
import { SYSTEM_MINT } from '../src/kernel/ledger/accounts.js';
import { openWorld } from '../src/orchestrator/open-world.js';
import { tempDir } from '../test/support/world.js';
import type { BenchRow } from './types.js';

function transfersPerSecond(synchronous: 'NORMAL' | 'FULL', count: number, batch_size: number): number {
  const dir = tempDir('agora-bench-');
  const world = openWorld({ dir, config: parseConfig({ store: { synchronous } }), seed: 1, log_to_file: false });
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
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return count / seconds;
  } finally {
    world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function bench(): Promise<BenchRow[]> {
  transfersPerSecond('NORMAL', 5_000, 100); // warm-up: JIT, page cache
  const grouped = transfersPerSecond('NORMAL', 100_000, 100);
  const single = transfersPerSecond('NORMAL', 20_000, 1);
  const groupedFull = transfersPerSecond('FULL', 20_000, 100);
  const singleFull = transfersPerSecond('FULL', 2_000, 1);
  return [
    { name: 'kernel transfers/s, group commit of 100 (synchronous=NORMAL, default)', value: grouped, unit: 'transfers/s', target: '>= 20000', ok: grouped >= 20_000, note: 'survives SIGKILL' },
    { name: 'kernel transfers/s, one transaction each (synchronous=NORMAL)', value: single, unit: 'transfers/s', note: 'what a lone HTTP transfer costs' },
    { name: 'kernel transfers/s, group commit of 100 (synchronous=FULL)', value: groupedFull, unit: 'transfers/s', note: 'fsync per commit: survives power loss' },
    { name: 'kernel transfers/s, one transaction each (synchronous=FULL)', value: singleFull, unit: 'transfers/s' },
  ];
}
