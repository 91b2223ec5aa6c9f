// The journal's live events on a real nats-server (JetStream): published after each commit in
// journal order, each seq once, and read back by a subscriber resuming after a seq.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { parseConfig } from '../src/config/load.js';
import { connectNats, type NatsConfig } from '../src/nats/connect.js';
import { EventPublisher, subscribeEvents, type StreamedEvent } from '../src/nats/event-stream.js';
import { startEventStream } from '../src/nats/start.js';
import { startAgora } from './support/agora-process.js';
import { natsUnavailable, startNats } from './support/nats.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { addAgent, makeWorld, tempDir, type TestWorld } from './support/world.js';

const skip = natsUnavailable();
const log = pino({ level: 'silent' });

async function setup(t: { after(fn: () => unknown): void }): Promise<{ world: TestWorld; config: NatsConfig; nc: NatsConnection }> {
  const nats = await startNats();
  t.after(() => nats.stop());
  const world = makeWorld();
  t.after(() => world.cleanup());
  const config = parseConfig({ events: { kind: 'nats', nats: { url: nats.url, publish_batch_max: 7 } } }).events.nats;
  const nc = await connectNats(config, 'test');
  t.after(() => nc.close());
  return { world, config, nc };
}

/** Collects events until one with seq `last` has come. */
async function collect(nc: NatsConnection, config: NatsConfig, after_seq: number, last: number, types?: string[]): Promise<StreamedEvent[]> {
  const got: StreamedEvent[] = [];
  let reached: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  const sub = await subscribeEvents(nc, config, { after_seq, types }, (event) => {
    got.push(event);
    if (event.seq >= last) reached();
  });
  await arrived;
  await sub.stop();
  return got;
}

test('committed events reach the stream in journal order, each once, and a subscriber resumes after a seq', { skip, timeout: 20_000 }, async (t) => {
  const { world, config, nc } = await setup(t);
  addAgent(world, 'alice', 10);
  const publisher = await EventPublisher.start(nc, world.kernel, config, log);
  t.after(() => publisher.close());
  // Already in the journal before the publisher started: caught up at start.
  assert.equal(publisher.last_published_seq, world.kernel.journal.lastSeq());
  const resume_after = world.kernel.journal.lastSeq();
  for (const id of ['bob', 'carol', 'dave']) addAgent(world, id, 5); // each a committed command, heard after commit
  await publisher.idle();

  const last = world.kernel.journal.lastSeq();
  const journal = world.kernel.journal.read({ after_seq: 0, limit: 10_000 });
  const all = await collect(nc, config, 0, last);
  assert.deepEqual(all.map((e) => e.seq), journal.map((r) => r.seq), 'the whole journal, in order, each seq once');
  assert.deepEqual(all[all.length - 1]!.data, JSON.parse(journal[journal.length - 1]!.data));

  const resumed = await collect(nc, config, resume_after, last);
  assert.deepEqual(resumed.map((e) => e.seq), journal.filter((r) => r.seq > resume_after).map((r) => r.seq), 'resuming after a seq starts with the next event');

  const type = journal[journal.length - 1]!.type;
  const only = await collect(nc, config, 0, last, [type]);
  assert.deepEqual(only.map((e) => e.seq), journal.filter((r) => r.type === type).map((r) => r.seq), 'a subscriber may ask for one type only');
  const two = [type, journal[0]!.type];
  assert.notEqual(two[0], two[1]);
  const some = await collect(nc, config, 0, last, two);
  assert.deepEqual(some.map((e) => e.seq), journal.filter((r) => two.includes(r.type)).map((r) => r.seq), 'or for several');
});

test('a restarted publisher continues where the stream ends, and an event published again is dropped', { skip, timeout: 20_000 }, async (t) => {
  const { world, config, nc } = await setup(t);
  addAgent(world, 'alice', 10);
  const first = await EventPublisher.start(nc, world.kernel, config, log);
  await first.close();
  addAgent(world, 'bob', 10); // committed while no publisher runs
  const second = await EventPublisher.start(nc, world.kernel, config, log);
  t.after(() => second.close());
  addAgent(world, 'carol', 10);
  await second.idle();

  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(config.events_stream);
  const last = world.kernel.journal.lastSeq();
  assert.equal(state.messages, last, 'one message per event, none repeated by the restart');
  for (let seq = 1; seq <= last; seq++) {
    const msg = await jsm.streams.getMessage(config.events_stream, { seq });
    assert.equal(msg?.header.get('Nats-Msg-Id'), String(seq), 'stream sequence and journal seq agree');
  }
  // A publish repeated after a lost ack carries the same id (the seq): the stream drops it.
  const row = world.kernel.journal.read({ after_seq: last - 1, limit: 1 })[0]!;
  const ack = await jetstream(nc).publish(`${config.events_subject}.${row.type}`, row.data, { msgID: String(row.seq) });
  assert.equal(ack.duplicate, true);
  assert.equal((await jsm.streams.info(config.events_stream)).state.messages, last);
});

