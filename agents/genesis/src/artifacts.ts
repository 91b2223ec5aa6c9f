// The agent's part in the artifact ecology (docs/artifacts.md; docs/society.md, "Tools"): it
// publishes one tool built from the market history it has seen (a price forecaster or a bid
// advisor, by its tool_kind gene, priced by its tool_price gene), keeps it fresh with new
// versions, lowers its price when nobody buys and raises it when many do (the gene moves, so
// children inherit what the market paid for), and before bidding buys another agent's tool and
// bids with what it answered. It remembers how accurate each tool it bought turned out to be
// (its forecast against the price the market then set) and buys the best one again, trying an
// unknown one now and then. Every step says why in the run's trace.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, type Client } from './client.js';
import { creditsText, strategyBundle, toUcr, type BidPlan, type Prices } from './decide.js';
import type { Env } from './env.js';
import type { Rng } from './rng.js';
import { GENES, type Strategy } from './strategy.js';
import { toolInterface, toolSource, type PriceHistory, type ToolKind } from './toolcode.js';

/** What a run of the agent remembers about tools between runs (tools.json). */
export interface ToolMemory {
  agent_id: string;
  own: { id: string; kind: ToolKind; version: number; updated_run: number; price: number; window: number } | null;
  /** Runs in a row in which its tool earned nothing. */
  idle_runs: number;
  /** Per tool bought: calls, failures, and the mean relative error of its forecasts (null until judged). */
  scores: Record<string, { owner: string; tool: ToolKind; calls: number; failures: number; error: number | null }>;
  /** The last answer bought, to be judged against the price the market set at cycle for_cycle's clearing. */
  pending: { artifact_id: string; for_cycle: number; cpu: number; memory: number } | null;
}

const FILE = 'tools.json';
const HISTORY_CYCLES = 60;
/** What one call's sandbox may use: a node tool needs about 0.05 CPU-s and 40 MB. */
const ALLOWANCE = { cpu_ms: 1000, memory_mb: 64, wall_ms: 3000 };
/** The share of consultations that try a tool not bought before. */
const EXPLORE = 0.35;
/** Runs without a sale after which the price drops, and the sales in one run that raise it. */
const IDLE_RUNS_PRICE_DROP = 6;
const SALES_PRICE_RISE = 3;
const PUBLISH_FEE_GUESS = 0.2;

interface ListedArtifact {
  id: string;
  kind: string;
  owner_id: string;
  name: string;
  call_price: number;
  status: string;
  successes?: number;
}

export function loadToolMemory(dir: string, agent_id: string): ToolMemory {
  const fresh: ToolMemory = { agent_id, own: null, idle_runs: 0, scores: {}, pending: null };
  try {
    const raw = JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as Partial<ToolMemory>;
    // A copy of the parent's memory (spawn with copy_self) is the parent's: the child starts afresh.
    if (raw.agent_id !== agent_id) return fresh;
    return { ...fresh, ...raw, scores: raw.scores !== null && typeof raw.scores === 'object' ? raw.scores : {} };
  } catch {
    return fresh;
  }
}

export function saveToolMemory(dir: string, memory: ToolMemory): void {
  const path = join(dir, FILE);
  writeFileSync(path + '.tmp', JSON.stringify(memory, null, 2) + '\n');
  renameSync(path + '.tmp', path);
}

export const toolKindOf = (s: Strategy): ToolKind => (s.tool_kind < 1 ? 'forecast' : 'advise_bid');

/** The market's price history, oldest first, as the tools use it; null if the host has none. */
export async function observeMarket(api: Client): Promise<PriceHistory | null> {
  type Point = { cycle: number; price: number; next_price: number };
  const history = await api.get<{ prices: { cpu: Point[]; memory: Point[] } }>(`/market/history?trades=1&cycles=${HISTORY_CYCLES}`).catch(() => null);
  if (history === null) return null;
  // Each clearing's next_price is the price the following cycle trades at.
  const series = (points: Point[]) => [...points].sort((a, b) => a.cycle - b.cycle);
  const cpu = series(history.prices.cpu);
  const memory = series(history.prices.memory);
  if (cpu.length === 0 || memory.length === 0) return null;
  return { cpu: cpu.map((p) => p.next_price), memory: memory.map((p) => p.next_price), as_of_cycle: Math.max(cpu[cpu.length - 1]!.cycle, memory[memory.length - 1]!.cycle) };
}

