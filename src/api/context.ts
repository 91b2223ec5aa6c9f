// What every route plugin is given: the kernel and the identity machinery. Plugins register
// their routes with zod schemas; nothing here knows about any one route.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Kernel } from '../kernel/kernel.js';
import type { WorkspaceStore } from '../workspace/workspace-store.js';
import type { TokenSigner } from '../identity/tokens.js';
import type { SpawnService } from '../kernel/social/spawn-service.js';
import type { PackageService } from '../kernel/packages/service.js';
import type { AddAgentsService } from '../kernel/operator-agents/add-service.js';
import type { CallClaims } from '../identity/call-tokens.js';
import type { ContractRunner, InvocationService } from '../kernel/artifacts/invocation-service.js';
import type { LiveEvents } from './live-events.js';

export type Caller =
  | { kind: 'agent'; agent_id: string; execution_id: string | null; via: 'token' | 'connection' }
  | { kind: 'operator' }
  // Artifact code running one call: it acts for nobody (docs/artifacts.md, "Invoking"), and
  // reaches only routes that declare `config.calls` (plus public ones).
  | { kind: 'call'; claims: CallClaims; via: 'token' | 'connection' };

/** A caller a connection can be bound to: an execution's agent, or one artifact call. */
export type BoundCaller = Extract<Caller, { kind: 'agent' }> | Extract<Caller, { kind: 'call' }>;

/** Who may call a route. Every route declares one; the auth hook refuses routes without. */
export type AuthRule = 'public' | 'agent' | 'operator' | 'any';

export interface ApiContext {
  kernel: Kernel;
  config: Config;
  /** The world directory: workspaces are relative to it. */
  world_dir: string;
  /** The agents' workspaces. */
  workspaces: WorkspaceStore;
  /** Spawn end to end, offered by whoever started the API (the orchestrator builds the workspace). */
  spawn: SpawnService;
  /** The operator's own agents (agora add), offered like spawn; absent where no world offers it. */
  addAgents?: AddAgentsService;
  /** Artifact calls end to end, offered by the orchestrator (absent: POST /artifacts/{id}/invoke is 503). */
  invocation?: InvocationService;
  /** Package installs into an agent's workspace (the orchestrator's PackageInstaller); absent, the route is UNAVAILABLE. */
  packages?: PackageService;
  /** Runs executable access contracts for the data routes (the invoker); absent, reads and writes they guard deny. */
  contracts?: ContractRunner;
  /** The committed events from JetStream (events.kind nats); absent, the live stream hears the kernel's listeners. */
  live_events?: LiveEvents;
  log: Logger;
  signer: TokenSigner;
  operator_token: string;
  /** Identities bound to connections that arrive through a per-execution channel. */
  connection_identities: WeakMap<Socket, BoundCaller>;
  /** Whether an execution's token may still be used (the run has not ended). */
  executionIsLive(execution_id: string): boolean;
  /** Whether an artifact call is still running (its token and channel die with it). */
  callIsLive(call_id: string): boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
  interface FastifyContextConfig {
    auth?: AuthRule;
    /** Artifact calls may use this route too (absent: they are refused, whatever `auth` says). */
    calls?: boolean;
  }
}
