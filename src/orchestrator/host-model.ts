// One completion at the host's cost (not an agent's), through the LLM proxy's providers: the
// auditor's prose and the benchmark's judge. null when the model is unset or offline (the
// callers then template, or skip), or when the call fails (logged).
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Clock } from '../kernel/engine/clock.js';
import { ModelCatalogue } from '../llm/models.js';
import type { ChatRequest } from '../llm/protocol.js';
import { CallControl } from '../llm/upstream.js';

export class HostModel {
  private readonly catalogue: ModelCatalogue | null;

  constructor(
    private readonly config: Config,
    readonly model: string,
    clock: Clock,
    private readonly log: Logger,
  ) {
    this.catalogue = model === '' ? null : new ModelCatalogue(config.llm, clock, log);
  }

  /** Whether a real model would answer (configured, and its provider is not the offline one). */
  get real(): boolean {
    if (this.catalogue === null) return false;
    try {
      return this.catalogue.resolve(this.model).provider.kind !== 'offline';
    } catch {
      return false;
    }
  }

  async complete(system: string, user: string, max_tokens: number): Promise<string | null> {
    if (!this.real) return null;
    const route = this.catalogue!.resolve(this.model);
    const request = { model: this.model, messages: [{ role: 'system', content: system }, { role: 'user', content: user }] } as ChatRequest;
    const control = new CallControl(this.config.llm.call_duration_ms_max);
    try {
      const result = await route.provider.complete({ request, upstream_model: route.upstream_model, max_completion_tokens: max_tokens, control });
      return result.text.trim() === '' ? null : result.text;
    } catch (err) {
      this.log.warn({ component: 'host-model', model: this.model, err: (err as Error).message }, 'the host model call failed');
      return null;
    } finally {
      control.finish();
    }
  }
}