/** Keeps a gene in its bounds, as strategy.ts does. */
function setGene(strategy: Strategy, name: 'tool_price', value: number): void {
  strategy[name] = Number(Math.min(GENES[name].max, Math.max(GENES[name].min, value)).toPrecision(4));
}

/**
 * Publishes this agent's tool if it has none, or a new version when its history is stale or its
 * price moved. Returns what it did, for the trace.
 */
export async function tendOwnTool(
  ctx: { api: Client; env: Env; strategy: Strategy; memory: ToolMemory; history: PriceHistory; run: number; spare_ucr: number },
  notes: string[],
): Promise<string> {
  const { api, env, strategy, memory, history } = ctx;
  const earned = env.artifacts?.earned_since_last_run ?? { calls: 0, reads: 0, settled_calls: 0 };
  // The host says what we own: a tool deleted or gone is forgotten.
  if (memory.own !== null && env.artifacts != null && !env.artifacts.owned.some((a) => a.id === memory.own!.id)) memory.own = null;
  // A tool the host says we own but tools.json forgot (a run stopped before saving): take it up again rather than publish another.
  const forgotten = memory.own === null ? env.artifacts?.owned.find((a) => a.kind === 'code' && /^(price forecaster|bid advisor) of /.test(a.name)) : undefined;
  if (forgotten !== undefined) {
    const kind: ToolKind = forgotten.name.startsWith('price forecaster') ? 'forecast' : 'advise_bid';
    memory.own = { id: forgotten.id, kind, version: forgotten.latest_version, updated_run: 0, price: forgotten.call_price, window: Math.round(strategy.tool_window) };
  }
  const sold = earned.settled_calls > 0 ? `earned ${creditsText(toUcr(earned.calls))} from ${earned.settled_calls} calls` : 'no sales';
  let price_note = '';
  if (memory.own !== null) {
    memory.idle_runs = earned.settled_calls > 0 ? 0 : memory.idle_runs + 1;
    if (memory.idle_runs >= IDLE_RUNS_PRICE_DROP) {
      setGene(strategy, 'tool_price', strategy.tool_price * 0.8);
      memory.idle_runs = 0;
      price_note = `, no sale in ${IDLE_RUNS_PRICE_DROP} runs: price down to ${strategy.tool_price}`;
    } else if (earned.settled_calls >= SALES_PRICE_RISE) {
      setGene(strategy, 'tool_price', strategy.tool_price * 1.15);
      price_note = `, ${earned.settled_calls} sales: price up to ${strategy.tool_price}`;
    }
  }
  const kind = toolKindOf(strategy);
  const params = { window: Math.round(strategy.tool_window), markup: strategy.tool_markup };
  const files = [{ name: 'index.js', content: toolSource(kind, history, params) }];
  const iface = toolInterface(kind, strategy.tool_price);
  try {
    if (memory.own === null) {
      if (ctx.spare_ucr < toUcr(PUBLISH_FEE_GUESS + 1)) return 'own tool: none yet (too poor to publish)';
      const what = kind === 'forecast' ? 'price forecaster' : 'bid advisor';
      const published = await api.post<{ artifact_id: string; version: number; fee: number }>('/artifacts', {
        kind: 'code',
        name: `${what} of ${env.agent_id}`,
        description: `A ${what} built from the market history ${env.agent_id} has seen (Holt smoothing over ${params.window} points${kind === 'advise_bid' ? `, markup ${params.markup}` : ''}); refreshed every ${strategy.tool_update_runs} runs.`,
        tags: ['market', kind === 'forecast' ? 'forecast' : 'bid-advice', 'genesis'],
        files,
        entry: 'index.js',
        interface: iface,
      });
      memory.own = { id: published.artifact_id, kind, version: published.version, updated_run: ctx.run, price: strategy.tool_price, window: params.window };
      memory.idle_runs = 0;
      return `own tool: published ${published.artifact_id} (${kind}, ${strategy.tool_price}/call, window ${params.window}; fee ${published.fee})`;
    }
    const own = memory.own;
    const stale = ctx.run - own.updated_run >= strategy.tool_update_runs;
    if (!stale && own.price === strategy.tool_price) return `own tool: ${own.id} v${own.version} ${own.kind} ${own.price}/call, ${sold}${price_note}`;
    const version = await api.post<{ version: number }>(`/artifacts/${own.id}/versions`, { replaces_version: own.version, files, entry: 'index.js', interface: iface });
    memory.own = { ...own, version: version.version, updated_run: ctx.run, price: strategy.tool_price, kind, window: params.window };
    return `own tool: ${own.id} v${version.version} (${stale ? `history to cycle ${history.as_of_cycle}` : 'new price'}) ${strategy.tool_price}/call, ${sold}${price_note}`;
  } catch (err) {
    if (err instanceof ApiError && err.status === 409 && memory.own !== null) {
      // Someone (we, in a run that died before saving) wrote a newer version: take it up next run.
      const latest = (err.details as { latest_version?: number } | null)?.latest_version;
      if (typeof latest === 'number') memory.own.version = latest;
    } else if (err instanceof ApiError && err.status === 410) {
      memory.own = null;
    }
    if (!(err instanceof ApiError && err.status === 404)) notes.push(`tool: ${String(err)}`);
    return 'own tool: not updated';
  }
}

