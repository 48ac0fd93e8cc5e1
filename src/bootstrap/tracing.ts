import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** A process's trace export: what the workers hand the workflow span sink, and how to flush at exit. */
export interface Tracing {
  resource: Resource;
  spanProcessor: SpanProcessor;
  /** Sends what is still buffered; call once, at exit. */
  shutdown(): Promise<void>;
}

export interface TracingEnv {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_SERVICE_NAME?: string;
}

/**
 * Turns tracing on for this process when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: spans are batched
 * and sent by OTLP/HTTP (the exporter also reads the standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_HEADERS`; the provider `OTEL_TRACES_SAMPLER`), the context follows async
 * calls, and W3C `traceparent` is the propagation format. Unset, nothing is registered: the
 * OpenTelemetry API stays a no-op, so a span costs a function call and no trace leaves.
 */
export function startTracing(defaultServiceName: string, env: TracingEnv): Tracing | undefined {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const resource = Resource.default()
    .merge(envDetectorSync.detect())
    .merge(new Resource({ 'service.name': env.OTEL_SERVICE_NAME ?? defaultServiceName }));
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The async-hooks context manager and the W3C trace-context and baggage propagators.
  provider.register();
  return { resource, spanProcessor, shutdown: () => provider.shutdown() };
}
