// The operator's read routes behind the dashboard: the world at a glance, series per cycle,
// the agents table and lineage, one agent in depth, and an execution's log. Operator only.
// The journal's events and their live stream are in operator-events.ts.
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AgentView } from '../../kernel/agents/commands.js';
import type { ExecutionView } from '../../kernel/executions/commands.js';
import type { LlmUsageView } from '../../kernel/llm/commands.js';
import { bundleToNatural, priceToCredits, RESOURCES, resourceUnits, type Resource } from '../../kernel/resources/units.js';
import { microToCredits } from '../../kernel/ledger/money.js';
import { AGENT_SORTS } from '../../kernel/world/operator-reads.js';
import { AgoraError } from '../../base/errors.js';
import { SafeDir, UnsafeEntryError } from '../../workspace/safe-dir.js';
import type { ApiContext } from '../context.js';
import { agentIdParam, errorResponses, limitQuery } from '../schemas.js';
import { viewPrompt } from './attention.js';
import { agentDetailView, agentRow, agentsPageView, bidRow, columns, executionLogView, executionRow, lineageView, resourceSeries, seriesView, summaryView, traceView } from '../views/operator.js';
import { operatorEventRoutes } from './operator-events.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const credits = (ucr: number) => microToCredits(ucr);




function viewAgent(a: AgentView): z.infer<typeof agentRow> {
  return {
    agent_id: a.id,
    status: a.status,
    parent_id: a.parent_id,
    generation: a.generation,
    balance: credits(a.balance_ucr),
    escrow: credits(a.escrow_ucr),
    earned: credits(a.earned_ucr),
    spent: credits(a.spent_ucr),
    executions: a.executions,
    created_at: iso(a.created_at_ms)!,
    status_at: iso(a.status_at_ms)!,
    description: a.description,
  };
}

function viewExecution(e: ExecutionView, llm: LlmUsageView | null): z.infer<typeof executionRow> {
  return {
    execution_id: e.id,
    bid_id: e.bid_id,
    cycle: e.cycle,
    status: e.status,
    bundle: bundleToNatural(e.bundle),
    leases: e.leases,
    started_at: iso(e.started_at_ms)!,
    ended_at: iso(e.ended_at_ms),
    reason: e.reason,
    exit_code: e.exit_code,
    cpu_s: e.cpu_ms === null ? null : e.cpu_ms / 1000,
    memory_peak_mb: e.memory_peak_mb,
    wall_ms: e.wall_ms,
    log_bytes: e.log_bytes,
    log_truncated: e.log_truncated,
    llm_tokens_used: llm?.tokens_used ?? 0,
    llm_calls: llm?.calls ?? 0,
  };
}

