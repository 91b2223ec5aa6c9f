// What every provider adapter offers the proxy: one chat completion, whole or streamed, in
// the OpenAI chat-completions shape whatever the provider speaks.
import type { CallControl } from '../upstream.js';
import type { ChatChunk, ChatRequest, Usage } from '../protocol.js';

export type ProviderKind = 'openai' | 'anthropic' | 'offline';

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
