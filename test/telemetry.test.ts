// OpenTelemetry traces (docs/telemetry.md): a world with telemetry.otlp_endpoint set exports,
// with the official SDK over OTLP/HTTP, a span per execution and a span per LLM call whose
// GenAI attributes are the usage the journal holds. The collector here is a real OTLP/HTTP
// receiver (an HTTP server taking POST /v1/traces), on a loopback port.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { replayJournal } from '../src/kernel/replay.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { startTraces } from '../src/telemetry/traces.js';
import { jsTool, publishCode } from './support/invoke.js';
import { installTraders, TRADERS } from './support/simulated.js';
import { makeWorld, serve } from './support/world.js';

interface OtlpAttribute { key: string; value: { stringValue?: string; intValue?: string | number; arrayValue?: { values: { stringValue?: string }[] } } }
interface OtlpSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; startTimeUnixNano: string; endTimeUnixNano: string; attributes: OtlpAttribute[] }

function attrs(span: OtlpSpan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of span.attributes) out[a.key] = a.value.stringValue ?? (a.value.intValue !== undefined ? Number(a.value.intValue) : a.value.arrayValue?.values.map((v) => v.stringValue));
  return out;
}

async function collector(): Promise<{ url: string; spans: OtlpSpan[]; requests: number; close(): Promise<void> }> {
  const state = { spans: [] as OtlpSpan[], requests: 0 };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      state.requests++;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) state.spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    get spans() { return state.spans; },
    get requests() { return state.requests; },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test('with an OTLP endpoint the world exports a span per execution, per LLM call and per artifact call (nested calls as child spans), GenAI attributes filled from the journal', async (t) => {
  const otlp = await collector();
  t.after(() => otlp.close());
  const clock = new VirtualClock();
  const world = makeWorld({ clock, config: { market: { clearing_interval_s: 10 }, sandbox: { runner: 'process' }, telemetry: { otlp_endpoint: otlp.url } } });
  t.after(() => world.cleanup());
  installTraders(world);
  const hash_before = world.kernel.history.lastClosedCycle();
  const traces = startTraces(world.kernel, world.config, world.log);
  assert.ok(traces !== null, 'an endpoint turns telemetry on');
  const api = await serve(world);
  const runner = await createRunner(world.config, world.log);
  try {
    const loop = new WorldLoop(world, api, runner, { cycles: 2, virtual_clock: clock, deterministic: true });
    await loop.run();
    await loop.stop();
  } finally {
    await runner.close();
    await api.close();
  }
  // An artifact call and a nested call of it (the receipts alone make their spans).
  const [payer, maker] = TRADERS;
  const outer_id = publishCode(world, maker!, jsTool('return { output: {} };'));
  const inner_id = publishCode(world, maker!, jsTool('return { output: {} };'));
  const none = { cpu_ms: 0, memory_peak_mb: 0, wall_ms: 0 };
  const allowance = { cpu_ms: 0, memory_mb: 0, wall_ms: 0 };
  const calls_api = world.kernel.artifacts.calls;
  const outer = calls_api.beginCall({ payer_id: payer!, caller_id: payer!, artifact_id: outer_id, tool: 'run', max_price_ucr: 0, allowance, depth: 1 }, { actor: payer! });
  const inner = calls_api.beginCall({ payer_id: payer!, caller_id: maker!, artifact_id: inner_id, tool: 'run', max_price_ucr: 0, allowance, depth: 2, parent_call_id: outer.call_id }, { actor: 'system:invoke' });
  calls_api.failCall({ call_id: inner.call_id, error_code: 'TIMEOUT', resources: none, duration_ms: 5 }, { actor: 'system:invoke' });
  calls_api.settleCall({ call_id: outer.call_id, resources: none, duration_ms: 9, output: {} }, { actor: 'system:invoke' });
  await traces.close(); // flushes: the spans are at the collector when it resolves
  assert.equal(hash_before, null);

  const call_span = (call_id: string) => otlp.spans.find((s) => attrs(s)['agora.call.id'] === call_id);
  const outer_span = call_span(outer.call_id);
  const inner_span = call_span(inner.call_id);
  assert.ok(outer_span !== undefined && inner_span !== undefined, 'one span per artifact call');
  assert.equal(outer_span.name, `artifact ${outer_id}`);
  assert.equal(inner_span.parentSpanId, outer_span.spanId, 'a nested call is a child span of the call above');
  assert.equal(inner_span.traceId, outer_span.traceId);
  assert.equal(attrs(inner_span)['agora.call.depth'], 2);
  assert.equal(attrs(inner_span)['agora.call.payer_id'], payer);
  assert.equal(attrs(inner_span)['error.type'], 'TIMEOUT', 'a failed call carries its error code');

  const calls = world.db.prepare("SELECT at_ms, data FROM events WHERE type = 'llm_call_completed' ORDER BY seq").all() as { at_ms: number; data: string }[];
  assert.ok(calls.length >= 4, `the traders called the LLM: ${calls.length}`);
  const executions = world.db.prepare("SELECT data FROM events WHERE type = 'execution_started'").all().map((r) => JSON.parse((r as { data: string }).data) as { execution_id: string; agent_id: string; cycle: number });
  const llm_spans = otlp.spans.filter((s) => s.name.startsWith('chat '));
  const execution_spans = otlp.spans.filter((s) => s.name.startsWith('execution '));
  assert.equal(execution_spans.length, executions.length, 'one span per execution');
  assert.equal(llm_spans.length, calls.length, 'one span per LLM call');
  for (const row of calls) {
    const call = JSON.parse(row.data) as { execution_id: string; agent_id: string; model: string; provider: string; prompt_tokens: number; completion_tokens: number; latency_ms: number };
    const span = llm_spans.find((s) => attrs(s)['agora.execution.id'] === call.execution_id);
    assert.ok(span !== undefined, `a span for the call of ${call.execution_id}`);
    const a = attrs(span);
    const execution = executions.find((e) => e.execution_id === call.execution_id)!;
    assert.deepEqual(
      { provider: a['gen_ai.provider.name'], model: a['gen_ai.request.model'], input: a['gen_ai.usage.input_tokens'], output: a['gen_ai.usage.output_tokens'], agent: a['agora.agent.id'], cycle: a['agora.cycle'], op: a['gen_ai.operation.name'] },
      { provider: world.config.llm.providers[call.provider]!.kind, model: call.model, input: call.prompt_tokens, output: call.completion_tokens, agent: call.agent_id, cycle: execution.cycle, op: 'chat' },
    );
    const duration_ms = Number((BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)) / 1_000_000n);
    assert.equal(duration_ms, call.latency_ms, 'the span lasts the journaled call duration');
    assert.equal(BigInt(span.endTimeUnixNano) / 1_000_000n, BigInt(row.at_ms), 'it ends when the journal says the call ended');
    const parent = execution_spans.find((s) => attrs(s)['agora.execution.id'] === call.execution_id)!;
    assert.equal(span.parentSpanId, parent.spanId, 'an LLM call is a child of its execution');
    assert.equal(span.traceId, parent.traceId);
  }
  // Telemetry wrote nothing to the world: the replay of its journal is untouched by it.
  assert.equal(replayJournal(world.db).ok, true);
  assert.equal((world.db.prepare("SELECT COUNT(*) AS n FROM events WHERE type LIKE '%telemetry%' OR type LIKE '%span%'").get() as { n: number }).n, 0);
});

test('without an endpoint there is no telemetry at all', () => {
  const world = makeWorld();
  try {
    assert.equal(startTraces(world.kernel, world.config, world.log), null);
  } finally {
    world.cleanup();
  }
});
