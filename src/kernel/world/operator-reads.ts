// Read-only queries behind the operator's dashboard: the world at a glance, per-cycle series,
// the agents table and lineage, and one agent's balance over time. Every query is an index
// range or a bounded page; nothing here scans the journal.
import { SYSTEM_BURN, SYSTEM_HUMAN, SYSTEM_MINT } from '../ledger/accounts.js';
import type { AgentStatus, AgentView } from '../agents/commands.js';
import type { KernelCore } from '../registry.js';
import { invariant } from '../../base/errors.js';
import { RESOURCES, type Resource } from '../resources/units.js';

export interface WorldSummary {
  cycle: number;
  population: Record<AgentStatus, number>;
  /** Agents' spendable balances plus escrow: everything created less everything burned. */
  held_ucr: number;
  escrow_ucr: number;
  minted_ucr: number;
  rewarded_ucr: number;
  burned_ucr: number;
  executions_running: number;
  open_bids: number;
}

/** Per-cycle columns (one entry per cleared cycle, oldest first): ready for a chart. */
export interface CycleSeries {
  cycle: number[];
  at_ms: number[];
  minted_ucr: number[];
  rewarded_ucr: number[];
  burned_ucr: number[];
  alive: number[];
  dormant: number[];
  dead: number[];
  running: number[];
}

export interface PriceSeries {
  cycle: number[];
  price_ncr: number[];
  supply: number[];
  demand: number[];
  allocated: number[];
}

export const AGENT_SORTS = ['id', 'status', 'balance', 'generation', 'executions', 'earned', 'spent', 'created'] as const;
export type AgentSort = (typeof AGENT_SORTS)[number];

const SORT_COLUMNS: Record<AgentSort, string> = {
  id: 'a.id',
  status: 'a.status',
  balance: 'acc.balance_ucr',
  generation: 'a.generation',
  executions: 'a.executions',
  earned: '(acc.earned_ucr + esc.earned_ucr)',
  spent: '(acc.spent_ucr + esc.spent_ucr)',
  created: 'a.created_at_ms',
};

export interface LineageNode {
  id: string;
  parent_id: string | null;
  generation: number;
  status: AgentStatus;
}

export interface BalancePoint {
  at_ms: number;
  seq: number;
  balance_ucr: number;
}

type AgentJoinRow = Omit<AgentView, 'lineage'> & { lineage: string };

export class OperatorReads {
  /**
   * Runs per cycle counted already, by cycle, for cycles that can no longer change: those that
   * cleared before the latest clearing (a run starting now starts after them, and a run still
   * going was counted in them as going). At most operator.series_cycles_max, oldest dropped.
   */
  private readonly ran = new Map<number, number>();

  constructor(private readonly core: KernelCore) {}

  private balance(account_id: string): number {
    return this.core.writer.get<{ balance_ucr: number }>('SELECT balance_ucr FROM accounts WHERE id = ?', account_id)?.balance_ucr ?? 0;
  }

  summary(): WorldSummary {
    return this.core.cachedRead('operator:summary', () => {
      const population: Record<AgentStatus, number> = { alive: 0, dormant: 0, dead: 0 };
      for (const row of this.core.writer.all<{ status: AgentStatus; n: number }>('SELECT status, COUNT(*) AS n FROM agents GROUP BY status')) {
        population[row.status] = row.n;
      }
      const market = this.core.writer.get<{ cycle: number; open_bids: number; open_escrow_ucr: number }>('SELECT cycle, open_bids, open_escrow_ucr FROM market_state WHERE id = 1');
      const minted_ucr = -this.balance(SYSTEM_MINT);
      const rewarded_ucr = -this.balance(SYSTEM_HUMAN);
      const burned_ucr = this.balance(SYSTEM_BURN);
      return {
        cycle: market?.cycle ?? 0,
        population,
        held_ucr: minted_ucr + rewarded_ucr - burned_ucr,
        escrow_ucr: market?.open_escrow_ucr ?? 0,
        minted_ucr,
        rewarded_ucr,
        burned_ucr,
        executions_running: this.core.writer.get<{ n: number }>("SELECT COUNT(*) AS n FROM executions WHERE status = 'running'")!.n,
        open_bids: market?.open_bids ?? 0,
      };
    });
  }

