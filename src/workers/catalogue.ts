import { loadEnv } from '../config/env';
import { createLogger } from '../config/logger';
import { createCatalogueConnectors } from '../bootstrap/connectors';
import { createCatalogueWorker } from './create-workers';
import { runMain } from '../bootstrap/entrypoint';
import { startTracing } from '../bootstrap/tracing';
import { installRuntimeLogger } from './runtime-logger';
import { runWorkerProcess } from './run-worker';
import { createWorkerContext } from './worker-context';

/** The catalogue worker process: products and prices from the master to Sitoo and Shopify, on their own task queue. SIGTERM drains it. */
runMain(async () => {
  const env = loadEnv('catalogue-worker');
  const logger = createLogger('catalogue-worker', env.LOG_LEVEL);
  installRuntimeLogger(logger, { port: env.METRICS_PORT });
  const tracing = startTracing('retail-catalogue-worker', env);
  const context = await createWorkerContext(env, logger, createCatalogueConnectors(env), tracing);
  const worker = await createCatalogueWorker({
    ...context,
    priceUpdateSla: env.PRICE_UPDATE_SLA,
    maxConcurrentActivityTaskExecutions: env.CATALOGUE_MAX_CONCURRENT_ACTIVITIES,
  });
  await runWorkerProcess(
    'catalogue worker',
    worker,
    context,
    { health: env.WORKER_HEALTH_PORT, metrics: env.METRICS_PORT },
    logger,
  );
});
