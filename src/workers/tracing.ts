import { fileURLToPath } from 'node:url';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetryWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Tracing } from '../bootstrap/tracing';

/**
 * The workflow interceptor module (src/workflows/interceptors.ts). A worker given a prebuilt bundle
 * cannot add it, so every bundle is made with it: `npm run build`, the tests' global setup, and a
 * worker that bundles at start.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [fileURLToPath(new URL('../workflows/interceptors.ts', import.meta.url))];

/** Each activity attempt in a span under its workflow's, so the HTTP calls it makes join the trace. */
export function activityTracing(tracing: Tracing | undefined): ActivityInterceptorsFactory[] {
  if (!tracing) return [];
  return [
    (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
  ];
}

/**
 * The sink workflow spans leave the sandbox through; every worker running the bundle must have
 * it (a missing sink is an error logged per span). Without trace export it drops them.
 */
export function workflowSpanSinks(tracing?: Tracing): InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }> {
  return {
    exporter: tracing ? makeWorkflowExporter(tracing.spanProcessor, tracing.resource) : { export: { fn: () => {} } },
  };
}
