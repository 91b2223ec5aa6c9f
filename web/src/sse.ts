// Server-sent events: the `data:` lines of each event block of a text/event-stream body, parsed
// as JSON, until the body ends. Plain web streams only, so the dashboard and the tests that read
// the API's live stream (test/nats-sse.test.ts) parse it the same way.

/** Parses `data:` lines of an SSE body into events until the body ends (or the read is aborted). */
export async function readSseEvents<T>(body: ReadableStream<Uint8Array>, onEvent: (event: T) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data !== '') onEvent(JSON.parse(data) as T);
    }
  }
}
