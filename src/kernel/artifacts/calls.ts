// The kernel side of a tool call: beginCall escrows the price and a resource allowance,
// settleCall pays the owner and burns the metered resources, failCall refunds everything.
// Money is held in the payer's escrow account (escrow:<payer>); a nested call draws on the
// remaining hold of the call above it (no posting: the same account), and its leftover goes
// back there. The payer is always the top-level caller; no call can name a third party.
import { escrowAccount, SYSTEM_BURN } from '../ledger/accounts.js';
import type { CommandMeta, KernelCore, Tx } from '../registry.js';
import { AgoraError, invariant } from '../../base/errors.js';
import type { Posting } from '../ledger/events.js';
import type { Market } from '../market/commands.js';
import { reserveValueUcr } from '../resources/units.js';
import type { AccessDecision } from './access.js';
import { SERVICE_OWNER } from './events.js';
import type { Action } from './contracts.js';
import type { CallRow, ResolvedVersion } from './rows.js';

export interface Allowance {
  cpu_ms: number;
  memory_mb: number;
  wall_ms: number;
}

export interface Usage {
  cpu_ms: number;
  memory_peak_mb: number;
  wall_ms: number;
}

export interface BeginCallInput {
  payer_id: string;
  /** The direct caller: the payer at depth 1; below, the owner of the artifact whose code calls. */
  caller_id: string;
  artifact_id: string;
  version?: number;
  tool: string;
  max_price_ucr: number;
  allowance: Allowance;
  depth: number;
  parent_call_id?: string | null;
}

export interface BegunCall {
  call_id: string;
  /** The price quoted: the fixed price, or the cap of capped pricing. */
  price_ucr: number;
  escrow_ucr: number;
  version: number;
  owner_id: string;
  depth: number;
  payer_id: string;
  /** What nested calls below this one may draw on: the hold less this call's own price. */
  budget_ucr: number;
}

export interface SettledCall {
  call_id: string;
  price_ucr: number;
  resources_ucr: number;
  refund_ucr: number;
}

const ERROR_CODE = /^[A-Z][A-Z_]{0,39}$/;

/**
 * A licence that covers a top-level call's price (trade: docs/trade.md). It runs inside the
 * call's command; when it returns true it has journaled the use of one licensed call, and the
 * call is quoted at 0 (the licence was paid for when it was bought).
 */
export type CallCover = (tx: Tx, input: { payer_id: string; artifact_id: string; call_id: string }) => boolean;

export class ArtifactCalls {
  /** Set by the kernel to the trade domain's licences; none: every call pays its price. */
  coverCall: CallCover | null = null;

  constructor(
    private readonly core: KernelCore,
    private readonly market: Market,
    private readonly resolve: (input: { artifact_id: string; version?: number }) => ResolvedVersion,
    private readonly access: (input: { caller_id: string; action: Action; artifact_id: string }) => AccessDecision,
  ) {}

  private get limits() {
    return this.core.config.artifacts;
  }

  get(call_id: string): CallRow | null {
    return this.core.writer.get<CallRow>('SELECT * FROM artifact_calls WHERE call_id = ?', call_id) ?? null;
  }

  /** The allowance's worth at the market's current prices (CPU and memory; wall time is not sold). */
  allowanceValueUcr(allowance: { cpu_ms: number; memory_mb: number }): number {
    return reserveValueUcr({ cpu_ms: allowance.cpu_ms, memory_mb: allowance.memory_mb, tokens: 0, attention: 0, duration_s: 0 }, this.market.prices());
  }

