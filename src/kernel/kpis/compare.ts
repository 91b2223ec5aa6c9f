// KPI reads over any world's database, and the like-for-like comparison of two worlds (a fork
// beside its parent): `agora compare` and the dashboard's fork view (GET /operator/compare/…)
// both use these, so the CLI and the page can never disagree on a delta.
import type { Db } from '../../store/store.js';

export interface KpiRow {
  cycle: number;
  values: Record<string, number | null>;
}

/** KPI rows, oldest first: the last `cycles` recorded. */
export function kpiSeriesOf(db: Db, cycles: number): KpiRow[] {
  const rows = db
    .prepare('SELECT cycle, name, value FROM kpi_cycles WHERE cycle > (SELECT COALESCE(MAX(cycle), 0) FROM kpi_cycles) - ? ORDER BY cycle')
    .all(cycles) as { cycle: number; name: string; value: number | null }[];
  const byCycle = new Map<number, Record<string, number | null>>();
  for (const r of rows) {
    const values = byCycle.get(r.cycle) ?? {};
    values[r.name] = r.value;
    byCycle.set(r.cycle, values);
  }
  return [...byCycle].map(([cycle, values]) => ({ cycle, values }));
}

export function kpiAtOf(db: Db, cycle: number): KpiRow | null {
  const rows = db.prepare('SELECT name, value FROM kpi_cycles WHERE cycle = ?').all(cycle) as { name: string; value: number | null }[];
  return rows.length === 0 ? null : { cycle, values: Object.fromEntries(rows.map((r) => [r.name, r.value])) };
}

export function lastKpiCycleOf(db: Db): number | null {
  return db.prepare('SELECT MAX(cycle) FROM kpi_cycles').pluck().get() as number | null;
}

export interface KpiDelta {
  name: string;
  this: number | null;
  other: number | null;
  /** other − this */
  delta: number | null;
}

/** Both worlds' KPIs at the last cycle both recorded: the fairest like-for-like comparison. */
export function compareKpiValues(names: readonly string[], here: Db, other: Db): { common_cycle: number | null; this_last_cycle: number | null; other_last_cycle: number | null; kpis: KpiDelta[] } {
  const a = lastKpiCycleOf(here);
  const b = lastKpiCycleOf(other);
  const common = a === null || b === null ? null : Math.min(a, b);
  const at = (db: Db) => (common === null ? {} : (kpiAtOf(db, common)?.values ?? {}));
  const mine = at(here);
  const theirs = at(other);
  return {
    common_cycle: common,
    this_last_cycle: a,
    other_last_cycle: b,
    kpis: names.map((name) => {
      const x = mine[name] ?? null;
      const y = theirs[name] ?? null;
      return { name, this: x, other: y, delta: x === null || y === null ? null : y - x };
    }),
  };
}
