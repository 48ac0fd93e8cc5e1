import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadEnv } from '../config/env';
import { createLogger } from '../config/logger';
import { loadMappingFile } from '../config/mapping-file';
import { createConnectors } from './connectors';
import { createMainWorker } from './create-workers';
import { runMain } from './entrypoint';
import { installRuntimeLogger } from './runtime-logger';

/** The main worker process: sale workflows, ERP and Sitoo activities, the polling fallback. SIGTERM drains it. */
runMain(async () => {
  const env = loadEnv();
  const logger = createLogger('main-worker', env.LOG_LEVEL);
  installRuntimeLogger(logger);
  let mapping = await loadMappingFile(env.MAPPING_FILE);
  // A corrected mapping file is picked up on SIGHUP; parked sales then succeed on "retry".
  process.on('SIGHUP', () => {
    loadMappingFile(env.MAPPING_FILE)
      .then((m) => {
        mapping = m;
        logger.info({ stores: m.stores.length }, 'mapping reloaded');
      })
      .catch((err: Error) => logger.error({ err: err.message }, 'mapping reload refused; keeping the previous mapping'));
  });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection: await Connection.connect({ address: env.TEMPORAL_ADDRESS }), namespace: env.TEMPORAL_NAMESPACE });
  const { sitoo, erp } = createConnectors(env);
  const worker = await createMainWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    client,
    sitoo,
    erp,
    mapping: () => mapping,
    sales: { accountId: env.SITOO_ACCOUNT_ID, eshopId: env.SITOO_ESHOP_ID, paymentConfirmationTimeout: env.PAYMENT_CONFIRMATION_TIMEOUT },
    shutdownGraceTime: env.WORKER_SHUTDOWN_GRACE as `${number}s`,
  });
  logger.info({ taskQueue: worker.options.taskQueue, namespace: env.TEMPORAL_NAMESPACE }, 'main worker running');
  await worker.run();
  await connection.close();
  logger.info('main worker stopped');
});
