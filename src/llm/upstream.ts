// Real HTTP to providers (Node's fetch, i.e. undici, with its keep-alive pool), with the two
// ways a call can be cut off: a provider that is silent too long (TIMEOUT, per provider), and
// the call's own end (its duration limit, or the client going away). Provider failures become
// AgoraErrors in the one shape; none of them charges anything.
import { AgoraError } from '../kernel/errors.js';

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
  url: string;
  headers: Record<string, string>;
  timeout_ms: number;
}

/** POSTs JSON and returns the response once its headers are in and its status is 2xx. */
export async function postJson(target: UpstreamTarget, body: string, control: CallControl): Promise<Response> {
  control.expectWithin(target.timeout_ms);
  let response: Response;
  try {
    response = await fetch(target.url, { method: 'POST', headers: target.headers, body, signal: control.signal });
  } catch (err) {
    throw failure(target, control, err);
  }
  if (!response.ok) throw await statusError(target, response, control);
  return response;
}

/** Reads a whole (non-streamed) body under the same silence timer. */
export async function readBody(target: UpstreamTarget, response: Response, control: CallControl): Promise<string> {
  try {
    return await response.text();
  } catch (err) {
    throw failure(target, control, err);
  }
}

/** The AgoraError for a failed or aborted exchange with a provider. */
export function failure(target: UpstreamTarget, control: CallControl, err: unknown): AgoraError {
  if (err instanceof AgoraError) return err;
  if (control.reason === 'timeout') return new AgoraError('TIMEOUT', `provider ${target.provider} sent nothing for ${target.timeout_ms} ms; nothing was charged`, { provider: target.provider });
  if (control.reason === 'duration') return new AgoraError('TIMEOUT', 'the call took longer than llm.call_duration_ms_max', { provider: target.provider });
  if (control.reason === 'client_closed') return new AgoraError('UPSTREAM_ERROR', 'the client closed the connection', { provider: target.provider });
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return new AgoraError('UPSTREAM_ERROR', `cannot reach provider ${target.provider}: ${why}; nothing was charged`, { provider: target.provider });
}

async function statusError(target: UpstreamTarget, response: Response, control: CallControl): Promise<AgoraError> {
  let text = '';
  try {
    text = (await response.text()).slice(0, 2000);
  } catch (err) {
    return failure(target, control, err);
  }
  const message = providerMessage(text);
  const details = { provider: target.provider, upstream_status: response.status, upstream_message: message };
  const said = `provider ${target.provider} answered ${response.status}${message ? `: ${message}` : ''}`;
  switch (response.status) {
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
      const retry = Number(response.headers.get('retry-after'));
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
