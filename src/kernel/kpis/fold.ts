// The economy as the KPIs see it, folded from journal events one at a time: holdings per
// agent, births and deaths with their causes, dormancy and recovery, each agent's recent
// action mix, and the cycle's money flows. Pure (no database): the recorder feeds it the
// journal, tests feed it a hand-built one. `closeCycle` ends a cycle's window.
import { accountOwner } from '../ledger/accounts.js';
import type { Posting } from '../ledger/events.js';

/** The part of a journal event the fold reads. */
export interface FoldEvent {
  type: string;
  at_ms: number;
  actor: string;
  data: Record<string, unknown>;
}

export type DeathCause = 'broke' | 'omission' | 'killed';

export interface AgentFacts {
  id: string;
  parent_id: string | null;
  lineage: string[];
  born_cycle: number;
  died_cycle: number | null;
  dormant_reason: 'broke' | 'omission' | null;
  /** Balance plus escrow, µcr. */
  holdings_ucr: number;
}

/** Money movements and life events of the window since the last closeCycle. */
export interface CycleWindow {
  /** Credits agents spent: transfers, resources, fees, spawn gifts (not deaths' burns, not escrow moves). */
  spent_ucr: number;
  /** Of which moved to another agent (transfers, spawn gifts). */
  agent_to_agent_ucr: number;
  births: number;
  deaths: Record<DeathCause, number>;
  went_dormant: number;
  woken: number;
  /** Settled calls of code artifacts by a caller other than the artifact's owner. */
  artifact_calls: number;
}

/** Postings that are an agent spending: from an agent's account (or escrow) to someone else. */
const SPENDING_KINDS = new Set(['transfer', 'burn', 'fee', 'spawn']);
/** What a death or a kill burns is not spending. */
const NOT_SPENDING_EVENTS = new Set(['agent_died', 'agent_killed']);

function emptyWindow(): CycleWindow {
  return { spent_ucr: 0, agent_to_agent_ucr: 0, births: 0, deaths: { broke: 0, omission: 0, killed: 0 }, went_dormant: 0, woken: 0, artifact_calls: 0 };
}

export class EconomyFold {
  readonly agents = new Map<string, AgentFacts>();
  /** Per cycle (newest last), each agent's count of actions by event type. */
  readonly actions: Map<string, Map<string, number>>[] = [new Map()];
  window: CycleWindow = emptyWindow();
  /** Since the world began. */
  went_dormant_total = 0;
  woken_total = 0;
  /** Per code artifact ever published: settled calls by callers other than its owner, since the world began. */
  readonly artifact_calls = new Map<string, number>();
  /** The cycle being folded: the last market_cleared's. */
  cycle = 0;

  constructor(private readonly action_window_cycles: number) {}

  apply(event: FoldEvent): void {
    const d = event.data;
    switch (event.type) {
      case 'market_cleared':
        this.cycle = Number(d.cycle);
        break;
      case 'agent_created': {
        const id = String(d.agent_id);
        this.agents.set(id, {
          id,
          parent_id: (d.parent_id as string | null) ?? null,
          lineage: (d.lineage as string[]) ?? [],
          born_cycle: this.cycle,
          died_cycle: null,
          dormant_reason: null,
          holdings_ucr: 0,
        });
        this.window.births++;
        break;
      }
      case 'agent_dormant': {
        const a = this.agents.get(String(d.agent_id));
        if (a !== undefined) a.dormant_reason = d.reason as 'broke' | 'omission';
        this.window.went_dormant++;
        this.went_dormant_total++;
        break;
      }
      case 'agent_woken': {
        const a = this.agents.get(String(d.agent_id));
        if (a !== undefined) a.dormant_reason = null;
        this.window.woken++;
        this.woken_total++;
        break;
      }
      case 'artifact_published':
        if (d.kind === 'code') this.artifact_calls.set(String(d.artifact_id), this.artifact_calls.get(String(d.artifact_id)) ?? 0);
        break;
      case 'artifact_call_settled':
        // Reuse is another's call: an owner calling its own tool reuses nothing.
        if (d.caller_id !== d.owner_id) {
          const id = String(d.artifact_id);
          this.artifact_calls.set(id, (this.artifact_calls.get(id) ?? 0) + 1);
          this.window.artifact_calls++;
        }
        break;
      case 'agent_died':
      case 'agent_killed': {
        const a = this.agents.get(String(d.agent_id));
        const cause: DeathCause = event.type === 'agent_killed' ? 'killed' : (a?.dormant_reason ?? 'broke');
        if (a !== undefined) a.died_cycle = this.cycle;
        this.window.deaths[cause]++;
        break;
      }
    }
    this.countAction(event);
    const postings = d.postings as Posting[] | undefined;
    if (Array.isArray(postings)) for (const p of postings) this.applyPosting(p, event.type);
  }

  private countAction(event: FoldEvent): void {
    // An action is what an agent did itself: an event it is the actor of.
    const agent = this.agents.get(event.actor);
    if (agent === undefined) return;
    const current = this.actions[this.actions.length - 1]!;
    const mix = current.get(agent.id) ?? new Map<string, number>();
    mix.set(event.type, (mix.get(event.type) ?? 0) + 1);
    current.set(agent.id, mix);
  }

  private applyPosting(p: Posting, event_type: string): void {
    const from = accountOwner(p.from);
    const to = accountOwner(p.to);
    const payer = from === null ? undefined : this.agents.get(from);
    const payee = to === null ? undefined : this.agents.get(to);
    if (payer !== undefined) payer.holdings_ucr -= p.amount_ucr;
    if (payee !== undefined) payee.holdings_ucr += p.amount_ucr;
    if (from === null || from === to || !SPENDING_KINDS.has(p.kind) || NOT_SPENDING_EVENTS.has(event_type)) return;
    this.window.spent_ucr += p.amount_ucr;
    if (to !== null) this.window.agent_to_agent_ucr += p.amount_ucr;
  }

  living(): AgentFacts[] {
    return [...this.agents.values()].filter((a) => a.died_cycle === null);
  }

  /** Each agent's action counts over the last action_window_cycles cycles. */
  recentActions(): Map<string, Map<string, number>> {
    const total = new Map<string, Map<string, number>>();
    for (const cycle of this.actions) {
      for (const [agent, mix] of cycle) {
        const into = total.get(agent) ?? new Map<string, number>();
        for (const [type, n] of mix) into.set(type, (into.get(type) ?? 0) + n);
        total.set(agent, into);
      }
    }
    return total;
  }

  /** Ends the window: what the next cycle's flows are counted from. */
  closeCycle(): void {
    this.window = emptyWindow();
    this.actions.push(new Map());
    while (this.actions.length > this.action_window_cycles) this.actions.shift();
  }
}