/** Judges the last answer bought against the prices the market then set (mean relative error). */
export function judgePending(memory: ToolMemory, history: PriceHistory): string | null {
  const p = memory.pending;
  if (p === null || history.as_of_cycle < p.for_cycle) return null;
  // The series' last point is the price the clearing of as_of_cycle set.
  const at = (series: number[]) => series[series.length - 1 - (history.as_of_cycle - p.for_cycle)];
  const cpu = at(history.cpu);
  const mem = at(history.memory);
  memory.pending = null;
  const score = memory.scores[p.artifact_id];
  if (cpu === undefined || mem === undefined || score === undefined) return null;
  const error = (Math.abs(p.cpu - cpu) / cpu + Math.abs(p.memory - mem) / mem) / 2;
  score.error = score.error === null ? error : (score.error + error) / 2;
  return `${p.artifact_id} was off by ${(error * 100).toFixed(1)}%`;
}

/** Which tool to buy: the most accurate known one, or (sometimes, or when none is known) one not tried yet. */
export function chooseTool(candidates: ListedArtifact[], memory: ToolMemory, rng: Rng): { artifact: ListedArtifact; why: string } | null {
  if (candidates.length === 0) return null;
  const known = candidates.filter((c) => memory.scores[c.id]?.error != null);
  const untried = candidates.filter((c) => memory.scores[c.id] === undefined);
  if (known.length === 0 || (untried.length > 0 && rng.next() < EXPLORE)) {
    const pool = untried.length > 0 ? untried : candidates;
    // The directory ranks proven tools first; take one of its first few.
    const artifact = pool[Math.floor(rng.next() * Math.min(3, pool.length))]!;
    return { artifact, why: untried.length > 0 ? 'trying a new one' : 'no record yet' };
  }
  const quality = (c: ListedArtifact) => {
    const s = memory.scores[c.id]!;
    return (s.error ?? 1) + s.failures / Math.max(1, s.calls);
  };
  const best = [...known].sort((a, b) => quality(a) - quality(b) || a.call_price - b.call_price)[0]!;
  return { artifact: best, why: `most accurate so far (${((memory.scores[best.id]!.error ?? 0) * 100).toFixed(1)}% off)` };
}

/**
 * Keeps a bid plan's amount at what an advisor said, within what the plan allows: at least the
 * bundle's value, at most the balance, its markup only from money beyond reserve_runs runs.
 */
