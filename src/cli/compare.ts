// `agora compare DIR`: this world's ecosystem KPIs (docs/kpis.md) beside another world's, most
// often a fork beside its parent. Both are read from their own directories by this command, not
// served by a running world's API: a server that opened any world directory a request named
// would read far past its own world, and a fork may be running under another process's lock.
import { resolve } from 'node:path';
import type { KpiRow } from '../kernel/kpis/commands.js';
import type { World } from '../orchestrator/open-world.js';

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

function lastCycle(world: World): number | null {
  return world.kernel.kpis.latest()?.cycle ?? null;
}

/** KPIs of both worlds at the last cycle both recorded: the fairest like-for-like comparison. */
export function compareKpis(here: World, other: World): KpiComparison {
  const a = lastCycle(here);
  const b = lastCycle(other);
  const common = a === null || b === null ? null : Math.min(a, b);
  const at = (w: World): KpiRow['values'] => (common === null ? {} : (w.kernel.kpis.at(common)?.values ?? {}));
  const mine = at(here);
  const theirs = at(other);
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
  return {
    this_dir: here.paths.dir,
    other_dir: other.paths.dir,
    relation,
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
