// The Anthropic messages API behind the chat-completions face (translation in
// anthropic-translate.ts). Usage comes from input/output tokens; streams are translated event
// by event.
import type { IncomingMessage } from 'node:http';
import { AgoraError } from '../../base/errors.js';
import type { ChatRequest } from '../protocol.js';
import { readSse } from '../sse.js';
import { failure, keepAlive, postJson, readBody, type UpstreamTarget } from '../upstream.js';
import { AnthropicStreamTranslator, fromAnthropic, toAnthropic, type AnthropicMessage } from './anthropic-translate.js';
import type { CompleteResult, Provider, ProviderCall, ProviderOptions, StreamItem } from './provider.js';

const DEFAULT_BASE_URL = 'https://api.anthropic.com/v1';
const API_VERSION = '2023-06-01';

export class AnthropicProvider implements Provider {
  readonly kind = 'anthropic' as const;
  readonly name: string;
  private readonly target: UpstreamTarget;

  constructor(private readonly options: ProviderOptions) {
    this.name = options.name;
    const { config } = options;
    const headers: Record<string, string> = { ...config.headers, 'content-type': 'application/json', 'anthropic-version': API_VERSION };
    if (options.api_key !== null) headers['x-api-key'] = options.api_key;
    const url = new URL(`${(config.base_url ?? DEFAULT_BASE_URL).replace(/\/+$/, '')}/messages`);
    this.target = { provider: this.name, url, headers, timeout_ms: config.timeout_ms, reply_bytes_max: options.reply_bytes_max };
  }

  private createdS(): number {
    return Math.floor(this.options.clock.now_ms() / 1000);
  }

  validate(request: ChatRequest): void {
    toAnthropic(request, 'check', 1, false);
  }

  async complete(call: ProviderCall): Promise<CompleteResult> {
    const body = JSON.stringify(toAnthropic(call.request, call.upstream_model, call.max_completion_tokens, false));
    const target = this.target;
    const response = await postJson(target, body, call.control);
    const text = await readBody(target, response, call.control);
    let message: AnthropicMessage;
    try {
      message = JSON.parse(text) as AnthropicMessage;
    } catch {
      throw new AgoraError('UPSTREAM_ERROR', `provider ${this.name} sent a reply that is not JSON`, { provider: this.name });
    }
    const { completion, usage, text: reply } = fromAnthropic(message, this.createdS());
    return { body: JSON.stringify(completion), usage, text: reply, finish_reason: completion.choices[0]!.finish_reason };
  }

  async stream(call: ProviderCall): Promise<AsyncIterable<StreamItem>> {
    const body = JSON.stringify(toAnthropic(call.request, call.upstream_model, call.max_completion_tokens, true));
    const target = this.target;
    const response = await postJson(target, body, call.control);
    return this.items(target, response, call);
  }

  private async *items(target: UpstreamTarget, body: IncomingMessage, call: ProviderCall): AsyncGenerator<StreamItem> {
    const translator = new AnthropicStreamTranslator(this.createdS());
    try {
      for await (const event of readSse(keepAlive(body), () => call.control.expectWithin(target.timeout_ms), target.reply_bytes_max)) {
        let data: Record<string, unknown>;
        try {
          data = JSON.parse(event.data) as Record<string, unknown>;
        } catch {
          throw new AgoraError('UPSTREAM_ERROR', `provider ${this.name} streamed something that is not JSON`, { provider: this.name });
        }
        for (const chunk of translator.translate(event.event, data)) yield { chunk, raw: null };
        if ((event.event ?? data.type) === 'message_stop') return;
      }
    } catch (err) {
      throw failure(target, call.control, err);
    }
  }
}
