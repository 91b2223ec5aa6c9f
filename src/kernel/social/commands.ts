// The society's commands: messages (direct and broadcast, paid by the sender, bounded inboxes),
// read marks, profiles and spawn (the parent pays a burned fee and funds the child). The
// workspace side of a spawn lives in orchestrator/spawn.ts; this is only its ledger and record.
// Rules and the reasons for their numbers are in docs/society.md.
import { OPERATOR, SYSTEM_BURN } from '../ledger/accounts.js';
import type { Agents, AgentView } from '../agents/commands.js';
import type { KernelCore, Tx } from '../registry.js';
import { AgoraError, invariant } from '../../base/errors.js';
import type { Posting } from '../ledger/events.js';
import type { CommandMeta, EventData } from '../registry.js';
import type { Market } from '../market/commands.js';
import type { BidView } from '../market/reads.js';
import { bundleFromNatural, reserveValueUcr, type Bundle } from '../resources/units.js';
import { creditsToMicro } from '../ledger/money.js';
import { SocialReads, type InboxMessageRow } from './reads.js';

export interface SentMessage {
  message_id: string;
  seq: number;
  recipients: number;
  cost_ucr: number;
  balance_ucr: number;
}

export interface SpawnInput {
  parent_id: string;
  /** Drawn beforehand with `newAgentId()`: the workspace is prepared under this name first. */
  child_id: string;
  initial_ucr: number;
  /** Relative to the world directory. */
  workspace: string;
  files: EventData<'agent_spawned'>['files'];
  note: string;
  /** The child's first bid, paid from its initial credits; social.child_first_bid when absent. */
  first_bid?: { bundle: Bundle; amount_ucr: number | null };
}

const MESSAGE_ID_LENGTH = 12;
const AGENT_ID_LENGTH = 8;

export class Social {
  readonly reads: SocialReads;

  constructor(
    private readonly core: KernelCore,
    private readonly agents: Agents,
    private readonly market: Market,
  ) {
    this.reads = new SocialReads(core, agents);
  }

  private get config() {
    return this.core.config.social;
  }

  /** A social cost from config, in µcr (config speaks decimal credits). */
  costUcr(key: 'message_cost' | 'broadcast_cost' | 'spawn_cost' | 'spawn_min_initial_credits'): number {
    return creditsToMicro(this.config[key], `social.${key}`);
  }

  sendMessage(input: { from_id: string; to_id: string; content: string }, meta: CommandMeta): SentMessage {
    this.checkContent(input.content);
    return this.core.command(meta, (tx) => {
      this.requireSender(input.from_id);
      const recipient = this.reads.agentStatus(input.to_id);
      if (recipient === null) throw new AgoraError('NOT_FOUND', `no agent ${input.to_id}`, { to_id: input.to_id });
      if (recipient === 'dead') throw new AgoraError('DELETED', `agent ${input.to_id} is dead; it will never read messages`, { to_id: input.to_id });
      return this.deliver(tx, input.from_id, [input.to_id], input.content, false);
    });
  }

  /** One message to every living agent but the sender, at social.broadcast_cost. */
  broadcast(input: { from_id: string; content: string }, meta: CommandMeta): SentMessage {
    this.checkContent(input.content);
    return this.core.command(meta, (tx) => {
      this.requireSender(input.from_id);
      const recipients = this.reads.livingAgentIds().filter((id) => id !== input.from_id);
      if (recipients.length === 0) throw new AgoraError('CONFLICT', 'there is no other living agent to broadcast to');
      return this.deliver(tx, input.from_id, recipients, input.content, true);
    });
  }

  /**
   * The operator's reply to an agent's prompt: free (the human pays nothing), sent as
   * `operator`, and bounded by the same inbox limit as any message.
   */
  sendFromOperator(input: { to_id: string; content: string }, meta: CommandMeta): SentMessage {
    this.checkContent(input.content);
    return this.core.command(meta, (tx) => {
      const recipient = this.reads.agentStatus(input.to_id);
      if (recipient === null) throw new AgoraError('NOT_FOUND', `no agent ${input.to_id}`, { to_id: input.to_id });
      if (recipient === 'dead') throw new AgoraError('DELETED', `agent ${input.to_id} is dead; it will never read messages`, { to_id: input.to_id });
      return this.deliver(tx, OPERATOR, [input.to_id], input.content, false, 0);
    });
  }

  /** Marks the agent's messages up to and including `up_to_message_id` read. */
  markRead(input: { agent_id: string; up_to_message_id: string }, meta: CommandMeta): { marked: number; unread: number } {
    return this.core.command(meta, (tx) => {
      const message = this.reads.inboxMessage(input.agent_id, input.up_to_message_id);
      if (message === null) {
        throw new AgoraError('NOT_FOUND', `no message ${input.up_to_message_id} in your inbox (it may have been dropped)`, { up_to_id: input.up_to_message_id });
      }
      const marked = this.reads.unreadCount(input.agent_id, message.seq);
      if (marked > 0) tx.emit('inbox_read', { agent_id: input.agent_id, up_to_message_id: message.message_id, marked, via: 'api' });
      return { marked, unread: this.reads.unreadCount(input.agent_id) };
    });
  }

