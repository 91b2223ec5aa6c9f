// The OpenAI chat-completions protocol, as far as the proxy reads it. Requests are validated
// loosely on purpose: fields the proxy does not meter (tools, response_format, seed, ...) are
// kept and forwarded to OpenAI-compatible providers untouched.
import { z } from 'zod';
import type { Config } from '../config/schema.js';

export const chatRoles = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;

const contentPart = z.looseObject({ type: z.string().min(1).max(64) });

export const chatMessageSchema = z.looseObject({
  role: z.enum(chatRoles),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  name: z.string().max(256).optional(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export function chatRequestSchema(config: Config['llm']) {
  const tokenCount = z.number().int().min(1).max(10_000_000);
  return z
    .looseObject({
      model: z.string().min(1).max(256).describe('A model id from GET /llm/v1/models'),
      messages: z.array(chatMessageSchema).min(1).max(config.messages_max),
      stream: z.boolean().nullish(),
      stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
      max_tokens: tokenCount.nullish().describe('Completion tokens at most; capped by what the run has left'),
      max_completion_tokens: tokenCount.nullish().describe('Same as max_tokens (the newer name); capped likewise'),
      n: z.literal(1).nullish().describe('Only one choice per call is served'),
      temperature: z.number().min(0).max(2).nullish(),
      top_p: z.number().min(0).max(1).nullish(),
      stop: z.union([z.string(), z.array(z.string()).max(16)]).nullish(),
    })
    .describe('An OpenAI chat-completions request.');
}
export type ChatRequest = z.infer<ReturnType<typeof chatRequestSchema>>;

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: { index: number; message: { role: 'assistant'; content: string | null; refusal?: string | null }; finish_reason: string | null; logprobs?: null }[];
  usage?: Usage & { total_tokens: number };
  [extra: string]: unknown;
}

export interface ChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: { index: number; delta: { role?: 'assistant'; content?: string | null; [extra: string]: unknown }; finish_reason: string | null; logprobs?: null }[];
  usage?: (Usage & { total_tokens: number }) | null;
  [extra: string]: unknown;
}

/** Reads the provider's usage object, if it has a usable one. */
export function readUsage(value: unknown): Usage | null {
  if (value === null || typeof value !== 'object') return null;
  const u = value as Record<string, unknown>;
  const prompt = u.prompt_tokens;
  const completion = u.completion_tokens;
  if (!isCount(prompt) || !isCount(completion)) return null;
  return { prompt_tokens: prompt, completion_tokens: completion };
}

export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function usageObject(usage: Usage): Usage & { total_tokens: number } {
  return { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.prompt_tokens + usage.completion_tokens };
}

/** The text a chunk adds to the reply (content and refusals), for local counting. */
export function chunkText(chunk: ChatChunk): string {
  let text = '';
  for (const choice of chunk.choices ?? []) {
    const delta = choice.delta;
    if (delta === undefined || delta === null) continue;
    if (typeof delta.content === 'string') text += delta.content;
    if (typeof delta.refusal === 'string') text += delta.refusal;
    if (Array.isArray(delta.tool_calls)) text += JSON.stringify(delta.tool_calls);
  }
  return text;
}
