// Starts the API for an open world on its TCP port. The orchestrator later adds
// per-execution channels that feed connections into the same server.
import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';
import type { World } from '../orchestrator/open-world.js';
import type { ApiContext, Caller } from './context.js';
import { buildServer, type RoutePlugin } from './server.js';

export interface RunningApi {
  app: FastifyInstance;
  ctx: ApiContext;
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface StartApiOptions {
  port?: number;
  host?: string;
  executionIsLive?: (execution_id: string) => boolean;
  plugins?: RoutePlugin[];
}

export function apiContext(world: World, options: Pick<StartApiOptions, 'executionIsLive'> = {}): ApiContext {
  return {
    kernel: world.kernel,
    config: world.config,
    world_dir: world.paths.dir,
    workspaces: world.workspaces,
    log: world.log.child({ component: 'api' }),
    signer: world.signer,
    operator_token: world.operator_token,
    connection_identities: new WeakMap<Socket, Extract<Caller, { kind: 'agent' }>>(),
    executionIsLive: options.executionIsLive ?? ((execution_id) => world.kernel.executions.isRunning(execution_id)),
  };
}

export async function startApi(world: World, options: StartApiOptions = {}): Promise<RunningApi> {
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
  return { app, ctx, url: `http://${shown}:${port}`, port, close: () => app.close() };
}