export function applyAdvice(plan: BidPlan, advised_ucr: number, balance_ucr: number, strategy: Strategy): BidPlan {
  if (plan.kind !== 'bid') return plan;
  const spare_ucr = Math.max(0, balance_ucr - strategy.reserve_runs * plan.reserve_ucr);
  const most_ucr = Math.min(balance_ucr, plan.reserve_ucr + spare_ucr);
  const amount_ucr = Math.max(plan.reserve_ucr, Math.min(advised_ucr, most_ucr));
  if (amount_ucr > balance_ucr) return plan;
  return { ...plan, amount_ucr, why: `${plan.why}; advisor said ${creditsText(advised_ucr)}: bid ${creditsText(amount_ucr)} instead of ${creditsText(plan.amount_ucr)}` };
}

/**
 * Buys one answer from another agent's tool (with probability tool_call_rate, and only from
 * money beyond the reserve): a forecast raises the prices the bid is planned at to what the
 * market is expected to ask next cycle, so a queued bid is not overtaken; an advisor's bid is
 * taken within the plan's bounds.
 */
export async function consultTools(
  ctx: { api: Client; env: Env; strategy: Strategy; memory: ToolMemory; history: PriceHistory; prices: Prices; rng: Rng; spare_ucr: number },
  notes: string[],
): Promise<{ prices: Prices; advised_ucr: number | null; text: string }> {
  const { api, env, strategy, memory, rng } = ctx;
  const none = (text: string) => ({ prices: ctx.prices, advised_ucr: null, text });
  if (rng.next() >= strategy.tool_call_rate) return none('bought nothing (not this run)');
  // The price plus what the call's sandbox may use must come from money beyond the reserve.
  const hold_credits = (ALLOWANCE.cpu_ms / 1000) * ctx.prices.cpu + ALLOWANCE.memory_mb * ctx.prices.memory;
  if (ctx.spare_ucr < toUcr(strategy.tool_budget + hold_credits)) return none('bought nothing (no spare money)');
  const first: ToolKind = rng.next() < 0.5 ? 'forecast' : 'advise_bid';
  let chosen: { artifact: ListedArtifact; why: string; tool: ToolKind } | null = null;
  for (const tool of [first, first === 'forecast' ? 'advise_bid' : 'forecast'] as ToolKind[]) {
    const listed = await api
      .get<{ items: ListedArtifact[] }>(`/artifacts?kind=code&tool=${tool}&price_max=${strategy.tool_budget.toFixed(6)}&limit=20`)
      .then((r) => r.items, () => [] as ListedArtifact[]);
    const candidates = listed.filter((a) => a.owner_id !== env.agent_id && a.status === 'live');
    const pick = chooseTool(candidates, memory, rng);
    if (pick !== null) {
      chosen = { ...pick, tool };
      break;
    }
  }
  if (chosen === null) return none(`bought nothing (no tool of another agent within ${strategy.tool_budget})`);
  const { artifact, tool } = chosen;
  const bundle = strategyBundle(strategy, false);
  // The price the next clearing sets: what a bid placed now pays if it waits a cycle in the queue.
  const for_cycle = ctx.history.as_of_cycle + 1;
  const args = tool === 'forecast' ? { for_cycle } : { bundle: { cpu: bundle.cpu, memory: bundle.memory }, balance: Number(creditsText(ctx.spare_ucr)), for_cycle };
  const score = (memory.scores[artifact.id] ??= { owner: artifact.owner_id, tool, calls: 0, failures: 0, error: null });
  score.calls++;
  type Answer = { output: Record<string, any>; price: number; resources: unknown };
  try {
    const answer = await api.post<Answer>(`/artifacts/${artifact.id}/invoke`, { tool, args, max_price: strategy.tool_budget.toFixed(6), allowance: ALLOWANCE });
    const out = answer.output;
    const forecast = tool === 'forecast' ? { cpu: Number(out.cpu?.price), memory: Number(out.memory?.price) } : { cpu: Number(out.cpu_price), memory: Number(out.memory_price) };
    const paid = `${artifact.id} ${tool} of ${artifact.owner_id} (${chosen.why}) for ${answer.price}`;
    if (!(forecast.cpu > 0) || !(forecast.memory > 0)) return none(`bought ${paid}: an answer without prices, ignored`);
    memory.pending = { artifact_id: artifact.id, for_cycle, cpu: forecast.cpu, memory: forecast.memory };
    const prices: Prices = { ...ctx.prices, cpu: Math.max(ctx.prices.cpu, forecast.cpu), memory: Math.max(ctx.prices.memory, forecast.memory) };
    const raised = prices.cpu > ctx.prices.cpu || prices.memory > ctx.prices.memory;
    const seen = `memory ${ctx.prices.memory.toPrecision(3)}->${forecast.memory.toPrecision(3)}, cpu ${ctx.prices.cpu.toPrecision(3)}->${forecast.cpu.toPrecision(3)}`;
    const advised_ucr = tool === 'advise_bid' && Number.isFinite(Number(out.amount)) ? toUcr(Number(out.amount)) : null;
    return { prices, advised_ucr, text: `bought ${paid}: ${seen}${raised ? ', bid planned at the higher prices' : ', prices held'}` };
  } catch (err) {
    score.failures++;
    const code = err instanceof ApiError ? err.code : String(err);
    return none(`call of ${artifact.id} failed (${code}), bid planned without it`);
  }
}

