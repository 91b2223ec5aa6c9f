// The KPI recorder: folds the journal (incrementally; from the start after a reopen, which
// replays each earlier kpis_recorded as the end of its cycle's window) and records the KPIs
// once per cycle. Reads serve GET /operator/kpis, the auditor and experiments.
import type { KernelCore } from '../registry.js';
import { computeKpis, kpiDefinitions, type KpiDefinition } from './definitions.js';
import { EconomyFold, type FoldEvent } from './fold.js';
import { kpiAtOf, kpiSeriesOf, type KpiRow } from './compare.js';

export type { KpiRow };

export interface AuditorReport {
  cycle: number;
  at_ms: number;
  author: string;
  text: string;
  moved: { name: string; from: number | null; to: number | null }[];
}

const READ_PAGE = 5000;

export class Kpis {
  private fold: EconomyFold | null = null;
  private folded_seq = 0;

  constructor(
    private readonly core: KernelCore,
    readonly definitions: readonly KpiDefinition[] = kpiDefinitions,
  ) {}

  private catchUp(): EconomyFold {
    const fold = (this.fold ??= new EconomyFold(this.core.config.kpis.specialization_window_cycles));
    for (;;) {
      const rows = this.core.db.prepare('SELECT seq, type, at_ms, actor, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(this.folded_seq, READ_PAGE) as (Omit<FoldEvent, 'data'> & { seq: number; data: string })[];
      for (const row of rows) {
        const event = { ...row, data: JSON.parse(row.data) as Record<string, unknown> };
        if (event.type === 'kpis_recorded') fold.closeCycle();
        else fold.apply(event);
        this.folded_seq = row.seq;
      }
      if (rows.length < READ_PAGE) return fold;
    }
  }

  /** Computes and records this cycle's KPIs (once per cycle: a second call for the same cycle is a no-op). */
  record(cycle: number): KpiRow | null {
    if (!this.core.config.kpis.enabled) return null;
    if (this.core.writer.get('SELECT 1 FROM kpi_cycles WHERE cycle = ? LIMIT 1', cycle) !== undefined) return null;
    const fold = this.catchUp();
    const values = computeKpis(fold, this.definitions);
    const up_to_seq = this.folded_seq;
    this.core.command({ actor: 'system:kpis' }, (tx) => {
      tx.emit('kpis_recorded', { cycle, up_to_seq, values });
    });
    // Our own event is the window's end, as it is for a fold from the start.
    this.catchUp();
    return { cycle, values };
  }

  /** KPI rows, oldest first: the last `cycles` recorded. */
  series(cycles: number): KpiRow[] {
    return kpiSeriesOf(this.core.db, cycles);
  }

  latest(): KpiRow | null {
    return this.series(1)[0] ?? null;
  }

  at(cycle: number): KpiRow | null {
    return kpiAtOf(this.core.db, cycle);
  }

  reports(limit: number): AuditorReport[] {
    const rows = this.core.db.prepare('SELECT cycle, at_ms, author, text, moved FROM auditor_reports ORDER BY cycle DESC LIMIT ?').all(limit) as (Omit<AuditorReport, 'moved'> & { moved: string })[];
    return rows.map((r) => ({ ...r, moved: JSON.parse(r.moved) as AuditorReport['moved'] }));
  }

  lastReportCycle(): number | null {
    return this.core.db.prepare('SELECT MAX(cycle) FROM auditor_reports').pluck().get() as number | null;
  }

  writeReport(report: Omit<AuditorReport, 'at_ms'>): void {
    this.core.command({ actor: 'system:auditor' }, (tx) => {
      tx.emit('auditor_report_written', { cycle: report.cycle, author: report.author, text: report.text.slice(0, this.core.config.auditor.report_chars_max), moved: report.moved });
    });
  }
}
