import { NativeConnection } from '@temporalio/worker';
import { loadEnv } from '../config/env';
import { createLogger } from '../config/logger';
import { createConnectors } from './connectors';
import { createInventoryWorker } from './create-workers';
import { runMain } from './entrypoint';
import { installRuntimeLogger } from './runtime-logger';

/** The inventory worker process: web stock activities on their own task queue. SIGTERM drains it. */
runMain(async () => {
  const env = loadEnv();
  const logger = createLogger('inventory-worker', env.LOG_LEVEL);
  installRuntimeLogger(logger);
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await createInventoryWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    ecommerce: createConnectors(env).ecommerce,
    shutdownGraceTime: env.WORKER_SHUTDOWN_GRACE as `${number}s`,
  });
  logger.info({ taskQueue: worker.options.taskQueue }, 'inventory worker running');
  await worker.run();
  await connection.close();
  logger.info('inventory worker stopped');
});
