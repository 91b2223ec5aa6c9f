// The per-execution API channel: a unix socket that only one run can reach (bwrap and docker
// bind it into that run's sandbox). Every connection accepted here is bound to the run's
// identity before Fastify sees a byte, so an agent is who its socket says, whatever token or
// body it sends (see auth.ts: the connection wins, a token may only confirm it).
import { chmodSync, lstatSync, statSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AgoraError, invariant } from '../base/errors.js';
import { once } from '../base/once.js';
import type { ExecutionChannel, ExecutionIdentity } from '../orchestrator/ports.js';
import type { ApiContext, BoundCaller } from './context.js';
import type { CallClaims } from '../identity/call-tokens.js';

/** sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL. */
export const UNIX_PATH_BYTES_MAX = 107;

export type { ExecutionChannel, ExecutionIdentity };

export async function openExecutionChannel(app: FastifyInstance, ctx: ApiContext, identity: ExecutionIdentity, socket_path: string): Promise<ExecutionChannel> {
  const caller = { kind: 'agent' as const, agent_id: identity.agent_id, execution_id: identity.execution_id, via: 'connection' as const };
  return openChannel(app, ctx, caller, socket_path, { execution_id: identity.execution_id, agent_id: identity.agent_id });
}

/**
 * The per-call channel of one artifact call: every connection on it is that call (auth.ts),
 * so the code inside needs no credential at all, and none it could leak acts for anyone.
 */
export async function openCallChannel(app: FastifyInstance, ctx: ApiContext, claims: CallClaims, socket_path: string): Promise<ExecutionChannel> {
  return openChannel(app, ctx, { kind: 'call', claims, via: 'connection' }, socket_path, { call_id: claims.call_id, payer_id: claims.payer_id });
}

async function openChannel(app: FastifyInstance, ctx: ApiContext, caller: BoundCaller, socket_path: string, label: Record<string, string>): Promise<ExecutionChannel> {
  if (Buffer.byteLength(socket_path) > UNIX_PATH_BYTES_MAX) {
    throw new AgoraError('INVALID_ARGS', `socket path is ${Buffer.byteLength(socket_path)} bytes, over the ${UNIX_PATH_BYTES_MAX} a unix socket allows: ${socket_path}`);
  }
  // Anyone who can connect is this agent: the directory must keep other local users out.
  const dir_mode = statSync(dirname(socket_path)).mode;
  if ((dir_mode & 0o022) !== 0 && (dir_mode & 0o1000) === 0) {
    throw new AgoraError('INVALID_ARGS', `the directory of ${socket_path} is writable by others: use a private one`);
  }
  const left = lstatSync(socket_path, { throwIfNoEntry: false });
  if (left !== undefined) {
    if (!left.isSocket()) throw new AgoraError('CONFLICT', `${socket_path} exists and is not a socket`);
    unlinkSync(socket_path); // left by a run of a crashed Agora
  }
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    ctx.connection_identities.set(socket, caller);
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    // Hand the connection to the API's own HTTP server: same routes, limits and timeouts.
    // Synchronously, before the first 'data' event can fire, so no byte is missed.
    app.server.emit('connection', socket);
  });
  server.on('error', (err) => ctx.log.error({ err, ...label }, 'execution channel error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket_path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Owner only; the runner hands the socket to the sandbox's uid (chown) when it differs.
  chmodSync(socket_path, 0o600);
  invariant(lstatSync(socket_path).isSocket(), 'the channel listens on a socket');
  ctx.log.debug({ ...label, socket_path }, 'channel open');

  return {
    socket_path,
    close: once(() => {
      server.close();
      for (const socket of open) socket.destroy();
      try {
        unlinkSync(socket_path);
      } catch {
        /* already gone */
      }
    }),
  };
}
