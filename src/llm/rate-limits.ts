// Rate limits of LLM use: tokens and requests per rolling minute, per agent, per provider
// (the provider's own limits times llm.rate_limits.provider_share, shared by all agents) and
// for the whole world. A call is admitted by every window or by none; past one it gets
// RATE_LIMITED with the seconds until all of them would let it through. Nothing is ever
// borrowed from the future (no burst) and nothing is owed (no debt).
import type { Config } from '../config/schema.js';
import type { Clock } from '../kernel/engine/clock.js';
import { AgoraError, invariant } from '../base/errors.js';
import { SlidingWindow, type WindowEntry } from './sliding-window.js';

const WINDOW_MS = 60_000;
/** Idle agents' windows are dropped after this many admissions (bounds memory by active agents). */
const SWEEP_EVERY_ADMISSIONS = 1024;

interface WindowPair {
  tokens: SlidingWindow;
  requests: SlidingWindow;
}

interface NamedWindow {
  name: string;
  window: SlidingWindow;
  amount: number;
}

/** What an admitted call holds in the windows, to be corrected when it settles. */
export interface RateAdmission {
  settle(tokens_used: number): void;
}

export interface RateSnapshot {
  tokens_per_minute: { limit: number; used: number };
  requests_per_minute: { limit: number; used: number };
}

/** An agent's own per-minute limits as it holds them now (trade rights); 0 = it holds none. */
export type AgentLimits = (agent_id: string) => { tokens_per_minute: number; requests_per_minute: number };

export class RateLimiter {
  private readonly agents = new Map<string, WindowPair>();
  private readonly providers = new Map<string, Partial<WindowPair>>();
  private readonly global: WindowPair;
  private admissions = 0;

  constructor(
    private readonly config: Config['llm'],
    private readonly clock: Clock,
    /** The agent's rate share as held at the moment of use; absent: llm.rate_limits.agent_*. */
    private readonly agentLimits: AgentLimits | null = null,
  ) {
    const limits = config.rate_limits;
    this.global = { tokens: new SlidingWindow(limits.global_tokens_per_minute, WINDOW_MS), requests: new SlidingWindow(limits.global_requests_per_minute, WINDOW_MS) };
    for (const [name, provider] of Object.entries(config.providers)) {
      // The provider's own limits, partitioned: Agora's agents together get `provider_share` of them.
      const share = (limit: number) => Math.max(1, Math.floor(limit * limits.provider_share));
      this.providers.set(name, {
        ...(provider.tokens_per_minute > 0 ? { tokens: new SlidingWindow(share(provider.tokens_per_minute), WINDOW_MS) } : {}),
        ...(provider.requests_per_minute > 0 ? { requests: new SlidingWindow(share(provider.requests_per_minute), WINDOW_MS) } : {}),
      });
    }
  }

  /** Admits a call of `tokens` (its reservation) to every window, or throws RATE_LIMITED. */
  admit(agent_id: string, provider: string, tokens: number): RateAdmission {
    invariant(Number.isSafeInteger(tokens) && tokens >= 0, 'a call reserves a whole number of tokens');
    const now_world_ms = this.clock.now_ms();
    const windows = this.windowsFor(agent_id, provider, tokens);
    let wait_s = 0;
    let blocking: NamedWindow | null = null;
    for (const w of windows) {
      const wait = w.window.waitSeconds(now_world_ms, w.amount);
      if (wait === Infinity) {
        throw new AgoraError('INVALID_ARGS', `this call would reserve ${tokens} tokens, more than ${w.name} allows in a whole minute (${w.window.limit}); ask for fewer max_tokens or send a shorter prompt`, {
          limit: w.name,
          limit_value: w.window.limit,
          tokens_reserved: tokens,
        });
      }
      if (wait > wait_s) {
        wait_s = wait;
        blocking = w;
      }
    }
    if (blocking !== null) {
      throw new AgoraError('RATE_LIMITED', `rate limit ${blocking.name} (${blocking.window.limit} per rolling minute) is reached; retry in ${wait_s.toFixed(3)} s`, {
        limit: blocking.name,
        limit_value: blocking.window.limit,
        used: blocking.window.used(now_world_ms),
        asked: blocking.amount,
      }, wait_s);
    }
    const token_entries: { window: SlidingWindow; entry: WindowEntry }[] = [];
    for (const w of windows) {
      const entry = w.window.add(now_world_ms, w.amount);
      if (w.name.endsWith('tokens_per_minute')) token_entries.push({ window: w.window, entry });
    }
    if (++this.admissions % SWEEP_EVERY_ADMISSIONS === 0) this.sweep(now_world_ms);
    let settled = false;
    return {
      settle(tokens_used: number) {
        invariant(!settled, 'a rate admission settles once');
        settled = true;
        // The request still counts (the provider saw it); the tokens become what was used.
        for (const { window, entry } of token_entries) window.correct(entry, tokens_used);
      },
    };
  }

