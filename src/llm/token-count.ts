// Token counts the proxy makes itself. Providers' tokenizers differ and are not available
// here, so two kinds of count exist, and they must not be confused:
// - the *estimate* of a prompt before it is sent, cautious (few bytes per token) because the
//   reservation built on it is what keeps a reply inside the run's allowance;
// - the *local count* used to settle when a provider reports no usage, a best guess at about
//   4 bytes per token (English text under common BPE tokenizers), so nobody is overcharged.
import type { ChatMessage, ChatRequest } from './protocol.js';

/** Chat templates add a few tokens per message (role markers, separators). */
const TOKENS_PER_MESSAGE = 4;
/** And a few to prime the reply. */
const TOKENS_PER_REPLY = 3;
/** An image costs up to ~1600 tokens at OpenAI and Anthropic for ordinary sizes. */
const TOKENS_PER_IMAGE = 1600;
export const LOCAL_BYTES_PER_TOKEN = 4;

/** Request fields other than messages that providers turn into prompt tokens. */
const PROMPT_FIELDS = ['tools', 'functions', 'tool_choice', 'response_format'] as const;

function partBytes(part: Record<string, unknown>): { bytes: number; images: number } {
  if (part.type === 'text' && typeof part.text === 'string') return { bytes: Buffer.byteLength(part.text), images: 0 };
  if (part.type === 'image_url' || part.type === 'image') return { bytes: 0, images: 1 };
  return { bytes: Buffer.byteLength(JSON.stringify(part)), images: 0 };
}

function messageBytes(message: ChatMessage): { bytes: number; images: number } {
  let bytes = message.name === undefined ? 0 : Buffer.byteLength(message.name);
  let images = 0;
  const content = message.content;
  if (typeof content === 'string') bytes += Buffer.byteLength(content);
  else if (Array.isArray(content)) {
    for (const part of content) {
      const counted = partBytes(part);
      bytes += counted.bytes;
      images += counted.images;
    }
  }
  const extra = message as Record<string, unknown>;
  if (extra.tool_calls !== undefined) bytes += Buffer.byteLength(JSON.stringify(extra.tool_calls));
  if (extra.function_call !== undefined) bytes += Buffer.byteLength(JSON.stringify(extra.function_call));
  if (typeof extra.tool_call_id === 'string') bytes += Buffer.byteLength(extra.tool_call_id);
  return { bytes, images };
}

/** Prompt tokens of a request at `bytes_per_token`, rounded up. */
export function promptTokens(request: Pick<ChatRequest, 'messages'> & Record<string, unknown>, bytes_per_token: number): number {
  let bytes = 0;
  let images = 0;
  for (const message of request.messages) {
    const counted = messageBytes(message);
    bytes += counted.bytes;
    images += counted.images;
  }
  for (const field of PROMPT_FIELDS) {
    const value = request[field];
    if (value !== undefined && value !== null) bytes += Buffer.byteLength(JSON.stringify(value));
  }
  return Math.ceil(bytes / bytes_per_token) + images * TOKENS_PER_IMAGE + request.messages.length * TOKENS_PER_MESSAGE + TOKENS_PER_REPLY;
}

/** Local count of a piece of generated text (see the file comment). */
export function localTextTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(Buffer.byteLength(text) / LOCAL_BYTES_PER_TOKEN);
}
