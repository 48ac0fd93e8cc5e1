import type { Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { describeTemporal, type TemporalConfig } from '../bootstrap/temporal-connection';
import { serveWorkerHealth } from './health';

/**
 * What every worker process does once its worker exists: says where it runs, serves its health
 * endpoint (its metrics are served by the Temporal runtime, runtime-logger.ts), polls until SIGTERM
 * has drained it, then closes its connections and sends the spans still buffered.
 */
export async function runWorkerProcess(
  name: string,
  worker: Worker,
  context: {
    temporal: TemporalConfig;
    workflowBundle?: { codePath: string };
    tracing?: unknown;
    close(): Promise<void>;
  },
  ports: { health: number; metrics: number },
  logger: Logger,
): Promise<void> {
  logger.info(
    {
      taskQueue: worker.options.taskQueue,
      temporal: describeTemporal(context.temporal),
      workflowBundle: context.workflowBundle?.codePath ?? 'bundled at start',
      metrics: ports.metrics ? `:${ports.metrics}/metrics` : 'off',
      traces: context.tracing ? 'OTLP/HTTP' : 'off',
    },
    `${name} running`,
  );
  const health = serveWorkerHealth(worker, ports.health, logger);
  await worker.run();
  health?.close();
  await context.close();
  logger.info(`${name} stopped`);
}
