import { loadEnv } from '../config/env';
import { createLogger } from '../config/logger';
import { createStockConnectors } from '../bootstrap/connectors';
import { createInventoryWorker } from './create-workers';
import { runMain } from '../bootstrap/entrypoint';
import { installRuntimeLogger } from './runtime-logger';
import { serveWorkerHealth } from './health';
import { createWorkerContext } from './worker-context';
import { describeTemporal } from '../bootstrap/temporal-connection';

/** The inventory worker process: the stock coalescer, ERP stock polling and drift checks on their own task queue. SIGTERM drains it. */
runMain(async () => {
  const env = loadEnv('inventory-worker');
  const logger = createLogger('inventory-worker', env.LOG_LEVEL);
  installRuntimeLogger(logger);
  const context = await createWorkerContext(env, logger, createStockConnectors(env));
  const worker = await createInventoryWorker({ ...context, accountId: env.SITOO_ACCOUNT_ID });
  logger.info(
    {
      taskQueue: worker.options.taskQueue,
      temporal: describeTemporal(context.temporal),
      workflowBundle: context.workflowBundle?.codePath ?? 'bundled at start',
    },
    'inventory worker running',
  );
  const health = serveWorkerHealth(worker, env.WORKER_HEALTH_PORT, logger);
  await worker.run();
  health?.close();
  await context.close();
  logger.info('inventory worker stopped');
});
