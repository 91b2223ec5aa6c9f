// The LLM proxy's admission: which model, how many tokens the run can still pay for, how many
// to reserve and to let the provider generate, whether the rate windows allow it, and (if the
// world sells them) the extra tokens to buy. Everything here is synchronous, so no other call
// can slip between the checks and the reservation; the provider call itself is LlmCall's.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { AgoraError, invariant } from '../base/errors.js';
import type { Kernel } from '../kernel/kernel.js';
import { LlmCall, type LlmCaller } from './call.js';
import { ModelCatalogue } from './models.js';
import type { ChatRequest } from './protocol.js';
import { RateLimiter, type RateSnapshot } from './rate-limits.js';
import { Reservations } from './reservations.js';
import { promptTokens } from './token-count.js';
import { openRecording, type ReplySource } from '../kernel/history/recording.js';
import type { ModelRoute } from './models.js';
import { replayedRoute, requestSha256 } from './replay.js';

export class LlmProxy {
  readonly catalogue: ModelCatalogue;
  private readonly limiter: RateLimiter;
  private readonly reservations = new Reservations();
  /** llm.mode replay: the recording, opened on first use (undefined: not yet looked for). */
  private recording: ReplySource | null | undefined = undefined;

  constructor(
    private readonly kernel: Kernel,
    private readonly log: Logger,
  ) {
    this.catalogue = new ModelCatalogue(this.config, kernel.clock, log);
    this.limiter = new RateLimiter(this.config, kernel.clock, (agent_id) => kernel.trade.rateShare(agent_id));
  }

  private get config(): Config['llm'] {
    return this.kernel.config.llm;
  }

