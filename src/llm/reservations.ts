// Tokens held by calls in flight, per execution. They live in memory only: a reservation is
// a promise not to overshoot, not a state of the world. If the process dies mid-call nothing
// was charged, so there is nothing to recover; settlement is a kernel command.
import { invariant } from '../base/errors.js';

interface Held {
  calls: number;
  tokens: number;
}

export interface Reservation {
  readonly execution_id: string;
  readonly tokens: number;
  release(): void;
}

export class Reservations {
  private readonly held = new Map<string, Held>();

  of(execution_id: string): Readonly<Held> {
    return this.held.get(execution_id) ?? { calls: 0, tokens: 0 };
  }

  reserve(execution_id: string, tokens: number): Reservation {
    invariant(Number.isSafeInteger(tokens) && tokens > 0, 'a reservation holds a positive whole number of tokens');
    const entry = this.held.get(execution_id) ?? { calls: 0, tokens: 0 };
    entry.calls += 1;
    entry.tokens += tokens;
    this.held.set(execution_id, entry);
    let released = false;
    return {
      execution_id,
      tokens,
      release: () => {
        invariant(!released, 'a reservation is released once');
        released = true;
        entry.calls -= 1;
        entry.tokens -= tokens;
        invariant(entry.calls >= 0 && entry.tokens >= 0, 'reservations never go negative');
        if (entry.calls === 0) {
          invariant(entry.tokens === 0, 'an execution with no call in flight holds no tokens');
          this.held.delete(execution_id);
        }
      },
    };
  }
}
