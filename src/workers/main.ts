import { loadEnv } from '../config/env';
import { createLogger } from '../config/logger';
import { createConnectors } from '../bootstrap/connectors';
import { createMainWorker } from './create-workers';
import { runMain } from '../bootstrap/entrypoint';
import { installRuntimeLogger } from './runtime-logger';
import { serveWorkerHealth } from './health';
import { createWorkerContext } from './worker-context';
import { describeTemporal } from '../bootstrap/temporal-connection';

/** The main worker process: sale workflows, ERP and Sitoo activities, the polling fallback. SIGTERM drains it. */
runMain(async () => {
  const env = loadEnv('main-worker');
  const logger = createLogger('main-worker', env.LOG_LEVEL);
  installRuntimeLogger(logger);
  const context = await createWorkerContext(env, logger, createConnectors(env));
  const worker = await createMainWorker({
    ...context,
    sales: {
      accountId: env.SITOO_ACCOUNT_ID,
      eshopId: env.SITOO_ESHOP_ID,
      paymentConfirmationTimeout: env.PAYMENT_CONFIRMATION_TIMEOUT,
      erpLateCommitWindow: env.ERP_LATE_COMMIT_WINDOW,
    },
  });
  logger.info(
    {
      taskQueue: worker.options.taskQueue,
      temporal: describeTemporal(context.temporal),
      workflowBundle: context.workflowBundle?.codePath ?? 'bundled at start',
    },
    'main worker running',
  );
  const health = serveWorkerHealth(worker, env.WORKER_HEALTH_PORT, logger);
  await worker.run();
  health?.close();
  await context.close();
  logger.info('main worker stopped');
});
