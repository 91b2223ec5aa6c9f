// Any server speaking OpenAI chat completions (OpenAI, vLLM, Ollama, llama.cpp, OpenRouter).
// The request is forwarded as the agent wrote it, except the model name, the completion cap
// and, for streams, include_usage (always asked, so the proxy can settle on real usage).
import type { IncomingMessage } from 'node:http';
import { AgoraError } from '../../base/errors.js';
import { readUsage, type ChatChunk, type ChatCompletion } from '../protocol.js';
import { readSse } from '../sse.js';
import { failure, keepAlive, postJson, readBody, type UpstreamTarget } from '../upstream.js';
import type { CompleteResult, Provider, ProviderCall, ProviderOptions, StreamItem } from './provider.js';

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export class OpenAiProvider implements Provider {
  readonly kind = 'openai' as const;
  readonly name: string;
  private readonly target: UpstreamTarget;

  constructor(options: ProviderOptions) {
    this.name = options.name;
    const { config } = options;
    const headers: Record<string, string> = { ...config.headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (options.api_key !== null) headers.authorization = `Bearer ${options.api_key}`;
    const url = new URL(`${(config.base_url ?? DEFAULT_BASE_URL).replace(/\/+$/, '')}/chat/completions`);
    this.target = { provider: this.name, url, headers, timeout_ms: config.timeout_ms, reply_bytes_max: options.reply_bytes_max };
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
    const target = this.target;
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
    const target = this.target;
    const response = await postJson(target, this.body(call, true), call.control);
    return this.items(target, response, call);
  }

  private async *items(target: UpstreamTarget, body: IncomingMessage, call: ProviderCall): AsyncGenerator<StreamItem> {
    try {
      for await (const event of readSse(keepAlive(body), () => call.control.expectWithin(target.timeout_ms), target.reply_bytes_max)) {
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
