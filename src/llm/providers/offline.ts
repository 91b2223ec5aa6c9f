// The offline responder: the default provider, so a world runs with no network and no key.
// It is no language model and says so in every reply: it echoes the last user message,
// deterministically, and reports usage counted locally (it is its own tokenizer). It honours
// the completion cap like a real provider, so metering behaves the same.
import type { Clock } from '../../kernel/engine/clock.js';
import { promptTokens, localTextTokens, LOCAL_BYTES_PER_TOKEN } from '../token-count.js';
import { usageObject, type ChatChunk, type ChatCompletion, type ChatMessage, type Usage } from '../protocol.js';
import type { CompleteResult, Provider, ProviderCall, ProviderOptions, StreamItem } from './provider.js';

const ECHO_CHARS_MAX = 400;

function lastUserText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role !== 'user') continue;
    if (typeof message.content === 'string') return message.content;
    if (Array.isArray(message.content)) {
      return message.content
        .filter((p) => p.type === 'text' && typeof p.text === 'string')
        .map((p) => p.text as string)
        .join(' ');
    }
  }
  return '';
}

/** Cuts text to at most `tokens` local tokens, on a character boundary. */
function capToTokens(text: string, tokens: number): { text: string; cut: boolean } {
  if (localTextTokens(text) <= tokens) return { text, cut: false };
  let end = Math.min(text.length, tokens * LOCAL_BYTES_PER_TOKEN);
  while (end > 0 && localTextTokens(text.slice(0, end)) > tokens) end--;
  return { text: text.slice(0, end), cut: true };
}

export class OfflineProvider implements Provider {
  readonly kind = 'offline' as const;
  private calls = 0;

  readonly name: string;
  private readonly clock: Clock;

  constructor(options: Pick<ProviderOptions, 'name' | 'clock'>) {
    this.name = options.name;
    this.clock = options.clock;
  }

  private reply(call: ProviderCall): { id: string; created: number; text: string; finish_reason: string; usage: Usage } {
    const heard = lastUserText(call.request.messages).replace(/\s+/g, ' ').trim();
    const echo = heard.length > ECHO_CHARS_MAX ? `${heard.slice(0, ECHO_CHARS_MAX)}…` : heard;
    const full = `[offline-echo] No language model is configured in this world, so a deterministic local responder answers. You said: "${echo}"`;
    const { text, cut } = capToTokens(full, call.max_completion_tokens);
    return {
      id: `chatcmpl-offline-${++this.calls}`,
      created: Math.floor(this.clock.now_ms() / 1000),
      text,
      finish_reason: cut ? 'length' : 'stop',
      usage: { prompt_tokens: promptTokens(call.request, LOCAL_BYTES_PER_TOKEN), completion_tokens: localTextTokens(text) },
    };
  }

  validate(): void {
    // Every well-formed request gets its echo.
  }

  async complete(call: ProviderCall): Promise<CompleteResult> {
    const r = this.reply(call);
    const completion: ChatCompletion = {
      id: r.id,
      object: 'chat.completion',
      created: r.created,
      model: call.upstream_model,
      choices: [{ index: 0, message: { role: 'assistant', content: r.text, refusal: null }, finish_reason: r.finish_reason, logprobs: null }],
      usage: usageObject(r.usage),
    };
    return { body: JSON.stringify(completion), usage: r.usage, text: r.text, finish_reason: r.finish_reason };
  }

  async stream(call: ProviderCall): Promise<AsyncIterable<StreamItem>> {
    const r = this.reply(call);
    const model = call.upstream_model;
    const chunk = (delta: ChatChunk['choices'][number]['delta'], finish_reason: string | null): StreamItem => ({
      chunk: { id: r.id, object: 'chat.completion.chunk', created: r.created, model, choices: [{ index: 0, delta, finish_reason, logprobs: null }] },
      raw: null,
    });
    const items: StreamItem[] = [chunk({ role: 'assistant', content: '' }, null)];
    for (const piece of r.text.match(/\S+\s*|\s+/g) ?? []) items.push(chunk({ content: piece }, null));
    items.push(chunk({}, r.finish_reason));
    items.push({ chunk: { id: r.id, object: 'chat.completion.chunk', created: r.created, model, choices: [], usage: usageObject(r.usage) }, raw: null });
    return (async function* () {
      yield* items;
    })();
  }
}
