// POST /packages/install (docs/packages.md): a running agent asks the host to install an npm
// package into its own workspace. The work is the orchestrator's PackageInstaller; identity
// is the caller's (its execution's channel or token), never the body's.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgoraError } from '../../base/errors.js';
import { microToCredits } from '../../kernel/ledger/money.js';
import type { ApiContext } from '../context.js';
import { errorResponses, errorSchema } from '../schemas.js';

export async function packageRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post('/packages/install', {
    config: { auth: 'agent' },
    schema: {
      tags: ['packages'],
      summary: "Install an npm package (and its dependencies) into your workspace's node_modules/, from the registry, scripts off; you pay for the bytes and the CPU",
      body: z.strictObject({
        ecosystem: z.literal('npm'),
        name: z.string().min(1).max(214).describe('An npm package name (optional @scope/); no paths, URLs or git specs'),
        version: z.string().min(1).max(100).default('latest').describe('An exact version, a semver range or a dist-tag'),
      }),
      response: {
        200: z.object({ name: z.string(), version: z.string(), integrity: z.string(), packages: z.number().int(), bytes: z.number().int(), cpu_ms: z.number().int(), cost: z.number().describe('Credits burned') }),
        ...errorResponses,
        500: errorSchema,
        503: errorSchema,
        504: errorSchema,
      },
    },
    handler: async (request) => {
      const caller = request.caller!;
      if (caller.kind !== 'agent' || caller.execution_id === null) throw new AgoraError('ACCESS_DENIED', 'packages are installed for a running execution of the agent');
      if (ctx.packages === undefined) throw new AgoraError('UNAVAILABLE', 'this server does not install packages');
      const done = await ctx.packages.install({ agent_id: caller.agent_id, execution_id: caller.execution_id, ecosystem: request.body.ecosystem, name: request.body.name, version: request.body.version });
      return { name: done.name, version: done.version, integrity: done.integrity, packages: done.packages, bytes: done.bytes, cpu_ms: done.cpu_ms, cost: microToCredits(done.cost_ucr) };
    },
  });
}
