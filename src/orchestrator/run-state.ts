// The states one agent run goes through, and the only moves between them. A run is created
// queued (it holds a won lease and waits for a slot; no lease clock runs), becomes starting
// when the launcher journals its execution (its lease starts there), running once its
// sandbox is up, ending once its process is done or failed to start, and ended when its
// outcome is journaled. Any other move is a bug in the launcher, refused loudly.
import { invariant } from '../base/errors.js';

export type RunState = 'queued' | 'starting' | 'running' | 'ending' | 'ended';

const NEXT: Record<RunState, readonly RunState[]> = {
  queued: ['starting'],
  // A sandbox that never comes up (no workspace, spawn failure) goes straight to ending.
  starting: ['running', 'ending'],
  running: ['ending'],
  ending: ['ended'],
  ended: [],
};

export class RunStateMachine {
  private current: RunState = 'queued';
  private readonly seen: RunState[] = ['queued'];

  constructor(readonly label: string) {}

  get state(): RunState {
    return this.current;
  }

  /** Every state this run has been in, in order. */
  get history(): readonly RunState[] {
    return this.seen;
  }

  is(...states: RunState[]): boolean {
    return states.includes(this.current);
  }

  /** Moves to `next`; throws (an invariant, never the agent's fault) on an illegal move. */
  to(next: RunState): void {
    invariant(NEXT[this.current].includes(next), `run ${this.label}: ${this.current} -> ${next} is not a legal transition`);
    this.current = next;
    this.seen.push(next);
  }

  /** Asserts the run is in one of `states` before the caller acts on it. */
  expect(action: string, ...states: RunState[]): void {
    invariant(this.is(...states), `run ${this.label}: cannot ${action} while ${this.current}`);
  }
}
