import { loadEnv } from '../config/env';
import { createLogger } from '../config/logger';
import { createConnectors } from '../bootstrap/connectors';
import { createMainWorker } from './create-workers';
import { createTeamNotifier } from '../connectors/team-webhooks';
import { runMain } from '../bootstrap/entrypoint';
import { startTracing } from '../bootstrap/tracing';
import { installRuntimeLogger } from './runtime-logger';
import { runWorkerProcess } from './run-worker';
import { createWorkerContext } from './worker-context';

/** The main worker process: sale workflows, ERP and Sitoo activities, the polling fallback. SIGTERM drains it. */
runMain(async () => {
  const env = loadEnv('main-worker');
  const logger = createLogger('main-worker', env.LOG_LEVEL);
  installRuntimeLogger(logger, { port: env.METRICS_PORT });
  const tracing = startTracing('retail-main-worker', env);
  const context = await createWorkerContext(env, logger, createConnectors(env), tracing);
  const worker = await createMainWorker({
    ...context,
    sales: {
      accountId: env.SITOO_ACCOUNT_ID,
      eshopId: env.SITOO_ESHOP_ID,
      paymentConfirmationTimeout: env.PAYMENT_CONFIRMATION_TIMEOUT,
      erpLateCommitWindow: env.ERP_LATE_COMMIT_WINDOW,
    },
    exceptionSlas: () => env.EXCEPTION_SLAS,
    teamNotifier: createTeamNotifier(env.TEAM_WEBHOOK_URLS),
    temporalUiUrl: env.TEMPORAL_UI_URL,
  });
  await runWorkerProcess(
    'main worker',
    worker,
    context,
    { health: env.WORKER_HEALTH_PORT, metrics: env.METRICS_PORT },
    logger,
  );
});