  beginCall(input: BeginCallInput, meta: CommandMeta): BegunCall {
    this.checkAllowance(input.allowance);
    if (!Number.isSafeInteger(input.max_price_ucr) || input.max_price_ucr < 0) throw new AgoraError('INVALID_ARGS', 'max_price must be a non-negative amount', { field: 'max_price' });
    if (!Number.isSafeInteger(input.depth) || input.depth < 1) throw new AgoraError('INVALID_ARGS', 'depth starts at 1');
    if (input.depth > this.limits.call_depth_max) {
      throw new AgoraError('DEPTH_LIMIT', `calls nest at most ${this.limits.call_depth_max} deep (artifacts.call_depth_max); this one would be depth ${input.depth}`, { depth: input.depth, max: this.limits.call_depth_max });
    }
    return this.core.command(meta, (tx) => {
      const parent = input.parent_call_id == null ? null : this.get(input.parent_call_id);
      if (input.parent_call_id != null) {
        if (parent === null || parent.status !== 'open') throw new AgoraError('CONFLICT', `parent call ${input.parent_call_id} is not in flight`);
        // The payer is the original caller at every depth: no nested call can name another.
        if (parent.payer_id !== input.payer_id) throw new AgoraError('ACCESS_DENIED', `a nested call is paid by the original caller ${parent.payer_id}, not ${input.payer_id}`);
        if (input.depth !== parent.depth + 1) throw new AgoraError('INVALID_ARGS', `a call nested in a depth ${parent.depth} call is depth ${parent.depth + 1}`);
        if (input.caller_id !== parent.owner_id) throw new AgoraError('ACCESS_DENIED', `a nested call is made as the owner of the calling artifact (${parent.owner_id})`);
      } else {
        if (input.depth !== 1) throw new AgoraError('INVALID_ARGS', 'a call without a parent is depth 1');
        if (input.caller_id !== input.payer_id) throw new AgoraError('ACCESS_DENIED', 'a top-level call is paid by its caller');
      }
      this.requirePayer(input.payer_id);
      const resolved = this.resolve({ artifact_id: input.artifact_id, ...(input.version === undefined ? {} : { version: input.version }) });
      const { artifact, version } = resolved;
      const tool = version.interface?.tools.find((t) => t.name === input.tool);
      if (tool === undefined) {
        throw new AgoraError('INVALID_ARGS', `artifact ${artifact.id} v${version.version} has no tool ${input.tool}`, { tools: (version.interface?.tools ?? []).map((t) => t.name) });
      }
      // Agora's own services are owned by no agent (system:agora) and are never dead.
      const owner = artifact.owner_id === SERVICE_OWNER ? { status: 'active' } : this.core.writer.get<{ status: string }>('SELECT status FROM agents WHERE id = ?', artifact.owner_id);
      if (owner === undefined || owner.status === 'dead') throw new AgoraError('DELETED', `the owner of ${artifact.id} is dead; its tools are not callable`, { artifact_id: artifact.id });
      const decision = this.access({ caller_id: input.caller_id, action: 'invoke', artifact_id: artifact.id });
      // An executable contract was run by the invoker before this (recordContractDecision).
      if ('allow' in decision && !decision.allow) throw new AgoraError('ACCESS_DENIED', `invoke of ${artifact.id} denied: ${decision.reason}`, { artifact_id: artifact.id });
      const call_id = this.core.rng.id('call', 12);
      const licensed = parent === null && this.coverCall !== null && this.coverCall(tx, { payer_id: input.payer_id, artifact_id: artifact.id, call_id });
      const quoted_ucr = licensed ? 0 : tool.pricing.kind === 'fixed' ? tool.pricing.price_ucr : tool.pricing.cap_ucr;
      if (quoted_ucr > input.max_price_ucr) {
        throw new AgoraError('PRICE_ABOVE_MAX', `${artifact.id} ${tool.name} costs ${quoted_ucr} µcr, above max_price ${input.max_price_ucr} µcr; nothing was charged`, { price_ucr: quoted_ucr, max_price_ucr: input.max_price_ucr });
      }
      const escrow_ucr = quoted_ucr + this.allowanceValueUcr(input.allowance);
      const postings: Posting[] = [];
      if (parent !== null) {
        const budget = parent.held_ucr - parent.quoted_ucr;
        if (escrow_ucr > budget) {
          throw new AgoraError('INSUFFICIENT_FUNDS', `the calling call has ${budget} µcr left to spend; this call needs ${escrow_ucr} µcr (price ${quoted_ucr} + allowance)`, { budget_ucr: budget, escrow_ucr });
        }
      } else {
        const balance = this.core.writer.get<{ balance_ucr: number }>('SELECT balance_ucr FROM accounts WHERE id = ?', input.payer_id)!.balance_ucr;
        if (balance < escrow_ucr) {
          throw new AgoraError('INSUFFICIENT_FUNDS', `balance is ${balance} µcr; this call holds ${escrow_ucr} µcr (price ${quoted_ucr} + allowance)`, { balance_ucr: balance, escrow_ucr });
        }
        if (escrow_ucr > 0) postings.push({ from: input.payer_id, to: escrowAccount(input.payer_id), amount_ucr: escrow_ucr, kind: 'escrow', memo: 'call' });
      }
      const cycle = this.core.writer.get<{ cycle: number }>('SELECT cycle FROM market_state WHERE id = 1')?.cycle ?? 0;
      tx.emit('artifact_call_started', {
        call_id,
        cycle,
        payer_id: input.payer_id,
        caller_id: input.caller_id,
        owner_id: artifact.owner_id,
        artifact_id: artifact.id,
        version: version.version,
        tool: tool.name,
        depth: input.depth,
        parent_call_id: parent?.call_id ?? null,
        max_price_ucr: input.max_price_ucr,
        quoted_ucr,
        allowance: input.allowance,
        escrow_ucr,
        postings,
      });
      return { call_id, price_ucr: quoted_ucr, escrow_ucr, version: version.version, owner_id: artifact.owner_id, depth: input.depth, payer_id: input.payer_id, budget_ucr: escrow_ucr - quoted_ucr };
    });
  }

