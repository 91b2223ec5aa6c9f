// The world's side of NATS at `agora start`: with events.kind nats, a connection, the event
// publisher, and the stream's subscribers for the API's live stream; with kind local (the
// default), nothing at all.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { connectNats, redacted } from './connect.js';
import { EventPublisher, subscribeEvents, type CommittedJournal, type EventSubscription, type StreamedEvent } from './event-stream.js';
import { RemoteRunner } from './remote-runner.js';

export interface RunningEventStream {
  publisher: EventPublisher;
  /** The committed events read back from the stream (what GET /operator/events/stream serves with events.kind nats). */
  live: { subscribe(options: { after_seq: number; types?: readonly string[] }, onEvent: (event: StreamedEvent) => void): Promise<EventSubscription> };
  /** Publishes what is committed so far, then closes the connection. */
  close(): Promise<void>;
}

export async function startEventStream(kernel: CommittedJournal, config: Config, log: Logger): Promise<RunningEventStream | null> {
  if (config.events.kind !== 'nats') return null;
  const nats_log = log.child({ component: 'nats' });
  const nc = await connectNats(config.events.nats, 'agora-world');
  try {
    const publisher = await EventPublisher.start(nc, kernel, config.events.nats, nats_log);
    nats_log.info({ url: redacted(config.events.nats.url), stream: config.events.nats.events_stream, seq: publisher.last_published_seq }, 'nats: publishing the journal\'s events');
    return {
      publisher,
      live: { subscribe: (options, onEvent) => subscribeEvents(nc, config.events.nats, options, onEvent) },
      async close() {
        await publisher.close();
        await nc.drain();
      },
    };
  } catch (err) {
    await nc.close();
    throw err;
  }
}

export interface RunningDispatch {
  /** The runner the world loop gives its executions to (artifact calls stay on the local one). */
  runner: RemoteRunner;
  close(): Promise<void>;
}

/** With events.kind nats and events.nats.dispatch_runs, runs go to runner hosts; else null (local runs). */
export async function startRunDispatch(kernel: CommittedJournal & { executions: { get(id: string): { status: string } | null } }, config: Config, log: Logger): Promise<RunningDispatch | null> {
  if (config.events.kind !== 'nats' || !config.events.nats.dispatch_runs) return null;
  const nc = await connectNats(config.events.nats, 'agora-world-runs');
  try {
    const runner = await RemoteRunner.open(nc, config, { subscribe: (listener) => kernel.subscribe(listener), hasEnded: (id) => kernel.executions.get(id)?.status !== 'running' }, log);
    log.info({ component: 'nats', url: redacted(config.events.nats.url), stream: config.events.nats.runs_stream }, 'nats: runs go to runner hosts');
    return {
      runner,
      async close() {
        await runner.close();
        await nc.drain();
      },
    };
  } catch (err) {
    await nc.close();
    throw err;
  }
}