  /** The agent's own windows now, for GET /llm/v1/usage. */
  agentSnapshot(agent_id: string): RateSnapshot {
    const now_world_ms = this.clock.now_ms();
    const pair = this.agents.get(agent_id);
    const limits = this.limitsOf(agent_id);
    return {
      tokens_per_minute: { limit: limits.tokens_per_minute, used: pair?.tokens.used(now_world_ms) ?? 0 },
      requests_per_minute: { limit: limits.requests_per_minute, used: pair?.requests.used(now_world_ms) ?? 0 },
    };
  }

  private limitsOf(agent_id: string): { tokens_per_minute: number; requests_per_minute: number } {
    if (this.agentLimits !== null) return this.agentLimits(agent_id);
    const limits = this.config.rate_limits;
    return { tokens_per_minute: limits.agent_tokens_per_minute, requests_per_minute: limits.agent_requests_per_minute };
  }

  private windowsFor(agent_id: string, provider: string, tokens: number): NamedWindow[] {
    const held = this.limitsOf(agent_id);
    // A share sold down to nothing admits nothing (a window's limit is at least 1).
    if (held.tokens_per_minute < 1 || held.requests_per_minute < 1) {
      throw new AgoraError('RATE_LIMITED', `agent ${agent_id} holds no LLM rate share (tokens ${held.tokens_per_minute}, requests ${held.requests_per_minute} per minute); buy some (GET /market/offers)`, {
        limit: held.requests_per_minute < 1 ? 'agent_requests_per_minute' : 'agent_tokens_per_minute',
        limit_value: 0,
      }, WINDOW_MS / 1000);
    }
    let agent = this.agents.get(agent_id);
    if (agent === undefined) {
      agent = { tokens: new SlidingWindow(held.tokens_per_minute, WINDOW_MS), requests: new SlidingWindow(held.requests_per_minute, WINDOW_MS) };
      this.agents.set(agent_id, agent);
    }
    // Enforced as held now: a share bought or sold since the last call applies at once.
    agent.tokens.limit = held.tokens_per_minute;
    agent.requests.limit = held.requests_per_minute;
    const shared = this.providers.get(provider);
    invariant(shared !== undefined, `provider ${provider} has rate windows`);
    const windows: NamedWindow[] = [
      { name: 'agent_requests_per_minute', window: agent.requests, amount: 1 },
      { name: 'agent_tokens_per_minute', window: agent.tokens, amount: tokens },
    ];
    if (shared.requests) windows.push({ name: `provider ${provider} requests_per_minute`, window: shared.requests, amount: 1 });
    if (shared.tokens) windows.push({ name: `provider ${provider} tokens_per_minute`, window: shared.tokens, amount: tokens });
    windows.push({ name: 'global_requests_per_minute', window: this.global.requests, amount: 1 }, { name: 'global_tokens_per_minute', window: this.global.tokens, amount: tokens });
    return windows;
  }

  private sweep(now_world_ms: number): void {
    for (const [agent_id, pair] of this.agents) {
      if (pair.requests.size(now_world_ms) === 0 && pair.tokens.size(now_world_ms) === 0) this.agents.delete(agent_id);
    }
  }
}
