// Identity. A caller is an agent (by its per-execution connection or a signed token) or the
// operator (by the operator token). Identity is never read from a body: a body or query
// field that names another agent is refused with 403.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AgoraError } from '../base/errors.js';
import type { ApiContext, Caller } from './context.js';
import { secretsEqual } from '../identity/tokens.js';
import { CallTokenSigner } from '../identity/call-tokens.js';
import { DELEGATION_HEADER, delegatedCaller } from './mcp/delegation.js';

/** Fields through which a request could claim to act as an agent. */
const IDENTITY_FIELDS = ['from_id', 'agent_id', 'caller_id', 'sender_id', 'bidder_id', 'payer_id', 'parent_id'] as const;

export function registerAuth(app: FastifyInstance, ctx: ApiContext): void {
  app.decorateRequest('caller', null);

  app.addHook('onRoute', (route) => {
    const rule = (route.config as { auth?: string } | undefined)?.auth;
    if (rule === undefined && !route.url.startsWith('/docs')) {
      throw new Error(`route ${route.method} ${route.url} does not declare config.auth`);
    }
  });

  app.addHook('onRequest', async (request) => {
    request.caller = identify(request, ctx);
    const rule = request.routeOptions.config.auth ?? 'public';
    if (rule === 'public') return;
    if (request.caller === null) throw new AgoraError('UNAUTHENTICATED', 'missing or invalid credentials: send Authorization: Bearer <token>');
    if (request.caller.kind === 'call' && request.routeOptions.config.calls !== true) {
      // Fail closed: a route is open to artifact code only if it says so (docs/artifacts.md, "Invoking").
      throw new AgoraError('ACCESS_DENIED', 'artifact code may only invoke artifacts and read; it never acts as its payer', { call_id: request.caller.claims.call_id });
    }
    if (rule === 'operator' && request.caller.kind !== 'operator') throw new AgoraError('ACCESS_DENIED', 'this route is for the operator');
    // An artifact call past the check above is on a route that takes calls: as an agent's stand-in.
    if (rule === 'agent' && request.caller.kind === 'operator') throw new AgoraError('ACCESS_DENIED', 'this route is for agents');
  });

  app.addHook('preHandler', async (request) => {
    const caller = request.caller;
    if (caller === null || caller.kind === 'operator') return;
    for (const source of [request.body, request.query]) {
      if (source === null || typeof source !== 'object') continue;
      for (const field of IDENTITY_FIELDS) {
        const named = (source as Record<string, unknown>)[field];
        if (named === undefined) continue;
        if (caller.kind === 'call') {
          // Artifact code names no one: not even its payer (who pays is the call's, never the body's).
          throw new AgoraError('ACCESS_DENIED', `${field}: artifact code cannot name who acts or pays; call ${caller.claims.call_id} is paid by ${caller.claims.payer_id}`, { field });
        }
        if (named !== caller.agent_id) {
          throw new AgoraError('ACCESS_DENIED', `${field} names ${String(named)}, but you are ${caller.agent_id}`, { field });
        }
      }
    }
  });
}

function identify(request: FastifyRequest, ctx: ApiContext): Caller | null {
  // An MCP tool call's HTTP twin, injected in-process: it is exactly the MCP request's caller.
  const delegated = request.headers[DELEGATION_HEADER];
  if (delegated !== undefined) return delegatedCaller(delegated);
  const bound = ctx.connection_identities.get(request.raw.socket);
  const header = request.headers.authorization;
  const token = header !== undefined && header.startsWith('Bearer ') ? header.slice(7).trim() : null;
  if (bound !== undefined && bound.kind === 'call') return identifyCallConnection(bound, token, ctx);
  if (bound !== undefined) {
    if (!ctx.executionIsLive(bound.execution_id ?? '')) throw new AgoraError('UNAUTHENTICATED', 'this execution has ended');
    // On an execution's own channel a token may only confirm who the connection already is.
    if (token !== null && !secretsEqual(token, ctx.operator_token)) {
      const claims = ctx.signer.verify(token, ctx.kernel.clock.now_ms());
      if (claims === null || claims.agent_id !== bound.agent_id) {
        throw new AgoraError('ACCESS_DENIED', `this connection belongs to ${bound.agent_id}; its token cannot be another's`);
      }
    } else if (token !== null) {
      throw new AgoraError('ACCESS_DENIED', 'operator credentials are not accepted from inside an execution');
    }
    return bound;
  }
  if (token === null) return null;
  if (secretsEqual(token, ctx.operator_token)) return { kind: 'operator' };
  if (CallTokenSigner.isCallToken(token)) {
    const call = ctx.signer.calls.verify(token, ctx.kernel.clock.now_ms());
    if (call === null) throw new AgoraError('UNAUTHENTICATED', 'call token is invalid or expired');
    if (!ctx.callIsLive(call.call_id)) throw new AgoraError('UNAUTHENTICATED', `call ${call.call_id} has ended`);
    return { kind: 'call', claims: call, via: 'token' };
  }
  const claims = ctx.signer.verify(token, ctx.kernel.clock.now_ms());
  if (claims === null) throw new AgoraError('UNAUTHENTICATED', 'token is invalid or expired');
  if (claims.execution_id !== null && !ctx.executionIsLive(claims.execution_id)) {
    throw new AgoraError('UNAUTHENTICATED', 'the execution this token was issued to has ended');
  }
  const status = ctx.kernel.agents.status(claims.agent_id);
  if (status === null) throw new AgoraError('UNAUTHENTICATED', `token names unknown agent ${claims.agent_id}`);
  if (status === 'dead') throw new AgoraError('ACCESS_DENIED', `agent ${claims.agent_id} is dead`);
  return { kind: 'agent', agent_id: claims.agent_id, execution_id: claims.execution_id, via: 'token' };
}

/**
 * A per-call channel's connection is its call, whatever it sends: a token there may only be
 * this same call's, and the call must still be running.
 */
function identifyCallConnection(bound: Extract<Caller, { kind: 'call' }>, token: string | null, ctx: ApiContext): Caller {
  if (!ctx.callIsLive(bound.claims.call_id)) throw new AgoraError('UNAUTHENTICATED', `call ${bound.claims.call_id} has ended`);
  if (token !== null) {
    const claims = CallTokenSigner.isCallToken(token) ? ctx.signer.calls.verify(token, ctx.kernel.clock.now_ms()) : null;
    if (claims === null || claims.call_id !== bound.claims.call_id) {
      throw new AgoraError('ACCESS_DENIED', `this connection belongs to call ${bound.claims.call_id}; no other credentials are accepted on it`);
    }
  }
  return bound;
}

export function callerAgentId(request: FastifyRequest): string {
  const caller = request.caller;
  if (caller === null || caller.kind !== 'agent') throw new AgoraError('ACCESS_DENIED', 'this route is for agents');
  return caller.agent_id;
}

/**
 * Whether the caller may see `agent_id`'s spendable balance and escrow apart: the agent itself
 * and the operator. Others see one sum, because placing a sealed bid moves its amount from
 * balance to escrow, and either figure alone (or its change) would give that amount away.
 */
export function seesEscrowOf(request: FastifyRequest, agent_id: string): boolean {
  const caller = request.caller;
  return caller !== null && (caller.kind === 'operator' || (caller.kind === 'agent' && caller.agent_id === agent_id));
}
