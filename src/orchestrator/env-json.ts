// env.json: everything an agent is told before a run (DESIGN.md "env.json"). The zod schema
// is the contract; schemas/env.schema.json is generated from it for agents in any language.
import { join } from 'node:path';
import { z } from 'zod';
import type { Kernel } from '../kernel/kernel.js';
import { microToCredits } from '../kernel/ledger/money.js';
import { baseToNatural, bundleToNatural, priceToCredits, RESOURCES, type Resource } from '../kernel/resources/units.js';
import type { ExecutionView } from '../kernel/executions/commands.js';
import type { AgentView } from '../kernel/agents/commands.js';
import { SafeDir, type Owner } from '../workspace/safe-dir.js';
import type { DiskUsage } from '../workspace/usage.js';
import { ARTIFACT_KINDS } from '../kernel/artifacts/events.js';

export const ENV_SCHEMA_VERSION = 1;
const ENV_JSON = 'env.json';

const resourceMarket = z.strictObject({
  price: z.number().describe('Credits per natural unit'),
  utilization: z.number().min(0).max(1).describe('Share of last cycle\'s supply that was allocated'),
  supply: z.number().describe('Units offered per cycle'),
});

export const inboxMessageSchema = z.strictObject({
  id: z.string(),
  from: z.string().describe('Sender agent id'),
  content: z.string(),
  timestamp: z.string().describe('ISO 8601'),
});
export type InboxMessage = z.infer<typeof inboxMessageSchema>;

export const envArtifactsSchema = z
  .strictObject({
    owned: z
      .array(
        z.strictObject({
          id: z.string(),
          kind: z.enum(ARTIFACT_KINDS),
          name: z.string(),
          latest_version: z.number().int(),
          call_price: z.number().describe("Credits: the cheapest tool's price or cap"),
          price_read: z.number(),
          bytes: z.number().int(),
          calls: z.number().int(),
          successes: z.number().int(),
          earned: z.number().describe('Credits earned from its calls, all time'),
        }),
      )
      .describe('Live artifacts you own (GET /artifacts?owner=you for all)'),
    owned_count: z.number().int().describe('How many live artifacts you own'),
    earned_since_last_run: z
      .strictObject({ calls: z.number().describe('Credits from settled calls'), reads: z.number().describe('Credits from paid reads'), settled_calls: z.number().int() })
      .describe('What your artifacts earned since your previous run ended (all time if this is your first)'),
    storage_fee_per_cycle: z.number().describe('Credits burned from you at each clearing for the bytes your artifacts hold'),
    subscriptions: z.array(z.string()).describe('Artifacts you subscribe to'),
    news: z
      .array(z.strictObject({ seq: z.number().int(), artifact_id: z.string(), event_type: z.string(), summary: z.string(), at: z.string() }))
      .describe('Newest news of your subscriptions (new versions, calls, transfers, tombstones), at most artifacts.env_news_max; GET /artifacts/news pages'),
  })
  .describe('Your artifacts and subscriptions (docs/artifacts.md)');
export const capabilityRequestSchema = z.strictObject({
  request_id: z.string(),
  capability: z.string().describe('kind[:name] as asked'),
  status: z.enum(['pending', 'approved', 'denied']),
  active: z.boolean().describe('Approved and not yet expired: enforced where it applies'),
  scope: z.string().nullable(),
  budget: z.number().int().nullable().describe('llm_model: tokens through the model (null = unbounded until expiry)'),
  expires_at: z.string().nullable().describe('ISO 8601, world time'),
  answer: z.string().nullable().describe("The operator's note (approved) or reason (denied)"),
});

export const envJsonSchema = z
  .strictObject({
    agent_id: z.string(),
    execution_id: z.string(),
    credits: z.number().describe('Spendable balance in credits when the run started'),
    system_time: z.string().describe('ISO 8601, the world clock (virtual in simulation mode)'),
    lease: z.strictObject({ ends_at: z.string().describe('ISO 8601: the run is stopped then unless it wins the next lease'), duration_s: z.number().int() }),
    bundle: z
      .strictObject({
        cpu: z.number().describe('CPU-seconds'),
        memory: z.number().describe('MB'),
        tokens: z.number().int().describe('LLM tokens'),
        attention: z.number().int().describe('Human prompt slots'),
      })
      .describe('What the winning bid bought'),
    markets: z.record(z.enum(RESOURCES), resourceMarket).describe('Per resource: cpu, memory, tokens, attention'),
    inbox: z.array(inboxMessageSchema).describe('Unread messages'),
    execution_context: z
      .strictObject({ cpu_seconds: z.number(), memory_mb: z.number(), tokens: z.number().int() })
      .describe('The limits this run is held to'),
    api: z.strictObject({ url: z.string().describe('SYSTEM_SERVICE_URL'), docs: z.string().describe('OpenAPI document URL') }),
    lineage: z.array(z.string()).describe('Ancestors, oldest first'),
    generation: z.number().int().min(0),
    disk: z
      .strictObject({
        bytes_used: z.number().int().min(0),
        bytes_max: z.number().int().min(0),
        inodes_used: z.number().int().min(0).describe('Files and directories'),
        inodes_max: z.number().int().min(0),
      })
      .describe('The workspace\'s disk allowance and what it held when the run started; a run that fills it is stopped (killed_disk)'),
    artifacts: envArtifactsSchema,
    capabilities: z
      .array(capabilityRequestSchema)
      .describe('Your latest capability requests (POST /capabilities/request), newest first, with the operator\'s answers (capabilities.env_requests_max)'),
  })
  .describe(`Agora env.json, version ${ENV_SCHEMA_VERSION}: written into the workspace before every run.`);

