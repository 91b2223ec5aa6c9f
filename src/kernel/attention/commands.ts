// Human attention, one model with the market: attention slots are a market resource won in the
// same clearing as CPU and memory; a run that won them may put prompts to the operator (up to
// attention.prompts_per_slot per slot). Only the operator scores a prompt, once; the reward is
// minted from system:human by the configured formula. Unanswered prompts expire with nothing.
import { SYSTEM_HUMAN } from '../ledger/accounts.js';
import { SCORE_MAX, SCORE_NAMES, type Scores } from './events.js';
import type { KernelCore } from '../registry.js';
import { AgoraError, invariant } from '../../base/errors.js';
import type { Posting } from '../ledger/events.js';
import type { CommandMeta, EventData } from '../registry.js';
import { creditsToMicro } from '../ledger/money.js';

export type PromptStatus = 'pending' | 'rewarded' | 'expired';

export interface PromptView {
  prompt_id: string;
  seq: number;
  agent_id: string;
  execution_id: string;
  bid_id: string;
  /** What the bid that won the slot paid for its whole bundle. */
  price_paid_ucr: number;
  content: string;
  options: string[];
  status: PromptStatus;
  created_at_ms: number;
  expires_at_ms: number;
  closed_at_ms: number | null;
  scores: Scores | null;
  reward_ucr: number | null;
  reply: string | null;
}

/** A row of attention_prompts: the view's fields, with its options as JSON and its scores in columns. */
interface PromptRow extends Omit<PromptView, 'prompt_id' | 'options' | 'scores'> {
  id: string;
  options: string;
  interesting: number | null;
  useful: number | null;
  understandable: number | null;
}

interface SlotRow {
  bid_id: string;
  slots: number;
  prompts: number;
}

/**
 * Hands the operator's reply to the agent's inbox inside the reward's transaction. It must
 * check before it emits (it runs before the reward is emitted, so a refusal leaves nothing).
 */
export type ReplyDelivery = (input: { agent_id: string; prompt_id: string; reply: string }, meta: CommandMeta) => void;

export type RewardFormula = EventData<'prompt_rewarded'>['formula'];

const PROMPT_ID_LENGTH = 10;

function view(row: PromptRow): PromptView {
  const scored = row.interesting !== null && row.useful !== null && row.understandable !== null;
  return {
    prompt_id: row.id,
    seq: row.seq,
    agent_id: row.agent_id,
    execution_id: row.execution_id,
    bid_id: row.bid_id,
    price_paid_ucr: row.price_paid_ucr,
    content: row.content,
    options: JSON.parse(row.options) as string[],
    status: row.status,
    created_at_ms: row.created_at_ms,
    expires_at_ms: row.expires_at_ms,
    closed_at_ms: row.closed_at_ms,
    scores: scored ? { interesting: row.interesting!, useful: row.useful!, understandable: row.understandable! } : null,
    reward_ucr: row.reward_ucr,
    reply: row.reply,
  };
}

const chars = (text: string) => [...text].length;

export class Attention {
  /** Set by the kernel when the society can deliver messages; until then replies stay on the prompt. */
  deliverReply: ReplyDelivery | null = null;

  constructor(private readonly core: KernelCore) {}

  private get config() {
    return this.core.config.attention;
  }

