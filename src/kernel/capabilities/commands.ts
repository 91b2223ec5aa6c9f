// Capability requests: an agent asks, the operator answers once (approve with scope, budget and
// expiry, or deny with a reason), the answer goes to the agent's inbox in the same transaction.
// Grants are read here by the places that enforce them (the market's memory cap, the LLM proxy's
// granted models); an expired grant is simply no longer active, so expiry needs no event.
import { isoOfWorldMs } from '../engine/clock.js';
import { AgoraError } from '../../base/errors.js';
import type { CommandMeta, KernelCore } from '../registry.js';
import { CAPABILITY_PATTERN, ENFORCED_KINDS, type EnforcedKind } from './events.js';

export type RequestStatus = 'pending' | 'approved' | 'denied';

export interface CapabilityRequestView {
  request_id: string;
  seq: number;
  agent_id: string;
  capability: string;
  kind: string;
  reason: string;
  max_price_ucr: number;
  status: RequestStatus;
  requested_at_ms: number;
  answered_at_ms: number | null;
  scope: string | null;
  budget: number | null;
  expires_at_ms: number | null;
  /** An approval's note or a denial's reason. */
  answer: string | null;
}

interface RequestRow extends Omit<CapabilityRequestView, 'request_id' | 'kind'> {
  id: string;
}

/** Sends the operator's answer to the agent's inbox, inside the answer's transaction. */
export type AnswerDelivery = (input: { agent_id: string; content: string }, meta: CommandMeta) => void;

export interface ApproveInput {
  request_id: string;
  scope?: string | undefined;
  budget?: number | null | undefined;
  expires_in_s?: number | undefined;
  note?: string | undefined;
}

const REQUEST_ID_LENGTH = 10;
const chars = (text: string) => [...text].length;
const kindOf = (capability: string) => capability.split(':')[0]!;
const nameOf = (capability: string) => capability.includes(':') ? capability.slice(capability.indexOf(':') + 1) : null;
const view = (row: RequestRow): CapabilityRequestView => {
  const { id, ...rest } = row;
  return { request_id: id, kind: kindOf(row.capability), ...rest };
};

export class Capabilities {
  /** Set by the kernel once the society can deliver messages. */
  deliverAnswer: AnswerDelivery | null = null;

  constructor(private readonly core: KernelCore) {}

  private get config() {
    return this.core.config.capabilities;
  }

  request(input: { agent_id: string; capability: string; reason: string; max_price_ucr: number }, meta: CommandMeta): CapabilityRequestView {
    if (!CAPABILITY_PATTERN.test(input.capability)) {
      throw new AgoraError('INVALID_ARGS', 'capability must be kind[:name]: a lower-case kind (llm_model, memory_mb, mcp, packages, ...) and an optional name, e.g. llm_model:gpt-4o', { field: 'capability' });
    }
    this.checkText('reason', input.reason);
    return this.core.command(meta, (tx) => {
      const pending = this.core.writer.get<{ n: number }>("SELECT count(*) AS n FROM capability_requests WHERE agent_id = ? AND status = 'pending'", input.agent_id)!.n;
      if (pending >= this.config.pending_per_agent_max) {
        throw new AgoraError('CONFLICT', `you have ${pending} requests waiting for the operator (capabilities.pending_per_agent_max); wait for an answer`, { pending });
      }
      const request_id = this.newId();
      tx.emit('capability_requested', { request_id, agent_id: input.agent_id, capability: input.capability, reason: input.reason, max_price_ucr: input.max_price_ucr });
      return this.require(request_id);
    });
  }

  approve(input: ApproveInput, meta: CommandMeta): CapabilityRequestView {
    const note = input.note ?? '';
    this.checkText('note', note);
    const expires_in_s = input.expires_in_s ?? this.config.expiry_s_default;
    if (!Number.isSafeInteger(expires_in_s) || expires_in_s < 1 || expires_in_s > this.config.expiry_s_max) {
      throw new AgoraError('INVALID_ARGS', `expires_in_s must be a whole number from 1 to ${this.config.expiry_s_max} (capabilities.expiry_s_max)`, { field: 'expires_in_s' });
    }
    const budget = input.budget ?? null;
    if (budget !== null && (!Number.isSafeInteger(budget) || budget < 0)) throw new AgoraError('INVALID_ARGS', 'budget must be a whole number of at least 0, or null', { field: 'budget' });
    return this.core.command(meta, (tx) => {
      const request = this.pending(input.request_id);
      const scope = this.checkScope(request.capability, input.scope ?? nameOf(request.capability) ?? '');
      const expires_at_ms = tx.now_ms + expires_in_s * 1000;
      const when = isoOfWorldMs(expires_at_ms);
      this.deliver(request.agent_id, `[capability ${request.request_id}] approved: ${request.capability} (scope ${scope}, budget ${budget ?? 'unbounded'}, until ${when})${note === '' ? '' : `: ${note}`}`, meta);
      tx.emit('capability_approved', { request_id: request.request_id, agent_id: request.agent_id, capability: request.capability, scope, budget, expires_at_ms, note });
      return this.require(request.request_id);
    });
  }

  deny(input: { request_id: string; reason: string }, meta: CommandMeta): CapabilityRequestView {
    this.checkText('reason', input.reason);
    if (input.reason.trim() === '') throw new AgoraError('INVALID_ARGS', 'a denial needs a reason the agent can learn from', { field: 'reason' });
    return this.core.command(meta, (tx) => {
      const request = this.pending(input.request_id);
      this.deliver(request.agent_id, `[capability ${request.request_id}] denied: ${request.capability}: ${input.reason}`, meta);
      tx.emit('capability_denied', { request_id: request.request_id, agent_id: request.agent_id, capability: request.capability, reason: input.reason });
      return this.require(request.request_id);
    });
  }

