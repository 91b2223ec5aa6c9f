// How an MCP tool call reaches its HTTP twin as the same caller. The MCP route injects the
// twin request into Fastify in-process (app.inject) with a one-use random key in a header; the
// auth hook (auth.ts) takes the caller bound to that key instead of reading a connection or a
// token. Keys exist only in this process's memory for the duration of one injected request, so
// a request from outside that sends the header names no key and is refused.
import { randomUUID } from 'node:crypto';
import { AgoraError } from '../../base/errors.js';
import type { Caller } from '../context.js';

export const DELEGATION_HEADER = 'x-agora-delegation';

const pending = new Map<string, Caller | null>();

/** Binds `caller` to a fresh key for one injected request; `release` when it has answered. */
export function delegate(caller: Caller | null): { key: string; release(): void } {
  // 122 random bits from Node's buffered CSPRNG: unguessable for the milliseconds a key lives,
  // without a synchronous randomBytes call on every MCP tool call.
  const key = randomUUID();
  pending.set(key, caller);
  return { key, release: () => pending.delete(key) };
}

/** The caller an injected request acts as; refused if the key is not one this process issued. */
export function delegatedCaller(header: string | string[]): Caller | null {
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || !pending.has(key)) throw new AgoraError('UNAUTHENTICATED', `${DELEGATION_HEADER} is internal to Agora and names no live request`);
  return pending.get(key)!;
}
