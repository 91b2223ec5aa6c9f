// An exact sliding window (seed 003 gap 1: rolling windows, no burst, no debt). Every admitted
// amount is an entry stamped with its time; the window's total is the sum of the entries
// younger than `window_ms`. Nothing refills in steps and nothing is borrowed: a request that
// would take the total past the limit waits until enough old entries have left the window.
// Memory is one entry per admission still in the window, so it is bounded by the number of
// requests the paired requests-per-minute window admits.
import { invariant } from '../base/errors.js';

/** A handle on one admitted amount, so it can be corrected once the true amount is known. */
export interface WindowEntry {
  readonly at_ms: number;
  amount: number;
  /** False once the entry has left the window; correcting it then changes nothing. */
  live: boolean;
}

export class SlidingWindow {
  private entries: WindowEntry[] = [];
  /** Index of the oldest live entry in `entries` (older slots are compacted away lazily). */
  private head = 0;
  private total = 0;
  private last_now_ms = -Infinity;

  constructor(
    public limit: number,
    readonly window_ms: number,
  ) {
    invariant(Number.isSafeInteger(limit) && limit > 0, `window limit is a positive whole number, got ${limit}`);
    invariant(window_ms > 0, 'window length is positive');
  }

  /** The total inside the window at `now_ms`. */
  used(now_ms: number): number {
    this.evict(now_ms);
    return this.total;
  }

  /**
   * Seconds until `amount` more would fit (0 if it fits now); Infinity if it never can, being
   * larger than the limit itself.
   */
  waitSeconds(now_ms: number, amount: number): number {
    this.evict(now_ms);
    if (amount > this.limit) return Infinity;
    let excess = this.total + amount - this.limit;
    if (excess <= 0) return 0;
    const now = this.clamp(now_ms);
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      excess -= entry.amount;
      if (excess <= 0) return (entry.at_ms + this.window_ms - now) / 1000;
    }
    // Unreachable: the entries sum to `total`, and amount <= limit.
    invariant(false, 'a window whose entries do not sum to its total');
  }

  /** Adds an amount now. The caller checked `waitSeconds` first; this never refuses. */
  add(now_ms: number, amount: number): WindowEntry {
    invariant(Number.isFinite(amount) && amount >= 0, 'window amounts are non-negative');
    this.evict(now_ms);
    const entry: WindowEntry = { at_ms: this.clamp(now_ms), amount, live: true };
    this.entries.push(entry);
    this.total += amount;
    return entry;
  }

  /** Replaces an entry's amount (a reservation settled at its true size). */
  correct(entry: WindowEntry, amount: number): void {
    invariant(Number.isFinite(amount) && amount >= 0, 'window amounts are non-negative');
    if (entry.live) this.total += amount - entry.amount;
    entry.amount = amount;
  }

  /** Entries still held (for tests and the memory bound). */
  size(now_ms: number): number {
    this.evict(now_ms);
    return this.entries.length - this.head;
  }

  private clamp(now_ms: number): number {
    // A wall clock may step back; the window never does.
    if (now_ms > this.last_now_ms) this.last_now_ms = now_ms;
    return this.last_now_ms;
  }

  private evict(now_ms: number): void {
    const oldest_kept_ms = this.clamp(now_ms) - this.window_ms;
    while (this.head < this.entries.length && this.entries[this.head]!.at_ms <= oldest_kept_ms) {
      const entry = this.entries[this.head]!;
      entry.live = false;
      this.total -= entry.amount;
      this.head++;
    }
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
      invariant(this.total === 0, 'an empty window holds nothing');
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
