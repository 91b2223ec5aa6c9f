// A live source of the journal's committed events other than the kernel's in-process
// listeners: with events.kind nats it is the JetStream stream (src/nats, wired by `agora
// start`), and GET /operator/events/stream reads from it. The API knows it only by this shape.
import type { ParsedEventRow } from '../store/journal.js';

/** One committed event as the source delivers it (the journal row with its data parsed). */
export type LiveEvent = ParsedEventRow;

export interface LiveSubscription {
  /** Stops delivery. */
  stop(): Promise<void>;
  /** Resolves when delivery ends (stop, or the source's connection closed). */
  done: Promise<void>;
}

export interface LiveEvents {
  /** Delivers the events after journal seq `after_seq` in journal order, then each new one. */
  subscribe(options: { after_seq: number; types?: readonly string[] }, onEvent: (event: LiveEvent) => void): Promise<LiveSubscription>;
}
