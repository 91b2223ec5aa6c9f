// The escrowed exchange: an owner offers what it holds (an artifact's ownership, a licence
// to call an artifact N times, a loan's claim, units of a right) for a price, optionally to
// one named buyer, until an expiry. Acceptance names the offer's revision, the content hash of
// the thing as the buyer saw it, and the price: one command moves the thing and the credits,
// or it fails and moves nothing (no front-running: any change makes it fail, never pay more).
import { createHash } from 'node:crypto';
import { AgoraError } from '../../base/errors.js';
import type { Posting } from '../ledger/events.js';
import type { CommandMeta, KernelCore, Tx } from '../registry.js';
import type { OfferKind } from './events.js';
import type { Rights } from './rights.js';
import { currentCycle, requireLiving, spendable, type LicenceRow, type LoanRow, type OfferRow } from './rows.js';

export interface PostOfferInput {
  seller_id: string;
  kind: OfferKind;
  artifact_id?: string;
  calls?: number;
  loan_id?: string;
  right?: string;
  units?: number;
  price_ucr: number;
  buyer_id?: string | null;
  expires_in_cycles?: number | null;
}

export interface AcceptInput {
  buyer_id: string;
  offer_id: string;
  price_ucr: number;
  revision: number;
  content_hash: string;
  /** artifact and licence offers: the version the buyer saw (also in the hash; named for clarity). */
  version?: number;
}

