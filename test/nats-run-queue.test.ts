// The work queue of admitted runs on a real nats-server (JetStream): deduplicated by execution
// id, acknowledged only when the outcome is journaled, and handed to another holder when the
// one that took it dies.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { parseConfig } from '../src/config/load.js';
import { connectNats, type NatsConfig } from '../src/nats/connect.js';
import { exhaustedRunSeq, maxDeliveriesSubject, RunQueue, type DispatchedRun } from '../src/nats/run-queue.js';
import { natsUnavailable, startNats, type TestNats } from './support/nats.js';

interface Run extends DispatchedRun {
  agent_id: string;
}

const skip = natsUnavailable();

async function queueOn(t: { after(fn: () => unknown): void }, nats: TestNats, overrides: Partial<NatsConfig> = {}): Promise<{ config: NatsConfig; nc: NatsConnection; queue: RunQueue<Run> }> {
  const config = parseConfig({ events: { kind: 'nats', nats: { url: nats.url, ack_wait_ms: 500, max_deliver: 3, ...overrides } } }).events.nats;
  const nc = await connectNats(config, 'test');
  t.after(() => nc.close());
  return { config, nc, queue: await RunQueue.open<Run>(nc, config) };
}

async function withNats(t: { after(fn: () => unknown): void }): Promise<TestNats> {
  const nats = await startNats();
  t.after(() => nats.stop());
  return nats;
}

const SRC = fileURLToPath(new URL('../src/nats/', import.meta.url));

