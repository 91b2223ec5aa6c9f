// One admitted LLM call, from the provider's reply to its settlement. It holds a token
// reservation and a place in the rate windows; whatever happens (reply, provider failure,
// timeout, client gone) it settles exactly once: the kernel records the call and its usage,
// then the reservation is released and the rate windows learn the true token count.
import type { Logger } from 'pino';
import type { Clock } from '../kernel/engine/clock.js';
import { AgoraError, invariant } from '../base/errors.js';
import type { LlmCallStatus, LlmUsageSource } from '../kernel/llm/events.js';
import type { LlmMeter } from '../kernel/llm/commands.js';
import { chunkText, readUsage, type ChatRequest, type Usage } from './protocol.js';
import type { ModelRoute } from './models.js';
import type { Provider, ProviderCall, StreamItem } from './providers/provider.js';
import type { RateAdmission } from './rate-limits.js';
import type { Reservation } from './reservations.js';
import { sseData, SSE_DONE } from './sse.js';
import { localTextTokens, LOCAL_BYTES_PER_TOKEN, promptTokens } from './token-count.js';
import { CallControl } from './upstream.js';

export interface LlmCaller {
  agent_id: string;
  execution_id: string;
  /** Correlation id for the journal (the HTTP request id). */
  request_id: string;
}

interface Outcome {
  status: LlmCallStatus;
  usage: Usage | null;
  /** Reply text delivered, counted locally when the provider reported no usage. */
  text: string;
  finish_reason: string | null;
  error: AgoraError | null;
}

/** Journals the reply the agent is given (docs/replay.md), before it is given where it can be. */
export type ReplyRecorder = (reply: { body: string; stream: boolean }) => void;

export interface CallDeps {
  meter: LlmMeter;
  recordReply?: ReplyRecorder;
  clock: Clock;
  log: Logger;
  call_duration_ms_max: number;
}

export class LlmCall {
  readonly control: CallControl;
  private readonly started_world_ms: number;
  private settled = false;

  constructor(
    private readonly deps: CallDeps,
    readonly caller: LlmCaller,
    readonly route: ModelRoute,
    readonly request: ChatRequest,
    /** Completion tokens forwarded as the cap. */
    readonly max_completion_tokens: number,
    private readonly reservation: Reservation,
    private readonly rate: RateAdmission,
  ) {
    this.control = new CallControl(deps.call_duration_ms_max);
    this.started_world_ms = deps.clock.now_ms();
  }

  private providerCall(): ProviderCall {
    return { request: this.request, upstream_model: this.route.upstream_model, max_completion_tokens: this.max_completion_tokens, control: this.control };
  }

  /**
   * A whole reply: `deliver` is given the chat.completion JSON text, and the call settles right
   * after, so the agent does not wait for the bookkeeping. Failures are thrown in the one shape.
   */
  async complete(deliver: (body: string) => void): Promise<void> {
    let result: Awaited<ReturnType<Provider['complete']>>;
    try {
      result = await this.route.provider.complete(this.providerCall());
    } catch (err) {
      const error = asAgoraError(err);
      this.settle({ status: failedStatus(error), usage: null, text: '', finish_reason: null, error });
      throw error;
    } finally {
      this.control.finish();
    }
    // Journaled (usage and the reply itself) before the agent has it: a replay or a fork then
    // needs nothing the journal does not hold. One SQLite commit; the agent waits for that much.
    this.settle({ status: 'ok', usage: result.usage, text: result.text, finish_reason: result.finish_reason, error: null }, result.body);
    deliver(result.body);
  }

  /**
   * A streamed reply, as SSE frames. Resolves once the provider has accepted the call (a
   * refusal is thrown before any byte is sent). A failure after the first delivered text
   * ends the stream with an error frame and charges what was delivered (`interrupted`); a
   * consumer that stops early (client gone) aborts the provider and is charged likewise. The
   * call settles after the last frame (`data: [DONE]`) has been taken, so the consumer can end
   * its response first.
   */
  async stream(include_usage: boolean): Promise<AsyncGenerator<string>> {
    let items: AsyncIterable<StreamItem>;
    try {
      items = await this.route.provider.stream(this.providerCall());
    } catch (err) {
      const error = asAgoraError(err);
      this.settle({ status: failedStatus(error), usage: null, text: '', finish_reason: null, error });
      this.control.finish();
      throw error;
    }
    return this.frames(items, include_usage);
  }