  /**
   * When and why an agent died, from the journal: its agent_died event and the agent_dormant
   * before it (broke: it could afford no bundle; omission: a run ended without a bid). Null
   * for a living agent.
   */
  deathOf(agent_id: string): { at_ms: number; cycle: number; dormant_cycles: number; dormant_reason: string | null; dormant_at_ms: number | null } | null {
    const died = this.core.writer.get<{ at_ms: number; data: string; seq: number }>(
      "SELECT at_ms, data, seq FROM events WHERE type = 'agent_died' AND json_extract(data, '$.agent_id') = ? ORDER BY seq DESC LIMIT 1",
      agent_id,
    );
    if (died === undefined) return null;
    const dormant = this.core.writer.get<{ at_ms: number; data: string }>(
      "SELECT at_ms, data FROM events WHERE type = 'agent_dormant' AND json_extract(data, '$.agent_id') = ? AND seq < ? ORDER BY seq DESC LIMIT 1",
      agent_id, died.seq,
    );
    const data = JSON.parse(died.data) as { cycle: number; dormant_cycles: number };
    return {
      at_ms: died.at_ms,
      cycle: data.cycle,
      dormant_cycles: data.dormant_cycles,
      dormant_reason: dormant === undefined ? null : (JSON.parse(dormant.data) as { reason: string }).reason,
      dormant_at_ms: dormant?.at_ms ?? null,
    };
  }

  /** Runs by state, for `agora status`: running now, and every run the journal has. */
  runCounts(): { running: number; total: number } {
    return this.core.writer.get<{ running: number; total: number }>("SELECT COALESCE(SUM(status = 'running'), 0) AS running, COUNT(*) AS total FROM executions")!;
  }

  /** The last `cycles` cleared cycles, oldest first. */
  cycleSeries(cycles: number): CycleSeries {
    // One row more than asked: its time is where the first cycle shown began.
    const rows = this.core.writer
      .all<{ cycle: number; at_ms: number; minted_ucr: number; rewarded_ucr: number; burned_ucr: number; alive: number; dormant: number; dead: number }>(
        'SELECT cycle, at_ms, minted_ucr, rewarded_ucr, burned_ucr, alive, dormant, dead FROM world_cycles ORDER BY cycle DESC LIMIT ?',
        cycles + 1,
      )
      .reverse();
    const first_prev_at_ms = rows.length > cycles ? rows.shift()!.at_ms : 0;
    const column = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((r) => r[key]);
    return {
      cycle: column('cycle'),
      at_ms: column('at_ms'),
      minted_ucr: column('minted_ucr'),
      rewarded_ucr: column('rewarded_ucr'),
      burned_ucr: column('burned_ucr'),
      alive: column('alive'),
      dormant: column('dormant'),
      dead: column('dead'),
      running: this.runningPerCycle(column('cycle'), column('at_ms'), first_prev_at_ms),
    };
  }

  /**
   * Per cycle, the runs that ran at any moment of it (between the previous clearing and this
   * one), not those running at the clearing itself, when the last lease has ended and the next
   * has not begun, so nearly none are (what the world_cycles column records). A run counts in
   * cycle i when it started by at_ms[i] and had not ended by the clearing before. Only the runs
   * overlapping the cycles shown are read (by their end, executions_ended), and each adds to a
   * range of cycles found by binary search: O(runs shown × log cycles), not cycles × all runs;
   * and only for the cycles not counted before (this.ran), so a dashboard that reloads the
   * series reads the runs of the newest cycle or two.
   */
  private runningPerCycle(cycles: readonly number[], at_ms: readonly number[], first_prev_at_ms: number): number[] {
    const n = at_ms.length;
    if (n === 0) return [];
    const known = (i: number) => this.ran.get(cycles[i]!);
    let first_unknown = 0;
    while (first_unknown < n && known(first_unknown) !== undefined) first_unknown++;
    if (first_unknown === n) return cycles.map((_, i) => known(i)!);
    const counted = this.countRunning(at_ms.slice(first_unknown), first_unknown === 0 ? first_prev_at_ms : at_ms[first_unknown - 1]!);
    const latest_at_ms = at_ms[n - 1]!; // the rows are the newest cycles: this is the latest clearing
    const limit = this.core.config.operator.series_cycles_max;
    counted.forEach((count, j) => {
      const i = first_unknown + j;
      if (at_ms[i]! >= latest_at_ms) return;
      this.ran.set(cycles[i]!, count);
      if (this.ran.size > limit) this.ran.delete(this.ran.keys().next().value!);
    });
    return [...cycles.slice(0, first_unknown).map((_, i) => known(i)!), ...counted];
  }

  private countRunning(at_ms: readonly number[], first_prev_at_ms: number): number[] {
    const n = at_ms.length;
    const prev = (i: number) => (i === 0 ? first_prev_at_ms : at_ms[i - 1]!);
    const last_at_ms = at_ms[n - 1]!;
    const runs = this.core.writer.all<{ started_at_ms: number; ended_at_ms: number | null }>(
      `SELECT started_at_ms, ended_at_ms FROM executions WHERE ended_at_ms > ? AND started_at_ms <= ?
       UNION ALL
       SELECT started_at_ms, ended_at_ms FROM executions WHERE ended_at_ms IS NULL AND started_at_ms <= ?`,
      first_prev_at_ms, last_at_ms, last_at_ms,
    );
    const diff = new Array<number>(n + 1).fill(0);
    for (const run of runs) {
      const from = lowerBound(n, (i) => at_ms[i]! >= run.started_at_ms); // first cycle ending after it started
      const to = run.ended_at_ms === null ? n : lowerBound(n, (i) => prev(i) >= run.ended_at_ms!); // first cycle begun after it ended
      if (from >= to) continue;
      diff[from]!++;
      diff[to]!--;
    }
    const out: number[] = [];
    let running = 0;
    for (let i = 0; i < n; i++) out.push((running += diff[i]!));
    return out;
  }

