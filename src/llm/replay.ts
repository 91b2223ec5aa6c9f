// llm.mode replay (docs/replay.md): a request this agent sent before, in this turn, gets its
// recorded reply back instead of going to the provider. The recorded reply stands in for the
// provider under the provider's own name, so the call's journal record reads as it did.
import { createHash } from 'node:crypto';
import type { RecordedReply } from '../kernel/history/recording.js';
import type { ModelRoute } from './models.js';
import { readUsage, type ChatRequest } from './protocol.js';
import type { CompleteResult, Provider, StreamItem } from './providers/provider.js';

/** The key a reply is recorded and served by: the request exactly as the agent sent it. */
export function requestSha256(request: ChatRequest): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

interface ReplyParts {
  text: string;
  usage: ReturnType<typeof readUsage>;
  finish_reason: string | null;
  body: string;
}

function parts(recorded: RecordedReply, model: string): ReplyParts {
  if (recorded.stream) {
    // A streamed reply was recorded as its text: served whole, it is one completion.
    const body = JSON.stringify({ id: 'chatcmpl-replay', object: 'chat.completion', created: 0, model, choices: [{ index: 0, message: { role: 'assistant', content: recorded.body }, finish_reason: 'stop' }] });
    return { text: recorded.body, usage: null, finish_reason: 'stop', body };
  }
  const parsed = JSON.parse(recorded.body) as { choices?: { message?: { content?: unknown }; finish_reason?: string | null }[]; usage?: unknown };
  const choice = parsed.choices?.[0];
  const content = choice?.message?.content;
  return { text: typeof content === 'string' ? content : '', usage: readUsage(parsed.usage), finish_reason: choice?.finish_reason ?? null, body: recorded.body };
}

/** The route with its provider replaced, for this one call, by the recording. */
export function replayedRoute(route: ModelRoute, recorded: RecordedReply): ModelRoute {
  const reply = parts(recorded, route.id);
  const provider: Provider = {
    name: route.provider.name,
    kind: route.provider.kind,
    validate: () => undefined,
    complete: async (): Promise<CompleteResult> => ({ body: reply.body, usage: reply.usage, text: reply.text, finish_reason: reply.finish_reason }),
    stream: async (): Promise<AsyncIterable<StreamItem>> => {
      const chunks: StreamItem[] = [
        { chunk: { id: 'chatcmpl-replay', object: 'chat.completion.chunk', created: 0, model: route.id, choices: [{ index: 0, delta: { role: 'assistant', content: reply.text }, finish_reason: reply.finish_reason ?? 'stop' }] }, raw: null },
      ];
      if (reply.usage !== null) chunks.push({ chunk: { id: 'chatcmpl-replay', object: 'chat.completion.chunk', created: 0, model: route.id, choices: [], usage: { ...reply.usage, total_tokens: reply.usage.prompt_tokens + reply.usage.completion_tokens } }, raw: null });
      return (async function* () {
        yield* chunks;
      })();
    },
  };
  return { ...route, provider };
}