  private async *frames(items: AsyncIterable<StreamItem>, include_usage: boolean): AsyncGenerator<string> {
    let text = '';
    let usage: Usage | null = null;
    let finish_reason: string | null = null;
    let completed = false;
    try {
      for await (const { chunk, raw } of items) {
        const reported = readUsage(chunk.usage);
        if (reported !== null) usage = reported;
        const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
        // The proxy always asks for usage; the agent sees the usage chunk only if it asked too.
        if (choices.length === 0 && !include_usage) continue;
        text += chunkText(chunk);
        finish_reason = choices[0]?.finish_reason ?? finish_reason;
        yield sseData(raw ?? JSON.stringify(chunk));
      }
      completed = true;
      yield SSE_DONE;
      this.settle({ status: 'ok', usage, text, finish_reason, error: null });
    } catch (err) {
      const error = asAgoraError(err);
      // Text delivered, or a client that went away after the provider took the prompt, is charged.
      const interrupted = text.length > 0 || this.control.reason === 'client_closed';
      this.settle({ status: interrupted ? 'interrupted' : failedStatus(error), usage, text, finish_reason, error });
      yield sseData(JSON.stringify(error.toBody()));
    } finally {
      if (!this.settled && completed) {
        this.settle({ status: 'ok', usage, text, finish_reason, error: null });
      } else if (!this.settled) {
        this.control.abort('client_closed');
        this.settle({ status: 'interrupted', usage, text, finish_reason, error: new AgoraError('UPSTREAM_ERROR', 'the client closed the stream') });
      }
      this.control.finish();
    }
  }

  private settle(outcome: Outcome, body: string | null = null): void {
    invariant(!this.settled, 'an LLM call settles once');
    this.settled = true;
    if (outcome.status === 'ok' || outcome.status === 'interrupted') {
      try {
        // A streamed reply was delivered as it came: what is journaled is its whole text.
        this.deps.recordReply?.({ body: body ?? outcome.text, stream: body === null });
      } catch (err) {
        this.deps.log.error({ err, execution_id: this.caller.execution_id }, 'recording an LLM reply failed');
      }
    }
    const charged = outcome.status === 'ok' || outcome.status === 'interrupted';
    let usage: Usage = { prompt_tokens: 0, completion_tokens: 0 };
    let usage_source: LlmUsageSource = 'none';
    if (charged && outcome.usage !== null) {
      usage = outcome.usage;
      usage_source = 'provider';
    } else if (charged) {
      usage = { prompt_tokens: promptTokens(this.request, LOCAL_BYTES_PER_TOKEN), completion_tokens: localTextTokens(outcome.text) };
      usage_source = 'local';
    }
    try {
      this.deps.meter.recordCall(
        {
          execution_id: this.caller.execution_id,
          agent_id: this.caller.agent_id,
          model: this.route.id,
          provider: this.route.provider.name,
          stream: this.request.stream === true,
          status: outcome.status,
          error: outcome.error === null ? null : `${outcome.error.code}: ${outcome.error.message}`,
          prompt_tokens: usage.prompt_tokens,
          completion_tokens: usage.completion_tokens,
          usage_source,
          reserved_tokens: this.reservation.tokens,
          max_completion_tokens: this.max_completion_tokens,
          finish_reason: outcome.finish_reason,
          latency_ms: Math.max(0, this.deps.clock.now_ms() - this.started_world_ms),
        },
        { actor: this.caller.agent_id, correlation_id: this.caller.request_id },
      );
    } catch (err) {
      // Only a bug lands here (the inputs are checked); the call must still let go of its hold.
      this.deps.log.error({ err, execution_id: this.caller.execution_id }, 'recording an LLM call failed');
    } finally {
      this.reservation.release();
      this.rate.settle(usage.prompt_tokens + usage.completion_tokens);
    }
  }
}

function asAgoraError(err: unknown): AgoraError {
  if (err instanceof AgoraError) return err;
  return new AgoraError('UPSTREAM_ERROR', `the provider call failed: ${(err as Error).message}`);
}

function failedStatus(error: AgoraError): LlmCallStatus {
  return error.code === 'TIMEOUT' ? 'timeout' : 'upstream_error';
}