  /**
   * Hands the oldest unread messages (at most social.env_inbox_messages_max) to env.json and
   * marks them read: delivered mail is read mail, so a run never sees the same message twice
   * and an agent that never marks anything still works through its whole inbox.
   */
  deliverUnread(agent_id: string, meta: CommandMeta): InboxMessageRow[] {
    const limit = this.config.env_inbox_messages_max;
    if (limit === 0) return [];
    // Most runs find no mail: that read needs no write transaction (the kernel is the one writer).
    if (this.reads.unreadCount(agent_id) === 0) return [];
    return this.core.command(meta, (tx) => {
      const messages = this.reads.inbox(agent_id, { unread_only: true, limit });
      const last = messages[messages.length - 1];
      if (last !== undefined) tx.emit('inbox_read', { agent_id, up_to_message_id: last.message_id, marked: messages.length, via: 'env_json' });
      return messages;
    });
  }

  setProfile(input: { agent_id: string; description: string }, meta: CommandMeta): void {
    const max = this.core.config.agents.description_chars_max;
    if ([...input.description].length > max) throw new AgoraError('INVALID_ARGS', `description is longer than ${max} characters (agents.description_chars_max)`, { field: 'description', max });
    this.core.command(meta, (tx) => {
      this.requireSender(input.agent_id);
      tx.emit('profile_updated', { agent_id: input.agent_id, description: input.description });
    });
  }

  /** A fresh, unused agent id for a child (seeded: a simulation replays to the same ids). */
  newAgentId(): string {
    for (;;) {
      const id = this.core.rng.id('ag', AGENT_ID_LENGTH).replace('_', '-');
      if (this.reads.agentStatus(id) === null) return id;
    }
  }

  /**
   * Everything a spawn checks about money and population, without writing anything. Called
   * before the child's workspace is prepared (so a refused spawn touches no disk) and again
   * inside the command (the state may have moved meanwhile).
   */
  checkSpawn(input: Pick<SpawnInput, 'parent_id' | 'initial_ucr' | 'note' | 'first_bid'>): { cost_ucr: number; parent: AgentView; first_bid: { bundle: Bundle; amount_ucr: number } } {
    const min_ucr = this.costUcr('spawn_min_initial_credits');
    if (!Number.isSafeInteger(input.initial_ucr) || input.initial_ucr <= 0 || input.initial_ucr < min_ucr) {
      throw new AgoraError('INVALID_ARGS', `initial_credits must be at least ${min_ucr / 1e6} credits (social.spawn_min_initial_credits): a parent pays its child's first runs`, {
        field: 'initial_credits',
        min_ucr,
      });
    }
    if ([...input.note].length > this.config.spawn_note_chars_max) {
      throw new AgoraError('INVALID_ARGS', `note is longer than ${this.config.spawn_note_chars_max} characters`, { field: 'note' });
    }
    const parent = this.agents.get(input.parent_id);
    if (parent === null) throw new AgoraError('NOT_FOUND', `no agent ${input.parent_id}`);
    if (parent.status === 'dead') throw new AgoraError('DELETED', `agent ${input.parent_id} is dead`);
    const living = this.reads.livingCount();
    if (living >= this.config.population_max) {
      throw new AgoraError('UNAVAILABLE', `the world holds ${living} living agents, the most allowed (social.population_max); try again when some have died`, { living }, this.core.config.market.clearing_interval_s);
    }
    const cost_ucr = this.costUcr('spawn_cost');
    const needed_ucr = cost_ucr + input.initial_ucr;
    if (parent.balance_ucr < needed_ucr) {
      throw new AgoraError('INSUFFICIENT_FUNDS', `balance is ${parent.balance_ucr} µcr; a spawn needs ${needed_ucr} µcr (spawn cost ${cost_ucr} + initial ${input.initial_ucr})`, {
        balance_ucr: parent.balance_ucr,
        needed_ucr,
      });
    }
    return { cost_ucr, parent, first_bid: this.firstBid(input) };
  }

  /**
   * The child's first bid: a child no one bids for would never run, so it is born with one,
   * paid from its initial credits. Refused if it could not win at current prices or the
   * child could not pay it.
   */
  private firstBid(input: Pick<SpawnInput, 'initial_ucr' | 'first_bid'>): { bundle: Bundle; amount_ucr: number } {
    const d = this.config.child_first_bid;
    const bundle = input.first_bid?.bundle ?? bundleFromNatural({ cpu: d.cpu_s, memory: d.memory_mb, tokens: 0, attention: 0, duration_s: d.duration_s });
    const reserve_ucr = reserveValueUcr(bundle, this.market.prices());
    const amount_ucr = input.first_bid?.amount_ucr ?? Math.min(input.initial_ucr, Math.ceil(reserve_ucr * (1 + d.markup)));
    if (amount_ucr < reserve_ucr || amount_ucr > input.initial_ucr) {
      throw new AgoraError('INSUFFICIENT_FUNDS', `the child's first bid must be worth its bundle (${reserve_ucr} µcr at current prices) and within its initial credits (${input.initial_ucr} µcr); it is ${amount_ucr} µcr`, {
        field: 'first_bid',
        reserve_ucr,
        amount_ucr,
        initial_ucr: input.initial_ucr,
      });
    }
    return { bundle, amount_ucr };
  }

