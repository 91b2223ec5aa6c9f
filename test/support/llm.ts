// Helpers for LLM proxy tests: a world wired to fake providers, a running execution with a
// won bundle's tokens, and the official OpenAI client configured the way an agent would.
import OpenAI from 'openai';
import type { ConfigInput } from '../../src/config/schema.js';
import type { VirtualClock } from '../../src/kernel/engine/clock.js';
import type { ExecutionView } from '../../src/kernel/executions/commands.js';
import { startFakeAnthropic, startFakeOpenAi, type FakeLlm } from './fake-llm.js';
import { addAgent, agentToken, makeWorld, serve, type TestApi, type TestWorld } from './world.js';

export const FAKE_OPENAI_KEY_ENV = 'AGORA_TEST_FAKE_OPENAI_KEY';
export const FAKE_ANTHROPIC_KEY_ENV = 'AGORA_TEST_FAKE_ANTHROPIC_KEY';

export interface LlmWorld {
  world: TestWorld;
  clock: VirtualClock;
  api: TestApi;
  openaiUpstream: FakeLlm;
  anthropicUpstream: FakeLlm;
  /** Starts a run for `agent_id` whose won bundle bought `tokens` LLM tokens. */
  run(agent_id: string, tokens: number): ExecutionView;
  /** The OpenAI client an agent would build: base URL …/llm/v1, its execution token as key. */
  client(agent_id: string, execution_id: string | null): OpenAI;
  events<T = any>(type: string): T[];
  close(): Promise<void>;
}

/** Providers: `up` (OpenAI-compatible fake), `claude` (Anthropic fake) and `offline`. */
export async function llmWorld(
  options: { llm?: NonNullable<ConfigInput['llm']>; agents?: Record<string, number>; up?: Record<string, unknown> } = {},
): Promise<LlmWorld> {
  const openaiUpstream = await startFakeOpenAi();
  const anthropicUpstream = await startFakeAnthropic();
  process.env[FAKE_OPENAI_KEY_ENV] = 'sk-test-openai';
  process.env[FAKE_ANTHROPIC_KEY_ENV] = 'sk-test-anthropic';
  const world = makeWorld({
    config: {
      llm: {
        providers: {
          up: { kind: 'openai', base_url: openaiUpstream.base_url, api_key_env: FAKE_OPENAI_KEY_ENV, timeout_ms: 400, ...options.up },
          claude: { kind: 'anthropic', base_url: anthropicUpstream.base_url, api_key_env: FAKE_ANTHROPIC_KEY_ENV, timeout_ms: 400 },
          offline: { kind: 'offline' },
        },
        models: {
          'fake-gpt': { provider: 'up', upstream_model: 'fake-model', description: 'the fake OpenAI-compatible upstream' },
          'fake-claude': { provider: 'claude', upstream_model: 'claude-fake-1' },
          'offline-echo': { provider: 'offline' },
        },
        ...options.llm,
      },
    },
  });
  for (const [agent_id, credits] of Object.entries(options.agents ?? { alice: 100 })) addAgent(world, agent_id, credits);
  const api = await serve(world);
  return {
    world,
    clock: world.clock as VirtualClock,
    api,
    openaiUpstream,
    anthropicUpstream,
    run(agent_id, tokens) {
      return world.kernel.executions.start(
        {
          agent_id,
          bid_id: 'test',
          cycle: 0,
          bundle: { cpu_ms: 1000, memory_mb: 64, tokens, attention: 0, duration_s: 600 },
          lease_ends_at_ms: world.clock.now_ms() + 600_000,
        },
        { actor: 'test' },
      );
    },
    client(agent_id, execution_id) {
      return new OpenAI({ baseURL: `${api.url}/llm/v1`, apiKey: agentToken(world, agent_id, execution_id), maxRetries: 0, timeout: 10_000 });
    },
    events(type) {
      return (world.db.prepare('SELECT data FROM events WHERE type = ? ORDER BY seq').all(type) as { data: string }[]).map((r) => JSON.parse(r.data));
    },
    async close() {
      await api.close();
      await openaiUpstream.close();
      await anthropicUpstream.close();
      world.cleanup();
    },
  };
}

/** Sum of postings recorded so far (every money movement). */
export function postingsCount(world: TestWorld): number {
  return (world.db.prepare('SELECT COUNT(*) AS n FROM postings').get() as { n: number }).n;
}
