import type { Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { describeTemporal, type TemporalConfig } from '../bootstrap/temporal-connection';
import { serveWorkerHealth } from './health';

/**
 * What every worker process does once its worker exists: says where it runs, serves its health
 * endpoint, polls until SIGTERM has drained it, then closes its connections.
 */
export async function runWorkerProcess(
  name: string,
  worker: Worker,
  context: { temporal: TemporalConfig; workflowBundle?: { codePath: string }; close(): Promise<void> },
  healthPort: number,
  logger: Logger,
): Promise<void> {
  logger.info(
    {
      taskQueue: worker.options.taskQueue,
      temporal: describeTemporal(context.temporal),
      workflowBundle: context.workflowBundle?.codePath ?? 'bundled at start',
    },
    `${name} running`,
  );
  const health = serveWorkerHealth(worker, healthPort, logger);
  await worker.run();
  health?.close();
  await context.close();
  logger.info(`${name} stopped`);
}
