// A world and its fork (or its parent) side by side (#/compare/<fork id> or #/compare/parent):
// the fork's cycle and the config it changed, the KPIs at the last cycle both recorded with
// the deltas, and each KPI's two series overlaid on one chart (the same until the fork's cycle,
// their own after it). The server reads the other world (GET /operator/compare/:other); this page only
// draws what that answer describes (its types are the route's schema, inferred).
import { api } from '../api.js';
import { Chart } from '../chart.js';
import { useLoad } from '../hooks.js';
import type { WorldComparison, WorldSide } from '../types.js';
import { Card, Empty, Loading } from './common.js';
import { changes } from './history.js';

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(3));
const signed = (v: number | null) => (v === null ? '–' : `${v > 0 ? '+' : ''}${fmt(v)}`);

/** Both sides' values on one x axis: every cycle either recorded, a gap where one has none. */
function aligned(a: WorldSide, b: WorldSide, name: string): { x: number[]; a: (number | null)[]; b: (number | null)[] } {
  const x = [...new Set([...a.cycle, ...b.cycle])].sort((p, q) => p - q);
  const at = (side: WorldSide) => {
    const byCycle = new Map(side.cycle.map((c, i) => [c, side.series[name]?.[i] ?? null]));
    return x.map((c) => byCycle.get(c) ?? null);
  };
  return { x, a: at(a), b: at(b) };
}

export function ComparePage({ other }: { other: string }) {
  const loaded = useLoad((signal) => api<WorldComparison>(`/operator/compare/${encodeURIComponent(other)}`, { signal }), [other], { min_interval_ms: 5000 });
  const c = loaded.data;
  if (c === null || c === undefined) {
    return (
      <div class="page">
        <h1>Side by side</h1>
        <Loading error={loaded.error} />
      </div>
    );
  }
  // The fork is always drawn as the second line, whichever world this server runs.
  const [parent, fork] = c.relation === 'fork' ? [c.this, c.other] : [c.other, c.this];
  const label = (side: WorldSide) => (side === c.this ? 'this world' : c.relation === 'fork' ? 'fork' : 'parent');
  const parentIsThis = parent === c.this;
  return (
    <div class="page">
      <h1>Side by side: {c.relation === 'fork' ? 'this world and its fork' : 'this fork and its parent'}</h1>
      <Card title="The fork" wide>
        <p data-testid="compare-fork">
          Forked after cycle <b data-testid="compare-fork-cycle">{c.fork.cycle}</b> · changed: <span data-testid="compare-changes">{changes(c.fork.changes)}</span>
        </p>
        <p class="muted">
          parent <code>{parent.dir}</code> (KPIs to cycle {parent.last_cycle ?? '–'}) · fork <code>{fork.dir}</code> (KPIs to cycle {fork.last_cycle ?? '–'})
        </p>
      </Card>
      {c.common_cycle === null ? (
        <Empty>No cycle with KPIs in both worlds yet.</Empty>
      ) : (
        <Card title={`KPIs at cycle ${c.common_cycle}, the last both recorded`} wide>
          <table data-testid="compare-finals">
            <thead>
              <tr><th>kpi</th><th>parent</th><th>fork</th><th>fork − parent</th></tr>
            </thead>
            <tbody>
              {c.finals.map((k) => {
                // finals are other − this; shown as fork − parent whichever side this server is.
                const [p, f] = parentIsThis ? [k.this, k.other] : [k.other, k.this];
                const delta = k.delta === null ? null : parentIsThis ? k.delta : -k.delta;
                return (
                  <tr key={k.name} data-kpi={k.name}>
                    <td>{k.name}</td><td class="num">{fmt(p)}</td><td class="num">{fmt(f)}</td><td class="num" data-testid={`delta-${k.name}`}>{signed(delta)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </Card>
      )}
      <div class="grid">
        {c.definitions.map((d) => {
          const s = aligned(parent, fork, d.name);
          return (
            <Card title={d.name}>
              <p class="muted kpi-definition">{d.definition}</p>
              <Chart
                name={`compare-${d.name}`}
                x={s.x}
                xLabel="cycle"
                lines={[
                  { label: label(parent), color: '#4263eb', values: s.a, format: (v) => fmt(v) },
                  { label: label(fork), color: '#e8590c', values: s.b, format: (v) => fmt(v) },
                ]}
              />
            </Card>
          );
        })}
      </div>
    </div>
  );
}
