// Real local HTTP servers that stand in for LLM providers in tests and benches: one speaks the
// OpenAI chat-completions protocol, one the Anthropic messages API, each with streaming and
// usage reports. Their behaviour is set per test (reply, usage, delay, failure, silence).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeBehaviour {
  reply: string;
  /** Usage to report; null = report none (the proxy must count locally). */
  usage: { prompt_tokens: number; completion_tokens: number } | null;
  /** Answer with this status and an error body instead. */
  fail_status: number | null;
  /** Wait this long before answering. */
  delay_ms: number;
  /** Never answer (the proxy's timeout must fire). */
  silent: boolean;
  /** Streams: cut the connection after this many content chunks. */
  cut_after_chunks: number | null;
}

export interface FakeLlm {
  url: string;
  /** Base URL as a provider config wants it (…/v1). */
  base_url: string;
  behaviour: FakeBehaviour;
  requests: { path: string; headers: IncomingMessage['headers']; body: any }[];
  close(): Promise<void>;
}

const defaults = (): FakeBehaviour => ({
  reply: 'Hello from the fake provider, word by word.',
  usage: { prompt_tokens: 21, completion_tokens: 9 },
  fail_status: null,
  delay_ms: 0,
  silent: false,
  cut_after_chunks: null,
});

type Handler = (body: any, res: ServerResponse, b: FakeBehaviour) => void;

async function startFake(handlers: Record<string, Handler>, record = true): Promise<FakeLlm> {
  const fake = { behaviour: defaults(), requests: [] as FakeLlm['requests'] } as FakeLlm;
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text.length > 0 ? JSON.parse(text) : null;
      if (record) fake.requests.push({ path: req.url ?? '', headers: req.headers, body });
      const handler = handlers[`${req.method} ${req.url}`];
      if (handler === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'no such route' } }));
        return;
      }
      const b = fake.behaviour;
      if (b.silent) return;
      const go = () => {
        if (b.fail_status !== null) {
          // A 429 says when to come back, as real providers do.
          res.writeHead(b.fail_status, { 'content-type': 'application/json', ...(b.fail_status === 429 ? { 'retry-after': '7' } : {}) }).end(JSON.stringify({ error: { message: `fake failure ${b.fail_status}`, type: 'server_error' } }));
          return;
        }
        handler(body, res, b);
      };
      if (b.delay_ms > 0) setTimeout(go, b.delay_ms);
      else go();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${port}`;
  fake.base_url = `${fake.url}/v1`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return fake;
}

/** Drops the connection mid-stream, after what was written has had time to leave. */
function cut(res: ServerResponse): void {
  setTimeout(() => res.socket?.destroy(), 50);
}

function words(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

function sse(res: ServerResponse, data: unknown, event?: string): void {
  res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

/** Replies honour the request's cap, the way real providers do. */
function capped(b: FakeBehaviour, max: number | undefined): { text: string; completion: number; finish: 'stop' | 'length' } {
  const all = words(b.reply);
  const completion = b.usage?.completion_tokens ?? all.length;
  if (max !== undefined && completion > max) return { text: all.slice(0, max).join(''), completion: max, finish: 'length' };
  return { text: b.reply, completion, finish: 'stop' };
}

export function startFakeOpenAi(options: { record?: boolean } = {}): Promise<FakeLlm> {
  return startFake(
    {
      'GET /v1/models': (_body, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'fake' }] }));
      },
      'POST /v1/chat/completions': (body, res, b) => {
        const max = body.max_completion_tokens ?? body.max_tokens;
        const { text, completion, finish } = capped(b, max);
        const usage = b.usage === null ? undefined : { prompt_tokens: b.usage.prompt_tokens, completion_tokens: completion, total_tokens: b.usage.prompt_tokens + completion };
        const base = { id: 'chatcmpl-fake', created: 1_700_000_000, model: body.model };
        if (body.stream !== true) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finish }], ...(usage ? { usage } : {}) }));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = (delta: object, finish_reason: string | null) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason }], ...(body.stream_options?.include_usage ? { usage: null } : {}) });
        sse(res, chunk({ role: 'assistant', content: '' }, null));
        let sent = 0;
        for (const word of words(text)) {
          if (b.cut_after_chunks !== null && sent >= b.cut_after_chunks) {
            cut(res);
            return;
          }
          sse(res, chunk({ content: word }, null));
          sent++;
        }
        sse(res, chunk({}, finish));
        if (body.stream_options?.include_usage && usage) sse(res, { ...base, object: 'chat.completion.chunk', choices: [], usage });
        sse(res, '[DONE]');
        res.end();
      },
    },
    options.record ?? true,
  );
}

export function startFakeAnthropic(): Promise<FakeLlm> {
  return startFake({
    'POST /v1/messages': (body, res, b) => {
      const { text, completion, finish } = capped(b, body.max_tokens);
      const stop_reason = finish === 'length' ? 'max_tokens' : 'end_turn';
      const input_tokens = b.usage?.prompt_tokens ?? 0;
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'msg_fake',
            type: 'message',
            role: 'assistant',
            model: body.model,
            content: [{ type: 'text', text }],
            stop_reason,
            stop_sequence: null,
            usage: { input_tokens, output_tokens: completion },
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      sse(res, { type: 'message_start', message: { id: 'msg_fake', type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, usage: { input_tokens, output_tokens: 1 } } }, 'message_start');
      sse(res, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start');
      sse(res, { type: 'ping' }, 'ping');
      let sent = 0;
      for (const word of words(text)) {
        if (b.cut_after_chunks !== null && sent >= b.cut_after_chunks) {
          cut(res);
          return;
        }
        sse(res, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: word } }, 'content_block_delta');
        sent++;
      }
      sse(res, { type: 'content_block_stop', index: 0 }, 'content_block_stop');
      sse(res, { type: 'message_delta', delta: { stop_reason, stop_sequence: null }, usage: { output_tokens: completion } }, 'message_delta');
      sse(res, { type: 'message_stop' }, 'message_stop');
      res.end();
    },
  });
}
