import { Runtime } from '@temporalio/worker';

/**
 * Bucket bounds, in seconds, of our histograms on the workers (the SDK's own keep its defaults).
 * A store sale should reach the web well under a second; minutes mean a backlog or an outage.
 */
export const WORKER_HISTOGRAM_BUCKETS: Record<string, number[]> = {
  retail_stock_latency: [0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300],
};

/**
 * Our metrics on a worker, made on the Temporal runtime's meter so they come out of the same
 * /metrics as the SDK's (runtime-logger.ts says why). Without a metrics port the meter is a no-op.
 * Labels stay bounded: a store or warehouse id, never an order or transaction id.
 */
export function createWorkerMetrics() {
  const meter = Runtime.instance().metricMeter;
  const stockLatency = meter.createHistogram(
    'retail_stock_latency',
    'float',
    'seconds',
    'From a Sitoo warehouse transaction (its creation, to the second) to the web write that carries it, by store',
  );
  return {
    /** Exported as retail_stock_latency_seconds{source, store}. */
    stockLatency: (source: 'sitoo', store: string, seconds: number) => stockLatency.record(seconds, { source, store }),
  };
}
