// The work queue of admitted runs for runner hosts (docs/deploy.md, "NATS JetStream"): a
// JetStream stream with work-queue retention, one durable pull consumer the runner hosts share.
// A run is dispatched once per execution id (the message id, so a repeated dispatch inside
// duplicate_window_ms is dropped by the server) and leaves the queue only when its holder
// acknowledges it, which settle() does after the outcome is journaled. A holder that dies, or
// that neither settles nor reports working() within ack_wait_ms, loses the run to the next
// runner host, up to max_deliver times; the last holder is told (final) so that it journals an
// outcome or a refund rather than leave the run to vanish.
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type Consumer, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { z } from 'zod';
import type { NatsConfig } from './connect.js';

/** What a runner host needs to start a run; the execution id is the run's identity. */
export interface DispatchedRun {
  execution_id: string;
}

export interface DispatchResult {
  /** true when the server already had this execution id (nothing new was queued). */
  duplicate: boolean;
  stream_seq: number;
}

export interface TakenRun<T extends DispatchedRun> {
  run: T;
  /** 1 for the first holder, then one more at each redelivery. */
  delivery: number;
  /** The last delivery max_deliver allows: if this holder fails too, nobody gets the run again. */
  final: boolean;
  /** Tells the queue the run is still going (restarts its ack wait). */
  working(): void;
  /**
   * Journals the outcome (through the kernel, the only writer), then acknowledges: the run
   * leaves the queue only once `journal` has returned. If it throws, nothing is acknowledged
   * and the run is handed out again after ack_wait_ms.
   */
  settle(journal: () => unknown): Promise<void>;
  /** Gives the run back at once, for another holder (this one cannot run it). */
  release(): void;
}

export interface RunQueueOptions {
  /**
   * Whether the kernel has journaled this execution's end already: a redelivered run whose
   * holder died between journaling its outcome and acknowledging is acknowledged unrun, never
   * run twice. Asked only for redeliveries (delivery > 1).
   */
  hasEnded?: (execution_id: string) => boolean | Promise<boolean>;
}

/**
 * Where JetStream says a run was handed out max_deliver times and its last holder neither
 * acknowledged it nor kept it (its ack wait ran out, or it was given back): nobody gets it again.
 * nats-server before 2.11 publishes this only when some client is waiting on the consumer for a
 * message (a runner host asking for work), 2.11 and later as soon as the ack wait runs out.
 */
export function maxDeliveriesSubject(config: NatsConfig): string {
  return `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${config.runs_stream}.${config.runs_consumer}`;
}

const maxDeliveriesSchema = z.object({ type: z.literal('io.nats.jetstream.advisory.v1.max_deliver'), stream: z.string(), consumer: z.string(), stream_seq: z.number().int().min(1) });

/**
 * The stream sequence of the run a max-deliveries advisory names, or null for anything else on
 * that subject: anyone allowed to publish there can send it, so it is checked, never trusted whole.
 */
export function exhaustedRunSeq(config: NatsConfig, data: Uint8Array): number | null {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    return null;
  }
  const advisory = maxDeliveriesSchema.safeParse(body);
  if (!advisory.success || advisory.data.stream !== config.runs_stream || advisory.data.consumer !== config.runs_consumer) return null;
  return advisory.data.stream_seq;
}

export async function ensureRunQueue(nc: NatsConnection, config: NatsConfig): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const stream = {
    subjects: [config.runs_subject],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(config.duplicate_window_ms),
  };
  try {
    await jsm.streams.info(config.runs_stream);
    await jsm.streams.update(config.runs_stream, stream);
  } catch (err) {
    if (!(err instanceof Error && /not found/i.test(err.message))) throw err;
    await jsm.streams.add({ name: config.runs_stream, ...stream });
  }
  const consumer = { durable_name: config.runs_consumer, ack_policy: AckPolicy.Explicit, ack_wait: nanos(config.ack_wait_ms), max_deliver: config.max_deliver, filter_subject: config.runs_subject };
  try {
    await jsm.consumers.info(config.runs_stream, config.runs_consumer);
    await jsm.consumers.update(config.runs_stream, config.runs_consumer, { ack_wait: consumer.ack_wait, max_deliver: consumer.max_deliver });
  } catch (err) {
    if (!(err instanceof Error && /not found/i.test(err.message))) throw err;
    await jsm.consumers.add(config.runs_stream, consumer);
  }
}

export class RunQueue<T extends DispatchedRun> {
  private readonly js: JetStreamClient;
  private consumer: Consumer | null = null;

  private constructor(
    nc: NatsConnection,
    private readonly config: NatsConfig,
    private readonly options: RunQueueOptions,
  ) {
    this.js = jetstream(nc);
  }

  /** Ensures the stream and the shared consumer exist with the configured waits. */
  static async open<T extends DispatchedRun>(nc: NatsConnection, config: NatsConfig, options: RunQueueOptions = {}): Promise<RunQueue<T>> {
    await ensureRunQueue(nc, config);
    return new RunQueue<T>(nc, config, options);
  }

  /** Queues an admitted run (after its admission is journaled); the execution id deduplicates. */
  async dispatch(run: T): Promise<DispatchResult> {
    const ack = await this.js.publish(this.config.runs_subject, JSON.stringify(run), { msgID: run.execution_id });
    return { duplicate: ack.duplicate, stream_seq: ack.seq };
  }

  /** The next run for this holder, or null when none came within `wait_ms` (each pull waits at most that). */
  async take(wait_ms: number): Promise<TakenRun<T> | null> {
    this.consumer ??= await this.js.consumers.get(this.config.runs_stream, this.config.runs_consumer);
    for (;;) {
      const msg = await this.consumer.next({ expires: wait_ms });
      if (msg === null) return null;
      const taken = this.taken(msg);
      if (taken.delivery > 1 && this.options.hasEnded !== undefined && (await this.options.hasEnded(taken.run.execution_id))) {
        await msg.ackAck(); // its outcome is journaled: it leaves the queue unrun
        continue;
      }
      return taken;
    }
  }

  private taken(msg: JsMsg): TakenRun<T> {
    const delivery = msg.info.deliveryCount;
    return {
      run: msg.json<T>(),
      delivery,
      final: delivery >= this.config.max_deliver,
      working: () => msg.working(),
      settle: async (journal) => {
        await journal();
        // ackAck waits for the server: when settle returns, the run is out of the queue.
        await msg.ackAck();
      },
      release: () => msg.nak(),
    };
  }
}
