// The kernel never reads the wall clock directly: a world in simulation mode runs on a
// virtual clock so that the same inputs replay to the same journal.
export interface Clock {
  now_ms(): number;
}

export class SystemClock implements Clock {
  now_ms(): number {
    return Date.now();
  }
}

export class VirtualClock implements Clock {
  private current_ms: number;

  constructor(start_ms = Date.UTC(2026, 0, 1)) {
    this.current_ms = start_ms;
  }

  now_ms(): number {
    return this.current_ms;
  }

  advance(delta_ms: number): void {
    if (!(delta_ms >= 0)) throw new Error(`virtual clock cannot go backwards (delta ${delta_ms} ms)`);
    this.current_ms += delta_ms;
  }

  set(at_ms: number): void {
    if (at_ms < this.current_ms) throw new Error('virtual clock cannot go backwards');
    this.current_ms = at_ms;
  }
}

/** A world time as ISO 8601 text (a pure conversion of the given instant, no clock read). */
export function isoOfWorldMs(at_ms: number): string {
  return new Date(at_ms).toISOString();
}
