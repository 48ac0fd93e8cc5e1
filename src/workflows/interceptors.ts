import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

/**
 * The workflow side of tracing, bundled with the workflows as an interceptor module (by
 * `npm run build`, the tests' global setup, or a worker that bundles at start): each run, signal
 * and update gets a span under the trace its starter's headers carry, and each activity, child and
 * signal it schedules carries that trace on. Spans leave the sandbox through the worker's
 * `exporter` sink (src/workers/tracing.ts), which drops them when the process exports no traces.
 * Nothing here issues a command: the command sequence is the workflow's own, so histories recorded
 * before tracing replay unchanged (test/replay).
 */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