test('a stream holding events past this journal is refused: it belongs to another world', { skip, timeout: 20_000 }, async (t) => {
  const { world, config, nc } = await setup(t);
  addAgent(world, 'alice', 10);
  addAgent(world, 'bob', 10);
  const publisher = await EventPublisher.start(nc, world.kernel, config, log);
  await publisher.close();
  const other = makeWorld();
  t.after(() => other.cleanup());
  await assert.rejects(EventPublisher.start(nc, other.kernel, config, log), (err: Error & { code?: string }) => err.code === 'CONFLICT' && /another world/.test(err.message));
});

test('agora start with events.kind nats publishes the world\'s events, and the stream holds them after it stops', { skip: natsUnavailable() || sandboxUnavailable(), timeout: 60_000 }, async (t) => {
  const nats = await startNats();
  t.after(() => nats.stop());
  const dir = tempDir();
  const config_file = join(dir, 'agora.yaml');
  writeFileSync(config_file, `events:\n  kind: nats\n  nats:\n    url: ${nats.url}\n    events_stream: WORLD_EVENTS\n`);
  const agora = await startAgora(['--world', join(dir, 'world'), '--config', config_file]);
  t.after(() => agora.stop('SIGKILL'));
  assert.equal(await agora.stop('SIGTERM'), 0, agora.output());

  const reopened = makeWorld({ dir: join(dir, 'world') });
  t.after(() => reopened.cleanup());
  const nc = await connectNats(parseConfig({ events: { nats: { url: nats.url } } }).events.nats, 'test');
  t.after(() => nc.close());
  const { state } = await (await jetstreamManager(nc)).streams.info('WORLD_EVENTS');
  assert.ok(reopened.kernel.journal.lastSeq() > 0);
  assert.equal(state.messages, reopened.kernel.journal.lastSeq(), 'every event the world journaled, published before it stopped');
});

test('with no events config the world stays on its in-process events: no NATS connection is made', async (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  let heard = 0;
  const before = world.kernel.subscribe(() => heard++);
  assert.equal(await startEventStream(world.kernel, parseConfig({}), log), null);
  // A NATS url naming nothing proves no connection is tried while kind stays local.
  assert.equal(await startEventStream(world.kernel, parseConfig({ events: { nats: { url: 'nats://127.0.0.1:1' } } }), log), null);
  addAgent(world, 'alice', 1);
  assert.equal(heard, 1, 'the in-process subscribers hear the commit as before');
  before();
});

test('events committed while NATS is away are published when it is back, in order, each once', { skip, timeout: 30_000 }, async (t) => {
  const nats = await startNats();
  t.after(() => nats.stop());
  const world = makeWorld();
  t.after(() => world.cleanup());
  const config = parseConfig({ events: { kind: 'nats', nats: { url: nats.url, publish_retry_ms: 200 } } }).events.nats;
  const nc = await connectNats(config, 'test');
  t.after(() => nc.close());
  addAgent(world, 'alice', 10);
  const publisher = await EventPublisher.start(nc, world.kernel, config, log);
  t.after(() => publisher.close());

  await nats.pause();
  addAgent(world, 'bob', 10); // the world goes on while NATS is away
  addAgent(world, 'carol', 10);
  await nats.resume();
  const last = world.kernel.journal.lastSeq();
  await publisher.published(last);

  const jsm = await jetstreamManager(nc);
  assert.equal((await jsm.streams.info(config.events_stream)).state.messages, last, 'no event lost, none repeated');
  const all = await collect(nc, config, 0, last);
  assert.deepEqual(all.map((e) => e.seq), world.kernel.journal.read({ after_seq: 0, limit: 10_000 }).map((r) => r.seq));
});

test('a NATS server that cannot be reached is UNAVAILABLE, naming the URL without its password', async () => {
  const config = parseConfig({ events: { kind: 'nats', nats: { url: 'nats://agora:s3cret-pw@127.0.0.1:1', connect_timeout_ms: 500 } } }).events.nats;
  await assert.rejects(connectNats(config, 'test'), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'UNAVAILABLE');
    assert.match(err.message, /nats:\/\/\*\*\*@127\.0\.0\.1:1/);
    assert.doesNotMatch(err.message, /s3cret-pw/);
    return true;
  });
});
