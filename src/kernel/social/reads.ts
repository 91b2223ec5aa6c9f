// Queries of the society's tables: inboxes, unread counts, the directory. Read-only; the
// commands in social.ts use them inside their transactions, the API outside.
import type { Agents, AgentStatus, AgentView } from '../agents/commands.js';
import type { KernelCore } from '../registry.js';

export interface InboxMessageRow {
  seq: number;
  message_id: string;
  from_id: string;
  content: string;
  broadcast: boolean;
  sent_at_ms: number;
  read: boolean;
}

export interface InboxSummary {
  messages: number;
  unread: number;
  received: number;
  dropped: number;
  sent: number;
}

export interface DirectoryEntry extends AgentView {
  children: number;
}

type RawMessage = Omit<InboxMessageRow, 'broadcast' | 'read'> & { broadcast: number; read: number };

export class SocialReads {
  constructor(
    private readonly core: KernelCore,
    private readonly agents: Agents,
  ) {}

  agentStatus(agent_id: string): AgentStatus | null {
    return this.core.writer.get<{ status: AgentStatus }>('SELECT status FROM agents WHERE id = ?', agent_id)?.status ?? null;
  }

  balance(agent_id: string): number {
    return this.core.writer.get<{ balance_ucr: number }>('SELECT balance_ucr FROM accounts WHERE id = ?', agent_id)?.balance_ucr ?? 0;
  }

  /** Alive and dormant agents: everyone who may still run, in id order. */
  livingAgentIds(): string[] {
    return this.core.writer.all<{ id: string }>("SELECT id FROM agents WHERE status <> 'dead' ORDER BY id").map((r) => r.id);
  }

  livingCount(): number {
    // The operator's own agents hold places of their own (operator_agents.places_max).
    return this.core.writer.get<{ n: number }>("SELECT COUNT(*) AS n FROM agents WHERE status <> 'dead' AND id NOT IN (SELECT agent_id FROM operator_agents)")!.n;
  }

  private readMark(agent_id: string): number {
    return this.core.writer.get<{ read_up_to_seq: number }>('SELECT read_up_to_seq FROM social_inboxes WHERE agent_id = ?', agent_id)?.read_up_to_seq ?? 0;
  }

  inboxSize(agent_id: string): number {
    return this.core.writer.get<{ n: number }>('SELECT COUNT(*) AS n FROM social_messages WHERE recipient_id = ?', agent_id)!.n;
  }

  /** Unread messages, optionally only those up to `up_to_seq`. */
  unreadCount(agent_id: string, up_to_seq = Number.MAX_SAFE_INTEGER): number {
    return this.core.writer.get<{ n: number }>('SELECT COUNT(*) AS n FROM social_messages WHERE recipient_id = ? AND seq > ? AND seq <= ?', agent_id, this.readMark(agent_id), up_to_seq)!.n;
  }

  /** Ids of the oldest messages that must go so that at most `keep` remain. */
  oldestBeyond(agent_id: string, keep: number): string[] {
    const excess = this.inboxSize(agent_id) - keep;
    if (excess <= 0) return [];
    return this.core.writer
      .all<{ message_id: string }>('SELECT message_id FROM social_messages WHERE recipient_id = ? ORDER BY seq LIMIT ?', agent_id, excess)
      .map((r) => r.message_id);
  }

  inboxMessage(agent_id: string, message_id: string): InboxMessageRow | null {
    const row = this.core.writer.get<RawMessage>(
      `SELECT seq, message_id, from_id, content, broadcast, sent_at_ms, seq <= ? AS read
       FROM social_messages WHERE recipient_id = ? AND message_id = ?`,
      this.readMark(agent_id), agent_id, message_id,
    );
    return row === undefined ? null : toMessage(row);
  }

  /** An inbox, oldest first, from after `after_seq`. */
  inbox(agent_id: string, options: { unread_only: boolean; after_seq?: number; limit: number }): InboxMessageRow[] {
    const mark = this.readMark(agent_id);
    const after = Math.max(options.after_seq ?? 0, options.unread_only ? mark : 0);
    return this.core.writer
      .all<RawMessage>(
        `SELECT seq, message_id, from_id, content, broadcast, sent_at_ms, seq <= ? AS read
         FROM social_messages WHERE recipient_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
        mark, agent_id, after, options.limit,
      )
      .map(toMessage);
  }

  /** The newest `limit` messages of an inbox, returned oldest first (for people reading it). */
  latest(agent_id: string, options: { unread_only: boolean; limit: number }): InboxMessageRow[] {
    const mark = this.readMark(agent_id);
    return this.core.writer
      .all<RawMessage>(
        `SELECT seq, message_id, from_id, content, broadcast, sent_at_ms, seq <= ? AS read
         FROM social_messages WHERE recipient_id = ? AND seq > ? ORDER BY seq DESC LIMIT ?`,
        mark, agent_id, options.unread_only ? mark : 0, options.limit,
      )
      .map(toMessage)
      .reverse();
  }

  summary(agent_id: string): InboxSummary {
    const row = this.core.writer.get<Omit<InboxSummary, 'messages' | 'unread'>>('SELECT received, dropped, sent FROM social_inboxes WHERE agent_id = ?', agent_id);
    return { messages: this.inboxSize(agent_id), unread: this.unreadCount(agent_id), received: row?.received ?? 0, dropped: row?.dropped ?? 0, sent: row?.sent ?? 0 };
  }

  /** The directory: agents by id with how many children each has spawned. */
  directory(options: { status?: AgentStatus; after_id?: string; limit: number }): DirectoryEntry[] {
    const page = this.agents.list(options);
    if (page.length === 0) return [];
    const marks = page.map(() => '?').join(', ');
    const counts = new Map(
      this.core.db
        .prepare(`SELECT parent_id, COUNT(*) AS n FROM agents WHERE parent_id IN (${marks}) GROUP BY parent_id`)
        .all(...page.map((a) => a.id))
        .map((r) => [(r as { parent_id: string }).parent_id, (r as { n: number }).n] as const),
    );
    return page.map((agent) => ({ ...agent, children: counts.get(agent.id) ?? 0 }));
  }
}

function toMessage(row: RawMessage): InboxMessageRow {
  return { ...row, broadcast: row.broadcast === 1, read: row.read === 1 };
}
