// The kernel: the one file that lists the domains. Each joins the engine through its
// `domain.ts` (events, projectors, tables, invariants; the order here is the order projectors
// run in), and the facade below holds one KernelCore (the writer) and each domain's commands.
// The API, the orchestrator and the CLI hold a Kernel; nothing else writes.
import type { Db } from '../store/store.js';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { Agents } from './agents/commands.js';
import { Artifacts } from './artifacts/commands.js';
import { ArtifactBytes } from '../store/artifact-bytes.js';
import { Attention } from './attention/commands.js';
import { Capabilities } from './capabilities/commands.js';
import type { Clock } from './engine/clock.js';
import { KernelCore } from './engine/core.js';
import { Registry, type EventsOf } from './engine/domain.js';
import type { EventListener, KernelEvents } from './registry.js';
import { JournalReads } from './journal-reads.js';
import { OperatorReads } from './world/operator-reads.js';
import { Executions } from './executions/commands.js';
import { Ledger } from './ledger/commands.js';
import { Lifecycle } from './lifecycle/commands.js';
import { LlmMeter } from './llm/commands.js';
import { Market } from './market/commands.js';
import { bundleFromNatural } from './resources/units.js';
import { creditsToMicro } from './ledger/money.js';
import { AgoraError } from '../base/errors.js';
import type { Rng } from './engine/rng.js';
import { Social } from './social/commands.js';
import { SCHEMA_VERSION } from '../store/migrations.js';

import { agentsDomain } from './agents/domain.js';
import { artifactsDomain } from './artifacts/domain.js';
import { attentionDomain } from './attention/domain.js';
import { capabilitiesDomain } from './capabilities/domain.js';
import { executionsDomain } from './executions/domain.js';
import { ledgerDomain } from './ledger/domain.js';
import { packagesDomain } from './packages/domain.js';
import { Packages } from './packages/commands.js';
import { lifecycleDomain } from './lifecycle/domain.js';
import { llmDomain } from './llm/domain.js';
import { marketDomain } from './market/domain.js';
import { socialDomain } from './social/domain.js';
import { worldDomain } from './world/domain.js';
import { operatorAgentsDomain } from './operator-agents/domain.js';
import { kpisDomain } from './kpis/domain.js';
import { OperatorAgents } from './operator-agents/commands.js';
import { Kpis } from './kpis/commands.js';
import { historyDomain } from './history/domain.js';
import { History } from './history/commands.js';
import { tradeDomain } from './trade/domain.js';
import { Trade } from './trade/commands.js';

/** Every domain, in projection order (a clearing's snapshot reads the market's tables first). */
export const kernelDomains = [
  ledgerDomain,
  agentsDomain,
  marketDomain,
  executionsDomain,
  lifecycleDomain,
  attentionDomain,
  worldDomain,
  socialDomain,
  llmDomain,
  operatorAgentsDomain,
  kpisDomain,
  artifactsDomain,
  capabilitiesDomain,
  historyDomain,
  tradeDomain,
  packagesDomain,
] as const;

// The type registry (registry.ts) and this list must name the same events; this fails to
// compile if a domain is listed in one and not the other.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const registryMatchesDomains: Same<EventsOf<typeof kernelDomains>, KernelEvents> = true;
void registryMatchesDomains;

export const kernelRegistry = new Registry<KernelEvents>(kernelDomains);
/** Every event type of the journal with its schema; docs/events.md is generated from it. */
export const eventSchemas: KernelEvents = kernelRegistry.schemas;

export const AGORA_VERSION = '0.1.0';
export const GENESIS_ID = 'genesis';

export interface KernelDeps {
  db: Db;
  clock: Clock;
  rng: Rng;
  config: Config;
  log: Logger;
  /** Where artifact bytes live (the world's `artifacts/` directory). */
  artifacts_dir: string;
}

export class Kernel {
  readonly core: KernelCore<KernelEvents>;
  readonly ledger: Ledger;
  readonly agents: Agents;
  readonly market: Market;
  readonly executions: Executions;
  readonly lifecycle: Lifecycle;
  readonly attention: Attention;
  readonly llm: LlmMeter;
  readonly packages: Packages;
  readonly social: Social;
  readonly artifacts: Artifacts;
  /** Capability requests (seed 003 gap 30) and the grants the market and the LLM proxy enforce. */
  readonly capabilities: Capabilities;
  /** The operator's dashboard reads (world summary, series, agents table, lineage). */
  readonly operator: OperatorReads;
  readonly journal: JournalReads;
  /** The operator's own agents: add, pause, resume, kill (docs/research.md). */
  readonly operatorAgents: OperatorAgents;
  /** The ecosystem KPIs per cycle and the auditor's reports (docs/kpis.md). */
  readonly kpis: Kpis;
  /** Cycle hashes, workspace manifests, checkpoints, forks, recorded LLM replies (docs/replay.md). */
  readonly history: History;
  /** Offers, loans and rights (docs/trade.md). */
  readonly trade: Trade;

