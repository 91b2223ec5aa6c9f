// Live journal events over Server-Sent Events. EventSource cannot send the Authorization
// header, so the stream is read with fetch and parsed here; it reconnects with `after` = the
// last seq it saw, so a dropped connection loses nothing.
import { authHeaders, query } from './api.js';
import { readSseEvents } from './sse.js';
import type { JournalEvent } from './types.js';

export type StreamState = 'connecting' | 'live' | 'retrying';

export interface StreamOptions {
  types?: string[];
  agent?: string;
  /** Start after this seq (replayed by the server), else only new events. */
  after?: number;
  onEvent: (event: JournalEvent) => void;
  onState?: (state: StreamState) => void;
}

const RETRY_MS_MAX = 10_000;

/** Opens a stream; returns a function that closes it for good. */
export function openStream(options: StreamOptions): () => void {
  const controller = new AbortController();
  let after = options.after;
  let retry_ms = 500;

  const run = async () => {
    while (!controller.signal.aborted) {
      options.onState?.('connecting');
      try {
        const url = `/operator/events/stream${query({ types: options.types?.join(','), agent: options.agent, after })}`;
        const res = await fetch(url, { headers: authHeaders(), signal: controller.signal });
        if (!res.ok || res.body === null) throw new Error(`stream answered ${res.status}`);
        options.onState?.('live');
        retry_ms = 500;
        await readSseEvents<JournalEvent>(res.body, (event) => {
          after = event.seq;
          options.onEvent(event);
        });
      } catch {
        if (controller.signal.aborted) return;
      }
      options.onState?.('retrying');
      await new Promise((resolve) => setTimeout(resolve, retry_ms));
      retry_ms = Math.min(RETRY_MS_MAX, retry_ms * 2);
    }
  };
  void run();
  return () => controller.abort();
}
