// What the orchestrator needs of the API, as interfaces the API implements (src/api/start.ts,
// src/api/channel.ts): the orchestrator never imports the API, and the API imports nothing of
// the orchestrator but this file; the composition (the CLI, or a test) hands one to the other.
import type { CallClaims } from '../identity/call-tokens.js';
import type { CommandMeta } from '../kernel/registry.js';

/** Who a per-execution channel's connections are. */
export interface ExecutionIdentity {
  agent_id: string;
  execution_id: string;
}

/** A unix socket only one run can reach; every connection on it is that run's agent. */
export interface ExecutionChannel {
  readonly socket_path: string;
  /** Stops accepting, drops open connections and removes the socket file. Idempotent. */
  close(): void;
}

/** The running API, as the launcher sees it. */
export interface ApiPort {
  /** Where an unsandboxed (process-runner) agent reaches the API. */
  readonly url: string;
  /** Binds a new socket at `socket_path` whose connections are `identity`. */
  openChannel(identity: ExecutionIdentity, socket_path: string): Promise<ExecutionChannel>;
  /** Binds a new socket at `socket_path` whose connections are one artifact call (never its payer). */
  openCallChannel(claims: CallClaims, socket_path: string): Promise<ExecutionChannel>;
}

/** Resources one artifact call may use (bounded by invocation.*_max). */
export interface Allowance {
  cpu_ms: number;
  memory_mb: number;
  wall_ms: number;
}

/** Who makes a call: an execution (depth 1, its agent pays) or artifact code in a call (its payer pays). */
export type InvokeCaller = { agent_id: string; execution_id: string } | { call_token_claims: CallClaims };

export interface InvokeRequest {
  caller: InvokeCaller;
  artifact_id: string;
  version?: number;
  tool: string;
  args: unknown;
  max_price_ucr: number;
  allowance?: Partial<Allowance>;
}

export interface InvokeResult {
  ok: true;
  call_id: string;
  output: unknown;
  price_ucr: number;
  resources_ucr: number;
}

/** Offered by the orchestrator to the API (like World.spawn): runs one tool call end to end. */
export interface InvocationService {
  invoke(request: InvokeRequest, meta: CommandMeta): Promise<InvokeResult>;
}
