// Starts the API for an open world on its TCP port. The launcher later opens per-execution
// channels (through `openChannel`, the port it knows the API by) that feed connections into the
// same server.
import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { TokenSigner } from '../identity/tokens.js';
import type { CallClaims } from '../identity/call-tokens.js';
import type { ContractRunner, InvocationService } from '../kernel/artifacts/invocation-service.js';
import type { Kernel } from '../kernel/kernel.js';
import type { WorkspaceStore } from '../workspace/workspace-store.js';
import { openCallChannel, openExecutionChannel, type ExecutionChannel, type ExecutionIdentity } from './channel.js';
import type { ApiContext, BoundCaller } from './context.js';
import { buildServer, type RoutePlugin } from './server.js';
import type { LiveEvents } from './live-events.js';

/** What the API needs of an open world (the orchestrator's World is one). */
export interface ApiWorld {
  kernel: Kernel;
  config: Config;
  paths: { dir: string };
  workspaces: WorkspaceStore;
  log: Logger;
  signer: TokenSigner;
  operator_token: string;
  spawn: ApiContext['spawn'];
  addAgents?: ApiContext['addAgents'];
  /** Artifact calls in flight (the orchestrator's invoker); absent, no call is ever live. */
  calls?: { isLive(call_id: string): boolean };
  invocation?: InvocationService;
  packages?: ApiContext['packages'];
  /** Executable access contracts for reads and writes (the orchestrator's invoker). */
  contracts?: ContractRunner;
}

export interface RunningApi {
  app: FastifyInstance;
  ctx: ApiContext;
  url: string;
  port: number;
  /** A per-execution channel into this server (the launcher's `ApiPort`). */
  openChannel(identity: ExecutionIdentity, socket_path: string): Promise<ExecutionChannel>;
  /** A per-call channel (the invoker's `ApiPort.openCallChannel`). */
  openCallChannel(claims: CallClaims, socket_path: string): Promise<ExecutionChannel>;
  close(): Promise<void>;
}

export interface StartApiOptions {
  port?: number;
  host?: string;
  executionIsLive?: (execution_id: string) => boolean;
  plugins?: RoutePlugin[];
  /** Where GET /operator/events/stream reads committed events (events.kind nats: the JetStream stream). */
  live_events?: LiveEvents;
}

export function apiContext(world: ApiWorld, options: Pick<StartApiOptions, 'executionIsLive' | 'live_events'> = {}): ApiContext {
  return {
    kernel: world.kernel,
    config: world.config,
    world_dir: world.paths.dir,
    workspaces: world.workspaces,
    spawn: world.spawn,
    addAgents: world.addAgents,
    ...(world.invocation !== undefined ? { invocation: world.invocation } : {}),
    ...(world.packages !== undefined ? { packages: world.packages } : {}),
    ...(world.contracts !== undefined ? { contracts: world.contracts } : {}),
    ...(options.live_events !== undefined ? { live_events: options.live_events } : {}),
    log: world.log.child({ component: 'api' }),
    signer: world.signer,
    operator_token: world.operator_token,
    connection_identities: new WeakMap<Socket, BoundCaller>(),
    executionIsLive: options.executionIsLive ?? ((execution_id) => world.kernel.executions.isRunning(execution_id)),
    callIsLive: (call_id) => world.calls?.isLive(call_id) ?? false,
  };
}

export async function startApi(world: ApiWorld, options: StartApiOptions = {}): Promise<RunningApi> {
  const ctx = apiContext(world, options);
  const app = await buildServer(ctx, options.plugins);
  const host = options.host ?? world.config.server.host;
  try {
    await app.listen({ host, port: options.port ?? world.config.server.port });
  } catch (err) {
    await app.close(); // a server that could not listen holds nothing that keeps the process alive
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    app,
    ctx,
    url: `http://${shown}:${port}`,
    port,
    openChannel: (identity, socket_path) => openExecutionChannel(app, ctx, identity, socket_path),
    openCallChannel: (claims, socket_path) => openCallChannel(app, ctx, claims, socket_path),
    close: () => app.close(),
  };
}
