// KPI values and auditor reports into their tables.
import type { Projectors } from '../registry.js';

export const kpiTables = ['kpi_cycles', 'auditor_reports'] as const;

export const kpiProjectors: Projectors = {
  kpis_recorded(w, data) {
    for (const [name, value] of Object.entries(data.values)) {
      w.run('INSERT INTO kpi_cycles (cycle, name, value) VALUES (?, ?, ?) ON CONFLICT (cycle, name) DO UPDATE SET value = excluded.value', data.cycle, name, value);
    }
  },
  auditor_report_written(w, data, event) {
    w.run('INSERT INTO auditor_reports (cycle, seq, at_ms, author, text, moved) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (cycle) DO UPDATE SET seq = excluded.seq, at_ms = excluded.at_ms, author = excluded.author, text = excluded.text, moved = excluded.moved', data.cycle, event.seq, event.at_ms, data.author, data.text, JSON.stringify(data.moved));
  },
};