  /** A verified success: the owner is paid, metered resources burned (never above the hold), the rest refunded. */
  settleCall(input: { call_id: string; used_price_ucr?: number; resources: Usage; duration_ms: number; output?: unknown }, meta: CommandMeta): SettledCall {
    this.checkUsage(input.resources, input.duration_ms);
    return this.core.command(meta, (tx) => {
      const call = this.requireOpen(input.call_id);
      const open_children = this.openChildren(call.call_id);
      if (open_children.length > 0) throw new AgoraError('CONFLICT', `call ${call.call_id} has nested calls in flight; end them first`, { open: open_children.map((c) => c.call_id) });
      const capped = this.isCapped(call);
      let price_ucr = call.quoted_ucr;
      if (capped) {
        if (input.used_price_ucr === undefined || !Number.isSafeInteger(input.used_price_ucr) || input.used_price_ucr < 0) {
          throw new AgoraError('INVALID_ARGS', 'a capped tool settles at the price it reports: used_price_ucr is required', { field: 'used_price_ucr' });
        }
        price_ucr = Math.min(input.used_price_ucr, call.quoted_ucr);
      }
      invariant(call.held_ucr >= price_ucr, 'a call always holds its own price (nested calls draw only on the rest)');
      const metered_ucr = this.allowanceValueUcr({ cpu_ms: input.resources.cpu_ms, memory_mb: input.resources.memory_peak_mb });
      const resources_ucr = Math.min(metered_ucr, call.held_ucr - price_ucr);
      const refund_ucr = call.held_ucr - price_ucr - resources_ucr;
      const escrow = escrowAccount(call.payer_id);
      const postings: Posting[] = [];
      // system:agora holds no balance: what its genesis MCP servers earn is burned.
      if (price_ucr > 0) postings.push(call.owner_id === SERVICE_OWNER ? { from: escrow, to: SYSTEM_BURN, amount_ucr: price_ucr, kind: 'burn', memo: `call ${call.call_id}` } : { from: escrow, to: call.owner_id, amount_ucr: price_ucr, kind: 'transfer', memo: `call ${call.call_id}` });
      if (resources_ucr > 0) postings.push({ from: escrow, to: SYSTEM_BURN, amount_ucr: resources_ucr, kind: 'burn', memo: `call ${call.call_id}` });
      if (call.parent_call_id === null && refund_ucr > 0) postings.push({ from: escrow, to: call.payer_id, amount_ucr: refund_ucr, kind: 'refund', memo: `call ${call.call_id}` });
      tx.emit('artifact_call_settled', {
        ...this.receipt(call),
        price_ucr,
        resources: input.resources,
        resources_ucr,
        refund_ucr,
        duration_ms: input.duration_ms,
        // The output is nondeterministic input to the world: journaled here, given out after.
        output: input.output ?? null,
        postings,
      });
      return { call_id: call.call_id, price_ucr, resources_ucr, refund_ucr };
    });
  }

