import { Runtime } from '@temporalio/worker';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from 'pino';
import { ConfigError } from '../config/env';
import { WORKER_HISTOGRAM_BUCKETS } from './worker-metrics';

/**
 * Installs the process's Temporal runtime, before any connection: the SDK's and the workflows'
 * logs (wf.log, activity log) go into our pino JSON logs, and with a metrics port the SDK's
 * Prometheus exporter serves GET /metrics on it.
 *
 * The workers' own metrics (worker-metrics.ts) are made on the runtime's meter, not with
 * prom-client: then one endpoint per worker shows both the SDK's metrics (task slots,
 * schedule-to-start latency, ...) and ours, and a metric recorded in workflow code (the
 * workflow's `metricMeter`) is emitted once, not again on replay.
 *
 * The exporter follows Prometheus' conventions: counters end in `_total`, histograms carry their
 * unit and durations are in seconds (`temporal_activity_schedule_to_start_latency_seconds`).
 */
export function installRuntimeLogger(logger: Logger, metrics: { port: number } = { port: 0 }): void {
  const to = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (message: string, meta?: LogMetadata) =>
    logger[level](withErr(meta), message);
  const adapter: TemporalLogger = {
    log: (level: LogLevel, message: string, meta?: LogMetadata) => to(level.toLowerCase() as 'info')(message, meta),
    trace: to('trace'),
    debug: to('debug'),
    info: to('info'),
    warn: to('warn'),
    error: to('error'),
  };
  try {
    install(adapter, metrics.port);
  } catch (err) {
    // The one start-up failure here is the exporter's port (taken): name the variable that sets it.
    if (metrics.port > 0) throw new ConfigError(`METRICS_PORT ${metrics.port}: ${(err as Error).message}`);
    throw err;
  }
}

function install(adapter: TemporalLogger, port: number): void {
  Runtime.install({
    logger: adapter,
    telemetryOptions: {
      logging: { forward: {}, filter: 'WARN' },
      ...(port > 0 && {
        metrics: {
          prometheus: {
            bindAddress: `0.0.0.0:${port}`,
            countersTotalSuffix: true,
            unitSuffix: true,
            useSecondsForDurations: true,
            histogramBucketOverrides: WORKER_HISTOGRAM_BUCKETS,
          },
        },
      }),
    },
  });
}

/** The SDK hands failures over as `error`; pino only serialises an Error (message, stack) under `err`. */
function withErr(meta: LogMetadata | undefined): LogMetadata {
  if (!meta || !(meta.error instanceof Error)) return meta ?? {};
  const { error, ...rest } = meta;
  return { ...rest, err: error };
}
