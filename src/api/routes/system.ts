// Health and the public part of the config.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { publicConfig } from '../../config/load.js';
import { AGORA_VERSION } from '../../kernel/kernel.js';
import type { ApiContext } from '../context.js';
import { errorResponses } from '../schemas.js';

export async function systemRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const started_wall_ms = Date.now();

  r.get('/health', {
    config: { auth: 'public' },
    schema: {
      tags: ['system'],
      summary: 'Liveness: the world is open and the journal readable',
      response: {
        200: z.object({ status: z.literal('ok'), version: z.string(), world_id: z.string().nullable(), seq: z.number().int(), uptime_s: z.number() }),
      },
    },
    handler: async () => ({
      status: 'ok' as const,
      version: AGORA_VERSION,
      world_id: ctx.kernel.worldId(),
      seq: ctx.kernel.journal.lastSeq(),
      uptime_s: Math.round((Date.now() - started_wall_ms) / 1000),
    }),
  });

  r.get('/config', {
    config: { auth: 'any' },
    schema: { tags: ['system'], summary: 'The public part of the world configuration', response: { 200: z.record(z.string(), z.unknown()), ...errorResponses } },
    handler: async () => publicConfig(ctx.config),
  });
}
