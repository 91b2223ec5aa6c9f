// A snapshot per cleared cycle of the figures the operator watches over time: credits created
// (minted, rewarded) and burned so far, the population and the runs going on. Taken when the
// market_cleared event is projected, from tables the replay has rebuilt identically by then.
import { SYSTEM_BURN, SYSTEM_HUMAN, SYSTEM_MINT } from '../ledger/accounts.js';
import type { Projectors } from '../registry.js';
import type { ProjectionWriter } from '../engine/projection.js';

export const worldCycleTables = ['world_cycles'] as const;

function balance(w: ProjectionWriter, account_id: string): number {
  return w.get<{ balance_ucr: number }>('SELECT balance_ucr FROM accounts WHERE id = ?', account_id)?.balance_ucr ?? 0;
}

export const worldCycleProjectors: Projectors = {
  market_cleared(w, data, event) {
    const population = { alive: 0, dormant: 0, dead: 0 };
    for (const row of w.all<{ status: keyof typeof population; n: number }>('SELECT status, COUNT(*) AS n FROM agents GROUP BY status')) {
      population[row.status] = row.n;
    }
    const running = w.get<{ n: number }>("SELECT COUNT(*) AS n FROM executions WHERE status = 'running'")!.n;
    w.run(
      `INSERT INTO world_cycles (cycle, seq, at_ms, minted_ucr, rewarded_ucr, burned_ucr, alive, dormant, dead, running)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      data.cycle, event.seq, event.at_ms, -balance(w, SYSTEM_MINT), -balance(w, SYSTEM_HUMAN), balance(w, SYSTEM_BURN),
      population.alive, population.dormant, population.dead, running,
    );
  },
};
