// LLM metering in the kernel: what each run may use, what it used, and the commands that
// record a call and buy extra tokens. The proxy (src/llm/) holds in-flight reservations in
// memory; every change of state (usage, credits) happens here, as a journalled command.
import { SYSTEM_BURN } from '../ledger/accounts.js';
import type { KernelCore } from '../registry.js';
import { AgoraError, invariant } from '../../base/errors.js';
import type { CommandMeta } from '../registry.js';
import type { LlmCallStatus, LlmUsageSource } from './events.js';
import type { Market } from '../market/commands.js';
import { NCR_PER_UCR } from '../resources/units.js';

export interface LlmUsageRow {
  execution_id: string;
  agent_id: string;
  tokens_bundled: number;
  tokens_extra: number;
  extra_cost_ucr: number;
  prompt_tokens: number;
  completion_tokens: number;
  tokens_used: number;
  calls: number;
  calls_failed: number;
  last_call_at_ms: number | null;
}

export interface LlmUsageView extends LlmUsageRow {
  /** Bundled plus bought. */
  tokens_allowed: number;
  /** Allowed minus used, never below zero (in-flight reservations are the proxy's, not counted here). */
  tokens_left: number;
}

export interface LlmCallRow {
  seq: number;
  execution_id: string;
  agent_id: string;
  model: string;
  provider: string;
  stream: number;
  status: LlmCallStatus;
  error: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  usage_source: LlmUsageSource;
  reserved_tokens: number;
  finish_reason: string | null;
  latency_ms: number;
  at_ms: number;
}

export interface LlmCallRecord {
  execution_id: string;
  agent_id: string;
  model: string;
  provider: string;
  stream: boolean;
  status: LlmCallStatus;
  error: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  usage_source: LlmUsageSource;
  reserved_tokens: number;
  max_completion_tokens: number;
  finish_reason: string | null;
  latency_ms: number;
}

export interface TokenPurchase {
  tokens: number;
  price_ncr: number;
  cost_ucr: number;
}

/** What `tokens` cost at `price_ncr` nano-credits each, in µcr, rounded up (against the buyer). */
export function tokensCostUcr(tokens: number, price_ncr: number): number {
  const ncr = tokens * price_ncr;
  invariant(Number.isSafeInteger(ncr), 'token purchase fits exact arithmetic');
  return Math.ceil(ncr / NCR_PER_UCR);
}

export class LlmMeter {
  constructor(
    private readonly core: KernelCore,
    private readonly market: Market,
  ) {}

  usage(execution_id: string): LlmUsageView | null {
    const row = this.core.cachedRead(`llm-usage:${execution_id}`, () =>
      this.core.writer.get<LlmUsageRow>('SELECT * FROM llm_usage WHERE execution_id = ?', execution_id),
    );
    if (row === undefined) return null;
    const tokens_allowed = row.tokens_bundled + row.tokens_extra;
    return { ...row, tokens_allowed, tokens_left: Math.max(0, tokens_allowed - row.tokens_used) };
  }

  recentCalls(execution_id: string, limit: number): LlmCallRow[] {
    return this.core.writer.all<LlmCallRow>('SELECT * FROM llm_calls WHERE execution_id = ? ORDER BY seq DESC LIMIT ?', execution_id, limit);
  }

  /** The market's token price in force, nano-credits per token. */
  tokenPriceNcr(): number {
    return this.market.prices().tokens;
  }

  /** How many tokens the agent's spendable balance buys at the current price. */
  affordableTokens(agent_id: string): number {
    const balance_ucr = this.core.writer.get<{ balance_ucr: number }>("SELECT balance_ucr FROM accounts WHERE id = ? AND kind = 'agent'", agent_id)?.balance_ucr ?? 0;
    return Math.floor((balance_ucr * NCR_PER_UCR) / this.tokenPriceNcr());
  }

  /** Buys `tokens` for a running execution at the current market price; the credits are burned. */
  buyTokens(input: { execution_id: string; agent_id: string; tokens: number }, meta: CommandMeta): TokenPurchase {
    if (!this.core.config.llm.buy_extra_tokens) throw new AgoraError('ACCESS_DENIED', 'this world does not sell LLM tokens outside bundles (llm.buy_extra_tokens is off)');
    if (!Number.isSafeInteger(input.tokens) || input.tokens <= 0) throw new AgoraError('INVALID_ARGS', 'tokens must be a positive whole number');
    return this.core.command(meta, (tx) => {
      this.requireExecutionOf(input.execution_id, input.agent_id, { running: true });
      const price_ncr = this.tokenPriceNcr();
      const cost_ucr = tokensCostUcr(input.tokens, price_ncr);
      const balance_ucr = this.core.writer.get<{ balance_ucr: number }>('SELECT balance_ucr FROM accounts WHERE id = ?', input.agent_id)?.balance_ucr ?? 0;
      if (balance_ucr < cost_ucr) {
        throw new AgoraError('INSUFFICIENT_FUNDS', `${input.tokens} tokens cost ${cost_ucr} µcr; the balance is ${balance_ucr} µcr`, { balance_ucr, cost_ucr });
      }
      tx.emit('llm_tokens_bought', {
        execution_id: input.execution_id,
        agent_id: input.agent_id,
        tokens: input.tokens,
        price_ncr,
        cost_ucr,
        postings: [{ from: input.agent_id, to: SYSTEM_BURN, amount_ucr: cost_ucr, kind: 'burn', memo: 'llm tokens' }],
      });
      return { tokens: input.tokens, price_ncr, cost_ucr };
    });
  }

  /**
   * Records one call and adds its tokens to the run's usage. Settlement does not require the
   * run to be still running: a reply that arrives as the lease ends still used its tokens.
   */
  recordCall(record: LlmCallRecord, meta: CommandMeta): number {
    for (const field of ['prompt_tokens', 'completion_tokens', 'reserved_tokens', 'max_completion_tokens', 'latency_ms'] as const) {
      invariant(Number.isSafeInteger(record[field]) && record[field] >= 0, "an llm call's token counts and latency are whole numbers");
    }
    const failed = record.status === 'upstream_error' || record.status === 'timeout';
    invariant(!failed || record.prompt_tokens + record.completion_tokens === 0, 'a failed call is charged nothing');
    return this.core.command(meta, (tx) => {
      this.requireExecutionOf(record.execution_id, record.agent_id, { running: false });
      const event = tx.emit('llm_call_completed', {
        ...record,
        error: record.error === null ? null : record.error.slice(0, this.core.config.llm.error_chars_max),
        finish_reason: record.finish_reason === null ? null : record.finish_reason.slice(0, 64),
        total_tokens: record.prompt_tokens + record.completion_tokens,
      });
      return event.seq;
    });
  }

  private requireExecutionOf(execution_id: string, agent_id: string, options: { running: boolean }): void {
    const row = this.core.writer.get<{ agent_id: string; status: string }>('SELECT agent_id, status FROM executions WHERE id = ?', execution_id);
    if (row === undefined) throw new AgoraError('NOT_FOUND', `no execution ${execution_id}`);
    if (row.agent_id !== agent_id) throw new AgoraError('ACCESS_DENIED', `execution ${execution_id} is not ${agent_id}'s`);
    if (options.running && row.status !== 'running') throw new AgoraError('CONFLICT', `execution ${execution_id} has ended`);
    // Its llm_usage row exists (made with the execution): the projectors refuse events without one.
  }
}
