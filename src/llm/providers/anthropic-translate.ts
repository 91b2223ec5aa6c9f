// Chat completions <-> the Anthropic messages API. System and developer messages become the
// `system` prompt; consecutive messages of one role are merged (the messages API alternates
// user and assistant); text and image parts are translated; replies, stop reasons, usage and
// stream events come back in the chat.completion(.chunk) shape. Tool use is not translated:
// a request with tools is refused rather than half served.
import { AgoraError } from '../../base/errors.js';
import { isCount, usageObject, type ChatChunk, type ChatCompletion, type ChatMessage, type ChatRequest, type Usage } from '../protocol.js';

type Block = { type: 'text'; text: string } | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string } };

export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  messages: { role: 'user' | 'assistant'; content: Block[] }[];
  system?: string;
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  stream?: boolean;
}

const UNTRANSLATED_FIELDS = ['tools', 'functions', 'tool_choice', 'function_call'] as const;

function refuse(message: string): never {
  throw new AgoraError('INVALID_ARGS', `${message} (this model is served by an Anthropic provider, through translation)`);
}

function blocks(message: ChatMessage): Block[] {
  const content = message.content;
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content.length === 0 ? [] : [{ type: 'text', text: content }];
  return content.map((part): Block => {
    if (part.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
    if (part.type === 'image_url') {
      const url = (part.image_url as { url?: unknown } | undefined)?.url;
      if (typeof url !== 'string') refuse('an image_url part needs image_url.url');
      const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
      if (data !== null) return { type: 'image', source: { type: 'base64', media_type: data[1]!, data: data[2]! } };
      return { type: 'image', source: { type: 'url', url } };
    }
    return refuse(`content parts of type ${part.type} are not translated`);
  });
}

function textOf(message: ChatMessage): string {
  return blocks(message)
    .map((b) => (b.type === 'text' ? b.text : refuse('system messages may only hold text')))
    .join('\n');
}

export function toAnthropic(request: ChatRequest, upstream_model: string, max_tokens: number, stream: boolean): AnthropicRequest {
  for (const field of UNTRANSLATED_FIELDS) {
    if (request[field] !== undefined && request[field] !== null) refuse(`${field} is not supported`);
  }
  const system: string[] = [];
  const messages: AnthropicRequest['messages'] = [];
  for (const message of request.messages) {
    if (message.role === 'system' || message.role === 'developer') {
      system.push(textOf(message));
      continue;
    }
    if (message.role === 'tool' || message.role === 'function' || (message as Record<string, unknown>).tool_calls !== undefined) {
      refuse('tool messages and tool calls are not supported');
    }
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const content = blocks(message);
    if (content.length === 0) continue;
    const last = messages[messages.length - 1];
    if (last !== undefined && last.role === role) last.content.push(...content);
    else messages.push({ role, content });
  }
  if (messages.length === 0) refuse('a request needs at least one user or assistant message with content');
  const out: AnthropicRequest = { model: upstream_model, max_tokens, messages };
  if (system.length > 0) out.system = system.join('\n\n');
  // Anthropic's temperature runs 0..1 where OpenAI's runs 0..2: the same scale, capped.
  if (typeof request.temperature === 'number') out.temperature = Math.min(1, request.temperature);
  if (typeof request.top_p === 'number') out.top_p = request.top_p;
  if (typeof request.stop === 'string') out.stop_sequences = [request.stop];
  else if (Array.isArray(request.stop)) out.stop_sequences = request.stop;
  if (stream) out.stream = true;
  return out;
}

export function finishReason(stop_reason: unknown): string | null {
  switch (stop_reason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return stop_reason === null || stop_reason === undefined ? null : 'stop';
  }
}

/** Prompt tokens are every input token, cached or not: the run pays for what the model read. */
function anthropicUsage(usage: Record<string, unknown> | undefined, previous: Usage | null): Usage | null {
  if (usage === undefined || usage === null) return previous;
  const input = ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'].map((k) => (isCount(usage[k]) ? usage[k] : 0)).reduce((a, b) => a + b, 0);
  const output = isCount(usage.output_tokens) ? usage.output_tokens : 0;
  if (!isCount(usage.input_tokens) && !isCount(usage.output_tokens)) return previous;
  return {
    prompt_tokens: Math.max(input, previous?.prompt_tokens ?? 0),
    completion_tokens: Math.max(output, previous?.completion_tokens ?? 0),
  };
}

export interface AnthropicMessage {
  id?: string;
  model?: string;
  content?: { type: string; text?: string }[];
  stop_reason?: string | null;
  usage?: Record<string, unknown>;
}

export function fromAnthropic(message: AnthropicMessage, created_s: number): { completion: ChatCompletion; usage: Usage | null; text: string } {
  const text = (message.content ?? [])
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text)
    .join('');
  const usage = anthropicUsage(message.usage, null);
  const completion: ChatCompletion = {
    id: message.id ?? 'msg',
    object: 'chat.completion',
    created: created_s,
    model: message.model ?? '',
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: finishReason(message.stop_reason), logprobs: null }],
  };
  if (usage !== null) completion.usage = usageObject(usage);
  return { completion, usage, text };
}

/** Turns one stream's Anthropic events into chat.completion.chunk objects, in order. */
export class AnthropicStreamTranslator {
  private id = 'msg';
  private model = '';
  private finish: string | null = null;
  usage: Usage | null = null;

  constructor(private readonly created_s: number) {}

  private chunk(delta: ChatChunk['choices'][number]['delta'], finish_reason: string | null): ChatChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created_s, model: this.model, choices: [{ index: 0, delta, finish_reason, logprobs: null }] };
  }

  /** The chunks for one event (often none); throws on a stream error event. */
  translate(type: string | null, data: Record<string, unknown>): ChatChunk[] {
    switch (type ?? data.type) {
      case 'message_start': {
        const message = (data.message ?? {}) as AnthropicMessage;
        this.id = message.id ?? this.id;
        this.model = message.model ?? this.model;
        this.usage = anthropicUsage(message.usage, this.usage);
        return [this.chunk({ role: 'assistant', content: '' }, null)];
      }
      case 'content_block_delta': {
        const delta = data.delta as { type?: string; text?: unknown } | undefined;
        if (delta?.type === 'text_delta' && typeof delta.text === 'string' && delta.text.length > 0) return [this.chunk({ content: delta.text }, null)];
        return [];
      }
      case 'message_delta': {
        this.finish = finishReason((data.delta as { stop_reason?: unknown } | undefined)?.stop_reason) ?? this.finish;
        this.usage = anthropicUsage(data.usage as Record<string, unknown> | undefined, this.usage);
        return [];
      }
      case 'message_stop': {
        const last = this.chunk({}, this.finish ?? 'stop');
        return this.usage === null ? [last] : [last, { ...this.chunk({}, null), choices: [], usage: usageObject(this.usage) }];
      }
      case 'error': {
        const error = data.error as { message?: unknown } | undefined;
        throw new AgoraError('UPSTREAM_ERROR', `the Anthropic provider failed mid-stream: ${typeof error?.message === 'string' ? error.message : 'unknown error'}`);
      }
      default:
        return []; // ping, content_block_start/stop, and event types added later
    }
  }
}