  /** Puts a prompt to the operator from a running execution that won attention slots. */
  submit(input: { agent_id: string; execution_id: string; content: string; options: readonly string[] }, meta: CommandMeta): PromptView {
    this.checkPrompt(input.content, input.options);
    return this.core.command(meta, (tx) => {
      const execution = this.core.writer.get<{ agent_id: string; status: string }>('SELECT agent_id, status FROM executions WHERE id = ?', input.execution_id);
      if (execution === undefined || execution.agent_id !== input.agent_id) {
        throw new AgoraError('ACCESS_DENIED', 'only a run of yours that won human attention may prompt the operator');
      }
      if (execution.status !== 'running') throw new AgoraError('ACCESS_DENIED', `execution ${input.execution_id} has ended`);
      const slots = this.core.writer.all<SlotRow>('SELECT bid_id, slots, prompts FROM attention_slots WHERE execution_id = ? ORDER BY granted_at_ms, bid_id', input.execution_id);
      if (slots.length === 0) {
        throw new AgoraError('ACCESS_DENIED', 'this run did not win human attention: bid for a bundle with attention >= 1 to prompt the operator');
      }
      const per_slot = this.config.prompts_per_slot;
      const slot = slots.find((s) => s.prompts < s.slots * per_slot);
      if (slot === undefined) {
        const bought = slots.reduce((sum, s) => sum + s.slots * per_slot, 0);
        throw new AgoraError('ACCESS_DENIED', `this run has used all ${bought} prompts its attention slots bought (attention.prompts_per_slot = ${per_slot})`, {
          prompts_bought: bought,
        });
      }
      // The world loop starts runs from won bids; a run started directly (tests, tools) names a
      // bid the market never sold, and its slot cost nothing.
      const price_paid_ucr = this.core.writer.get<{ price_paid_ucr: number | null }>("SELECT price_paid_ucr FROM market_bids WHERE id = ? AND status = 'won'", slot.bid_id)?.price_paid_ucr ?? 0;
      const prompt_id = this.newPromptId();
      tx.emit('prompt_submitted', {
        prompt_id,
        agent_id: input.agent_id,
        execution_id: input.execution_id,
        bid_id: slot.bid_id,
        price_paid_ucr,
        content: input.content,
        options: [...input.options],
        expires_at_ms: tx.now_ms + this.config.prompt_ttl_s * 1000,
      });
      return this.require(prompt_id);
    });
  }

  /** The operator's answer: scores, an optional reply, and the reward minted from system:human. */
  reward(input: { prompt_id: string; scores: Scores; reply: string | null }, meta: CommandMeta): PromptView {
    for (const name of SCORE_NAMES) {
      const value = input.scores[name];
      if (!Number.isSafeInteger(value) || value < 0 || value > SCORE_MAX) {
        throw new AgoraError('INVALID_ARGS', `${name} must be a whole number from 0 to ${SCORE_MAX}`, { field: name, value });
      }
    }
    if (input.reply !== null && chars(input.reply) > this.config.reply_chars_max) {
      throw new AgoraError('INVALID_ARGS', `reply is longer than ${this.config.reply_chars_max} characters (attention.reply_chars_max)`, { field: 'reply' });
    }
    return this.core.command(meta, (tx) => {
      const prompt = this.get(input.prompt_id);
      if (prompt === null) throw new AgoraError('NOT_FOUND', `no prompt ${input.prompt_id}`, { prompt_id: input.prompt_id });
      if (prompt.status !== 'pending') {
        throw new AgoraError('CONFLICT', `prompt ${input.prompt_id} is already ${prompt.status}; a prompt is answered at most once`, { prompt_id: input.prompt_id, status: prompt.status });
      }
      const agent_status = this.core.writer.get<{ status: string }>('SELECT status FROM agents WHERE id = ?', prompt.agent_id)?.status;
      if (agent_status === 'dead') throw new AgoraError('DELETED', `agent ${prompt.agent_id} has died; it can no longer be rewarded`, { agent_id: prompt.agent_id });
      const { reward_ucr, formula } = this.rewardFor(input.scores);
      const reply = input.reply === null || input.reply.trim() === '' ? null : input.reply;
      // The delivery checks and emits first: if the inbox refuses, nothing at all is written.
      if (reply !== null) this.deliverReply?.({ agent_id: prompt.agent_id, prompt_id: prompt.prompt_id, reply }, meta);
      const postings: Posting[] =
        reward_ucr > 0 ? [{ from: SYSTEM_HUMAN, to: prompt.agent_id, amount_ucr: reward_ucr, kind: 'reward', memo: prompt.prompt_id }] : [];
      tx.emit('prompt_rewarded', { prompt_id: prompt.prompt_id, agent_id: prompt.agent_id, scores: { ...input.scores }, reward_ucr, formula, reply, postings });
      const rewarded = this.require(input.prompt_id);
      invariant(rewarded.status === 'rewarded' && rewarded.reward_ucr === reward_ucr, 'a rewarded prompt records its reward');
      return rewarded;
    });
  }

