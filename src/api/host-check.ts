// Which names the API answers to, and which pages may change state through it. A web page the
// operator visits can point its own DNS name at 127.0.0.1 (DNS rebinding) and then talk to the
// API as same-origin: the browser sends that name in Host. So the API answers only to loopback
// names and the ones the operator configured (server.allowed_hosts), before any route, static
// file, stream or socket-channel request runs. A cross-site page that posts to the real
// loopback name is caught by Origin: a state-changing request that carries an Origin must come
// from an allowed name too (agents and the CLI send no Origin).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';
import { AgoraError } from '../base/errors.js';

/** Methods that only read; everything else changes state. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A hostname (no port), lower case, without a trailing dot and IPv6 brackets kept. */
function normalize(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** The host name of a Host header value (`name`, `name:port`, `[v6]`, `[v6]:port`), or null. */
export function hostName(header: string): string | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(header.trim());
  return match === null ? null : normalize(match[1]!);
}

const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/;

export function allowedHostNames(config: Config): (name: string) => boolean {
  const configured = new Set(config.server.allowed_hosts.map((h) => normalize(h.includes(':') && !h.startsWith('[') ? `[${h}]` : h)));
  return (name) => LOOPBACK.test(name) || configured.has(name);
}

function originHostName(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? normalize(url.hostname) : null;
  } catch {
    return null; // "null" (sandboxed frames, file:) and anything else unparsable
  }
}

export function checkHostAndOrigin(request: Pick<FastifyRequest, 'headers' | 'method'>, allowed: (name: string) => boolean): void {
  const host = request.headers.host;
  const name = host === undefined ? null : hostName(host);
  if (name === null || !allowed(name)) {
    throw new AgoraError('ACCESS_DENIED', `this API does not answer to host ${JSON.stringify(host ?? '')}: only loopback names and server.allowed_hosts`, { host: host ?? null });
  }
  const origin = request.headers.origin;
  if (origin === undefined || SAFE_METHODS.has(request.method)) return;
  const from = originHostName(origin);
  if (from === null || !allowed(from)) {
    throw new AgoraError('ACCESS_DENIED', `a ${request.method} from origin ${JSON.stringify(origin)} is refused: only pages served from loopback names and server.allowed_hosts may change state`, { origin });
  }
}

/** First hook of every request, ahead of auth: refused requests touch no route. */
export function registerHostCheck(app: FastifyInstance, config: Config): void {
  const allowed = allowedHostNames(config);
  app.addHook('onRequest', async (request) => checkHostAndOrigin(request, allowed));
}
