// The journal for the operator: a page of events (newest first) and a live stream of committed
// events (Server-Sent Events fed by the kernel's subscribe(), or with events.kind nats by the
// JetStream stream: ctx.live_events), both filtered by type and agent.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { eventsPageView, eventView } from '../views/events.js';
import { AgoraError } from '../../base/errors.js';
import { eventSchemas } from '../../kernel/kernel.js';
import { type EventEnvelope } from '../../kernel/registry.js';
import type { EventRow } from '../../store/journal.js';
import type { ApiContext } from '../context.js';
import type { LiveEvent, LiveEvents } from '../live-events.js';
import { matches, parseFilter, type EventFilter } from '../event-filter.js';
import { agentIdParam, errorResponses, limitQuery } from '../schemas.js';

const EVENT_TYPES = Object.keys(eventSchemas);

type EventView = z.infer<typeof eventView>;

function fromRow(row: EventRow): EventView {
  return { ...row, at: new Date(row.at_ms).toISOString(), data: JSON.parse(row.data) as unknown };
}

function fromLive(e: LiveEvent): EventView {
  return { seq: e.seq, id: e.id, type: e.type, at: new Date(e.at_ms).toISOString(), actor: e.actor, correlation_id: e.correlation_id, causation_id: e.causation_id, data: e.data };
}

function fromEnvelope(e: EventEnvelope): EventView {
  return { seq: e.seq, id: e.id, type: e.type, at: new Date(e.at_ms).toISOString(), actor: e.actor, correlation_id: e.correlation_id, causation_id: e.causation_id, data: e.data };
}

const filterQuery = {
  types: z.string().max(2000).optional().describe('Comma-separated event types (all when absent)'),
  agent: agentIdParam.optional().describe('Only events an agent acted in or that name it'),
};

interface StreamClient {
  res: ServerResponse;
  filter: EventFilter;
  /** Events written since the socket last reported it had room (the kernel never waits for a client). */
  backlog: number;
  heartbeat: NodeJS.Timeout;
  /** The last seq written to it: a source that delivers it again (or an older one) is not heard twice. */
  last_seq: number;
  /** Its JetStream subscription (events.kind nats), stopped when the client goes. */
  subscription?: Promise<{ stop(): Promise<void> } | null>;
}

