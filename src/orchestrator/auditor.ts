// The auditor (docs/research.md): a read-only observer with no account and no costs. Every
// auditor.every_cycles cycles it compares the KPIs with those at its last report, names the
// ones that moved, the agents that stand out and anything anomalous, and journals the report.
// Templated from the figures, unless auditor.model names a model whose provider is real: then
// the model writes the prose from the same figures (through the LLM proxy's providers, at the
// host's cost), and the template stands in if the call fails.
import type { Logger } from 'pino';
import type { Kernel } from '../kernel/kernel.js';
import type { KpiRow } from '../kernel/kpis/commands.js';
import { microToCredits } from '../kernel/ledger/money.js';
import { HostModel } from './host-model.js';

export interface MovedKpi {
  name: string;
  from: number | null;
  to: number | null;
}

/** KPIs that changed by more than `threshold` of their earlier value (or by more than it from zero, or appeared/vanished). */
export function movedKpis(before: KpiRow | null, now: KpiRow, threshold: number): MovedKpi[] {
  const moved: MovedKpi[] = [];
  for (const [name, to] of Object.entries(now.values)) {
    const from = before?.values[name] ?? null;
    if (from === null && to === null) continue;
    if (from === null || to === null) {
      moved.push({ name, from, to });
      continue;
    }
    const scale = Math.abs(from) > 0 ? Math.abs(from) : 1;
    if (Math.abs(to - from) / scale > threshold) moved.push({ name, from, to });
  }
  return moved;
}

const fmt = (v: number | null) => (v === null ? 'n/a' : Number.isInteger(v) ? String(v) : v.toFixed(3));

export function templateReport(input: { cycle: number; since: number | null; now: KpiRow; moved: MovedKpi[]; standouts: string[]; anomalies: string[] }): string {
  const lines = [`Auditor's report, cycle ${input.cycle}${input.since === null ? '' : ` (since cycle ${input.since})`}.`, ''];
  lines.push(input.moved.length === 0 ? 'No KPI moved beyond the threshold.' : 'KPIs that moved:');
  for (const m of input.moved) lines.push(`- ${m.name}: ${fmt(m.from)} -> ${fmt(m.to)}`);
  lines.push('', 'Where the economy stands:');
  for (const [name, v] of Object.entries(input.now.values)) lines.push(`- ${name}: ${fmt(v)}`);
  if (input.standouts.length > 0) lines.push('', 'Agents that stand out:', ...input.standouts.map((s) => `- ${s}`));
  lines.push('', input.anomalies.length === 0 ? 'No anomalies.' : 'Anomalies:', ...input.anomalies.map((a) => `- ${a}`));
  return lines.join('\n');
}

const AUDITOR_SYSTEM =
  'You are the auditor of Agora, an economy of autonomous software agents. From the figures given, write a short economic report: what changed, which KPIs moved and why that might be, the agents that stand out, anomalies. Be concrete; do not invent figures.';

export class Auditor {
  private readonly model: HostModel;

  constructor(
    private readonly kernel: Kernel,
    log: Logger,
  ) {
    this.model = new HostModel(kernel.config, kernel.config.auditor.model, kernel.clock, log);
  }

  /** Writes a report when this cycle is due one; returns whether it wrote. */
  async maybeReport(cycle: number): Promise<boolean> {
    const every = this.kernel.config.auditor.every_cycles;
    if (every === 0 || cycle === 0 || cycle % every !== 0) return false;
    const now = this.kernel.kpis.at(cycle);
    if (now === null) return false;
    const since = this.kernel.kpis.lastReportCycle();
    if (since !== null && since >= cycle) return false;
    const before = since === null ? (this.kernel.kpis.series(Number.MAX_SAFE_INTEGER)[0] ?? null) : this.kernel.kpis.at(since);
    const moved = movedKpis(before, now, this.kernel.config.auditor.moved_threshold);
    const template = templateReport({ cycle, since: before?.cycle ?? null, now, moved, standouts: this.standouts(), anomalies: this.anomalies(now) });
    // The model writes the prose from the same figures when one is configured; the figures stay the template's.
    const prose = await this.model.complete(AUDITOR_SYSTEM, template, this.kernel.config.auditor.completion_tokens_max);
    this.kernel.kpis.writeReport({ cycle, author: prose === null ? 'template' : this.model.model, text: prose ?? template, moved });
    return true;
  }
  private standouts(): string[] {
    const max = this.kernel.config.auditor.standouts_max;
    const living = this.kernel.agents.list({ limit: 100_000 }).filter((a) => a.status !== 'dead');
    const top = (key: 'balance_ucr' | 'earned_ucr' | 'spent_ucr', what: string) =>
      [...living].sort((a, b) => b[key] - a[key]).slice(0, max).filter((a) => a[key] > 0).map((a) => `${a.id}: ${what} ${microToCredits(a[key])} credits`);
    return [...top('balance_ucr', 'holds'), ...top('earned_ucr', 'earned'), ...top('spent_ucr', 'spent')];
  }

  private anomalies(now: KpiRow): string[] {
    const out: string[] = [];
    const v = now.values;
    if (!this.kernel.ledger.conservation().ok) out.push('the ledger does not balance (run agora audit)');
    if (v.population_living === 0) out.push('no agent is alive');
    if ((v.gini ?? 0) > 0.8) out.push(`holdings are highly concentrated (Gini ${fmt(v.gini ?? null)})`);
    if ((v.deaths ?? 0) > 0 && (v.births ?? 0) === 0) out.push(`${v.deaths} deaths and no birth in the last cycle`);
    return out;
  }
}
