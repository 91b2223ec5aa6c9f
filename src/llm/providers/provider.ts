// What every provider adapter offers the proxy: one chat completion, whole or streamed, in
// the OpenAI chat-completions shape whatever the provider speaks.
import type { LlmProviderConfig } from '../../config/schema.js';
import type { Clock } from '../../kernel/engine/clock.js';
import type { CallControl } from '../upstream.js';
import type { ChatChunk, ChatRequest, Usage } from '../protocol.js';

export type ProviderKind = 'openai' | 'anthropic' | 'offline';

/** What a provider adapter is built from. */
export interface ProviderOptions {
  name: string;
  config: LlmProviderConfig;
  /** Read from the environment variable the config names; null when none is named. */
  api_key: string | null;
  clock: Clock;
  reply_bytes_max: number;
}

export interface ProviderCall {
  /** The agent's request, validated. */
  request: ChatRequest;
  /** The model name the provider knows. */
  upstream_model: string;
  /** The completion cap the proxy decided (what the run can still pay for). */
  max_completion_tokens: number;
  control: CallControl;
}

export interface CompleteResult {
  /** The chat.completion JSON to send to the agent. */
  body: string;
  /** The provider's reported usage, or null if it reported none. */
  usage: Usage | null;
  /** The reply's text, counted locally when usage is null. */
  text: string;
  finish_reason: string | null;
}

export interface StreamItem {
  chunk: ChatChunk;
  /** The provider's own `data:` text for this chunk when it can be forwarded as is. */
  raw: string | null;
}

export interface Provider {
  readonly name: string;
  readonly kind: ProviderKind;
  /** Refuses, before anything is reserved, a request this provider cannot serve. */
  validate(request: ChatRequest): void;
  complete(call: ProviderCall): Promise<CompleteResult>;
  /** Resolves once the provider has accepted the call, so refusals surface before any byte is sent. */
  stream(call: ProviderCall): Promise<AsyncIterable<StreamItem>>;
}
