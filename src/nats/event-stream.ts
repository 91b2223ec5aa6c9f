// The journal's committed events, published to a JetStream stream for readers on other hosts
// (dashboards, SSE fronts, agents' subscriptions). The kernel stays the only writer: the
// publisher hears a commit, then reads the journal forward from the last event the stream holds
// and publishes those rows; it never writes to the world. Each message's id (Nats-Msg-Id) is the
// event's seq, so a publish repeated after a lost ack is dropped by the server, and each publish
// expects the stream's last sequence, so the stream holds the journal in order, without a gap or
// a repeat, whatever fails in between. A new stream starts at the journal's first event.
import { headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { AgoraError } from '../base/errors.js';
import type { EventRow, ParsedEventRow, ReadEventsOptions } from '../store/journal.js';
import type { NatsConfig } from './connect.js';

/** What the publisher needs of the kernel: to hear commits and to read the journal. */
export interface CommittedJournal {
  subscribe(listener: () => void): () => void;
  journal: { read(options: ReadEventsOptions): EventRow[]; lastSeq(): number };
}

/** An event as it travels: the journal's row with its data parsed (the SSE route's shape, at_ms kept). */
export type StreamedEvent = ParsedEventRow;

/** The row as the message body: data is already JSON text in the journal, so it is not parsed. */
function body(row: EventRow): string {
  const head = JSON.stringify({ seq: row.seq, id: row.id, type: row.type, at_ms: row.at_ms, actor: row.actor, correlation_id: row.correlation_id, causation_id: row.causation_id });
  return `${head.slice(0, -1)},"data":${row.data}}`;
}

export async function ensureEventStream(jsm: JetStreamManager, config: NatsConfig): Promise<void> {
  const wanted = {
    subjects: [`${config.events_subject}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(config.events_max_age_s * 1000),
    duplicate_window: nanos(config.duplicate_window_ms),
  };
  try {
    await jsm.streams.info(config.events_stream);
    await jsm.streams.update(config.events_stream, wanted);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add({ name: config.events_stream, ...wanted });
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message);
}

/** The journal seq the message at a stream sequence carries (its Nats-Msg-Id). */
async function journalSeqAt(jsm: JetStreamManager, stream: string, stream_seq: number): Promise<number> {
  const msg = await jsm.streams.getMessage(stream, { seq: stream_seq });
  const id = Number(msg?.header.get('Nats-Msg-Id'));
  if (!Number.isSafeInteger(id)) throw new AgoraError('CONFLICT', `stream ${stream} holds a message (sequence ${stream_seq}) that is not a journal event: name another events.nats.events_stream`);
  return id;
}

export class EventPublisher {
  private readonly js: JetStreamClient;
  private readonly unsubscribe: () => void;
  /** The journal seq and the stream sequence of the last event the stream holds. */
  private published_seq = 0;
  private stream_seq = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private closing = false;
  /** Waiters for a seq to be in the stream, by seq. */
  private readonly waiters: { seq: number; resolve: () => void }[] = [];
  private retry: NodeJS.Timeout | null = null;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly source: CommittedJournal,
    private readonly config: NatsConfig,
    private readonly log: Logger,
  ) {
    this.js = jetstream(nc);
    this.unsubscribe = source.subscribe(() => this.wake());
  }

  /** Ensures the stream, catches it up with the journal, then follows each commit. */
  static async start(nc: NatsConnection, source: CommittedJournal, config: NatsConfig, log: Logger): Promise<EventPublisher> {
    const jsm = await jetstreamManager(nc);
    await ensureEventStream(jsm, config);
    const publisher = new EventPublisher(nc, jsm, source, config, log);
    await publisher.resync();
    if (publisher.published_seq > source.journal.lastSeq()) {
      publisher.unsubscribe();
      throw new AgoraError('CONFLICT', `stream ${config.events_stream} holds events up to seq ${publisher.published_seq}, past this journal's last (${source.journal.lastSeq()}): it belongs to another world; name another events.nats.events_stream`);
    }
    publisher.wake();
    await publisher.idle();
    return publisher;
  }

  /** The last journal seq the stream is known to hold. */
  get last_published_seq(): number {
    return this.published_seq;
  }

  /** Resolves when everything committed so far has been published (or a publish failed and waits for its retry). */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private wake(): void {
    if (this.closed) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => (this.running = null));
  }

  private async resync(): Promise<void> {
    const info = await this.jsm.streams.info(this.config.events_stream);
    this.stream_seq = info.state.last_seq;
    this.published_seq = info.state.messages === 0 ? 0 : await journalSeqAt(this.jsm, this.config.events_stream, this.stream_seq);
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        for (;;) {
          const rows = this.source.journal.read({ after_seq: this.published_seq, limit: this.config.publish_batch_max });
          if (rows.length === 0) break;
          await this.publish(rows);
        }
      } while (this.again);
    } catch (err) {
      // NATS away or the stream changed under us: learn what it holds, and try again later.
      this.log.warn({ err: (err as Error).message, after_seq: this.published_seq }, 'nats: events not published yet; retrying');
      if (!this.closing) {
        this.retry = setTimeout(() => {
          this.retry = null;
          this.resync().then(() => this.wake(), () => this.wake());
        }, this.config.publish_retry_ms);
      }
    }
  }

  /** Publishes rows in flight together, each expecting the one before it; stops at the first refusal. */
  private async publish(rows: readonly EventRow[]): Promise<void> {
    const acks: Promise<PubAck>[] = rows.map((row, i) => {
      const h = headers();
      h.set('Agora-Seq', String(row.seq));
      return this.js.publish(`${this.config.events_subject}.${row.type}`, body(row), { msgID: String(row.seq), expect: { lastSequence: this.stream_seq + i }, headers: h });
    });
    const settled = await Promise.allSettled(acks);
    for (let i = 0; i < settled.length; i++) {
      const result = settled[i]!;
      if (result.status === 'rejected') throw result.reason;
      this.stream_seq = result.value.duplicate ? this.stream_seq : result.value.seq;
      this.published_seq = rows[i]!.seq;
    }
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.seq <= this.published_seq) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }

  /** Resolves once the stream holds the event with this seq (after any outage in between). */
  published(seq: number): Promise<void> {
    if (seq <= this.published_seq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** Publishes what is committed so far (one last round, no retry if NATS is away), then stops. */
  async close(): Promise<void> {
    this.closing = true;
    this.unsubscribe();
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    await this.idle();
    this.wake();
    await this.idle();
    this.closed = true;
  }
}

export interface EventSubscription {
  /** Stops delivery (events already handed over stay handled). */
  stop(): Promise<void>;
  /** Resolves when delivery ends (stop, or the connection closed). */
  done: Promise<void>;
}

/**
 * The stream sequence of the first event after journal seq `after_seq`: a binary search over
 * the stream (journal seqs rise with stream sequences), a few direct reads, not a scan.
 */
export async function streamSeqAfter(jsm: JetStreamManager, stream: string, after_seq: number): Promise<number> {
  const { state } = await jsm.streams.info(stream);
  if (state.messages === 0) return state.last_seq + 1;
  let lo = state.first_seq;
  let hi = state.last_seq + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await journalSeqAt(jsm, stream, mid)) > after_seq) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Delivers the events after journal seq `after_seq` in order, then each new one as it is
 * published (an ordered consumer: no acks, recreated by the client if a message is missed).
 * Events older than the stream keeps (events_max_age_s) are not delivered: read those from
 * the journal (GET /operator/events).
 */
export async function subscribeEvents(nc: NatsConnection, config: NatsConfig, options: { after_seq: number; types?: readonly string[] }, onEvent: (event: StreamedEvent) => void): Promise<EventSubscription> {
  const jsm = await jetstreamManager(nc);
  const start = await streamSeqAfter(jsm, config.events_stream, options.after_seq);
  const types = options.types === undefined || options.types.length === 0 ? null : new Set(options.types);
  const consumer = await jetstream(nc).consumers.get(config.events_stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: start,
    // One type is filtered by the server; several are filtered here (filter_subjects needs
    // nats-server 2.10, Debian 12 ships 2.9).
    ...(types?.size === 1 ? { filter_subject: `${config.events_subject}.${[...types][0]}` } : {}),
  });
  const messages = await consumer.consume();
  const done = (async () => {
    for await (const m of messages) {
      if (types === null || types.has(m.subject.slice(config.events_subject.length + 1))) onEvent(m.json<StreamedEvent>());
    }
  })();
  return {
    async stop() {
      await messages.close();
      await done;
    },
    done,
  };
}
