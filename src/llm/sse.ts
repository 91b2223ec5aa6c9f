// Server-sent events, both ways: reading a provider's stream into events, and the frames the
// proxy writes to its clients. Only what chat streams use: `event:` and `data:` fields.
import { AgoraError } from '../base/errors.js';

export interface SseEvent {
  event: string | null;
  data: string;
}

/**
 * Splits a byte stream into SSE events. `onChunk` is told of every read (the caller's idle
 * timer); lines may end in \n, \r\n or \r, and an event ends at a blank line. An event
 * longer than `event_chars_max` is a broken or hostile stream, not a chat chunk.
 */
export async function* readSse(body: AsyncIterable<Uint8Array>, onChunk: () => void, event_chars_max: number): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event: string | null = null;
  let data: string[] = [];
  for await (const bytes of body) {
    onChunk();
    buffer += decoder.decode(bytes, { stream: true });
    if (buffer.length > event_chars_max) throw new AgoraError('UPSTREAM_ERROR', 'the provider sent an event larger than llm.reply_bytes_max');
    let start = 0;
    for (;;) {
      const end = nextLineEnd(buffer, start);
      if (end === -1) break;
      const line = buffer.slice(start, end);
      start = end + (buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1);
      if (line === '') {
        if (data.length > 0) yield { event, data: data.join('\n') };
        event = null;
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue; // comment / keep-alive
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
    }
    // A lone \r at the end may be the first half of \r\n: keep it for the next read.
    buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  if (buffer.length > 0 && buffer !== '\r') {
    for (const line of buffer.split(/\r\n|\r|\n/)) {
      if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
  }
  if (data.length > 0) yield { event, data: data.join('\n') };
}

function nextLineEnd(buffer: string, from: number): number {
  for (let i = from; i < buffer.length; i++) {
    const c = buffer.charCodeAt(i);
    if (c === 10) return i;
    if (c === 13) return i + 1 < buffer.length ? i : -1; // wait to see whether \n follows
  }
  return -1;
}

export function sseData(json: string): string {
  return `data: ${json}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';