/** A runner host in its own process: takes one run, prints its id, and is killed before it settles. */
async function holderThatDies(config: NatsConfig): Promise<string> {
  const script = `
    import { connectNats } from ${JSON.stringify(SRC + 'connect.ts')};
    import { RunQueue } from ${JSON.stringify(SRC + 'run-queue.ts')};
    const config = JSON.parse(process.env.NATS_CONFIG);
    const queue = await RunQueue.open(await connectNats(config, 'dying-holder'), config);
    const taken = await queue.take(10000);
    process.stdout.write(JSON.stringify({ id: taken?.run.execution_id ?? null, delivery: taken?.delivery ?? null }) + '\\n');
    process.kill(process.pid, 'SIGKILL');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, NATS_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const signal = await new Promise((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
  assert.equal(signal, 'SIGKILL', 'the holder died by SIGKILL, after it took the run');
  const report = JSON.parse(out.trim()) as { id: string | null; delivery: number | null };
  assert.equal(report.delivery, 1);
  return report.id ?? '';
}

test('a run whose holder dies before settling is handed to the next holder, which is told when it is the last', { skip, timeout: 20_000 }, async (t) => {
  const nats = await withNats(t);
  const { config, queue } = await queueOn(t, nats, { max_deliver: 2 });
  await queue.dispatch({ execution_id: 'ex_1', agent_id: 'alice' });

  assert.equal(await holderThatDies(config), 'ex_1');

  // The next holder waits for the ack wait to pass; no run is lost with the first holder.
  const again = await queue.take(10_000);
  assert.ok(again !== null, 'the run came back after the holder died');
  assert.deepEqual(again.run, { execution_id: 'ex_1', agent_id: 'alice' });
  assert.equal(again.delivery, 2);
  assert.equal(again.final, true, 'max_deliver 2: the second holder is the last');
  let journaled = false;
  await again.settle(() => (journaled = true));
  assert.equal(journaled, true);
  assert.equal(await queue.take(1500), null, 'a settled run leaves the queue: nobody gets it again');
});

test('a second dispatch of the same execution id is dropped, also after the run was settled', { skip, timeout: 20_000 }, async (t) => {
  const nats = await withNats(t);
  const { queue } = await queueOn(t, nats);
  assert.equal((await queue.dispatch({ execution_id: 'ex_7', agent_id: 'bob' })).duplicate, false);
  assert.equal((await queue.dispatch({ execution_id: 'ex_7', agent_id: 'bob' })).duplicate, true);
  assert.equal((await queue.dispatch({ execution_id: 'ex_8', agent_id: 'bob' })).duplicate, false);

  const first = await queue.take(5000);
  assert.equal(first?.run.execution_id, 'ex_7');
  assert.equal(first.final, false);
  await first.settle(() => undefined);
  // Inside the duplicate window the settled run is still known: dispatching it again queues nothing.
  assert.equal((await queue.dispatch({ execution_id: 'ex_7', agent_id: 'bob' })).duplicate, true);
  const second = await queue.take(5000);
  assert.equal(second?.run.execution_id, 'ex_8');
  await second.settle(() => undefined);
  assert.equal(await queue.take(1500), null, 'ex_7 ran once: its repeated dispatches queued nothing');
});

test('a run is not acknowledged when journaling its outcome fails: it is handed out again', { skip, timeout: 20_000 }, async (t) => {
  const nats = await withNats(t);
  const { queue } = await queueOn(t, nats);
  await queue.dispatch({ execution_id: 'ex_3', agent_id: 'carol' });
  const taken = await queue.take(5000);
  assert.ok(taken !== null);
  await assert.rejects(
    taken.settle(() => {
      throw new Error('the store is away');
    }),
    /the store is away/,
  );
  const again = await queue.take(10_000);
  assert.equal(again?.run.execution_id, 'ex_3');
  assert.equal(again.delivery, 2);
  await again.settle(() => undefined);
});

test('a redelivered run whose end is already journaled is acknowledged unrun: never run twice', { skip, timeout: 20_000 }, async (t) => {
  const nats = await withNats(t);
  const { config, queue: first_holder } = await queueOn(t, nats);
  await first_holder.dispatch({ execution_id: 'ex_9', agent_id: 'dave' });
  await first_holder.dispatch({ execution_id: 'ex_10', agent_id: 'dave' });
  const ended = new Set<string>();
  const taken = await first_holder.take(5000);
  assert.equal(taken?.run.execution_id, 'ex_9');
  ended.add('ex_9'); // the holder journaled the outcome, then died before its ack

  const nc = await connectNats(config, 'second-holder');
  t.after(() => nc.close());
  const asked: string[] = [];
  const second_holder = await RunQueue.open<Run>(nc, config, {
    hasEnded: (id) => {
      asked.push(id);
      return ended.has(id);
    },
  });
  const next = await second_holder.take(10_000);
  assert.equal(next?.run.execution_id, 'ex_10', 'ex_10 is new; ex_9 ended, so it is not handed out again');
  await next.settle(() => undefined);
  const later = await second_holder.take(2000);
  assert.equal(later, null, 'ex_9 came back after its ack wait and left the queue unrun');
  assert.deepEqual(asked, ['ex_9'], 'only the redelivery is asked about (ex_10 was a first delivery)');
});

test('past max_deliver JetStream names the run in a max-deliveries advisory while a runner asks for work; nothing else on that subject passes for one', { skip, timeout: 20_000 }, async (t) => {
  const nats = await withNats(t);
  const { config, nc, queue } = await queueOn(t, nats, { max_deliver: 1 });
  const named: (number | null)[] = [];
  let heard!: () => void;
  const advised = new Promise<void>((resolve) => (heard = resolve));
  let heard_it = false;
  nc.subscribe(maxDeliveriesSubject(config), {
    callback: (err, msg) => {
      if (err !== null) return;
      named.push(exhaustedRunSeq(config, msg.data));
      heard_it = true;
      heard();
    },
  });
  const { stream_seq } = await queue.dispatch({ execution_id: 'ex_5', agent_id: 'erin' });
  assert.equal(await holderThatDies(config), 'ex_5');
  // A live runner asking for work: it never gets the run (max_deliver 1 is used up), and its pull is
  // what makes nats-server before 2.11 publish the advisory once the dead holder's ack wait ran out.
  let asked = 0;
  const asking = (async () => {
    while (!heard_it) {
      asked++;
      assert.equal(await queue.take(1000), null, 'nobody is handed a run past max_deliver');
    }
  })();
  await advised;
  await asking;
  assert.deepEqual(named, [stream_seq]);
  assert.ok(asked <= 3, `the advisory came within about one ack wait of the holder's death (${asked} pulls of 1 s)`);

  // Anyone allowed to publish on the subject can: what is not JetStream's advisory for this consumer names no run.
  const forged = (body: unknown) => exhaustedRunSeq(config, new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)));
  const real = { type: 'io.nats.jetstream.advisory.v1.max_deliver', stream: config.runs_stream, consumer: config.runs_consumer, stream_seq: 7 };
  assert.equal(forged(real), 7);
  assert.equal(forged('not json {'), null);
  assert.equal(forged({ ...real, stream: 'OTHER' }), null);
  assert.equal(forged({ ...real, consumer: 'other' }), null);
  assert.equal(forged({ ...real, type: 'io.nats.jetstream.advisory.v1.terminated' }), null);
  assert.equal(forged({ ...real, stream_seq: '7' }), null);
});