  /** Each resource's price and use over the last `cycles` cycles, oldest first. */
  priceSeries(cycles: number): Record<Resource, PriceSeries> {
    const out = {} as Record<Resource, PriceSeries>;
    for (const resource of RESOURCES) {
      const rows = this.core.writer
        .all<{ cycle: number; price_ncr: number; supply: number; demand: number; allocated: number }>(
          'SELECT cycle, price_ncr, supply, demand, allocated FROM market_prices WHERE resource = ? ORDER BY cycle DESC LIMIT ?',
          resource, cycles,
        )
        .reverse();
      out[resource] = {
        cycle: rows.map((r) => r.cycle),
        price_ncr: rows.map((r) => r.price_ncr),
        supply: rows.map((r) => r.supply),
        demand: rows.map((r) => r.demand),
        allocated: rows.map((r) => r.allocated),
      };
    }
    return out;
  }

  /** A page of the agents table, sorted on the server so the page is the right one. */
  agents(options: { status?: AgentStatus; search?: string; sort: AgentSort; descending: boolean; offset: number; limit: number }): { total: number; items: AgentView[] } {
    const column = SORT_COLUMNS[options.sort];
    invariant(column !== undefined, `unknown sort ${options.sort}`);
    const where = ['(? IS NULL OR a.status = ?)', "(? IS NULL OR a.id LIKE ? ESCAPE '\\')"];
    const pattern = options.search === undefined ? null : `${options.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const params = [options.status ?? null, options.status ?? null, pattern, pattern];
    const from = `FROM agents a JOIN accounts acc ON acc.id = a.id JOIN accounts esc ON esc.id = 'escrow:' || a.id WHERE ${where.join(' AND ')}`;
    const total = (this.core.db.prepare(`SELECT COUNT(*) AS n ${from}`).get(...params) as { n: number }).n;
    const rows = this.core.db
      .prepare(
        `SELECT a.*, acc.balance_ucr AS balance_ucr, esc.balance_ucr AS escrow_ucr, acc.earned_ucr + esc.earned_ucr AS earned_ucr,
           acc.spent_ucr + esc.spent_ucr AS spent_ucr ${from}
         ORDER BY ${column} ${options.descending ? 'DESC' : 'ASC'}, a.id LIMIT ? OFFSET ?`,
      )
      .all(...params, options.limit, options.offset) as AgentJoinRow[];
    return { total, items: rows.map((row) => ({ ...row, lineage: JSON.parse(row.lineage) as string[] })) };
  }

  /** Who descends from whom: every agent (up to `limit`, oldest first) with its parent. */
  lineage(limit: number): { total: number; nodes: LineageNode[] } {
    const total = this.core.writer.get<{ n: number }>('SELECT COUNT(*) AS n FROM agents')!.n;
    const nodes = this.core.db
      .prepare('SELECT id, parent_id, generation, status FROM agents ORDER BY created_at_ms, id LIMIT ?')
      .all(limit) as LineageNode[];
    return { total, nodes };
  }

  /**
   * The agent's spendable balance after each of its latest `points` postings, oldest first:
   * walked back from the current balance, so no history before them is read.
   */
  balanceSeries(agent_id: string, points: number): BalancePoint[] {
    // Two index range reads (postings_from, postings_to), merged: the newest `points` of either side.
    type Row = { id: number; seq: number; from_id: string; to_id: string; amount_ucr: number; at_ms: number };
    const side = (column: 'from_id' | 'to_id') =>
      this.core.writer.all<Row>(`SELECT id, seq, from_id, to_id, amount_ucr, at_ms FROM postings WHERE ${column} = ? ORDER BY id DESC LIMIT ?`, agent_id, points);
    const postings = [...side('from_id'), ...side('to_id')].sort((a, b) => b.id - a.id).slice(0, points);
    let balance_ucr = this.balance(agent_id);
    const out: BalancePoint[] = [];
    for (const p of postings) {
      out.push({ at_ms: p.at_ms, seq: p.seq, balance_ucr });
      if (p.to_id === agent_id) balance_ucr -= p.amount_ucr;
      if (p.from_id === agent_id) balance_ucr += p.amount_ucr;
    }
    invariant(balance_ucr >= 0, `walking ${agent_id}'s postings back never makes its balance negative`);
    return out.reverse();
  }
}

/** The first index in [0, n) at which `holds` (monotone: false then true) is true, or n. */
function lowerBound(n: number, holds: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (holds(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