export type EnvJson = z.infer<typeof envJsonSchema>;

export function envJsonSchemaDocument(): unknown {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://agora.dev/schemas/env.v${ENV_SCHEMA_VERSION}.json`,
    title: 'Agora env.json',
    ...(z.toJSONSchema(envJsonSchema) as object),
  };
}

export function buildEnvJson(
  kernel: Kernel,
  execution: ExecutionView,
  options: { api_url: string; inbox: InboxMessage[]; disk: DiskUsage; agent?: AgentView },
): EnvJson {
  // The launcher has read the agent already for this run (one read, not one per step).
  const agent = options.agent ?? kernel.agents.require(execution.agent_id);
  const state = kernel.market.state();
  const markets = Object.fromEntries(
    RESOURCES.map((resource: Resource) => {
      const r = state.resources[resource];
      return [resource, { price: priceToCredits(resource, r.price_ncr), utilization: r.utilization, supply: baseToNatural(resource, r.supply) }];
    }),
  ) as EnvJson['markets'];
  const { duration_s: _duration_s, ...bundle } = bundleToNatural(execution.bundle);
  const env: EnvJson = {
    agent_id: agent.id,
    execution_id: execution.id,
    credits: microToCredits(agent.balance_ucr),
    system_time: new Date(kernel.clock.now_ms()).toISOString(),
    lease: { ends_at: new Date(execution.lease_ends_at_ms).toISOString(), duration_s: execution.bundle.duration_s },
    bundle,
    markets,
    inbox: options.inbox,
    execution_context: { cpu_seconds: bundle.cpu, memory_mb: bundle.memory, tokens: bundle.tokens },
    api: { url: options.api_url, docs: `${options.api_url}/openapi.json` },
    lineage: agent.lineage,
    generation: agent.generation,
    disk: { bytes_used: options.disk.bytes_used, bytes_max: options.disk.bytes_max, inodes_used: options.disk.inodes_used, inodes_max: options.disk.inodes_max },
    artifacts: envArtifacts(kernel, execution),
    capabilities: capabilitiesFor(kernel, agent.id),
  };
  // Built to the schema's own type, so not parsed again here: a zod parse of it cost more than
  // all of its reads together, for every run (test/scale-plans.test.ts parses what it builds).
  return env;
}

/** What the agent owns, what it earned since its previous run, and its subscriptions' news. */
export function envArtifacts(kernel: Kernel, execution: ExecutionView): EnvJson['artifacts'] {
  const agent_id = execution.agent_id;
  const reads = kernel.artifacts.reads;
  const limits = kernel.config.artifacts;
  const since_ms = kernel.executions.previousRunMs(agent_id, execution.started_at_ms) ?? 0;
  const earned = reads.earnedSince(agent_id, since_ms);
  const { owned, count: owned_count, bytes } = reads.ownedSummary(agent_id, limits.owned_ids_in_events_max);
  const fee_ucr = kernel.artifacts.storageFeeUcr(bytes);
  return {
    owned: owned.map((a) => {
      const usage = reads.callTotals(a.id);
      return {
        id: a.id,
        kind: a.kind,
        name: a.name,
        latest_version: a.latest_version,
        call_price: microToCredits(a.call_price_ucr),
        price_read: microToCredits(a.price_read_ucr),
        bytes: a.bytes_held,
        calls: usage.calls,
        successes: usage.successes,
        earned: microToCredits(usage.earned_ucr),
      };
    }),
    owned_count,
    earned_since_last_run: { calls: microToCredits(earned.calls_ucr), reads: microToCredits(earned.reads_ucr), settled_calls: earned.calls },
    storage_fee_per_cycle: microToCredits(fee_ucr),
    subscriptions: reads.subscriptions(agent_id),
    news: reads.news(agent_id, { limit: limits.env_news_max }).map((n) => ({ seq: n.seq, artifact_id: n.artifact_id, event_type: n.event_type, summary: n.summary, at: new Date(n.at_ms).toISOString() })),
  };
}

function capabilitiesFor(kernel: Kernel, agent_id: string): EnvJson['capabilities'] {
  const now_ms = kernel.clock.now_ms();
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return kernel.capabilities.list({ agent_id, limit: kernel.config.capabilities.env_requests_max }).map((r) => ({
    request_id: r.request_id,
    capability: r.capability,
    status: r.status,
    active: r.status === 'approved' && r.expires_at_ms !== null && r.expires_at_ms > now_ms,
    scope: r.scope,
    budget: r.budget,
    expires_at: iso(r.expires_at_ms),
    answer: r.answer,
  }));
}

/**
 * Written to a fresh temp file and renamed over env.json, beneath the workspace's directory
 * descriptor (SafeDir): an agent never reads half an env.json, and whatever it planted at
 * that name (a link to a host file, a FIFO) is replaced, never followed. `no_reader`: no
 * process of the agent runs (before a run starts), so the env.json the host left there last
 * time is rewritten in place (SafeDir.overwriteInPlace: the same file, owner and mode as a
 * new one would have, at a third of the cost); anything else at that name is replaced as above.
 */
export function writeEnvJson(workspace_dir: string, env: EnvJson, owner: Owner | null = null, options: { no_reader?: boolean } = {}): string {
  const text = JSON.stringify(env, null, 2) + '\n';
  SafeDir.with(workspace_dir, (dir) => {
    if (options.no_reader === true && dir.overwriteInPlace(ENV_JSON, text, { mode: 0o644, owner })) return;
    dir.writeFileAtomic(ENV_JSON, text, { mode: 0o644, owner });
  });
  return join(workspace_dir, ENV_JSON);
}
