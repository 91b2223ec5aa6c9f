// KPI values and auditor reports into their tables.
import type { Projectors } from '../registry.js';

export const kpiTables = ['kpi_cycles', 'auditor_reports'] as const;

export const kpiProjectors: Projectors = {
  kpis_recorded(w, data) {
    for (const [name, value] of Object.entries(data.values)) {
      w.run('INSERT OR REPLACE INTO kpi_cycles (cycle, name, value) VALUES (?, ?, ?)', data.cycle, name, value);
    }
  },
  auditor_report_written(w, data, event) {
    w.run('INSERT OR REPLACE INTO auditor_reports (cycle, seq, at_ms, author, text, moved) VALUES (?, ?, ?, ?, ?, ?)', data.cycle, event.seq, event.at_ms, data.author, data.text, JSON.stringify(data.moved));
  },
};
