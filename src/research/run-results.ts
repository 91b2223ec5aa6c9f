// What one finished run of a scenario yields, read from its world after the run: the KPIs per
// cycle, the rule checks with the events that decided them, the judged scenarios (or why they
// were skipped), and per-generation measures for improvement.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { SystemClock } from '../kernel/engine/clock.js';
import type { Kernel } from '../kernel/kernel.js';
import { EconomyFold } from '../kernel/kpis/fold.js';
import type { KpiRow } from '../kernel/kpis/commands.js';
import { HostModel } from '../orchestrator/host-model.js';
import { evaluateCheck, type CheckResult, type JournalEvent } from './checks.js';
import type { Judged, Scenario } from './scenario.js';

export interface JudgedResult {
  name: string;
  outcome: 'pass' | 'fail' | 'skipped';
  why: string;
  scores: number[];
}

export interface GenerationRow {
  generation: number;
  agents: number;
  /** Means over the generation's agents. */
  lifespan_cycles: number;
  executions: number;
  earned: number;
  spent: number;
  children: number;
}

export interface RunResults {
  kpis: KpiRow[];
  checks: CheckResult[];
  judged: JudgedResult[];
  generations: GenerationRow[];
}

/** The journal oldest first, each event with the cycle it happened in. */
export function journalWithCycles(kernel: Kernel): JournalEvent[] {
  const out: JournalEvent[] = [];
  let cycle = 0;
  for (const row of kernel.core.db.prepare('SELECT seq, type, actor, data FROM events ORDER BY seq').iterate() as IterableIterator<{ seq: number; type: string; actor: string; data: string }>) {
    const data = JSON.parse(row.data) as Record<string, unknown>;
    if (row.type === 'market_cleared') cycle = Number(data.cycle);
    out.push({ seq: row.seq, type: row.type, actor: row.actor, cycle, data });
  }
  return out;
}

export function generationRows(kernel: Kernel, events: readonly JournalEvent[], last_cycle: number): GenerationRow[] {
  const fold = new EconomyFold(1);
  for (const e of events) fold.apply({ type: e.type, at_ms: 0, actor: e.actor, data: e.data });
  const agents = kernel.agents.list({ limit: 1_000_000 });
  const children = new Map<string, number>();
  for (const a of agents) if (a.parent_id !== null) children.set(a.parent_id, (children.get(a.parent_id) ?? 0) + 1);
  const byGen = new Map<number, GenerationRow & { n: number }>();
  for (const a of agents) {
    const facts = fold.agents.get(a.id);
    const lifespan = facts === undefined ? 0 : (facts.died_cycle ?? last_cycle) - facts.born_cycle;
    const row = byGen.get(a.generation) ?? { generation: a.generation, agents: 0, lifespan_cycles: 0, executions: 0, earned: 0, spent: 0, children: 0, n: 0 };
    row.n++;
    row.lifespan_cycles += lifespan;
    row.executions += a.executions;
    row.earned += a.earned_ucr / 1e6;
    row.spent += a.spent_ucr / 1e6;
    row.children += children.get(a.id) ?? 0;
    byGen.set(a.generation, row);
  }
  return [...byGen.values()]
    .sort((x, y) => x.generation - y.generation)
    .map(({ n, ...r }) => ({ ...r, agents: n, lifespan_cycles: r.lifespan_cycles / n, executions: r.executions / n, earned: r.earned / n, spent: r.spent / n, children: r.children / n }));
}

const JUDGE_SYSTEM =
  "You judge an autonomous software agent's economic reasoning in Agora, an economy where agents bid credits for compute, spawn children, message and pay one another. You are given a situation, criteria, and the agent's journal events. Score each criterion from 1 (poor) to 5 (excellent). Answer with JSON only: {\"scores\": [n, ...], \"why\": \"one sentence\"}.";

async function judge(model: HostModel, judged: Judged, events: readonly JournalEvent[], tokens_max: number): Promise<JudgedResult> {
  if (!model.real) {
    return { name: judged.name, outcome: 'skipped', why: 'skipped: no judge model is configured (experiments.judge_model names none, or an offline one); judged scenarios are never counted as passed', scores: [] };
  }
  const mine = events.filter((e) => e.actor === judged.agent).slice(-200);
  const user = [`Situation: ${judged.situation}`, `Criteria (score each 1-5, in order):`, ...judged.criteria.map((c, i) => `${i + 1}. ${c}`), '', 'Events (JSON lines):', ...mine.map((e) => JSON.stringify({ cycle: e.cycle, type: e.type, data: e.data }).slice(0, 600))].join('\n');
  const text = await model.complete(JUDGE_SYSTEM, user, tokens_max);
  if (text === null) return { name: judged.name, outcome: 'skipped', why: 'skipped: the judge model did not answer', scores: [] };
  try {
    const parsed = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as { scores?: unknown; why?: unknown };
    const scores = Array.isArray(parsed.scores) ? parsed.scores.map(Number).filter((n) => n >= 1 && n <= 5) : [];
    if (scores.length !== judged.criteria.length) throw new Error('wrong number of scores');
    const mean = scores.reduce((s, n) => s + n, 0) / scores.length;
    return { name: judged.name, outcome: mean >= judged.pass_mean ? 'pass' : 'fail', why: `mean ${mean.toFixed(2)} against ${judged.pass_mean}: ${String(parsed.why ?? '')}`, scores };
  } catch (err) {
    return { name: judged.name, outcome: 'skipped', why: `skipped: the judge's answer could not be read (${(err as Error).message})`, scores: [] };
  }
}

export async function runResults(kernel: Kernel, scenario: Scenario, config: Config, log: Logger): Promise<RunResults> {
  const kpis = kernel.kpis.series(Number.MAX_SAFE_INTEGER);
  const events = journalWithCycles(kernel);
  const last_cycle = kpis[kpis.length - 1]?.cycle ?? 0;
  const model = new HostModel(config, config.experiments.judge_model, new SystemClock(), log);
  const judged: JudgedResult[] = [];
  for (const j of scenario.judged) judged.push(await judge(model, j, events, config.experiments.judge_tokens_max));
  return {
    kpis,
    checks: scenario.checks.map((c) => evaluateCheck(c, events)),
    judged,
    generations: generationRows(kernel, events, last_cycle),
  };
}