  get(request_id: string): CapabilityRequestView | null {
    const row = this.core.writer.get<RequestRow>('SELECT * FROM capability_requests WHERE id = ?', request_id);
    return row === undefined ? null : view(row);
  }

  /** Pending ones oldest first (answer in order); otherwise newest first. */
  list(options: { status?: RequestStatus | undefined; agent_id?: string | undefined; limit: number }): CapabilityRequestView[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.status !== undefined) where.push('status = ?') && params.push(options.status);
    if (options.agent_id !== undefined) where.push('agent_id = ?') && params.push(options.agent_id);
    const order = options.status === 'pending' ? 'seq ASC' : 'seq DESC';
    const sql = `SELECT * FROM capability_requests ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
    return this.core.writer.all<RequestRow>(sql, ...params, options.limit).map(view);
  }

  counts(): Record<RequestStatus, number> {
    const rows = this.core.writer.all<{ status: RequestStatus; n: number }>('SELECT status, count(*) AS n FROM capability_requests GROUP BY status');
    const counts: Record<RequestStatus, number> = { pending: 0, approved: 0, denied: 0 };
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  /** The agent's approved, unexpired grants of one enforced kind, newest first. */
  activeGrants(agent_id: string, kind: EnforcedKind): CapabilityRequestView[] {
    return this.core.writer
      .all<RequestRow>(
        "SELECT * FROM capability_requests WHERE agent_id = ? AND status = 'approved' AND (capability = ? OR capability LIKE ?) AND expires_at_ms > ? ORDER BY seq DESC",
        agent_id, kind, `${kind}:%`, this.core.clock.now_ms(),
      )
      .map(view);
  }

  /** The memory cap (MB) one bundle for this agent may ask for: the configured one, or a grant's. */
  memoryCapMb(agent_id: string): number {
    const base = this.core.config.market.bundle.memory_mb_max;
    return this.activeGrants(agent_id, 'memory_mb').reduce((cap, g) => Math.max(cap, Number(g.scope)), base);
  }

  /**
   * Whether the agent may call a granted model now; refuses with why when not. A grant's budget
   * counts tokens of that model's calls journaled since the grant (llm_calls).
   */
  requireModelGrant(agent_id: string, model: string): void {
    const grants = this.activeGrants(agent_id, 'llm_model').filter((g) => g.scope === model);
    if (grants.length === 0) {
      throw new AgoraError('ACCESS_DENIED', `model ${model} needs the operator's grant: POST /capabilities/request {"capability": "llm_model:${model}", "reason": "..."}`, { model });
    }
    for (const g of grants) {
      if (g.budget === null) return;
      const used = this.core.writer.get<{ n: number }>('SELECT coalesce(sum(total_tokens), 0) AS n FROM llm_calls WHERE agent_id = ? AND model = ? AND seq > ?', agent_id, model, this.answeredSeq(g.request_id))!.n;
      if (used < g.budget) return;
    }
    throw new AgoraError('ACCESS_DENIED', `your grant for model ${model} has used its whole budget; ask the operator again`, { model });
  }

  private answeredSeq(request_id: string): number {
    return this.core.writer.get<{ answered_seq: number }>('SELECT answered_seq FROM capability_requests WHERE id = ?', request_id)!.answered_seq;
  }

  private checkScope(capability: string, scope: string): string {
    const kind = kindOf(capability);
    if (!(ENFORCED_KINDS as readonly string[]).includes(kind)) {
      this.checkText('scope', scope);
      return scope;
    }
    if (kind === 'llm_model' && !(scope in this.core.config.llm.models)) {
      throw new AgoraError('INVALID_ARGS', `scope must name a model in llm.models (${Object.keys(this.core.config.llm.models).join(', ')}); configure the model first`, { field: 'scope', scope });
    }
    if (kind === 'memory_mb') {
      const mb = Number(scope);
      const max = this.config.memory_mb_grant_max;
      if (!Number.isSafeInteger(mb) || mb < 1 || mb > max) throw new AgoraError('INVALID_ARGS', `scope must be a memory cap in MB from 1 to ${max} (capabilities.memory_mb_grant_max)`, { field: 'scope', scope });
    }
    return scope;
  }

  private checkText(field: string, text: string): void {
    if (chars(text) > this.config.reason_chars_max) {
      throw new AgoraError('INVALID_ARGS', `${field} is longer than ${this.config.reason_chars_max} characters (capabilities.reason_chars_max)`, { field });
    }
  }

  private pending(request_id: string): CapabilityRequestView {
    const request = this.get(request_id);
    if (request === null) throw new AgoraError('NOT_FOUND', `no capability request ${request_id}`, { request_id });
    if (request.status !== 'pending') throw new AgoraError('CONFLICT', `request ${request_id} is already ${request.status}; a request is answered once`, { request_id, status: request.status });
    return request;
  }

  private deliver(agent_id: string, content: string, meta: CommandMeta): void {
    const agent_status = this.core.writer.get<{ status: string }>('SELECT status FROM agents WHERE id = ?', agent_id)?.status;
    if (agent_status === 'dead') throw new AgoraError('DELETED', `agent ${agent_id} has died; its request can no longer be answered`, { agent_id });
    this.deliverAnswer?.({ agent_id, content }, meta);
  }

  private require(request_id: string): CapabilityRequestView {
    return this.get(request_id)!;
  }

  private newId(): string {
    for (;;) {
      const id = this.core.rng.id('cap', REQUEST_ID_LENGTH);
      if (this.core.writer.get('SELECT 1 FROM capability_requests WHERE id = ?', id) === undefined) return id;
    }
  }
}