export async function operatorEventRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { kernel, config } = ctx;
  const live: LiveEvents | undefined = ctx.live_events;
  const limits = config.operator;
  const clients = new Set<StreamClient>();

  function write(client: StreamClient, event: EventView): void {
    if (event.seq <= client.last_seq) return;
    client.last_seq = event.seq;
    const room = client.res.write(`id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`);
    if (room) return;
    client.backlog++;
    // A client that cannot keep up is let go; it reconnects from its last id and misses nothing.
    if (client.backlog > limits.stream_buffer_events_max) drop(client);
  }

  function drop(client: StreamClient): void {
    if (!clients.delete(client)) return;
    clearInterval(client.heartbeat);
    client.res.end();
    void client.subscription?.then((sub) => sub?.stop());
  }

  // With a live source (JetStream), the kernel's listeners feed no stream client.
  const unsubscribe = live !== undefined ? () => undefined : kernel.subscribe((events) => {
    if (clients.size === 0) return;
    for (const event of events) {
      let view: EventView | null = null;
      for (const client of clients) {
        if (!matches(client.filter, event)) continue;
        view ??= fromEnvelope(event);
        write(client, view);
      }
    }
  });
  app.addHook('preClose', async () => {
    unsubscribe();
    for (const client of [...clients]) drop(client);
  });

  r.get('/operator/events', {
    config: { auth: 'operator' },
    schema: {
      tags: ['operator'],
      summary: 'A page of journal events, newest first, filtered by type and agent',
      querystring: z.object({
        ...filterQuery,
        before: z.coerce.number().int().min(1).optional().describe('Events with seq below this (the previous page\'s next_before)'),
        limit: limitQuery(config),
      }),
      response: {
        200: eventsPageView,
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const { before, limit } = request.query;
      const filter = parseFilter(request.query.types, request.query.agent);
      // A cheap superset from the journal (the id as a JSON string anywhere in the data); the
      // exact test below then parses only these candidates.
      const rows = kernel.journal.scanBackwards({ before, types: filter.types === null ? null : [...filter.types], mentioning: filter.agent_id });
      const items: EventView[] = [];
      let scanned = 0;
      let last_seq: number | null = null;
      let more = false;
      for (const row of rows) {
        if (items.length >= limit || scanned >= limits.events_scan_max) {
          more = true;
          break;
        }
        scanned++;
        last_seq = row.seq;
        // Type is already filtered in SQL; the agent test needs the data, so it runs here.
        if (filter.agent_id !== null && !matches(filter, { type: row.type as EventEnvelope['type'], actor: row.actor, data: JSON.parse(row.data) })) continue;
        items.push(fromRow(row));
      }
      return { items, next_before: more ? last_seq : null, scanned, known_types: EVENT_TYPES };
    },
  });

  r.get('/operator/events/stream', {
    config: { auth: 'operator' },
    schema: {
      tags: ['operator'],
      summary: 'Live journal events as Server-Sent Events (one `data:` JSON event per journal event, `id:` = seq), filtered by type and agent. Send `after` (or Last-Event-ID) to resume without a gap',
      querystring: z.object({ ...filterQuery, after: z.coerce.number().int().min(0).optional().describe('Replay events after this seq first (at most server.page_size_max of them)') }),
      response: { ...errorResponses },
    },
    handler: async (request, reply) => {
      if (clients.size >= limits.stream_clients_max) {
        throw new AgoraError('UNAVAILABLE', `${clients.size} live streams are open, the most allowed (operator.stream_clients_max)`, null, limits.stream_heartbeat_s);
      }
      const filter = parseFilter(request.query.types, request.query.agent);
      const last_event_id = Number(request.headers['last-event-id']);
      const after = request.query.after ?? (Number.isSafeInteger(last_event_id) && last_event_id >= 0 ? last_event_id : null);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write('retry: 2000\n\n');
      const client: StreamClient = {
        res,
        filter,
        backlog: 0,
        heartbeat: setInterval(() => res.write(': keep-alive\n\n'), limits.stream_heartbeat_s * 1000),
        last_seq: after ?? 0,
      };
      res.on('drain', () => (client.backlog = 0));
      // The response closes when the client goes away (or the server ends the stream).
      res.on('close', () => drop(client));
      // Join and replay in one synchronous step: no commit can fall between the two.
      clients.add(client);
      const types = filter.types === null ? undefined : [...filter.types];
      let replayed: EventRow[] = [];
      if (after !== null) {
        replayed = kernel.journal.read({ after_seq: after, limit: config.server.page_size_max, types });
        for (const row of replayed) {
          const view = fromRow(row);
          if (matches(filter, { type: row.type as EventEnvelope['type'], actor: row.actor, data: view.data as EventEnvelope['data'] })) write(client, view);
        }
      }
      if (live === undefined) return;
      // From JetStream: after the replay's last row when the replay was cut at its limit (the
      // stream then carries on from there, no gap), else after what the journal holds now (the
      // replay, or nothing for a new client, covered everything before). Events the stream
      // delivers again (it may lag the journal) are dropped by seq in write().
      const from_seq = replayed.length === config.server.page_size_max ? replayed[replayed.length - 1]!.seq : kernel.journal.lastSeq();
      client.last_seq = Math.max(client.last_seq, from_seq);
      client.subscription = subscribeLive(live, client, from_seq, types);
    },
  });

  /** The client's JetStream subscription; when it ends (NATS away), so does the response, and the client resumes from its last id. */
  async function subscribeLive(source: LiveEvents, client: StreamClient, after_seq: number, types: string[] | undefined): Promise<{ stop(): Promise<void> } | null> {
    try {
      const sub = await source.subscribe({ after_seq, ...(types !== undefined ? { types } : {}) }, (event) => {
        if (!clients.has(client) || !matches(client.filter, { type: event.type as EventEnvelope['type'], actor: event.actor, data: event.data as EventEnvelope['data'] })) return;
        write(client, fromLive(event));
      });
      if (!clients.has(client)) {
        await sub.stop();
        return null;
      }
      void sub.done.then(() => drop(client), () => drop(client));
      return sub;
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'live stream: the event stream is unavailable; the client will reconnect');
      drop(client);
      return null;
    }
  }
}
