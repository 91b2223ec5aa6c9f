// The KPIs' and the auditor's journal events (docs/kpis.md, docs/research.md).
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { count } from '../ledger/events.js';

export const kpiEvents = lazySchemas({
  kpis_recorded: () => z
    .strictObject({
      cycle: count(),
      up_to_seq: count().describe('The last event the values were computed from'),
      values: z.record(z.string(), z.number().nullable()).describe('Each KPI of docs/kpis.md by name; null when undefined this cycle'),
    })
    .describe("The ecosystem KPIs at a cycle's end, computed from the journal (kpis.enabled)."),
  auditor_report_written: () => z
    .strictObject({
      cycle: count(),
      author: z.string().describe('`template`, or the model of llm.models that wrote it'),
      text: z.string(),
      moved: z
        .array(z.strictObject({ name: z.string(), from: z.number().nullable(), to: z.number().nullable() }))
        .describe('The KPIs that moved by more than auditor.moved_threshold since the last report'),
    })
    .describe('The auditor (a read-only observer: no account, no costs) wrote its report every auditor.every_cycles cycles.'),
});
