// The researcher's routes (docs/research.md): the operator's own agents (add, pause, resume,
// kill), the ecosystem KPIs per cycle and the auditor's reports. Operator only.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { kpiSeriesView, reportsView } from '../views/research.js';
import { AgoraError } from '../../base/errors.js';
import { OPERATOR } from '../../kernel/ledger/accounts.js';
import { microToCredits } from '../../kernel/ledger/money.js';
import type { AgentView } from '../../kernel/agents/commands.js';
import type { ApiContext } from '../context.js';
import { agentIdParam, errorResponses } from '../schemas.js';

const agentState = z.object({
  agent_id: z.string(),
  status: z.enum(['alive', 'dormant', 'dead']),
  paused: z.boolean(),
  balance: z.number(),
  generation: z.number().int(),
});

export async function researchRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { kernel, config } = ctx;
  const tags = ['operator'];
  const meta = { actor: OPERATOR };
  const view = (a: AgentView) => ({ agent_id: a.id, status: a.status, paused: kernel.operatorAgents.isPaused(a.id), balance: microToCredits(a.balance_ucr), generation: a.generation });

  r.post('/operator/agents/add', {
    config: { auth: 'operator' },
    schema: {
      tags,
      summary: "Adds agents of the operator's own from a project directory on the host (agora add): generation 0, granted credits minted from system:mint, each with a first bid",
      body: z.strictObject({
        dir: z.string().min(1).max(4096).describe('The agent project directory on the host (main.py, main.js or agent.json)'),
        credits: z.number().positive().optional().describe(`Credits granted to each (default operator_agents.credits_default = ${config.operator_agents.credits_default})`),
        name: z.string().min(1).max(config.operator_agents.name_chars_max).optional().describe('Agent id (with count K: NAME-1 … NAME-K)'),
        count: z.number().int().min(1).max(config.operator_agents.count_max).optional(),
      }),
      response: {
        201: z.object({ agents: z.array(agentState.extend({ first_bid_id: z.string(), files_copied: z.number().int() })) }),
        ...errorResponses,
        503: errorResponses[400],
      },
    },
    handler: async (request, reply) => {
      if (ctx.addAgents === undefined) throw new AgoraError('UNAVAILABLE', 'this server cannot add agents (no world offers it)');
      const added = await ctx.addAgents(request.body, meta);
      return reply.status(201).send({ agents: added.map((a) => ({ ...view(a.agent), first_bid_id: a.first_bid.bid_id, files_copied: a.files.copied })) });
    },
  });

  for (const action of ['pause', 'resume', 'kill'] as const) {
    r.post(`/operator/agents/:agent_id/${action}`, {
      config: { auth: 'operator' },
      schema: {
        tags,
        summary: {
          pause: 'Pauses an agent: its open bids are withdrawn (refunded); no bid runs it and the lifecycle leaves it alone until resumed',
          resume: 'Resumes a paused agent, with a bid for its next run when it can pay one',
          kill: 'Kills an agent: its bids are withdrawn (refunded), what it holds is burned, it is dead',
        }[action],
        params: z.object({ agent_id: agentIdParam }),
        response: { 200: agentState, ...errorResponses },
      },
      handler: async (request) => {
        const { agent_id } = request.params;
        const ops = kernel.operatorAgents;
        const agent = action === 'pause' ? ops.pause(agent_id, meta) : action === 'resume' ? ops.resume(agent_id, meta).agent : ops.kill(agent_id, meta);
        return view(agent);
      },
    });
  }

  r.get('/operator/kpis', {
    config: { auth: 'operator' },
    schema: {
      tags,
      summary: 'The ecosystem KPIs per cycle (docs/kpis.md), oldest first, as columns, with their definitions',
      querystring: z.object({ cycles: z.coerce.number().int().min(1).max(config.kpis.series_cycles_max).default(Math.min(360, config.kpis.series_cycles_max)) }),
      response: {
        200: kpiSeriesView,
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const rows = kernel.kpis.series(request.query.cycles);
      const definitions = kernel.kpis.definitions.map((d) => ({ name: d.name, definition: d.definition }));
      const series = Object.fromEntries(definitions.map((d) => [d.name, rows.map((row) => row.values[d.name] ?? null)]));
      return { definitions, cycle: rows.map((row) => row.cycle), series };
    },
  });

  r.get('/operator/reports', {
    config: { auth: 'operator' },
    schema: {
      tags,
      summary: "The auditor's reports, newest first (every auditor.every_cycles cycles)",
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(config.auditor.reports_max).default(config.auditor.reports_max) }),
      response: {
        200: reportsView,
        ...errorResponses,
      },
    },
    handler: async (request) => ({
      reports: kernel.kpis.reports(request.query.limit).map((rep) => ({ cycle: rep.cycle, at: new Date(rep.at_ms).toISOString(), author: rep.author, text: rep.text, moved: rep.moved })),
    }),
  });
}
