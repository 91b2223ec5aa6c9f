// Serves the operator's dashboard (web/dist, built by src/dashboard/build.ts) at `/`. The page
// and its bundles are public; everything it shows comes from operator routes, which need the
// operator token the page asks for.
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dashboardPaths, ensureDashboard } from '../../dashboard/build.js';
import { AgoraError } from '../../base/errors.js';
import type { ApiContext } from '../context.js';

export async function dashboardRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const configured = ctx.config.operator.dashboard_dir;
  const dist = configured === '' ? dashboardPaths().dist : resolve(configured);
  if (configured === '') {
    const { built, error } = await ensureDashboard();
    if (built) ctx.log.info({ dist }, 'dashboard built');
    if (error !== null) ctx.log.error({ error }, 'dashboard build failed; serving the previous build if there is one');
  }
  await app.register(fastifyStatic, { root: dist, serve: false, decorateReply: true });
  const r = app.withTypeProvider<ZodTypeProvider>();

  const missing = () => new AgoraError('UNAVAILABLE', `the dashboard is not built (no ${join(dist, 'index.html')}): run \`npm run build:web\``);

  r.get('/', {
    config: { auth: 'public' },
    schema: { hide: true },
    handler: async (_request, reply) => {
      if (!existsSync(join(dist, 'index.html'))) throw missing();
      return reply.header('cache-control', 'no-cache').sendFile('index.html', dist);
    },
  });

  r.get('/assets/:file', {
    config: { auth: 'public' },
    schema: { hide: true, params: z.object({ file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/) }) },
    handler: async (request, reply) => {
      const assets = join(dist, 'assets');
      if (!existsSync(join(assets, request.params.file))) throw new AgoraError('NOT_FOUND', `no asset ${request.params.file}`);
      // Bundles are referenced with a content version (?v=), so a browser may keep them.
      return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(request.params.file, assets);
    },
  });
}