/**
 * Share of the lease after which the run buys nothing more, and after which it leaves its own
 * tool as it is: the bid must be placed well before the lease ends (a run still going when its
 * own next bid wins has that lease merged into this one, and ends without a bid).
 */
const CONSULT_BY_LEASE_SHARE = 0.5;
const TEND_BY_LEASE_SHARE = 0.5;

export interface ToolsPhase {
  /** The prices to plan the bid with (never below the market's). */
  prices: Prices;
  /** The plan after any bid advice bought. */
  advise(plan: BidPlan, balance_ucr: number): BidPlan;
  /** After the bid: publish or refresh its own tool. Returns the trace line of both phases. */
  tend(spare_ucr: number): Promise<string>;
}

/**
 * The run's part in the ecology, in two phases around its bid: before, judge the last answer it
 * bought and buy one; after, tend its own tool (publishing does not change the bid, so it waits).
 */
export async function useArtifacts(
  ctx: { api: Client; env: Env; dir: string; strategy: Strategy; rng: Rng; prices: Prices; run: number; spare_ucr: number },
  notes: string[],
): Promise<ToolsPhase> {
  const memory = loadToolMemory(ctx.dir, ctx.env.agent_id);
  const history = await observeMarket(ctx.api);
  if (history === null) return { prices: ctx.prices, advise: (plan) => plan, tend: async () => 'no market history' };
  const lease_s = ctx.env.lease_s ?? ctx.strategy.lease_s;
  const judged = judgePending(memory, history);
  const late = (share: number) => process.uptime() > lease_s * share;
  const bought = late(CONSULT_BY_LEASE_SHARE)
    ? { prices: ctx.prices, advised_ucr: null, text: `bought nothing (run already ${process.uptime().toFixed(1)} s old)` }
    : await consultTools({ ...ctx, memory, history }, notes);
  const advised = bought.advised_ucr;
  return {
    prices: bought.prices,
    advise: (plan, balance_ucr) => (advised === null ? plan : applyAdvice(plan, advised, balance_ucr, ctx.strategy)),
    tend: async (spare_ucr) => {
      const own = late(TEND_BY_LEASE_SHARE) ? 'own tool: left as it is (late in the lease)' : await tendOwnTool({ ...ctx, memory, history, spare_ucr }, notes);
      if (existsSync(ctx.dir)) saveToolMemory(ctx.dir, memory);
      return [own, bought.text, judged === null ? '' : `judged: ${judged}`].filter((x) => x !== '').join('; ');
    },
  };
}
