// What the orchestrator needs of the API, as interfaces the API implements (src/api/start.ts,
// src/api/channel.ts): the orchestrator never imports the API, and the API imports nothing of
// the orchestrator but this file; the composition (the CLI, or a test) hands one to the other.
import type { CallClaims } from '../identity/call-tokens.js';

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
