// `agora compare DIR`: this world's ecosystem KPIs (docs/kpis.md) beside another world's, most
// often a fork beside its parent. Both are read from their own directories by this command: it
// takes any directory. The dashboard's fork view (GET /operator/compare/:other) reads only this
// world's listed forks or its recorded parent, read-only; both compute the deltas alike
// (src/kernel/kpis/compare.ts).
import { resolve } from 'node:path';
import { compareKpiValues } from '../kernel/kpis/compare.js';
import type { WorldReader } from '../orchestrator/read-world.js';

export interface KpiComparison {
  this_dir: string;
  other_dir: string;
  /** The fork relation between them, when there is one. */
  relation: string | null;
  /** The last cycle both recorded KPIs for (null when they share none), and each world's last. */
  common_cycle: number | null;
  this_last_cycle: number | null;
  other_last_cycle: number | null;
  kpis: { name: string; this: number | null; other: number | null; delta: number | null }[];
}

/** KPIs of both worlds at the last cycle both recorded (src/kernel/kpis/compare.ts). */
export function compareKpis(here: WorldReader, other: WorldReader): KpiComparison {
  const origin = other.kernel.history.origin();
  const mine_origin = here.kernel.history.origin();
  // A fork's journal begins as its parent's (the same world id): the recorded directory tells them apart.
  const relation =
    origin !== null && resolve(origin.parent_dir) === resolve(here.paths.dir)
      ? `the other world is a fork of this one at cycle ${origin.cycle}`
      : mine_origin !== null && resolve(mine_origin.parent_dir) === resolve(other.paths.dir)
        ? `this world is a fork of the other at cycle ${mine_origin.cycle}`
        : null;
  const names = here.kernel.kpis.definitions.map((d) => d.name);
  return { this_dir: here.paths.dir, other_dir: other.paths.dir, relation, ...compareKpiValues(names, here.db, other.db) };
}
