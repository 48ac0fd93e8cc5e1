import { loadEnv } from '../config/env';
import { createLogger } from '../config/logger';
import { createStockConnectors } from '../bootstrap/connectors';
import { createInventoryWorker } from './create-workers';
import { runMain } from '../bootstrap/entrypoint';
import { startTracing } from '../bootstrap/tracing';
import { installRuntimeLogger } from './runtime-logger';
import { runWorkerProcess } from './run-worker';
import { createWorkerContext } from './worker-context';

/** The inventory worker process: the stock coalescer, ERP stock polling and drift checks on their own task queue. SIGTERM drains it. */
runMain(async () => {
  const env = loadEnv('inventory-worker');
  const logger = createLogger('inventory-worker', env.LOG_LEVEL);
  installRuntimeLogger(logger, { port: env.METRICS_PORT });
  const tracing = startTracing('retail-inventory-worker', env);
  const context = await createWorkerContext(env, logger, createStockConnectors(env), tracing);
  const worker = await createInventoryWorker({ ...context, accountId: env.SITOO_ACCOUNT_ID });
  await runWorkerProcess(
    'inventory worker',
    worker,
    context,
    { health: env.WORKER_HEALTH_PORT, metrics: env.METRICS_PORT },
    logger,
  );
});
