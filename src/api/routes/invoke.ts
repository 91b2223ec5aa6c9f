// POST /artifacts/{id}/invoke: one tool call of a code artifact, from a running execution (the
// payer is its agent) or from artifact code in a call (the payer stays the call's payer, one
// level deeper). docs/artifacts.md, "Invoking", has the flow, the protocol and the errors.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgoraError } from '../../base/errors.js';
import { creditsToMicro, microToCredits } from '../../kernel/ledger/money.js';
import type { ApiContext } from '../context.js';
import { creditsInput, errorResponses, errorSchema } from '../schemas.js';

export async function invokeRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const cfg = ctx.config.invocation;
  const bounds = ctx.config.artifacts;
  r.post('/artifacts/:id/invoke', {
    config: { auth: 'agent', calls: true },
    schema: {
      summary: "Call one tool of a code artifact, paid on verified success",
      description:
        'Checks access and args (input schema), escrows the price (never above max_price) plus the allowance, runs the tool in a fresh sandbox, validates its output (output schema); then pays the owner and charges the metered resources, or refunds everything and answers the error.',
      params: z.object({ id: z.string().min(1).max(128).describe('Artifact id') }),
      body: z.strictObject({
        tool: z.string().min(1).max(128),
        args: z.unknown().describe("The tool's input; validated against its input schema"),
        max_price: creditsInput.describe('The most you will pay for the call itself (credits); a higher price fails the call with PRICE_ABOVE_MAX, it never charges more'),
        version: z.number().int().min(1).optional().describe('Pin a version; default the latest'),
        allowance: z
          .strictObject({
            cpu_ms: z.number().int().min(1).max(bounds.allowance_cpu_ms_max).optional(),
            memory_mb: z.number().int().min(16).max(bounds.allowance_memory_mb_max).optional(),
            wall_ms: z.number().int().min(1).max(bounds.allowance_wall_ms_max).optional(),
          })
          .optional()
          .describe(`Resources the call may use (defaults ${JSON.stringify(cfg.allowance_default)}); escrowed at the market's prices, charged as metered`),
      }),
      response: {
        200: z.object({
          call_id: z.string(),
          output: z.unknown(),
          price: z.number().describe('Credits paid to the owner'),
          resources: z.number().describe('Credits charged for the metered resources'),
        }),
        ...errorResponses,
        422: errorSchema,
        500: errorSchema,
        502: errorSchema,
        503: errorSchema,
        504: errorSchema,
      },
    },
    handler: async (request) => {
      const caller = request.caller!;
      if (ctx.invocation === undefined) throw new AgoraError('UNAVAILABLE', 'artifact calls are not offered by this server');
      let invoke_caller;
      if (caller.kind === 'call') invoke_caller = { call_token_claims: caller.claims };
      else if (caller.kind === 'agent' && caller.execution_id !== null) invoke_caller = { agent_id: caller.agent_id, execution_id: caller.execution_id };
      else throw new AgoraError('ACCESS_DENIED', 'artifacts are invoked from a running execution (or from artifact code in a call)');
      const body = request.body;
      const result = await ctx.invocation.invoke(
        {
          caller: invoke_caller,
          artifact_id: request.params.id,
          ...(body.version !== undefined ? { version: body.version } : {}),
          tool: body.tool,
          args: body.args,
          max_price_ucr: creditsToMicro(body.max_price, 'max_price'),
          allowance: { ...cfg.allowance_default, ...body.allowance },
        },
        { actor: caller.kind === 'call' ? `call:${caller.claims.call_id}` : caller.agent_id },
      );
      return { call_id: result.call_id, output: result.output, price: microToCredits(result.price_ucr), resources: microToCredits(result.resources_ucr) };
    },
  });
}
