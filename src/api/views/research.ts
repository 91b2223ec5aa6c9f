// The research routes' response schemas (src/api/routes/research.ts): zod only, so the
// dashboard can `import type` what they infer (web/src/types.ts); the routes validate and
// document their answers with the same schemas.
import { z } from 'zod';

export const kpiSeriesView = z.object({
  definitions: z.array(z.object({ name: z.string(), definition: z.string() })),
  cycle: z.array(z.number().int()),
  series: z.record(z.string(), z.array(z.number().nullable())),
});

export const reportsView = z.object({
  reports: z.array(z.object({ cycle: z.number().int(), at: z.string(), author: z.string(), text: z.string(), moved: z.array(z.object({ name: z.string(), from: z.number().nullable(), to: z.number().nullable() })) })),
});

export type Kpis = z.infer<typeof kpiSeriesView>;
export type Reports = z.infer<typeof reportsView>;
