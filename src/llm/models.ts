// The model catalogue: every model id agents may name, the provider that serves it, and the
// provider adapters themselves, built once from config. API keys are read here, from the
// environment variables the config names, and nowhere else.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Clock } from '../kernel/engine/clock.js';
import { AgoraError } from '../base/errors.js';
import { AnthropicProvider } from './providers/anthropic.js';
import { OfflineProvider } from './providers/offline.js';
import { OpenAiProvider } from './providers/openai.js';
import type { Provider, ProviderKind, ProviderOptions } from './providers/provider.js';

export interface ModelRoute {
  id: string;
  provider: Provider;
  upstream_model: string;
  description: string;
}

/** GET /llm/v1/models entries: the OpenAI model object, plus what an agent needs to choose. */
export interface ModelInfo {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  provider_kind: ProviderKind;
  offline: boolean;
  available: boolean;
  description: string;
}

export class ModelCatalogue {
  private readonly routes = new Map<string, ModelRoute>();
  /** Providers whose key variable is named in config but not set: their models answer 503. */
  private readonly missing_keys = new Map<string, string>();

  constructor(config: Config['llm'], clock: Clock, log: Logger, env: NodeJS.ProcessEnv = process.env) {
    const providers = new Map<string, Provider>();
    for (const [name, p] of Object.entries(config.providers)) {
      let key: string | null = null;
      if (p.api_key_env !== undefined) {
        key = env[p.api_key_env] ?? null;
        if (key === null || key === '') {
          key = null;
          this.missing_keys.set(name, p.api_key_env);
          log.warn({ provider: name, api_key_env: p.api_key_env }, 'LLM provider key variable is not set; its models will answer 503');
        }
      }
      const options: ProviderOptions = { name, config: p, api_key: key, clock, reply_bytes_max: config.reply_bytes_max };
      providers.set(name, p.kind === 'openai' ? new OpenAiProvider(options) : p.kind === 'anthropic' ? new AnthropicProvider(options) : new OfflineProvider(options));
    }
    for (const [id, m] of Object.entries(config.models)) {
      const provider = providers.get(m.provider);
      if (provider === undefined) throw new Error(`llm.models.${id}: no provider ${m.provider}`); // the config schema refuses this
      this.routes.set(id, { id, provider, upstream_model: m.upstream_model ?? id, description: m.description });
    }
  }

  list(): ModelInfo[] {
    return [...this.routes.values()].map((r) => ({
      id: r.id,
      object: 'model' as const,
      created: 0,
      owned_by: r.provider.name,
      provider_kind: r.provider.kind,
      offline: r.provider.kind === 'offline',
      available: !this.missing_keys.has(r.provider.name),
      description: r.description,
    }));
  }

  /** The route for a model id, or NOT_FOUND / UNAVAILABLE in the one error shape. */
  resolve(model: string): ModelRoute {
    const route = this.routes.get(model);
    if (route === undefined) {
      throw new AgoraError('NOT_FOUND', `model ${model} is not served here; GET /llm/v1/models lists the models`, { model, models: [...this.routes.keys()] });
    }
    const missing = this.missing_keys.get(route.provider.name);
    if (missing !== undefined) {
      throw new AgoraError('UNAVAILABLE', `model ${model} is configured, but its provider's key (environment variable ${missing}) is not set`, { model });
    }
    return route;
  }
}
