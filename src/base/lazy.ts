// A value built on first use and kept. Schemas are built this way wherever a short command
// could import them without using them: zod is loaded only when a schema is first built (the
// CLI's bundle loads it on demand, src/cli/bundle.ts), so a command that parses nothing with
// zod never compiles it.
export function lazy<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}
