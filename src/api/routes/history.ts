// The world's history for the operator: closed cycles with their state hashes, checkpoints,
// where this world was forked from and the forks made of it (the World page shows them);
// a checkpoint taken while the world runs (`agora checkpoint` comes here then); and a fork (or
// the parent) set beside this world, KPI by KPI, for the dashboard's side-by-side view.
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgoraError } from '../../base/errors.js';
import { originOf, worldIdOf } from '../../kernel/history/commands.js';
import type { KpiRow } from '../../kernel/kpis/commands.js';
import { compareKpiValues, kpiSeriesOf } from '../../kernel/kpis/compare.js';
import { FORK_ID, forkById, listForks } from '../../store/fork-list.js';
import { openWorldReadOnly } from '../../store/world-reader.js';
import type { Db } from '../../store/database.js';
import type { ApiContext } from '../context.js';
import { errorResponses } from '../schemas.js';
import { compareView, worldHistoryView } from '../views/history.js';

const checkpointBody = z.strictObject({ name: z.string().min(1).max(100).optional() });

export async function historyRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['operator'];
  r.get('/operator/history', {
    config: { auth: 'operator' },
    schema: {
      tags,
      summary: "The world's history: cycles hashed, checkpoints, its fork origin and its forks",
      response: { 200: worldHistoryView, ...errorResponses },
    },
    handler: async () => {
      const history = ctx.kernel.history;
      const last = history.lastClosedCycle();
      const origin = history.origin();
      return {
        cycles_closed: history.cyclesClosed(),
        last_cycle: last === null ? null : { cycle: last.cycle, seq: last.seq, state_hash: last.state_hash },
        checkpoints: history.checkpoints().map((c) => ({ name: c.name, cycle: c.cycle, seq: c.at_seq })),
        origin: origin === null ? null : { parent_dir: origin.parent_dir, parent_world_id: origin.parent_world_id, cycle: origin.cycle, changes: origin.changes },
        forks: listForks(ctx.world_dir),
      };
    },
  });

  r.get('/operator/compare/:other', {
    config: { auth: 'operator' },
    schema: {
      tags,
      summary: "A fork of this world (by the id GET /operator/history lists) or its parent ('parent') beside it: both worlds' KPI series, the finals at the last cycle both recorded with the deltas, the fork's cycle and changes",
      description:
        "The other world is read from the directory its fork listing (or this world's journal, for the parent) names, never from a path in the request; its database is opened read-only, and it must be this world's fork (or parent) by its recorded world id and directory.",
      params: z.object({ other: z.union([z.literal('parent'), z.string().regex(FORK_ID)]) }),
      querystring: z.object({ cycles: z.coerce.number().int().min(1).max(ctx.config.kpis.series_cycles_max).default(Math.min(360, ctx.config.kpis.series_cycles_max)) }),
      response: { 200: compareView, ...errorResponses, 503: errorResponses[400] },
    },
    handler: async (request) => {
      const { other } = request.params;
      const here_dir = resolve(ctx.world_dir);
      const here_id = ctx.kernel.worldId();
      let dir: string;
      let fork: { cycle: number; changes: Record<string, unknown> };
      let check: (db: Db) => boolean;
      if (other === 'parent') {
        const origin = ctx.kernel.history.origin();
        if (origin === null) throw new AgoraError('NOT_FOUND', 'this world is not a fork: it has no parent');
        dir = origin.parent_dir;
        fork = { cycle: origin.cycle, changes: origin.changes };
        check = (db) => worldIdOf(db) === origin.parent_world_id;
      } else {
        const listing = forkById(here_dir, other);
        if (listing === null) throw new AgoraError('NOT_FOUND', `no fork ${other} of this world`);
        dir = listing.dir;
        fork = { cycle: listing.cycle, changes: listing.changes };
        check = (db) => {
          const origin = originOf(db);
          if (origin === null || origin.parent_world_id !== here_id || resolve(origin.parent_dir) !== here_dir) return false;
          // The fork's own journal is the record of its point and changes; the listing only finds it.
          fork = { cycle: origin.cycle, changes: origin.changes };
          return true;
        };
      }
      const db = openWorldReadOnly(dir);
      try {
        let rows: KpiRow[];
        let finals: ReturnType<typeof compareKpiValues>;
        const definitions = ctx.kernel.kpis.definitions.map((d) => ({ name: d.name, definition: d.definition }));
        try {
          if (!check(db)) throw new AgoraError('CONFLICT', `the world in ${dir} is not this world's ${other === 'parent' ? 'parent' : 'fork'} (its recorded world id or directory differs)`);
          rows = kpiSeriesOf(db, request.query.cycles);
          finals = compareKpiValues(definitions.map((d) => d.name), ctx.kernel.core.db, db);
        } catch (err) {
          if (err instanceof AgoraError) throw err;
          throw new AgoraError('UNAVAILABLE', `the world in ${dir} cannot be read: ${(err as Error).message}`);
        }
        const side = (kpi_rows: KpiRow[], side_dir: string, last_cycle: number | null) => ({
          dir: side_dir,
          last_cycle,
          cycle: kpi_rows.map((row) => row.cycle),
          series: Object.fromEntries(definitions.map((d) => [d.name, kpi_rows.map((row) => row.values[d.name] ?? null)])),
        });
        return {
          relation: other === 'parent' ? ('parent' as const) : ('fork' as const),
          this: side(ctx.kernel.kpis.series(request.query.cycles), here_dir, finals.this_last_cycle),
          other: { ...side(rows, resolve(dir), finals.other_last_cycle), id: other },
          fork,
          definitions,
          common_cycle: finals.common_cycle,
          finals: finals.kpis,
        };
      } finally {
        db.close();
      }
    },
  });

  r.post('/operator/checkpoint', {
    config: { auth: 'operator' },
    schema: {
      tags,
      summary: 'Marks a checkpoint: the journal position now, with each agent\'s latest workspace manifest',
      body: checkpointBody,
      response: { 200: z.object({ name: z.string(), cycle: z.number().int(), seq: z.number().int(), workspaces: z.number().int() }), ...errorResponses },
    },
    handler: async (request) => {
      const marked = ctx.kernel.history.markCheckpoint(request.body.name ?? `cycle-${ctx.kernel.history.lastClosedCycle()?.cycle ?? 0}`, { actor: 'operator' });
      return { name: marked.name, cycle: marked.cycle, seq: marked.seq, workspaces: Object.keys(marked.manifests).length };
    },
  });
}
