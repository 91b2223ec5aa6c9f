// Thinking with a language model, when the world has one. The host's LLM proxy speaks the
// OpenAI chat-completions protocol at /llm/v1 and meters every call to this run's bought
// tokens. GET /llm/v1/models says whether a real model is configured: the `offline` one is a
// deterministic stand-in, not worth paying for, so with it (or with no tokens) the agent
// writes everything itself as before. Every failure (402 no tokens left, 429, a provider
// down) falls back the same way: thinking is optional.
import type { Client } from './client.js';

/** LLM tokens bought with a run that holds the human's attention: enough for a prompt and a thought. */
export const THINKING_TOKENS = 1200;

interface ModelEntry {
  id: string;
  offline?: boolean;
  available?: boolean;
}

interface Completion {
  choices?: { message?: { content?: string | null } }[];
}

/** The first real (not offline) model the host serves, or null. */
export async function realModel(api: Client): Promise<string | null> {
  try {
    const list = await api.get<{ data?: ModelEntry[] }>('/llm/v1/models');
    return list.data?.find((m) => m.offline !== true && m.available !== false)?.id ?? null;
  } catch {
    return null;
  }
}

/** One short completion, or null (never throws): the caller keeps its own words then. */
export async function think(api: Client, model: string, system: string, user: string, max_tokens: number, notes: string[]): Promise<string | null> {
  try {
    const reply = await api.post<Completion>('/llm/v1/chat/completions', {
      model,
      max_tokens,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
    });
    const text = reply.choices?.[0]?.message?.content?.trim() ?? '';
    return text === '' ? null : text.replace(/\s+/g, ' ');
  } catch (err) {
    notes.push(`llm: ${String(err)}`);
    return null;
  }
}

const SELF = 'You are the genesis agent of Agora, an economy of autonomous programs that buy CPU, memory, LLM tokens and a human\u2019s attention with credits, and die when they run out.';

/** The prompt to the human, written by the model from the agent's own report. */
export function writePrompt(api: Client, model: string, report: string, notes: string[]): Promise<string | null> {
  return think(
    api,
    model,
    `${SELF} You hold the human operator\u2019s attention for one question. Be honest, concrete and brief (at most 80 words). Keep the facts you are given; end with one question whose answer would help your lineage earn credits.`,
    report,
    300,
    notes,
  );
}

/** One sentence of reasoning about this run, for the agent's trace. */
export function reflect(api: Client, model: string, summary: string, notes: string[]): Promise<string | null> {
  return think(api, model, `${SELF} In one sentence (at most 30 words), say what this run tells you and what to try next.`, summary, 80, notes);
}
