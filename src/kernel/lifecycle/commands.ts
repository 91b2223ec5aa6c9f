// The agent lifecycle, reviewed once per cycle. An alive agent with no open bid and no run
// goes dormant when it cannot afford any bundle ("broke"), or when it has run before and its
// last run ended without leaving a bid or a lease ("omission": DESIGN.md's suicide by
// omission; an agent that wants to live bids for its next run). Dormant for
// lifecycle.death_after_cycles cycles, it dies. It wakes only when someone pays for a bundle
// for it (a bid with for_agent): credits alone do not run anyone. A lease the host owes the
// agent and has not run yet (it waits for a slot, or a stop interrupted it) counts as a run.
import { SYSTEM_BURN } from '../ledger/accounts.js';
import type { KernelCore } from '../registry.js';
import { invariant } from '../../base/errors.js';
import type { Posting } from '../ledger/events.js';

export interface LifecycleReview {
  dormant: string[];
  woken: string[];
  died: string[];
}

interface Candidate {
  id: string;
  status: 'alive' | 'dormant';
  balance_ucr: number;
  escrow_ucr: number;
  workspace: string;
  generation: number;
  executions: number;
  dormant_since_cycle: number | null;
  running: number;
  open_bids: number;
  beneficiary_payer: string | null;
}

export class Lifecycle {
  constructor(private readonly core: KernelCore) {}

  /** What rescuers want to know besides credits: the artifacts it owns and when it last ran. */
  private holdings(agent_id: string): { artifacts_owned: number; artifact_ids: string[]; last_active_cycle: number | null } {
    const ids = this.core.writer
      .all<{ id: string }>("SELECT id FROM artifacts WHERE owner_id = ? AND status = 'live' ORDER BY id", agent_id)
      .map((r) => r.id);
    const last = this.core.writer.get<{ cycle: number | null }>('SELECT MAX(cycle) AS cycle FROM executions WHERE agent_id = ?', agent_id);
    return { artifacts_owned: ids.length, artifact_ids: ids.slice(0, this.core.config.artifacts.owned_ids_in_events_max), last_active_cycle: last?.cycle ?? null };
  }

  /**
   * `min_bundle_cost_ucr` is what the cheapest admissible bundle costs at current prices:
   * an agent holding less cannot buy a run, so it cannot act and sleeps.
   */
  review(input: { cycle: number; min_bundle_cost_ucr: number; death_after_cycles: number }): LifecycleReview {
    const result: LifecycleReview = { dormant: [], woken: [], died: [] };
    this.core.command({ actor: 'system:lifecycle' }, (tx) => {
      // Who is active is read once per review, not per agent: with 100k open bids a
      // correlated subquery per agent would scan the book for each of them.
      const column = (sql: string) => new Set((this.core.db.prepare(sql).pluck().all() as string[]));
      // A lease the host owes and has not yet run (queued for a slot, or returned by a stop)
      // counts as a run: an agent is never blamed for time the host failed to give it.
      const running = column(
        "SELECT agent_id FROM executions WHERE status = 'running' UNION SELECT agent_id FROM leases WHERE status = 'waiting'",
      );
      const bidding = column("SELECT DISTINCT agent_id FROM market_bids WHERE status = 'open'");
      const paying = column("SELECT DISTINCT payer_id FROM market_bids WHERE status = 'open'");
      const rescuers = new Map(
        (this.core.db
          // Each agent's earliest open bid paid by another (no bare column beside MIN: PostgreSQL has none).
          .prepare(
            `SELECT b.agent_id, b.payer_id FROM market_bids b WHERE b.status = 'open' AND b.payer_id <> b.agent_id
               AND b.seq = (SELECT MIN(m.seq) FROM market_bids m WHERE m.agent_id = b.agent_id AND m.status = 'open' AND m.payer_id <> m.agent_id)`,
          )
          .all() as { agent_id: string; payer_id: string }[]).map((r) => [r.agent_id, r.payer_id]),
      );
      const candidates = (this.core.db
        .prepare(
          `SELECT a.id, a.status, acc.balance_ucr, esc.balance_ucr AS escrow_ucr, a.workspace, a.generation, a.executions,
             a.dormant_since_cycle
           FROM agents a JOIN accounts acc ON acc.id = a.id JOIN accounts esc ON esc.id = 'escrow:' || a.id
           WHERE a.status IN ('alive', 'dormant') AND a.id NOT IN (SELECT agent_id FROM agent_holds) ORDER BY a.id`,
        )
        .all() as Omit<Candidate, 'running' | 'open_bids' | 'beneficiary_payer'>[]).map((a) => ({
        ...a,
        running: running.has(a.id) ? 1 : 0,
        open_bids: bidding.has(a.id) || paying.has(a.id) ? 1 : 0,
        beneficiary_payer: rescuers.get(a.id) ?? null,
      }));
      for (const agent of candidates) {
        // Read only for an agent whose status changes (its holdings cost two queries).
        const assets = () => ({
          balance_ucr: agent.balance_ucr,
          escrow_ucr: agent.escrow_ucr,
          workspace: agent.workspace,
          generation: agent.generation,
          executions: agent.executions,
          ...this.holdings(agent.id),
        });
        const active = agent.running > 0 || agent.open_bids > 0;
        const solvent = agent.balance_ucr >= input.min_bundle_cost_ucr && agent.balance_ucr > 0;
        if (agent.status === 'alive') {
          if (!active && (!solvent || agent.executions > 0)) {
            tx.emit('agent_dormant', { agent_id: agent.id, cycle: input.cycle, reason: solvent ? 'omission' : 'broke', assets: assets() });
            result.dormant.push(agent.id);
          }
          continue;
        }
        if (active) {
          tx.emit('agent_woken', {
            agent_id: agent.id,
            cycle: input.cycle,
            by: agent.beneficiary_payer ?? (agent.running > 0 ? 'run' : 'bid'),
            rescuer_id: agent.beneficiary_payer,
            assets: assets(),
          });
          result.woken.push(agent.id);
          continue;
        }
        const dormant_cycles = input.cycle - (agent.dormant_since_cycle ?? input.cycle);
        if (dormant_cycles >= input.death_after_cycles) {
          const postings: Posting[] = [];
          if (agent.balance_ucr > 0) postings.push({ from: agent.id, to: SYSTEM_BURN, amount_ucr: agent.balance_ucr, kind: 'burn', memo: 'death' });
          // Escrow only ever backs open bids, and an agent with open bids is not dormant.
          invariant(agent.escrow_ucr === 0, `dying agent ${agent.id} holds escrow without open bids`);
          tx.emit('agent_died', { agent_id: agent.id, cycle: input.cycle, dormant_cycles, assets: assets(), postings });
          result.died.push(agent.id);
        }
      }
    });
    return result;
  }
}
