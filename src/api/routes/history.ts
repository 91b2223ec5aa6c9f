// The world's history for the operator: closed cycles with their state hashes, checkpoints,
// where this world was forked from and the forks made of it (the World page shows them);
// and a checkpoint taken while the world runs (`agora checkpoint` comes here then).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listForks } from '../../store/fork-list.js';
import type { ApiContext } from '../context.js';
import { errorResponses } from '../schemas.js';

const checkpointBody = z.strictObject({ name: z.string().min(1).max(100).optional() });

export async function historyRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['operator'];
  r.get('/operator/history', {
    config: { auth: 'operator' },
    schema: {
      tags,
      summary: "The world's history: cycles hashed, checkpoints, its fork origin and its forks",
      response: {
        200: z.object({
          cycles_closed: z.number().int(),
          last_cycle: z.object({ cycle: z.number().int(), seq: z.number().int(), state_hash: z.string() }).nullable(),
          checkpoints: z.array(z.object({ name: z.string(), cycle: z.number().int(), seq: z.number().int() })),
          origin: z.object({ parent_dir: z.string(), parent_world_id: z.string(), cycle: z.number().int(), changes: z.record(z.string(), z.unknown()) }).nullable(),
          forks: z.array(z.object({ dir: z.string(), cycle: z.number().int(), changes: z.record(z.string(), z.unknown()) })),
        }),
        ...errorResponses,
      },
    },
    handler: async () => {
      const history = ctx.kernel.history;
      const last = history.lastClosedCycle();
      const origin = history.origin();
      return {
        cycles_closed: history.cycles().length,
        last_cycle: last === null ? null : { cycle: last.cycle, seq: last.seq, state_hash: last.state_hash },
        checkpoints: history.checkpoints().map((c) => ({ name: c.name, cycle: c.cycle, seq: c.at_seq })),
        origin: origin === null ? null : { parent_dir: origin.parent_dir, parent_world_id: origin.parent_world_id, cycle: origin.cycle, changes: origin.changes },
        forks: listForks(ctx.world_dir),
      };
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
