// The LLM proxy's added latency. One client sends the same chat request to a local
// OpenAI-compatible upstream directly and through the proxy (auth, admission, reservation,
// rate windows, the provider call, settlement as a journalled kernel command), 500 times,
// interleaved, alternating which goes first. Client, upstream and API share this process and
// its event loop, so neither path pays for context switches the other does not (on a busy
// machine those would swamp the measure); the difference of the medians is the proxy's whole
// cost: its CPU time plus one more loopback HTTP hop.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { SystemClock } from '../src/kernel/engine/clock.js';
import { startFakeOpenAi } from '../test/support/fake-llm.js';
import { addAgent, agentToken, makeWorld, serve } from '../test/support/world.js';
import type { BenchRow } from './types.js';

const CALLS = 500;
const WARMUP = 100;
const TARGET_MS = 2;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** POSTs `body` and resolves with the milliseconds until the whole reply was read. */
function timedPost(client: http.Agent, url: string, headers: Record<string, string>, body: string, stream: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method: 'POST', agent: client, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const elapsed = performance.now() - started;
        if (res.statusCode !== 200 || (stream && !text.includes('[DONE]'))) reject(new Error(`${url} answered ${res.statusCode}: ${text.slice(0, 200)}`));
        else resolve(elapsed);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export default async function bench(): Promise<BenchRow[]> {
  const upstream = await startFakeOpenAi({ record: false });
  const world = makeWorld({
    clock: new SystemClock(),
    config: {
      log: { level: 'warn' },
      llm: {
        providers: { local: { kind: 'openai', base_url: upstream.base_url } },
        models: { 'bench-model': { provider: 'local' } },
        rate_limits: { agent_requests_per_minute: 1_000_000, global_requests_per_minute: 1_000_000 },
      },
    },
  });
  addAgent(world, 'bencher', 10);
  const execution = world.kernel.executions.start(
    { agent_id: 'bencher', bid_id: 'bench', cycle: 0, bundle: { cpu_ms: 1000, memory_mb: 64, tokens: 1_000_000_000, attention: 0, duration_s: 3600 }, lease_ends_at_ms: Date.now() + 3_600_000 },
    { actor: 'bench' },
  );
  const api = await serve(world);
  // One keep-alive client for both sides, as an agent's OpenAI client keeps its connection.
  const client = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const token = agentToken(world, 'bencher', execution.id);
  try {
    const rows: BenchRow[] = [];
    for (const stream of [false, true]) {
      const body = JSON.stringify({ model: 'bench-model', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello in five words.' }], max_tokens: 32, stream });
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': String(Buffer.byteLength(body)) };
      const direct = () => timedPost(client, `${upstream.base_url}/chat/completions`, headers, body, stream);
      const proxied = () => timedPost(client, `${api.url}/llm/v1/chat/completions`, headers, body, stream);
      for (let i = 0; i < WARMUP; i++) {
        await direct();
        await proxied();
      }
      const direct_ms: number[] = [];
      const proxied_ms: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        // Alternate the order so neither side always runs first.
        if (i % 2 === 0) {
          direct_ms.push(await direct());
          proxied_ms.push(await proxied());
        } else {
          proxied_ms.push(await proxied());
          direct_ms.push(await direct());
        }
      }
      const added = median(proxied_ms) - median(direct_ms);
      rows.push({
        name: `added latency, ${stream ? 'streamed' : 'whole'} chat completion (median of ${CALLS} interleaved calls)`,
        value: added,
        unit: 'ms',
        target: `<= ${TARGET_MS}`,
        ok: added <= TARGET_MS,
        note: `direct p50 ${median(direct_ms).toFixed(2)} ms, through the proxy p50 ${median(proxied_ms).toFixed(2)} ms, p90 ${percentile(proxied_ms, 0.9).toFixed(2)} ms`,
      });
    }
    const used = world.kernel.llm.usage(execution.id)!;
    if (used.calls !== 2 * (CALLS + WARMUP) || used.calls_failed !== 0) throw new Error(`expected ${2 * (CALLS + WARMUP)} journalled calls, found ${used.calls}`);
    return rows;
  } finally {
    client.destroy();
    await api.close();
    await upstream.close();
    world.cleanup();
  }
}