export interface OfferView extends OfferRow {
  /** The thing's state now: what an acceptance must name. */
  version: number | null;
  content_hash: string | null;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class Offers {
  constructor(
    private readonly core: KernelCore,
    private readonly rights: Rights,
  ) {}

  private get limits() {
    return this.core.config.trade;
  }

  get(offer_id: string): OfferRow | null {
    return this.core.writer.get<OfferRow>('SELECT * FROM trade_offers WHERE offer_id = ?', offer_id) ?? null;
  }

  view(row: OfferRow): OfferView {
    const state = this.thingState(row);
    return { ...row, version: state?.version ?? null, content_hash: state?.content_hash ?? null };
  }

  list(options: { status?: OfferRow['status']; kind?: OfferKind; seller_id?: string; after_seq?: number; limit: number }): OfferView[] {
    const rows = this.core.writer.all<OfferRow>(
      `SELECT * FROM trade_offers WHERE (? IS NULL OR status = ?) AND (? IS NULL OR kind = ?) AND (? IS NULL OR seller_id = ?) AND seq > ? ORDER BY seq LIMIT ?`,
      options.status ?? null, options.status ?? null, options.kind ?? null, options.kind ?? null, options.seller_id ?? null, options.seller_id ?? null, options.after_seq ?? 0, options.limit,
    );
    return rows.map((r) => this.view(r));
  }

  post(input: PostOfferInput, meta: CommandMeta): OfferView {
    if (!Number.isSafeInteger(input.price_ucr) || input.price_ucr < 0) throw new AgoraError('INVALID_ARGS', 'price must be a non-negative amount', { field: 'price' });
    const ttl = input.expires_in_cycles ?? null;
    if (ttl !== null && (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > this.limits.offer_ttl_cycles_max)) {
      throw new AgoraError('INVALID_ARGS', `expires_in_cycles must be from 1 to ${this.limits.offer_ttl_cycles_max} (trade.offer_ttl_cycles_max)`, { field: 'expires_in_cycles' });
    }
    return this.core.command(meta, (tx) => {
      requireLiving(this.core, input.seller_id, 'seller');
      const open = this.core.writer.get<{ n: number }>("SELECT COUNT(*) AS n FROM trade_offers WHERE seller_id = ? AND status = 'open'", input.seller_id)!.n;
      if (open >= this.limits.offers_open_per_agent_max) throw new AgoraError('LIMIT', `${open} offers are open; at most ${this.limits.offers_open_per_agent_max} (trade.offers_open_per_agent_max)`);
      const buyer_id = input.buyer_id ?? null;
      if (buyer_id !== null) {
        if (buyer_id === input.seller_id) throw new AgoraError('INVALID_ARGS', 'an offer is made to someone else', { field: 'buyer' });
        requireLiving(this.core, buyer_id, 'buyer');
      }
      const thing = this.checkSellerHolds(input);
      const offer_id = this.core.rng.id('offer', 12);
      tx.emit('offer_posted', {
        offer_id,
        seller_id: input.seller_id,
        kind: input.kind,
        artifact_id: thing.artifact_id,
        calls: thing.calls,
        loan_id: thing.loan_id,
        right: thing.right,
        units: thing.units,
        price_ucr: input.price_ucr,
        buyer_id,
        expires_cycle: ttl === null ? null : currentCycle(this.core) + ttl,
      });
      return this.view(this.get(offer_id)!);
    });
  }

  reprice(input: { seller_id: string; offer_id: string; price_ucr: number }, meta: CommandMeta): OfferView {
    if (!Number.isSafeInteger(input.price_ucr) || input.price_ucr < 0) throw new AgoraError('INVALID_ARGS', 'price must be a non-negative amount', { field: 'price' });
    return this.core.command(meta, (tx) => {
      const offer = this.requireOpen(input.offer_id);
      if (offer.seller_id !== input.seller_id) throw new AgoraError('ACCESS_DENIED', `only the seller of ${offer.offer_id} may change it`);
      tx.emit('offer_repriced', { offer_id: offer.offer_id, price_ucr: input.price_ucr, revision: offer.revision + 1 });
      return this.view(this.get(offer.offer_id)!);
    });
  }

  withdraw(input: { by_id: string; offer_id: string }, meta: CommandMeta): OfferView {
    return this.core.command(meta, (tx) => {
      const offer = this.requireOpen(input.offer_id);
      if (offer.seller_id !== input.by_id) throw new AgoraError('ACCESS_DENIED', `only the seller of ${offer.offer_id} may withdraw it`);
      tx.emit('offer_closed', { offer_id: offer.offer_id, status: 'withdrawn', by_id: input.by_id });
      return this.view(this.get(offer.offer_id)!);
    });
  }

  accept(input: AcceptInput, meta: CommandMeta): OfferView {
    return this.core.command(meta, (tx) => {
      const offer = this.get(input.offer_id);
      if (offer === null) throw new AgoraError('NOT_FOUND', `no offer ${input.offer_id}`);
      if (offer.status !== 'open') throw new AgoraError('CONFLICT', `offer ${offer.offer_id} is ${offer.status}`, { status: offer.status });
      if (this.isExpired(offer)) throw new AgoraError('CONFLICT', `offer ${offer.offer_id} expired at cycle ${offer.expires_cycle}`, { status: 'expired' });
      if (offer.seller_id === input.buyer_id) throw new AgoraError('INVALID_ARGS', 'a seller cannot accept its own offer');
      if (offer.buyer_id !== null && offer.buyer_id !== input.buyer_id) throw new AgoraError('ACCESS_DENIED', `offer ${offer.offer_id} is made to one named buyer only`);
      requireLiving(this.core, input.buyer_id, 'buyer');
      if (input.revision !== offer.revision) {
        throw new AgoraError('CONFLICT', `offer ${offer.offer_id} changed: it is at revision ${offer.revision}, the acceptance names ${input.revision}; nothing moved`, { revision: offer.revision });
      }
      if (input.price_ucr !== offer.price_ucr) {
        throw new AgoraError('CONFLICT', `offer ${offer.offer_id} costs ${offer.price_ucr} µcr, the acceptance names ${input.price_ucr} µcr; nothing moved`, { price_ucr: offer.price_ucr });
      }
      // The seller must still hold what it offered (it may have given it away since).
      this.checkSellerHolds({ seller_id: offer.seller_id, kind: offer.kind, artifact_id: offer.artifact_id ?? undefined, calls: offer.calls ?? undefined, loan_id: offer.loan_id ?? undefined, escrowed: true });
      const state = this.thingState(offer)!;
      if (input.version !== undefined && input.version !== state.version) {
        throw new AgoraError('CONFLICT', `the thing offered is at version ${state.version}, the acceptance names ${input.version}; nothing moved`, { version: state.version, content_hash: state.content_hash });
      }
      if (input.content_hash !== state.content_hash) {
        throw new AgoraError('CONFLICT', `the thing offered changed since it was seen (content hash ${state.content_hash}); nothing moved`, { version: state.version, content_hash: state.content_hash });
      }
      const balance = spendable(this.core, input.buyer_id);
      if (balance < offer.price_ucr) throw new AgoraError('INSUFFICIENT_FUNDS', `balance is ${balance} µcr; the offer costs ${offer.price_ucr} µcr`, { balance_ucr: balance, price_ucr: offer.price_ucr });
      const postings: Posting[] = offer.price_ucr > 0 ? [{ from: input.buyer_id, to: offer.seller_id, amount_ucr: offer.price_ucr, kind: 'transfer', memo: `offer ${offer.offer_id}` }] : [];
      const licence_id = offer.kind === 'licence' ? this.core.rng.id('lic', 12) : null;
      tx.emit('offer_accepted', {
        offer_id: offer.offer_id,
        seller_id: offer.seller_id,
        buyer_id: input.buyer_id,
        kind: offer.kind,
        price_ucr: offer.price_ucr,
        revision: offer.revision,
        content_hash: state.content_hash,
        licence_id,
        postings,
      });
      if (offer.kind === 'artifact') tx.emit('artifact_transferred', { artifact_id: offer.artifact_id!, from_id: offer.seller_id, to_id: input.buyer_id });
      if (offer.kind === 'claim') {
        // The claim is its artifact's ownership: the sale moves it (and trade's projection the holder).
        const claim = this.core.writer.get<{ claim_artifact_id: string | null }>('SELECT claim_artifact_id FROM trade_loans WHERE loan_id = ?', offer.loan_id)!.claim_artifact_id;
        if (claim !== null) tx.emit('artifact_transferred', { artifact_id: claim, from_id: offer.seller_id, to_id: input.buyer_id });
      }
      return this.view(this.get(offer.offer_id)!);
    });
  }

  /** Closes offers whose expiry cycle has come (the loop calls it once per cycle). */
  expireDue(tx: Tx): number {
    const cycle = currentCycle(this.core);
    const due = this.core.writer.all<{ offer_id: string }>("SELECT offer_id FROM trade_offers WHERE status = 'open' AND expires_cycle IS NOT NULL AND expires_cycle <= ? ORDER BY seq", cycle);
    for (const o of due) tx.emit('offer_closed', { offer_id: o.offer_id, status: 'expired', by_id: 'system:trade' });
    return due.length;
  }

  /** A licence of the payer for this artifact with calls left covers the call (CallCover). */
  coverCall(tx: Tx, input: { payer_id: string; artifact_id: string; call_id: string }): boolean {
    const licence = this.core.writer.get<LicenceRow>(
      'SELECT * FROM trade_licences WHERE holder_id = ? AND artifact_id = ? AND calls_left > 0 ORDER BY created_at_ms, licence_id LIMIT 1',
      input.payer_id, input.artifact_id,
    );
    if (licence === undefined) return false;
    tx.emit('licence_used', { licence_id: licence.licence_id, call_id: input.call_id, holder_id: input.payer_id, artifact_id: input.artifact_id });
    return true;
  }

  licences(holder_id: string): LicenceRow[] {
    return this.core.writer.all<LicenceRow>('SELECT * FROM trade_licences WHERE holder_id = ? ORDER BY created_at_ms, licence_id', holder_id);
  }

  // ---- rules ------------------------------------------------------------------------------

  private isExpired(offer: OfferRow): boolean {
    return offer.expires_cycle !== null && currentCycle(this.core) >= offer.expires_cycle;
  }

  private requireOpen(offer_id: string): OfferRow {
    const offer = this.get(offer_id);
    if (offer === null) throw new AgoraError('NOT_FOUND', `no offer ${offer_id}`);
    if (offer.status !== 'open') throw new AgoraError('CONFLICT', `offer ${offer_id} is ${offer.status}`, { status: offer.status });
    return offer;
  }

  /**
   * Refuses an offer of what the seller does not hold. `escrowed`: checking at acceptance,
   * where a right's units already sit in the seller's escrow (moved there when it was posted).
   */
  private checkSellerHolds(input: Omit<PostOfferInput, 'price_ucr'> & { escrowed?: boolean }): { artifact_id: string | null; calls: number | null; loan_id: string | null; right: string | null; units: number | null } {
    const none = { artifact_id: null, calls: null, loan_id: null, right: null, units: null };
    switch (input.kind) {
      case 'artifact':
      case 'licence': {
        if (input.artifact_id === undefined) throw new AgoraError('INVALID_ARGS', `a ${input.kind} offer names an artifact`, { field: 'artifact_id' });
        const art = this.core.writer.get<{ owner_id: string; status: string; kind: string }>('SELECT owner_id, status, kind FROM artifacts WHERE id = ?', input.artifact_id);
        if (art === undefined) throw new AgoraError('NOT_FOUND', `no artifact ${input.artifact_id}`);
        if (art.status !== 'live') throw new AgoraError('DELETED', `artifact ${input.artifact_id} is deleted`);
        if (art.owner_id !== input.seller_id) throw new AgoraError('ACCESS_DENIED', `${input.seller_id} does not own ${input.artifact_id}; only its owner may sell it or licences to it`, { artifact_id: input.artifact_id });
        // A claim artifact is sold as kind claim, whose hash moves with every collection; an
        // artifact offer's hash would not, so a buyer could get less than it saw.
        if (this.core.writer.get('SELECT 1 FROM trade_loans WHERE claim_artifact_id = ?', input.artifact_id) !== undefined) {
          throw new AgoraError('INVALID_ARGS', `${input.artifact_id} is a loan's claim: offer it as kind claim (naming the loan)`, { field: 'kind' });
        }
        if (input.kind === 'artifact') return { ...none, artifact_id: input.artifact_id };
        if (art.kind !== 'code') throw new AgoraError('INVALID_ARGS', 'licences are sold for code artifacts (their calls)', { field: 'artifact_id' });
        const calls = input.calls;
        if (calls === undefined || !Number.isSafeInteger(calls) || calls < 1 || calls > this.limits.licence_calls_max) {
          throw new AgoraError('INVALID_ARGS', `a licence covers from 1 to ${this.limits.licence_calls_max} calls (trade.licence_calls_max)`, { field: 'calls' });
        }
        return { ...none, artifact_id: input.artifact_id, calls };
      }
      case 'claim': {
        if (input.loan_id === undefined) throw new AgoraError('INVALID_ARGS', 'a claim offer names a loan', { field: 'loan_id' });
        const loan = this.core.writer.get<LoanRow>('SELECT * FROM trade_loans WHERE loan_id = ?', input.loan_id);
        if (loan === undefined) throw new AgoraError('NOT_FOUND', `no loan ${input.loan_id}`);
        if (loan.holder_id !== input.seller_id) throw new AgoraError('ACCESS_DENIED', `${input.seller_id} does not hold the claim of ${loan.loan_id}`, { loan_id: loan.loan_id });
        if (loan.status !== 'outstanding') throw new AgoraError('CONFLICT', `loan ${loan.loan_id} is ${loan.status}; only an outstanding claim is sold`, { status: loan.status });
        return { ...none, loan_id: loan.loan_id };
      }
      case 'right': {
        if (input.escrowed === true) return none;
        if (input.right === undefined || input.units === undefined) throw new AgoraError('INVALID_ARGS', 'a right offer names the right and the units', { field: 'right' });
        this.rights.requireHeld(input.seller_id, input.right, input.units);
        return { ...none, right: input.right, units: input.units };
      }
    }
  }

  /** What an acceptance must name: the thing's state now, hashed. */
  private thingState(offer: OfferRow): { version: number | null; content_hash: string } | null {
    switch (offer.kind) {
      case 'artifact':
      case 'licence': {
        const row = this.core.writer.get<{ latest_version: number; content_hash: string }>(
          'SELECT a.latest_version, v.content_hash FROM artifacts a JOIN artifact_versions v ON v.artifact_id = a.id AND v.version = a.latest_version WHERE a.id = ?',
          offer.artifact_id,
        );
        return row === undefined ? null : { version: row.latest_version, content_hash: row.content_hash };
      }
      case 'claim': {
        const loan = this.core.writer.get<LoanRow>('SELECT * FROM trade_loans WHERE loan_id = ?', offer.loan_id)!;
        return { version: loan.next_instalment, content_hash: sha256(`${loan.loan_id}:${loan.status}:${loan.next_instalment}:${loan.paid_ucr}:${loan.defaulted_ucr}:${loan.repayment_ucr}`) };
      }
      case 'right':
        return { version: null, content_hash: sha256(`${offer.right_name}:${offer.units}`) };
    }
  }
}
