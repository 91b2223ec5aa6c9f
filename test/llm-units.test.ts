// The LLM proxy's parts on their own: the exact sliding window (against a brute-force model),
// the SSE reader, the Anthropic translation, the prompt estimate and the config rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseConfig } from '../src/config/load.js';
import { SlidingWindow } from '../src/llm/sliding-window.js';
import { readSse } from '../src/llm/sse.js';
import { AnthropicStreamTranslator, toAnthropic } from '../src/llm/providers/anthropic-translate.js';
import { promptTokens, localTextTokens } from '../src/llm/token-count.js';
import { chatRequestSchema } from '../src/llm/protocol.js';
import { AgoraError } from '../src/base/errors.js';

test('the sliding window admits exactly what a brute-force rolling sum admits, with exact waits', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 50 }),
      fc.array(fc.record({ dt: fc.integer({ min: 0, max: 30_000 }), amount: fc.integer({ min: 0, max: 60 }) }), { maxLength: 80 }),
      (limit, steps) => {
        const window = new SlidingWindow(limit, 60_000);
        const admitted: { at: number; amount: number }[] = [];
        let now = 0;
        for (const { dt, amount } of steps) {
          now += dt;
          const inside = admitted.filter((e) => e.at > now - 60_000);
          const sum = inside.reduce((a, e) => a + e.amount, 0);
          assert.equal(window.used(now), sum);
          const wait = window.waitSeconds(now, amount);
          if (amount > limit) {
            assert.equal(wait, Infinity);
            continue;
          }
          if (sum + amount <= limit) {
            assert.equal(wait, 0);
            window.add(now, amount);
            admitted.push({ at: now, amount });
          } else {
            // The brute-force wait: the first moment enough old entries have left.
            let freed = 0;
            let expected = -1;
            for (const e of inside) {
              freed += e.amount;
              if (sum - freed + amount <= limit) {
                expected = (e.at + 60_000 - now) / 1000;
                break;
              }
            }
            assert.equal(wait, expected);
          }
          assert.ok(window.used(now) <= limit, 'no burst: the window never holds more than its limit');
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('corrections change the window total only while the entry is inside it; memory stays bounded', () => {
  const window = new SlidingWindow(100, 60_000);
  const entry = window.add(0, 80);
  window.correct(entry, 30);
  assert.equal(window.used(1), 30);
  assert.equal(window.waitSeconds(1, 70), 0);
  window.correct(entry, 120); // a reply larger than reserved: blocked until the window rolls, never owed
  assert.equal(window.waitSeconds(1, 0), 59.999);
  assert.equal(window.used(60_000), 0);
  window.correct(entry, 5); // left the window: no effect
  assert.equal(window.used(60_000), 0);
  for (let i = 0; i < 10_000; i++) window.add(60_000 + i * 10, 0);
  assert.equal(window.size(300_000), 0, 'old entries are dropped');
});

async function* bytes(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

test('the SSE reader handles split frames, CRLF, comments, event names and multi-line data', async () => {
  const events = [];
  for await (const e of readSse(bytes(': keep-alive\n\n', 'event: message_start\r\nda', 'ta: {"a":1}\r\n\r', '\ndata: x\ndata: y\n\n', 'data: [DONE]\n\n'), () => {}, 1 << 20)) events.push(e);
  assert.deepEqual(events, [
    { event: 'message_start', data: '{"a":1}' },
    { event: null, data: 'x\ny' },
    { event: null, data: '[DONE]' },
  ]);
});

test('chat requests become Anthropic messages: system prompt, merged roles, images, stops, capped temperature', () => {
  const request = chatRequestSchema(parseConfig({}).llm).parse({
    model: 'm',
    messages: [
      { role: 'system', content: 'S1' },
      { role: 'developer', content: [{ type: 'text', text: 'S2' }] },
      { role: 'user', content: 'a' },
      { role: 'user', content: [{ type: 'text', text: 'b' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
      { role: 'assistant', content: 'c' },
    ],
    temperature: 2,
    stop: 'END',
  });
  assert.deepEqual(toAnthropic(request, 'claude', 77, true), {
    model: 'claude',
    max_tokens: 77,
    system: 'S1\n\nS2',
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }] },
    ],
    temperature: 1,
    stop_sequences: ['END'],
    stream: true,
  });
  assert.throws(() => toAnthropic({ ...request, messages: [{ role: 'tool', content: 'x' }] }, 'c', 1, false), AgoraError);
});

test('Anthropic stream events become chat.completion.chunk objects with usage at the end', () => {
  const t = new AnthropicStreamTranslator(1);
  const chunks = [
    ...t.translate('message_start', { message: { id: 'msg_1', model: 'claude', usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 1 } } }),
    ...t.translate('content_block_delta', { delta: { type: 'text_delta', text: 'Hi' } }),
    ...t.translate('ping', {}),
    ...t.translate('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 7 } }),
    ...t.translate('message_stop', {}),
  ];
  assert.deepEqual(
    chunks.map((c) => [c.choices[0]?.delta, c.choices[0]?.finish_reason ?? null, c.usage ?? null]),
    [
      [{ role: 'assistant', content: '' }, null, null],
      [{ content: 'Hi' }, null, null],
      [{}, 'stop', null],
      [undefined, null, { prompt_tokens: 15, completion_tokens: 7, total_tokens: 22 }],
    ],
  );
  assert.throws(() => t.translate('error', { error: { message: 'overloaded' } }), /overloaded/);
});

test('the prompt estimate is cautious (never below a byte-level count at 1 byte per token when told so)', () => {
  const request = { messages: [{ role: 'user' as const, content: 'héllo wörld, a long enough sentence' }] };
  const bytes = Buffer.byteLength(request.messages[0]!.content);
  assert.equal(promptTokens(request, 1), bytes + 4 + 3);
  assert.equal(promptTokens(request, 2), Math.ceil(bytes / 2) + 7);
  assert.ok(promptTokens(request, 2) >= promptTokens(request, 4));
  assert.equal(localTextTokens(''), 0);
  assert.equal(localTextTokens('abcd'), 1);
});

test('llm config: the default is the offline responder; a model must name a configured provider', () => {
  const config = parseConfig({});
  assert.deepEqual(Object.keys(config.llm.models), ['offline-echo']);
  assert.equal(config.llm.providers.offline!.kind, 'offline');
  assert.throws(() => parseConfig({ llm: { providers: { a: { kind: 'openai' } }, models: { m: { provider: 'b' } } } }), /must name a provider/);
  assert.throws(() => parseConfig({ llm: { providers: { a: { kind: 'openai', api_key: 'sk-123' } } } }), /unknown key/, 'keys are never in config');
});
