// OpenTelemetry traces of a world (docs/telemetry.md), with the official SDK, exported as
// OTLP/HTTP when telemetry.otlp_endpoint is set (off by default). Spans are built from the
// journal as it commits, never from a clock or a measurement of their own: one per
// execution, one per LLM call (a child of its execution, GenAI semantic conventions, the
// usage as journaled), and one per artifact call through artifactCallSpan. Their times are
// world time (virtual under --simulate). Telemetry writes nothing to the world: no event,
// no table, so it never enters a state hash.
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { AGORA_VERSION, type Kernel } from '../kernel/kernel.js';
import type { EventEnvelope } from '../kernel/registry.js';

/** GenAI semantic-convention attribute names (opentelemetry.io/docs/specs/semconv/gen-ai/), and Agora's own. */
export const ATTR = {
  operation: 'gen_ai.operation.name',
  provider: 'gen_ai.provider.name',
  request_model: 'gen_ai.request.model',
  input_tokens: 'gen_ai.usage.input_tokens',
  output_tokens: 'gen_ai.usage.output_tokens',
  finish_reasons: 'gen_ai.response.finish_reasons',
  request_max_tokens: 'gen_ai.request.max_tokens',
  error_type: 'error.type',
  agent_id: 'agora.agent.id',
  cycle: 'agora.cycle',
  execution_id: 'agora.execution.id',
  duration_ms: 'agora.duration_ms',
  llm_provider_config: 'agora.llm.provider',
} as const;

export interface ArtifactCallSpan {
  /** The run that made the call (its execution span is the parent unless `parent` is given). */
  execution_id: string;
  artifact_id: string;
  /** The enclosing artifact call's span, for a nested call. */
  parent?: Span | null;
  start_ms: number;
  end_ms: number;
  ok: boolean;
  attributes?: Attributes;
}