  constructor(deps: KernelDeps) {
    this.core = new KernelCore(deps.db, deps.clock, deps.rng, deps.config, deps.log, kernelRegistry);
    this.ledger = new Ledger(this.core);
    this.agents = new Agents(this.core);
    this.market = new Market(this.core);
    this.executions = new Executions(this.core);
    this.lifecycle = new Lifecycle(this.core);
    this.attention = new Attention(this.core);
    this.llm = new LlmMeter(this.core, this.market);
    this.packages = new Packages(this.core);
    this.attention.deliverReply = (reply, meta) => void this.social.sendFromOperator({ to_id: reply.agent_id, content: reply.reply }, meta);
    this.social = new Social(this.core, this.agents, this.market);
    this.artifacts = new Artifacts(this.core, this.market, new ArtifactBytes(deps.artifacts_dir));
    this.capabilities = new Capabilities(this.core);
    this.capabilities.deliverAnswer = (answer, meta) => void this.social.sendFromOperator({ to_id: answer.agent_id, content: answer.content }, meta);
    this.market.memoryCapMb = (agent_id) => this.capabilities.memoryCapMb(agent_id);
    this.operator = new OperatorReads(this.core);
    this.journal = new JournalReads(this.core.db);
    this.operatorAgents = new OperatorAgents(this.core, this.agents, this.market);
    this.kpis = new Kpis(this.core);
    this.history = new History(this.core);
    this.trade = new Trade(this.core, this.artifacts);
    // Every new agent is issued its default rights; a licence covers the calls it was bought for.
    this.agents.afterCreate = (tx, agent_id) => this.trade.rights.issueDefaults(tx, agent_id);
    this.artifacts.calls.coverCall = (tx, input) => this.trade.offers.coverCall(tx, input);
    // A loan's claim is an artifact in the one namespace (docs/trade.md).
    this.trade.loans.issueClaim = (tx, input) => this.artifacts.issueLoanClaim(tx, input);
  }

  get config(): Config {
    return this.core.config;
  }

  get clock(): Clock {
    return this.core.clock;
  }

  /** Hears each committed transaction's events, after its commit. */
  subscribe(listener: EventListener): () => void {
    return this.core.subscribe(listener);
  }

  /** A read through the committed-state cache (cleared at every commit that wrote). */
  cachedRead<T>(key: string, load: () => T): T {
    return this.core.cachedRead(key, load);
  }

  isInitialised(): boolean {
    return this.core.db.prepare("SELECT 1 FROM meta WHERE key = 'world_id'").get() !== undefined;
  }

  /** Creates the world's first events: the system accounts and the genesis agent. */
  initialise(options: { genesis_workspace: string }): void {
    this.core.command({ actor: 'system:init' }, (tx) => {
      tx.emit('world_created', {
        world_id: this.core.rng.id('world', 12),
        schema_version: SCHEMA_VERSION,
        seed: this.core.rng.seed,
        agora_version: AGORA_VERSION,
      });
      this.agents.createGenesis(tx, {
        agent_id: GENESIS_ID,
        workspace: options.genesis_workspace,
        credits_ucr: creditsToMicro(this.config.agents.genesis_credits, 'agents.genesis_credits'),
      });
      this.market.open(tx);
      const first = this.config.agents.genesis_first_bid;
      if (first.credits > 0) {
        // A first bid the market refuses (a config whose supply or bounds cannot hold it)
        // must not stop the world from being created; the refusal wrote nothing.
        try {
          this.placeFirstBid(first);
        } catch (err) {
          if (!(err instanceof AgoraError)) throw err;
          this.core.log.warn({ err: err.message }, 'genesis first bid refused; genesis has no first lease (agents.genesis_first_bid)');
        }
      }
    });
  }

  private placeFirstBid(first: Config['agents']['genesis_first_bid']): void {
    this.market.placeBid(
      {
        payer_id: GENESIS_ID,
        amount_ucr: creditsToMicro(first.credits, 'agents.genesis_first_bid.credits'),
        bundle: bundleFromNatural({ cpu: first.cpu_s, memory: first.memory_mb, tokens: 0, attention: 0, duration_s: first.duration_s }),
      },
      { actor: 'system:init' },
    );
  }

  worldId(): string | null {
    const row = this.core.db.prepare("SELECT value FROM meta WHERE key = 'world_id'").get() as { value: string } | undefined;
    return row?.value ?? null;
  }
}