  /** Any failure: everything held is refunded, nested calls still in flight fail with it. */
  failCall(input: { call_id: string; error_code: string; resources: Usage; duration_ms: number }, meta: CommandMeta): { call_id: string; refund_ucr: number } {
    this.checkUsage(input.resources, input.duration_ms);
    if (!ERROR_CODE.test(input.error_code)) throw new AgoraError('INVALID_ARGS', 'error_code must be an upper-case code', { field: 'error_code' });
    return this.core.command(meta, (tx) => {
      const call = this.requireOpen(input.call_id);
      const fail = (c: CallRow, error_code: string, resources: Usage, duration_ms: number): number => {
        for (const child of this.openChildren(c.call_id)) fail(child, 'PARENT_FAILED', { cpu_ms: 0, memory_peak_mb: 0, wall_ms: 0 }, duration_ms);
        const held_ucr = this.get(c.call_id)!.held_ucr;
        const postings: Posting[] =
          c.parent_call_id === null && held_ucr > 0 ? [{ from: escrowAccount(c.payer_id), to: c.payer_id, amount_ucr: held_ucr, kind: 'refund', memo: `call ${c.call_id} ${error_code}` }] : [];
        tx.emit('artifact_call_failed', { ...this.receipt(c), error_code, resources, refund_ucr: held_ucr, duration_ms, postings });
        return held_ucr;
      };
      return { call_id: call.call_id, refund_ucr: fail(call, input.error_code, input.resources, input.duration_ms) };
    });
  }

  /** Journals an executable contract's decision as the invoker ran it. */
  recordContractDecision(
    input: { contract_id: string; contract_version: number; artifact_id: string; caller_id: string; action: Action; allow: boolean; reason: string },
    meta: CommandMeta,
  ): void {
    this.core.command(meta, (tx) => {
      tx.emit('artifact_contract_decided', { ...input, reason: input.reason.slice(0, 500) });
    });
  }

  /** Calls still open (for a host that restarts: the invoker fails them, refunding everything). */
  openCalls(limit: number): CallRow[] {
    return this.core.writer.all<CallRow>("SELECT * FROM artifact_calls WHERE status = 'open' ORDER BY depth DESC, seq LIMIT ?", limit);
  }

  // ---- rules ------------------------------------------------------------------------------

  private receipt(c: CallRow) {
    return { call_id: c.call_id, payer_id: c.payer_id, caller_id: c.caller_id, owner_id: c.owner_id, artifact_id: c.artifact_id, version: c.version, tool: c.tool, depth: c.depth };
  }

  private isCapped(call: CallRow): boolean {
    const row = this.core.writer.get<{ pricing: string }>('SELECT pricing FROM artifact_tools WHERE artifact_id = ? AND version = ? AND tool = ?', call.artifact_id, call.version, call.tool);
    return row?.pricing === 'capped';
  }

  private openChildren(call_id: string): CallRow[] {
    return this.core.writer.all<CallRow>("SELECT * FROM artifact_calls WHERE parent_call_id = ? AND status = 'open' ORDER BY seq", call_id);
  }

  private requireOpen(call_id: string): CallRow {
    const call = this.get(call_id);
    if (call === null) throw new AgoraError('NOT_FOUND', `no call ${call_id}`);
    if (call.status !== 'open') throw new AgoraError('CONFLICT', `call ${call_id} already ${call.status}`, { status: call.status });
    return call;
  }

  private requirePayer(payer_id: string): void {
    const row = this.core.writer.get<{ status: string }>('SELECT status FROM agents WHERE id = ?', payer_id);
    if (row === undefined) throw new AgoraError('NOT_FOUND', `no agent ${payer_id}`);
    if (row.status === 'dead') throw new AgoraError('DELETED', `agent ${payer_id} is dead`);
  }

  private checkAllowance(a: Allowance): void {
    const l = this.limits;
    const bad = (field: string, max: number) => new AgoraError('INVALID_ARGS', `allowance.${field} must be an integer from 0 to ${max} (artifacts.allowance_${field}_max)`, { field: `allowance.${field}`, max });
    if (!Number.isSafeInteger(a.cpu_ms) || a.cpu_ms < 0 || a.cpu_ms > l.allowance_cpu_ms_max) throw bad('cpu_ms', l.allowance_cpu_ms_max);
    if (!Number.isSafeInteger(a.memory_mb) || a.memory_mb < 0 || a.memory_mb > l.allowance_memory_mb_max) throw bad('memory_mb', l.allowance_memory_mb_max);
    if (!Number.isSafeInteger(a.wall_ms) || a.wall_ms < 0 || a.wall_ms > l.allowance_wall_ms_max) throw bad('wall_ms', l.allowance_wall_ms_max);
  }

  private checkUsage(u: Usage, duration_ms: number): void {
    for (const value of [u.cpu_ms, u.memory_peak_mb, u.wall_ms, duration_ms]) {
      if (!Number.isSafeInteger(value) || value < 0) throw new AgoraError('INVALID_ARGS', 'resources and duration are non-negative integers');
    }
  }
}