export class WorldTraces {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  /** Open execution spans by execution id, with the cycle and agent they run for. */
  private readonly executions = new Map<string, { span: Span; agent_id: string; cycle: number }>();
  /** Open artifact call spans by call id (a nested call's parent is the call above it). */
  private readonly calls = new Map<string, Span>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly kernel: Kernel,
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    const t = config.telemetry;
    const exporter = new OTLPTraceExporter({ url: t.otlp_endpoint, headers: t.headers, timeoutMillis: t.export_timeout_ms });
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: t.service_name, [ATTR_SERVICE_VERSION]: AGORA_VERSION, 'agora.world.id': kernel.worldId() ?? 'unknown' }),
      spanProcessors: [new BatchSpanProcessor(exporter)],
    });
    this.tracer = this.provider.getTracer('agora');
    this.unsubscribe = kernel.subscribe((events) => {
      for (const event of events) {
        try {
          this.onEvent(event);
        } catch (err) {
          this.log.warn({ err, seq: event.seq }, 'telemetry: a span could not be made');
        }
      }
    });
  }

  private onEvent(event: EventEnvelope): void {
    switch (event.type) {
      case 'execution_started': {
        const d = event.data as EventEnvelope<'execution_started'>['data'];
        const span = this.tracer.startSpan(
          `execution ${d.agent_id}`,
          { kind: SpanKind.INTERNAL, startTime: event.at_ms, attributes: { [ATTR.agent_id]: d.agent_id, [ATTR.cycle]: d.cycle, [ATTR.execution_id]: d.execution_id, 'agora.bid.id': d.bid_id } },
          ROOT_CONTEXT,
        );
        this.executions.set(d.execution_id, { span, agent_id: d.agent_id, cycle: d.cycle });
        return;
      }
      case 'execution_ended': {
        const d = event.data as EventEnvelope<'execution_ended'>['data'];
        const open = this.executions.get(d.execution_id);
        if (open === undefined) return;
        open.span.setAttributes({ 'agora.execution.reason': d.reason, 'agora.execution.cpu_ms': d.cpu_ms, 'agora.execution.memory_peak_mb': d.memory_peak_mb, ...(d.exit_code === null ? {} : { 'process.exit.code': d.exit_code }) });
        if (d.reason !== 'exit') open.span.setStatus({ code: SpanStatusCode.ERROR, message: d.reason });
        open.span.end(event.at_ms);
        this.executions.delete(d.execution_id);
        return;
      }
      case 'llm_call_completed': {
        const d = event.data as EventEnvelope<'llm_call_completed'>['data'];
        const open = this.executions.get(d.execution_id);
        const cycle = open?.cycle ?? this.kernel.executions.get(d.execution_id)?.cycle ?? 0;
        const kind = this.config.llm.providers[d.provider]?.kind ?? d.provider;
        const span = this.tracer.startSpan(
          `chat ${d.model}`,
          {
            kind: SpanKind.CLIENT,
            startTime: event.at_ms - d.latency_ms,
            attributes: {
              [ATTR.operation]: 'chat',
              [ATTR.provider]: kind,
              [ATTR.llm_provider_config]: d.provider,
              [ATTR.request_model]: d.model,
              [ATTR.input_tokens]: d.prompt_tokens,
              [ATTR.output_tokens]: d.completion_tokens,
              [ATTR.request_max_tokens]: d.max_completion_tokens,
              [ATTR.duration_ms]: d.latency_ms,
              [ATTR.agent_id]: d.agent_id,
              [ATTR.cycle]: cycle,
              [ATTR.execution_id]: d.execution_id,
              ...(d.finish_reason === null ? {} : { [ATTR.finish_reasons]: [d.finish_reason] }),
              ...(d.status === 'ok' ? {} : { [ATTR.error_type]: d.status }),
            },
          },
          this.parentOf(d.execution_id),
        );
        if (d.status !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: d.error ?? d.status });
        span.end(event.at_ms);
        return;
      }
      case 'artifact_call_started': {
        // Opened when the call begins (its receipt's start), so the calls it makes can be its
        // children; ended by its receipt (settled or failed).
        const d = event.data as EventEnvelope<'artifact_call_started'>['data'];
        const parent = d.parent_call_id === null ? null : (this.calls.get(d.parent_call_id) ?? null);
        const execution_id = this.executionOf(d.payer_id);
        const span = this.startCallSpan({
          execution_id,
          artifact_id: d.artifact_id,
          parent,
          start_ms: event.at_ms,
          attributes: { 'agora.call.id': d.call_id, 'agora.call.tool': d.tool, 'agora.call.depth': d.depth, 'agora.call.payer_id': d.payer_id, 'agora.call.caller_id': d.caller_id, 'agora.artifact.version': d.version, [ATTR.cycle]: d.cycle },
        });
        this.calls.set(d.call_id, span);
        return;
      }
      case 'artifact_call_settled':
      case 'artifact_call_failed': {
        const d = event.data as EventEnvelope<'artifact_call_failed'>['data'] & Partial<EventEnvelope<'artifact_call_settled'>['data']>;
        const span = this.calls.get(d.call_id);
        if (span === undefined) return;
        this.calls.delete(d.call_id);
        span.setAttributes({ 'agora.call.duration_ms': d.duration_ms, 'agora.call.cpu_ms': d.resources.cpu_ms, 'agora.call.price_ucr': d.price_ucr ?? 0, 'agora.call.resources_ucr': d.resources_ucr ?? 0 });
        if (event.type === 'artifact_call_failed') {
          span.setAttributes({ [ATTR.error_type]: d.error_code });
          span.setStatus({ code: SpanStatusCode.ERROR, message: d.error_code });
        }
        span.end(event.at_ms);
        return;
      }
      default:
        return;
    }
  }

  /** The payer's running execution (the root of its calls' trace), or '' when none is open. */
  private executionOf(agent_id: string): string {
    for (const [id, open] of this.executions) if (open.agent_id === agent_id) return id;
    return '';
  }

  private startCallSpan(call: Omit<ArtifactCallSpan, 'end_ms' | 'ok'>): Span {
    const open = this.executions.get(call.execution_id);
    return this.tracer.startSpan(
      `artifact ${call.artifact_id}`,
      {
        kind: SpanKind.INTERNAL,
        startTime: call.start_ms,
        attributes: { 'agora.artifact.id': call.artifact_id, [ATTR.execution_id]: call.execution_id, ...(open === undefined ? {} : { [ATTR.agent_id]: open.agent_id, [ATTR.cycle]: open.cycle }), ...call.attributes },
      },
      this.parentOf(call.execution_id, call.parent ?? null),
    );
  }

  private parentOf(execution_id: string, parent: Span | null = null): Context {
    const span = parent ?? this.executions.get(execution_id)?.span ?? null;
    return span === null ? ROOT_CONTEXT : trace.setSpan(context.active(), span);
  }

  /**
   * One span for an artifact call known only after it ended, a child of the calling run's
   * execution span, or of `parent` (the enclosing call's span) for a nested call. The world's
   * own calls need no hook: their receipts open and end their spans (onEvent), nested calls
   * as children of the call above. Returns the span (ended).
   */
  artifactCallSpan(call: ArtifactCallSpan): Span {
    const span = this.startCallSpan(call);
    if (!call.ok) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(call.end_ms);
    return span;
  }

  /** Sends what is buffered now. */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  /** Ends open execution spans where the world stopped, sends everything, stops. */
  async close(): Promise<void> {
    this.unsubscribe();
    const now_ms = this.kernel.clock.now_ms();
    for (const span of this.calls.values()) span.end(now_ms);
    this.calls.clear();
    for (const open of this.executions.values()) open.span.end(now_ms);
    this.executions.clear();
    try {
      await this.provider.shutdown();
    } catch (err) {
      this.log.warn({ err }, 'telemetry: the last export failed');
    }
  }
}

/** The world's traces when telemetry.otlp_endpoint is set; null (nothing at all) otherwise. */
export function startTraces(kernel: Kernel, config: Config, log: Logger): WorldTraces | null {
  if (config.telemetry.otlp_endpoint === '') return null;
  return new WorldTraces(kernel, config, log.child({ component: 'telemetry' }));
}
