// The operator's live stream (GET /operator/events/stream) on a world with events.kind nats:
// the events come from the JetStream stream on a real nats-server, in journal order, filtered,
// and a client that reconnects with Last-Event-ID resumes without a gap or a repeat, however
// many events were committed while it was away.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApi } from '../src/api/start.js';
import { startEventStream } from '../src/nats/start.js';
import { natsUnavailable, startNats } from './support/nats.js';
import { addAgent, makeWorld } from './support/world.js';
import { readSseEvents } from '../web/src/sse.js';

const skip = natsUnavailable();
/** Small, so that a client away for a while misses more than one replay holds. */
const PAGE_SIZE_MAX = 5;

interface Received {
  seq: number;
  type: string;
  actor: string;
  data: Record<string, unknown>;
}

/** An SSE client as a browser's EventSource is one: it reads `id:`/`data:` blocks and can resume with Last-Event-ID. */
class SseClient {
  readonly events: Received[] = [];
  private controller: AbortController | null = null;
  private waiters: { seq: number; resolve: () => void }[] = [];
  private reading: Promise<void> = Promise.resolve();
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  get last_seq(): number | null {
    return this.events.length === 0 ? null : this.events[this.events.length - 1]!.seq;
  }

  /** Connects (resuming after the last event it has, if any) and resolves once the server answered. */
  async open(): Promise<void> {
    this.controller = new AbortController();
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (this.last_seq !== null) headers['last-event-id'] = String(this.last_seq);
    const res = await fetch(this.url, { headers, signal: this.controller.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    this.reading = this.read(res.body!);
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    try {
      await readSseEvents<Received>(body, (event) => {
        this.events.push(event);
        this.waiters = this.waiters.filter((w) => (event.seq >= w.seq ? (w.resolve(), false) : true));
      });
    } catch {
      /* aborted by close() */
    }
  }

  /** Resolves once an event with seq >= `seq` has arrived. */
  until(seq: number): Promise<void> {
    if ((this.last_seq ?? 0) >= seq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  async close(): Promise<void> {
    this.controller?.abort();
    await this.reading;
  }
}

async function setup(t: { after(fn: () => unknown): void }) {
  // Undone last made first (node:test runs after-hooks in the order they were added).
  const undo: (() => unknown)[] = [];
  t.after(async () => {
    for (const fn of undo.reverse()) await fn();
  });
  const nats = await startNats();
  undo.push(() => nats.stop());
  const world = makeWorld({ config: { events: { kind: 'nats', nats: { url: nats.url } }, server: { page_size_default: PAGE_SIZE_MAX, page_size_max: PAGE_SIZE_MAX } } });
  undo.push(() => world.cleanup());
  const stream = (await startEventStream(world.kernel, world.config, world.log))!;
  undo.push(() => stream.close());
  const api = await startApi(world, { port: 0, host: '127.0.0.1', live_events: stream.live });
  undo.push(() => api.close());
  addAgent(world, 'alice', 100);
  addAgent(world, 'bob', 100);
  return { world, api, undo };
}

test('with events.kind nats the live stream serves the stream\'s events in order, and a reconnect resumes without gap or repeat', { skip, timeout: 30_000 }, async (t) => {
  const { world, api, undo } = await setup(t);
  const k = world.kernel;
  const transfer = (memo: string) => k.ledger.transfer({ from_id: 'alice', to_id: 'bob', amount_ucr: 1, memo }, { actor: 'alice' });
  const start_seq = k.journal.lastSeq();
  const client = new SseClient(`${api.url}/operator/events/stream`, world.operator_token);
  undo.push(() => client.close());
  await client.open(); // a new client: only what is committed from now on
  for (let i = 0; i < 3; i++) transfer(`live ${i}`);
  await client.until(k.journal.lastSeq());
  const journalAfter = (seq: number) => k.journal.read({ after_seq: seq, limit: 1000 }).map((r) => r.seq);
  assert.deepEqual(client.events.map((e) => e.seq), journalAfter(start_seq), 'each committed event once, in journal order');
  assert.equal(client.events[0]!.data.memo, 'live 0');

  await client.close();
  // Away for longer than one replay holds (server.page_size_max events).
  for (let i = 0; i < 3 * PAGE_SIZE_MAX; i++) transfer(`while away ${i}`);
  await client.open(); // with Last-Event-ID: the last seq it had
  addAgent(world, 'carol', 1);
  await client.until(k.journal.lastSeq());
  const seqs = client.events.map((e) => e.seq);
  assert.deepEqual(seqs, journalAfter(start_seq), 'no gap and no repeat across the reconnect');
});

test('with events.kind nats the live stream filters by type and agent, from a seq', { skip, timeout: 30_000 }, async (t) => {
  const { world, api, undo } = await setup(t);
  const k = world.kernel;
  const from = k.journal.lastSeq();
  for (let i = 0; i < 2 * PAGE_SIZE_MAX; i++) {
    k.ledger.transfer({ from_id: 'alice', to_id: 'bob', amount_ucr: 1, memo: `to bob ${i}` }, { actor: 'alice' });
    k.ledger.transfer({ from_id: 'alice', to_id: 'genesis', amount_ucr: 1, memo: `not about bob ${i}` }, { actor: 'alice' });
  }
  const client = new SseClient(`${api.url}/operator/events/stream?types=credits_transferred&agent=bob&after=${from}`, world.operator_token);
  undo.push(() => client.close());
  await client.open();
  addAgent(world, 'carol', 1); // another type: not sent
  k.ledger.transfer({ from_id: 'bob', to_id: 'alice', amount_ucr: 1, memo: 'from bob' }, { actor: 'bob' });
  const last_seq = k.journal.lastSeq();
  await client.until(last_seq);
  const wanted = k.journal
    .read({ after_seq: from, limit: 1000, types: ['credits_transferred'] })
    .filter((r) => r.actor === 'bob' || (JSON.parse(r.data) as { to_id: string }).to_id === 'bob')
    .map((r) => r.seq);
  assert.equal(wanted.length, 2 * PAGE_SIZE_MAX + 1);
  assert.deepEqual(client.events.map((e) => e.seq), wanted);
  assert.ok(client.events.every((e) => e.type === 'credits_transferred'));
});