  /**
   * Closes every pending prompt whose time is up, with no reward (the world loop calls this once
   * per cycle). Bounded by attention.expire_batch_max; the rest wait for the next call.
   */
  expireDue(meta: CommandMeta): string[] {
    return this.core.command(meta, (tx) => {
      const due = this.core.writer.all<{ id: string; agent_id: string; expires_at_ms: number }>(
        "SELECT id, agent_id, expires_at_ms FROM attention_prompts WHERE status = 'pending' AND expires_at_ms <= ? ORDER BY expires_at_ms, id LIMIT ?",
        tx.now_ms, this.config.expire_batch_max,
      );
      for (const p of due) tx.emit('prompt_expired', { prompt_id: p.id, agent_id: p.agent_id, expires_at_ms: p.expires_at_ms });
      return due.map((p) => p.id);
    });
  }

  /** The reward for these scores under the configured formula, in µcr. */
  rewardFor(scores: Scores): { reward_ucr: number; formula: RewardFormula } {
    const { credits_per_point, weights } = this.config.reward;
    const credits_per_point_ucr = creditsToMicro(credits_per_point, 'attention.reward.credits_per_point');
    const points = SCORE_NAMES.reduce((sum, name) => sum + scores[name] * weights[name], 0);
    const reward_ucr = Math.round(credits_per_point_ucr * points);
    invariant(Number.isSafeInteger(reward_ucr) && reward_ucr >= 0, 'a reward is a whole, non-negative number of µcr (the config bounds it)');
    return { reward_ucr, formula: { credits_per_point_ucr, weights: { ...weights } } };
  }

  // ---- reads --------------------------------------------------------------------------

  get(prompt_id: string): PromptView | null {
    const row = this.core.writer.get<PromptRow>('SELECT * FROM attention_prompts WHERE id = ?', prompt_id);
    return row === undefined ? null : view(row);
  }

  require(prompt_id: string): PromptView {
    const prompt = this.get(prompt_id);
    if (prompt === null) throw new AgoraError('NOT_FOUND', `no prompt ${prompt_id}`, { prompt_id });
    return prompt;
  }

  /**
   * Prompts, oldest first for the pending queue (answer in order) and newest first otherwise;
   * `after_seq` / `before_seq` page through them.
   */
  list(options: { status?: PromptStatus; agent_id?: string; cursor_seq?: number; limit: number }): PromptView[] {
    const oldest_first = options.status === 'pending';
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.status !== undefined) {
      where.push('status = ?');
      params.push(options.status);
    }
    if (options.agent_id !== undefined) {
      where.push('agent_id = ?');
      params.push(options.agent_id);
    }
    if (options.cursor_seq !== undefined) {
      where.push(oldest_first ? 'seq > ?' : 'seq < ?');
      params.push(options.cursor_seq);
    }
    const sql = `SELECT * FROM attention_prompts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${oldest_first ? 'ASC' : 'DESC'} LIMIT ?`;
    return (this.core.db.prepare(sql).all(...params, options.limit) as PromptRow[]).map(view);
  }

  counts(): Record<PromptStatus, number> {
    const counts: Record<PromptStatus, number> = { pending: 0, rewarded: 0, expired: 0 };
    for (const row of this.core.db.prepare('SELECT status, COUNT(*) AS n FROM attention_prompts GROUP BY status').all() as { status: PromptStatus; n: number }[]) {
      counts[row.status] = row.n;
    }
    return counts;
  }

  private checkPrompt(content: string, options: readonly string[]): void {
    const c = this.config;
    if (content.trim() === '') throw new AgoraError('INVALID_ARGS', 'content must not be empty', { field: 'content' });
    if (chars(content) > c.prompt_chars_max) throw new AgoraError('INVALID_ARGS', `content is longer than ${c.prompt_chars_max} characters (attention.prompt_chars_max)`, { field: 'content' });
    if (options.length > c.options_max) throw new AgoraError('INVALID_ARGS', `at most ${c.options_max} options (attention.options_max)`, { field: 'options' });
    for (const option of options) {
      if (option.trim() === '' || chars(option) > c.option_chars_max) {
        throw new AgoraError('INVALID_ARGS', `each option must be 1 to ${c.option_chars_max} characters (attention.option_chars_max)`, { field: 'options' });
      }
    }
  }

  private newPromptId(): string {
    for (;;) {
      const id = this.core.rng.id('pr', PROMPT_ID_LENGTH);
      if (this.core.writer.get('SELECT 1 FROM attention_prompts WHERE id = ?', id) === undefined) return id;
    }
  }
}
