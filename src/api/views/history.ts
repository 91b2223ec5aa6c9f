// The history routes' response schemas (zod only, so the dashboard can `import type` what they
// infer: web/src/types.ts). GET /operator/history lists a world's forks; GET
// /operator/compare/:other sets a fork (or the parent) beside the served world, KPI by KPI.
import { z } from 'zod';

const changes = z.record(z.string(), z.unknown()).describe('Config keys changed at the fork (--set, or the leaves of --scenario)');

export const worldHistoryView = z.object({
  cycles_closed: z.number().int(),
  last_cycle: z.object({ cycle: z.number().int(), seq: z.number().int(), state_hash: z.string() }).nullable(),
  checkpoints: z.array(z.object({ name: z.string(), cycle: z.number().int(), seq: z.number().int() })),
  origin: z.object({ parent_dir: z.string(), parent_world_id: z.string(), cycle: z.number().int(), changes }).nullable(),
  forks: z.array(z.object({ id: z.string().describe('What GET /operator/compare/:other names it by'), dir: z.string(), cycle: z.number().int(), changes })),
});

const kpiSeriesView = z.object({
  cycle: z.array(z.number().int()),
  series: z.record(z.string(), z.array(z.number().nullable())).describe('Per KPI, one value per cycle of `cycle`'),
});

export const worldSideView = kpiSeriesView.extend({
  dir: z.string(),
  last_cycle: z.number().int().nullable().describe('The last cycle with KPIs'),
});

export const compareView = z.object({
  relation: z.enum(['fork', 'parent']).describe('What the other world is to the served one'),
  this: worldSideView,
  other: worldSideView.extend({ id: z.string() }),
  fork: z.object({ cycle: z.number().int().describe('The cycle the fork starts after'), changes }),
  definitions: z.array(z.object({ name: z.string(), definition: z.string() })),
  common_cycle: z.number().int().nullable().describe('The last cycle both recorded KPIs for: the finals are taken there'),
  finals: z.array(z.object({ name: z.string(), this: z.number().nullable(), other: z.number().nullable(), delta: z.number().nullable().describe('other − this') })),
});

export type WorldHistory = z.infer<typeof worldHistoryView>;
export type WorldComparison = z.infer<typeof compareView>;
export type WorldSide = z.infer<typeof worldSideView>;
