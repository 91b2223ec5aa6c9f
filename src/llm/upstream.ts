// Real HTTP to providers, with a keep-alive connection pool per protocol. Node's own http
// client is used rather than fetch: it is the same wire protocol at a fraction of the
// per-request cost, and the proxy's added latency is a measured target (bench/llm.bench.ts).
// A call can be cut off two ways: a provider silent too long (TIMEOUT, per provider), and the
// call's own end (its duration limit, or the client going away). Provider failures become
// AgoraErrors in the one shape; none of them charges anything.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AgoraError } from '../base/errors.js';

export type AbortReason = 'timeout' | 'duration' | 'client_closed';

/** One call's cancellation: an overall deadline plus a resettable silence timer. */
export class CallControl {
  private readonly controller = new AbortController();
  private silence: NodeJS.Timeout | null = null;
  private readonly deadline: NodeJS.Timeout;
  reason: AbortReason | null = null;

  constructor(duration_ms: number) {
    this.deadline = setTimeout(() => this.abort('duration'), duration_ms);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** (Re)starts the silence timer: the provider must send something within `timeout_ms`. */
  expectWithin(timeout_ms: number): void {
    if (this.silence !== null) this.silence.refresh();
    else this.silence = setTimeout(() => this.abort('timeout'), timeout_ms);
  }

  abort(reason: AbortReason): void {
    if (this.reason !== null) return;
    this.reason = reason;
    this.controller.abort(new Error(`call aborted: ${reason}`));
  }

  finish(): void {
    clearTimeout(this.deadline);
    if (this.silence !== null) clearTimeout(this.silence);
  }
}

export interface UpstreamTarget {
  provider: string;
  url: URL;
  headers: Record<string, string>;
  timeout_ms: number;
  reply_bytes_max: number;
}

const pools = {
  http: new http.Agent({ keepAlive: true, noDelay: true }),
  https: new https.Agent({ keepAlive: true, noDelay: true }),
};

/** Request options for a target, worked out once per target rather than once per call. */
const requestOptions = new WeakMap<UpstreamTarget, http.RequestOptions & { secure: boolean }>();

function optionsFor(target: UpstreamTarget): http.RequestOptions & { secure: boolean } {
  let options = requestOptions.get(target);
  if (options === undefined) {
    const secure = target.url.protocol === 'https:';
    options = {
      secure,
      protocol: target.url.protocol,
      hostname: target.url.hostname.replace(/^\[|\]$/g, ''),
      port: target.url.port === '' ? (secure ? 443 : 80) : Number(target.url.port),
      path: `${target.url.pathname}${target.url.search}`,
      method: 'POST',
      agent: secure ? pools.https : pools.http,
    };
    requestOptions.set(target, options);
  }
  return options;
}

/** POSTs JSON; resolves with the response once its headers are in and its status is 2xx. */
export async function postJson(target: UpstreamTarget, body: string, control: CallControl): Promise<IncomingMessage> {
  control.expectWithin(target.timeout_ms);
  const { secure, ...options } = optionsFor(target);
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = (secure ? https : http).request(
      { ...options, headers: { ...target.headers, 'content-length': Buffer.byteLength(body) }, signal: control.signal },
      resolve,
    );
    request.on('error', (err) => reject(failure(target, control, err)));
    request.end(body);
  });
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) throw await statusError(target, response, control);
  return response;
}

/**
 * A response's chunks for a reader that may stop early (at `[DONE]`): stopping drains the rest
 * instead of destroying the socket, so the connection goes back to the keep-alive pool. (A
 * plain `for await` destroys it; every streamed call would then open a new connection.) A
 * reader that fails destroys it: whatever follows is not wanted.
 */
export async function* keepAlive(response: IncomingMessage): AsyncGenerator<Buffer> {
  try {
    yield* response.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
  } catch (err) {
    response.destroy();
    throw err;
  } finally {
    if (!response.destroyed && !response.readableEnded) response.resume();
  }
}

/** Reads a whole (non-streamed) body, bounded, under the same silence timer. */
export async function readBody(target: UpstreamTarget, response: IncomingMessage, control: CallControl): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      control.expectWithin(target.timeout_ms);
      bytes += chunk.length;
      if (bytes > target.reply_bytes_max) {
        response.destroy();
        throw new AgoraError('UPSTREAM_ERROR', `provider ${target.provider} sent a reply larger than llm.reply_bytes_max; nothing was charged`, { provider: target.provider });
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw failure(target, control, err);
  }
  return Buffer.concat(chunks, bytes).toString('utf8');
}

/** The AgoraError for a failed or aborted exchange with a provider. */
export function failure(target: UpstreamTarget, control: CallControl, err: unknown): AgoraError {
  if (err instanceof AgoraError) return err;
  if (control.reason === 'timeout') return new AgoraError('TIMEOUT', `provider ${target.provider} sent nothing for ${target.timeout_ms} ms; nothing was charged`, { provider: target.provider });
  if (control.reason === 'duration') return new AgoraError('TIMEOUT', 'the call took longer than llm.call_duration_ms_max', { provider: target.provider });
  if (control.reason === 'client_closed') return new AgoraError('UPSTREAM_ERROR', 'the client closed the connection', { provider: target.provider });
  const code = (err as { code?: string }).code;
  const why = code ?? (err as Error).message;
  return new AgoraError('UPSTREAM_ERROR', `cannot reach provider ${target.provider} (${why}); nothing was charged`, { provider: target.provider });
}

async function statusError(target: UpstreamTarget, response: IncomingMessage, control: CallControl): Promise<AgoraError> {
  let text: string;
  try {
    text = (await readBody({ ...target, reply_bytes_max: 64 * 1024 }, response, control)).slice(0, 2000);
  } catch (err) {
    return failure(target, control, err);
  }
  const status = response.statusCode ?? 0;
  const message = providerMessage(text);
  const details = { provider: target.provider, upstream_status: status, upstream_message: message };
  const said = `provider ${target.provider} answered ${status}${message ? `: ${message}` : ''}`;
  switch (status) {
    case 400:
    case 404:
    case 413:
    case 422:
      // The request itself was refused (a bad parameter, a prompt too long): the agent can fix it.
      return new AgoraError('INVALID_ARGS', said, details);
    case 408:
    case 504:
      return new AgoraError('TIMEOUT', said, details);
    case 429: {
      const retry = Number(response.headers['retry-after']);
      return new AgoraError('RATE_LIMITED', `${said} (the provider's own limit)`, details, Number.isFinite(retry) && retry > 0 ? retry : 1);
    }
    default:
      // 401/403 are the operator's key, 5xx the provider's trouble: neither is the agent's fault.
      return new AgoraError('UPSTREAM_ERROR', said, details);
  }
}

function providerMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (parsed.error && typeof parsed.error.message === 'string') return parsed.error.message;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    /* not JSON */
  }
  return text.trim().slice(0, 300);
}
