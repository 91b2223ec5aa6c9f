// World at a glance: the numbers now, and how they got here, cycle by cycle.
import { api } from '../api.js';
import { Chart } from '../chart.js';
import { compactCredits, count, credits } from '../format.js';
import { useContext } from 'preact/hooks';
import { SummaryContext, useLoad } from '../hooks.js';
import type { Series } from '../types.js';
import { Card, COLORS, Loading, Stat } from './common.js';
import { HistoryCard } from './history.js';

export function OverviewPage() {
  const s = useContext(SummaryContext);
  const series = useLoad((signal) => api<Series>('/operator/series', { signal }), [], { min_interval_ms: 2000 });
  const w = series.data?.world;
  const x = w?.at_ms.map((ms) => ms / 1000) ?? [];
  const created = w ? w.minted.map((m, i) => m + w.rewarded[i]!) : [];
  const held = w ? created.map((c, i) => c - w.burned[i]!) : [];
  const perCycle = (values: number[]) => values.map((v, i) => (i === 0 ? null : v - values[i - 1]!));

  return (
    <div class="page">
      <h1>World at a glance</h1>
      {s === null ? (
        <Loading error={null} />
      ) : (
        <div class="stats">
          <Stat label="Cycle" value={count(s.cycle)} sub={`every ${s.clearing_interval_s} s`} testid="stat-cycle" />
          <Stat label="Alive" value={<span class="alive-text">{count(s.population.alive)}</span>} sub={`${count(s.population.dormant)} dormant · ${count(s.population.dead)} dead`} testid="stat-alive" />
          <Stat label="Credits held" value={compactCredits(s.credits.held)} title={credits(s.credits.held)} sub={`${credits(s.credits.escrow)} in escrow`} testid="stat-credits" />
          <Stat label="Created" value={compactCredits(s.credits.minted + s.credits.rewarded)} title={credits(s.credits.minted + s.credits.rewarded)} sub={`${credits(s.credits.rewarded)} by your rewards`} />
          <Stat label="Burned" value={compactCredits(s.credits.burned)} title={credits(s.credits.burned)} sub="paid for resources and fees" />
          <Stat label="Running" value={count(s.executions_running)} sub={`${count(s.open_bids)} open bids`} testid="stat-running" />
          <Stat label="Prompts waiting" value={<a href="#/attention">{count(s.prompts.pending)}</a>} sub={`${count(s.prompts.rewarded)} answered`} />
        </div>
      )}
      {w === undefined ? (
        <Loading error={series.error} />
      ) : w.cycle.length === 0 ? (
        <p class="muted">No cycle has cleared yet: the charts fill in as the world runs.</p>
      ) : (
        <div class="grid">
          <Card title="Population">
            <Chart
              name="population"
              integers
              time
              x={x}
              lines={[
                { label: 'alive', color: COLORS.alive, values: w.alive, fill: true },
                { label: 'dormant', color: COLORS.dormant, values: w.dormant },
                { label: 'dead', color: COLORS.dead, values: w.dead },
              ]}
            />
          </Card>
          <Card title="Credits in the world">
            <Chart
              name="credits"
              time
              x={x}
              lines={[
                { label: 'held', color: COLORS.held, values: held, fill: true, format: credits },
                { label: 'created', color: COLORS.minted, values: created, format: credits },
                { label: 'burned', color: COLORS.burned, values: w.burned, format: credits },
              ]}
            />
          </Card>
          <Card title="Minted and burned per cycle">
            <Chart
              name="flows"
              time
              x={x}
              lines={[
                { label: 'minted', color: COLORS.minted, values: perCycle(w.minted), format: credits },
                { label: 'rewarded', color: COLORS.rewarded, values: perCycle(w.rewarded), format: credits },
                { label: 'burned', color: COLORS.burned, values: perCycle(w.burned), format: credits },
              ]}
            />
          </Card>
          <Card title="Runs per cycle (any moment between two clearings)">
            <Chart name="running" integers time x={x} lines={[{ label: 'running', color: COLORS.running, values: w.running, fill: true, format: (v) => count(Math.round(v)) }]} />
          </Card>
        </div>
      )}
      <HistoryCard />
    </div>
  );
}