/** The last `bytes` of a file (a log may be written while it is read; we take what is there). */
function readTail(path: string, bytes: number): { size_bytes: number; from_byte: number; text: string } {
  const fd = openSync(path, 'r');
  try {
    const size_bytes = fstatSync(fd).size;
    const from_byte = Math.max(0, size_bytes - bytes);
    const buffer = Buffer.alloc(size_bytes - from_byte);
    const read = readSync(fd, buffer, 0, buffer.length, from_byte);
    return { size_bytes, from_byte, text: buffer.subarray(0, read).toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

function deathView(d: ReturnType<ApiContext['kernel']['operator']['deathOf']>) {
  return d === null ? null : { at: iso(d.at_ms)!, cycle: d.cycle, dormant_cycles: d.dormant_cycles, dormant_reason: d.dormant_reason, dormant_at: iso(d.dormant_at_ms) };
}

/** The file in its workspace an agent may keep its reasoning in; the dashboard shows its end. */
export const TRACE_FILE = 'trace.log';

export async function operatorRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { kernel, config } = ctx;
  const reads = kernel.operator;
  const limits = config.operator;
  const cyclesQuery = z.coerce
    .number()
    .int()
    .min(1)
    .max(limits.series_cycles_max)
    .default(limits.series_cycles_default)
    .describe(`Cycles of history (1 to ${limits.series_cycles_max})`);
  const tags = ['operator'];

  r.get('/operator/summary', {
    config: { auth: 'operator' },
    schema: {
      tags,
      summary: 'The world at a glance: cycle, population, credits, runs, open bids, prompts waiting',
      response: {
        200: summaryView,
        ...errorResponses,
      },
    },
    handler: async () => {
      const s = reads.summary();
      return {
        world_id: kernel.worldId(),
        seq: kernel.journal.lastSeq(),
        now: iso(kernel.clock.now_ms())!,
        cycle: s.cycle,
        clearing_interval_s: config.market.clearing_interval_s,
        population: s.population,
        credits: { held: credits(s.held_ucr), escrow: credits(s.escrow_ucr), minted: credits(s.minted_ucr), rewarded: credits(s.rewarded_ucr), burned: credits(s.burned_ucr) },
        executions_running: s.executions_running,
        open_bids: s.open_bids,
        prompts: kernel.attention.counts(),
        requests: kernel.capabilities.counts(),
      };
    },
  });


  r.get('/operator/series', {
    config: { auth: 'operator' },
    schema: {
      tags,
      summary: 'Per cycle, oldest first, as columns: credits created and burned (cumulative), population, runs; and each resource\'s price and utilisation',
      querystring: z.object({ cycles: cyclesQuery }),
      response: {
        200: seriesView,
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const { cycles } = request.query;
      return kernel.cachedRead(`operator:series:${cycles}`, () => {
        const w = reads.cycleSeries(cycles);
        const prices = reads.priceSeries(cycles);
        const perUnit = (res: Resource, base: number) => base / resourceUnits[res].base_per_natural;
        const resources = Object.fromEntries(
          RESOURCES.map((res) => {
            const p = prices[res];
            return [
              res,
              {
                unit: resourceUnits[res].natural,
                cycle: p.cycle,
                price: p.price_ncr.map((v) => priceToCredits(res, v)),
                utilization: p.allocated.map((a, i) => (p.supply[i]! > 0 ? a / p.supply[i]! : 0)),
                demand: p.demand.map((v) => perUnit(res, v)),
                supply: p.supply.map((v) => perUnit(res, v)),
              },
            ];
          }),
        ) as Record<Resource, z.infer<typeof resourceSeries>>;
        return {
          world: {
            cycle: w.cycle,
            at_ms: w.at_ms,
            minted: w.minted_ucr.map(credits),
            rewarded: w.rewarded_ucr.map(credits),
            burned: w.burned_ucr.map(credits),
            alive: w.alive,
            dormant: w.dormant,
            dead: w.dead,
            running: w.running,
          },
          resources,
        };
      });
    },
  });

  r.get('/operator/agents', {
    config: { auth: 'operator' },
    schema: {
      tags,
      summary: 'The agents table, sorted and paged on the server',
      querystring: z.object({
        status: z.enum(['alive', 'dormant', 'dead']).optional(),
        q: z.string().max(64).optional().describe('Agent id prefix'),
        sort: z.enum(AGENT_SORTS).default('id'),
        order: z.enum(['asc', 'desc']).default('asc'),
        offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
        limit: limitQuery(config),
      }),
      response: { 200: agentsPageView, ...errorResponses },
    },
    handler: async (request) => {
      const q = request.query;
      const page = reads.agents({ status: q.status, search: q.q, sort: q.sort, descending: q.order === 'desc', offset: q.offset, limit: q.limit });
      return { total: page.total, items: page.items.map(viewAgent) };
    },
  });

  r.get('/operator/lineage', {
    config: { auth: 'operator' },
    schema: {
      tags,
      summary: `Who spawned whom: every agent (oldest first, at most operator.lineage_agents_max = ${limits.lineage_agents_max}) with its parent`,
      response: {
        200: lineageView,
        ...errorResponses,
      },
    },
    handler: async () => kernel.cachedRead('operator:lineage', () => reads.lineage(limits.lineage_agents_max)),
  });

  r.get('/operator/agents/:agent_id', {
    config: { auth: 'operator' },
    schema: {
      tags,
      summary: 'One agent in depth: its record, recent runs, bids, prompts and balance over time',
      params: z.object({ agent_id: agentIdParam }),
      querystring: z.object({ limit: limitQuery(config) }),
      response: {
        200: agentDetailView,
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const { agent_id } = request.params;
      const { limit } = request.query;
      const agent = kernel.agents.require(agent_id);
      const series = reads.balanceSeries(agent_id, limits.balance_points_max);
      return {
        agent: { ...viewAgent(agent), lineage: agent.lineage, children: kernel.agents.childrenOf(agent_id, limit) },
        executions: kernel.executions.listForAgent(agent_id, { limit }).map((e) => viewExecution(e, kernel.llm.usage(e.id))),
        bids: kernel.market.bidsOf(agent_id, { open_only: false, limit }).map((b) => ({
          bid_id: b.bid_id,
          agent_id: b.agent_id,
          amount: credits(b.amount_ucr),
          bundle: bundleToNatural(b.bundle),
          status: b.status,
          placed_at: iso(b.placed_at_ms)!,
          price_paid: b.price_paid_ucr === null ? null : credits(b.price_paid_ucr),
          close_reason: b.close_reason,
          closed_cycle: b.closed_cycle,
        })),
        prompts: kernel.attention.list({ agent_id, limit }).map(viewPrompt),
        balance: { at_ms: series.map((p) => p.at_ms), seq: series.map((p) => p.seq), balance: series.map((p) => credits(p.balance_ucr)) },
        death: deathView(reads.deathOf(agent_id)),
      };
    },
  });

  r.get('/operator/agents/:agent_id/trace', {
    config: { auth: 'operator' },
    schema: {
      tags,
      summary: `The end of the agent's own trace file (${TRACE_FILE} in its workspace), when it keeps one: its reasoning, in its words`,
      params: z.object({ agent_id: agentIdParam }),
      querystring: z.object({
        bytes: z.coerce.number().int().min(1).max(limits.log_tail_bytes_max).default(limits.log_tail_bytes_default).describe('How many bytes from the end'),
      }),
      response: {
        200: traceView,
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const agent = kernel.agents.require(request.params.agent_id);
      const base = { agent_id: agent.id, file: TRACE_FILE };
      if (!ctx.workspaces.exists(agent.workspace)) return { ...base, exists: false, size_bytes: 0, from_byte: 0, text: '' };
      // Through SafeDir: the workspace is the agent's, and trace.log may be a link to a host
      // file or a FIFO; either is refused (UnsafeEntryError, below), never followed or waited on.
      let tail: ReturnType<SafeDir['readTail']>;
      try {
        tail = SafeDir.with(ctx.workspaces.dir(agent.workspace), (dir) => dir.readTail(TRACE_FILE, request.query.bytes));
      } catch (err) {
        if (err instanceof UnsafeEntryError) throw new AgoraError('ACCESS_DENIED', `the agent's ${TRACE_FILE} is not a regular file; it is not read`, { file: TRACE_FILE });
        throw err;
      }
      if (tail === null) return { ...base, exists: false, size_bytes: 0, from_byte: 0, text: '' };
      return { ...base, exists: true, size_bytes: tail.size_bytes, from_byte: tail.from_byte, text: tail.data.toString('utf8') };
    },
  });

  r.get('/operator/executions/:execution_id/log', {
    config: { auth: 'operator' },
    schema: {
      tags,
      summary: `The end of an execution's log (stdout and stderr, capped at sandbox.log_bytes_max while it ran)`,
      params: z.object({ execution_id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/) }),
      querystring: z.object({
        bytes: z.coerce.number().int().min(1).max(limits.log_tail_bytes_max).default(limits.log_tail_bytes_default).describe('How many bytes from the end'),
      }),
      response: {
        200: executionLogView,
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const execution = kernel.executions.require(request.params.execution_id);
      const path = join(ctx.world_dir, 'executions', `${execution.id}.log`);
      const tail = existsSync(path) ? readTail(path, request.query.bytes) : { size_bytes: 0, from_byte: 0, text: '' };
      return { execution_id: execution.id, agent_id: execution.agent_id, status: execution.status, ...tail, capped: execution.log_truncated };
    },
  });

  await operatorEventRoutes(app, ctx);
}
