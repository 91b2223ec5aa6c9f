// Any server speaking OpenAI chat completions (OpenAI, vLLM, Ollama, llama.cpp, OpenRouter).
// The request is forwarded as the agent wrote it, except the model name, the completion cap
// and, for streams, include_usage (always asked, so the proxy can settle on real usage).
import type { LlmProviderConfig } from '../../config/schema.js';
import { AgoraError } from '../../kernel/errors.js';
import { readUsage, type ChatChunk, type ChatCompletion } from '../protocol.js';
import { readSse } from '../sse.js';
import { failure, postJson, readBody, type UpstreamTarget } from '../upstream.js';
import type { CompleteResult, Provider, ProviderCall, StreamItem } from './provider.js';

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export class OpenAiProvider implements Provider {
  readonly kind = 'openai' as const;
  private readonly url: string;
  private readonly headers: Record<string, string>;

  constructor(
    readonly name: string,
    private readonly config: LlmProviderConfig,
    api_key: string | null,
  ) {
    this.url = `${(config.base_url ?? DEFAULT_BASE_URL).replace(/\/+$/, '')}/chat/completions`;
    this.headers = { ...config.headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (api_key !== null) this.headers.authorization = `Bearer ${api_key}`;
  }

  private target(): UpstreamTarget {
    return { provider: this.name, url: this.url, headers: this.headers, timeout_ms: this.config.timeout_ms };
  }

  private body(call: ProviderCall, stream: boolean): string {
    const { request } = call;
    const body: Record<string, unknown> = { ...request, model: call.upstream_model, stream };
    // The cap goes in the field the agent used; max_tokens when it used neither (widest support).
    if (request.max_completion_tokens !== undefined && request.max_completion_tokens !== null) {
      body.max_completion_tokens = call.max_completion_tokens;
      delete body.max_tokens;
    } else {
      body.max_tokens = call.max_completion_tokens;
      delete body.max_completion_tokens;
    }
    if (stream) body.stream_options = { ...(request.stream_options ?? {}), include_usage: true };
    else delete body.stream_options;
    return JSON.stringify(body);
  }

  validate(): void {
    // Forwarded as written: the provider itself judges the request.
  }

  async complete(call: ProviderCall): Promise<CompleteResult> {
    const target = this.target();
    const response = await postJson(target, this.body(call, false), call.control);
    const text = await readBody(target, response, call.control);
    let parsed: ChatCompletion;
    try {
      parsed = JSON.parse(text) as ChatCompletion;
    } catch {
      throw new AgoraError('UPSTREAM_ERROR', `provider ${this.name} sent a reply that is not JSON`, { provider: this.name });
    }
    if (!Array.isArray(parsed.choices)) throw new AgoraError('UPSTREAM_ERROR', `provider ${this.name} sent a reply without choices`, { provider: this.name });
    const choice = parsed.choices[0];
    return {
      body: text,
      usage: readUsage(parsed.usage),
      text: typeof choice?.message?.content === 'string' ? choice.message.content : '',
      finish_reason: choice?.finish_reason ?? null,
    };
  }

  async stream(call: ProviderCall): Promise<AsyncIterable<StreamItem>> {
    const target = this.target();
    const response = await postJson(target, this.body(call, true), call.control);
    if (response.body === null) throw new AgoraError('UPSTREAM_ERROR', `provider ${this.name} sent no stream`, { provider: this.name });
    return this.items(target, response.body, call);
  }

  private async *items(target: UpstreamTarget, body: ReadableStream<Uint8Array>, call: ProviderCall): AsyncGenerator<StreamItem> {
    try {
      for await (const event of readSse(body, () => call.control.expectWithin(target.timeout_ms))) {
        if (event.data === '[DONE]') return;
        let chunk: ChatChunk & { error?: { message?: string } };
        try {
          chunk = JSON.parse(event.data) as ChatChunk & { error?: { message?: string } };
        } catch {
          throw new AgoraError('UPSTREAM_ERROR', `provider ${this.name} streamed something that is not JSON`, { provider: this.name });
        }
        if (chunk.error !== undefined) {
          throw new AgoraError('UPSTREAM_ERROR', `provider ${this.name} failed mid-stream: ${chunk.error.message ?? 'unknown error'}`, { provider: this.name });
        }
        yield { chunk, raw: event.data };
      }
    } catch (err) {
      throw failure(target, call.control, err);
    }
  }
}