  /** Records the child and moves the money, atomically. The workspace must already exist. */
  spawn(input: SpawnInput, meta: CommandMeta): { child: AgentView; first_bid: BidView } {
    return this.core.command(meta, (tx) => {
      const { cost_ucr, parent, first_bid } = this.checkSpawn(input);
      const before_ucr = parent.balance_ucr;
      const child = this.agents.create(tx, {
        agent_id: input.child_id,
        parent_id: input.parent_id,
        workspace: input.workspace,
        postings: [{ from: input.parent_id, to: input.child_id, amount_ucr: input.initial_ucr, kind: 'spawn', memo: 'initial credits' }],
      });
      const postings: Posting[] = cost_ucr > 0 ? [{ from: input.parent_id, to: SYSTEM_BURN, amount_ucr: cost_ucr, kind: 'fee', memo: `spawn ${input.child_id}` }] : [];
      tx.emit('agent_spawned', {
        agent_id: child.id,
        parent_id: input.parent_id,
        initial_ucr: input.initial_ucr,
        cost_ucr,
        workspace: input.workspace,
        files: input.files,
        note: input.note,
        postings,
      });
      const after = this.agents.get(input.parent_id);
      invariant(after !== null && after.balance_ucr === before_ucr - cost_ucr - input.initial_ucr, 'a spawn debits its parent exactly the cost and the initial credits');
      const funded = this.agents.get(child.id);
      invariant(funded !== null && funded.balance_ucr === input.initial_ucr, 'a child starts with exactly its initial credits');
      // Joins this transaction: a refusal here (bundle out of bounds, book full) undoes the whole spawn.
      const bid = this.market.placeBid({ payer_id: child.id, amount_ucr: first_bid.amount_ucr, bundle: first_bid.bundle }, meta);
      return { child: this.agents.get(child.id)!, first_bid: bid };
    });
  }

  // ---- rules --------------------------------------------------------------------------

  private checkContent(content: string): void {
    const max = this.config.message_chars_max;
    if (content.length === 0) throw new AgoraError('INVALID_ARGS', 'content must not be empty', { field: 'content' });
    if ([...content].length > max) throw new AgoraError('INVALID_ARGS', `content is longer than ${max} characters (social.message_chars_max)`, { field: 'content', max });
  }

  private requireSender(agent_id: string): void {
    const status = this.reads.agentStatus(agent_id);
    if (status === null) throw new AgoraError('NOT_FOUND', `no agent ${agent_id}`);
    if (status === 'dead') throw new AgoraError('DELETED', `agent ${agent_id} is dead`);
  }

  /** Checks the sender can pay, then drops what full inboxes must lose, then delivers. */
  private deliver(tx: Tx, from_id: string, to_ids: string[], content: string, broadcast: boolean, cost_ucr = this.costUcr(broadcast ? 'broadcast_cost' : 'message_cost')): SentMessage {
    const balance_ucr = this.reads.balance(from_id);
    if (balance_ucr < cost_ucr) {
      throw new AgoraError('INSUFFICIENT_FUNDS', `balance is ${balance_ucr} µcr; ${broadcast ? 'a broadcast' : 'a message'} costs ${cost_ucr} µcr`, { balance_ucr, cost_ucr });
    }
    // Checked; from here on only emits.
    const max = this.config.inbox_messages_max;
    for (const recipient of to_ids) {
      const oldest = this.reads.oldestBeyond(recipient, max - 1);
      if (oldest.length > 0) tx.emit('messages_dropped', { agent_id: recipient, message_ids: oldest, reason: 'inbox_full' });
    }
    const message_id = this.core.rng.id('msg', MESSAGE_ID_LENGTH);
    const postings: Posting[] = cost_ucr > 0 ? [{ from: from_id, to: SYSTEM_BURN, amount_ucr: cost_ucr, kind: 'fee', memo: broadcast ? 'broadcast' : 'message' }] : [];
    const event = tx.emit('message_sent', { message_id, from_id, to_ids, broadcast, content, cost_ucr, postings });
    for (const recipient of to_ids) invariant(this.reads.inboxSize(recipient) <= max, `inbox of ${recipient} within social.inbox_messages_max`);
    return { message_id, seq: event.seq, recipients: to_ids.length, cost_ucr, balance_ucr: balance_ucr - cost_ucr };
  }
}