  /** Admits a call or refuses it (402, 429, 404, 400) having changed nothing. */
  admit(caller: LlmCaller, request: ChatRequest): LlmCall {
    const config = this.config;
    const live_route = this.catalogue.resolve(request.model);
    const request_sha256 = requestSha256(request);
    live_route.provider.validate(request);
    // A model the operator keeps behind a grant (capabilities.granted_models): only an agent
    // with an approved, unexpired llm_model:<id> grant with budget left may call it.
    if (this.kernel.config.capabilities.granted_models.includes(live_route.id)) this.kernel.capabilities.requireModelGrant(caller.agent_id, live_route.id);
    if (!this.kernel.executions.isRunning(caller.execution_id)) throw new AgoraError('CONFLICT', `execution ${caller.execution_id} has ended`);
    const usage = this.kernel.llm.usage(caller.execution_id);
    if (usage === null) throw new AgoraError('CONFLICT', `execution ${caller.execution_id} has no LLM allowance on record`);
    invariant(usage.agent_id === caller.agent_id, 'an execution is metered to its own agent');

    const held = this.reservations.of(caller.execution_id);
    if (held.calls >= config.calls_in_flight_per_execution_max) {
      throw new AgoraError('RATE_LIMITED', `this run already has ${held.calls} LLM calls in flight (llm.calls_in_flight_per_execution_max); wait for one to finish`, { calls_in_flight: held.calls }, 1);
    }
    const left = Math.max(0, usage.tokens_allowed - usage.tokens_used - held.tokens);
    const prompt_estimate = promptTokens(request, config.prompt_bytes_per_token);
    const asked = request.max_completion_tokens ?? request.max_tokens ?? config.max_tokens_default;
    const shortfall = prompt_estimate + asked - left;
    const buy = shortfall > 0 && config.buy_extra_tokens ? Math.min(shortfall, this.kernel.llm.affordableTokens(caller.agent_id)) : 0;
    // Never let a reply overshoot: the completion cap is what is left after the prompt.
    const max_completion_tokens = Math.min(asked, left + buy - prompt_estimate);
    if (max_completion_tokens < 1) {
      throw new AgoraError(
        'INSUFFICIENT_FUNDS',
        `this run has ${left} LLM tokens left and the prompt needs about ${prompt_estimate}, leaving none for a reply` +
          (config.buy_extra_tokens ? '; the balance cannot buy enough more' : '; win a bundle with more tokens'),
        { tokens_left: left, tokens_allowed: usage.tokens_allowed, tokens_used: usage.tokens_used, tokens_in_flight: held.tokens, prompt_tokens_estimate: prompt_estimate, buy_extra_tokens: config.buy_extra_tokens },
      );
    }
    const reserved = prompt_estimate + max_completion_tokens;
    // The agent's LLM token budget (a tradeable right): what this call reserves, with what its
    // run already has in flight, must fit in what it holds now.
    const budget = this.kernel.trade.tokenBudget(caller.agent_id);
    if (held.tokens + reserved > budget) {
      throw new AgoraError('INSUFFICIENT_FUNDS', `the LLM token budget of ${caller.agent_id} has ${budget} tokens left; this call reserves ${reserved} (${held.tokens} in flight); buy budget (GET /market/offers)`, {
        token_budget: budget,
        tokens_reserved: reserved,
        tokens_in_flight: held.tokens,
      });
    }
    const rate = this.limiter.admit(caller.agent_id, live_route.provider.name, reserved);
    if (buy > 0) {
      try {
        this.kernel.llm.buyTokens({ execution_id: caller.execution_id, agent_id: caller.agent_id, tokens: buy }, { actor: caller.agent_id, correlation_id: caller.request_id });
      } catch (err) {
        rate.settle(0);
        throw err;
      }
    }
    const reservation = this.reservations.reserve(caller.execution_id, reserved);
    const { route, replayed } = this.routeFor(caller, live_route, request_sha256);
    const recordReply = (reply: { body: string; stream: boolean }) =>
      this.kernel.history.recordLlmReply(
        { execution_id: caller.execution_id, agent_id: caller.agent_id, request_sha256, body: reply.body, stream: reply.stream, replayed },
        { actor: caller.agent_id, correlation_id: caller.request_id },
      );
    return new LlmCall(
      { meter: this.kernel.llm, recordReply, clock: this.kernel.clock, log: this.log, call_duration_ms_max: config.call_duration_ms_max },
      caller,
      route,
      request,
      max_completion_tokens,
      reservation,
      rate,
    );
  }

  /**
   * llm.mode replay: the recorded reply for this agent's request in this turn, or, once a
   * request has none (the world has diverged from its recording), the live route for good.
   */
  private routeFor(caller: LlmCaller, route: ModelRoute, request_sha256: string): { route: ModelRoute; replayed: boolean } {
    if (this.config.mode !== 'replay' || this.kernel.history.replayDiverged()) return { route, replayed: false };
    const occurrence = this.kernel.history.repliesRecorded(caller.agent_id, request_sha256);
    const recorded = this.openRecording()?.reply(caller.agent_id, request_sha256, occurrence) ?? null;
    if (recorded !== null) return { route: replayedRoute(route, recorded), replayed: true };
    this.kernel.history.noteReplayDiverged({ agent_id: caller.agent_id, request_sha256, recorded: occurrence }, { actor: caller.agent_id, correlation_id: caller.request_id });
    this.log.info({ agent_id: caller.agent_id }, 'llm replay: a request with no recorded reply; the world is served live from here');
    return { route, replayed: false };
  }

  private openRecording(): ReplySource | null {
    if (this.recording === undefined) {
      const dir = this.config.replay_world !== '' ? this.config.replay_world : (this.kernel.history.origin()?.parent_dir ?? null);
      this.recording = dir === null ? null : openRecording(dir);
    }
    return this.recording;
  }

  inFlight(execution_id: string): { calls: number; tokens: number } {
    return { ...this.reservations.of(execution_id) };
  }

  rateSnapshot(agent_id: string): RateSnapshot {
    return this.limiter.agentSnapshot(agent_id);
  }
}
