import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { loadEnv } from '../config/env';
import { createLogger } from '../config/logger';
import { holdMappingFile } from '../config/mapping-holder';
import { shopDomainOf } from '../connectors/ecommerce/shopify/webhooks';
import { runMain } from '../bootstrap/entrypoint';
import { dataConverter, payloadCodec } from '../bootstrap/data-converter';
import { connectClient, describeTemporal, loadTemporalConfig } from '../bootstrap/temporal-connection';
import { startTracing } from '../bootstrap/tracing';
import { backgroundSetup, type SetupStep } from './background-setup';
import { ensureEndOfDaySchedules, pauseEndOfDaySchedulesOfRemovedStores } from '../client/end-of-day-schedules';
import { CODEC_PATH, createCodecEndpoint } from './codec-endpoint';
import { createReceiverMetrics, serveMetrics } from './receiver-metrics';
import { createShopifyWebhooksReceiver } from './shopify-webhooks-receiver';
import { createSitooEventsReceiver } from './sitoo-events-receiver';
import { storeHealthPage } from './ops-page';
import { ensureSitooPollSchedule } from '../client/sitoo-poll-schedule';
import { ensureCatalogueReconcileSchedule, ensureCatalogueSyncSchedule } from '../client/catalogue-starts';
import { ensureExceptionEscalationSchedule } from '../client/exception-escalation-schedule';
import { ensureErpStockPollSchedule, ensureStockDriftSchedule } from '../client/stock-starts';
import { ensureWebOrderPollScheduleFromEnv } from '../client/web-order-poll-schedule';
import { startVisibilityMetrics } from './visibility-metrics';
import { storeTimeZone } from '../domain/business-day';
import type { Mapping } from '../domain/mapping';
import { durationMs } from '../domain/duration';

/**
 * The receiver process: Sitoo's POST /events and Shopify's order webhooks, plus the schedules
 * around them: the Sitoo polling fallback that catches what events miss, ERP warehouse stock
 * polling, the stock drift check and each store's end of day.
 *
 * The receivers listen first. The schedules are set up afterwards in the background, each retried
 * with backoff until it succeeds (logged, and listed under `setup` in GET /healthz), so a Sitoo
 * outage during a restart delays a schedule instead of leaving no receiver at all. Configuration
 * mistakes (environment, mapping file) still stop the process before it listens.
 *
 * Its metrics (prom-client, receiver-metrics.ts) are served on METRICS_PORT, with the gauges read
 * from Temporal's visibility every VISIBILITY_METRICS_INTERVAL; with OTEL_EXPORTER_OTLP_ENDPOINT
 * each request is a trace that the starts and signals carry into the workflows.
 */
runMain(async () => {
  const env = loadEnv('events-receiver');
  const logger = createLogger('sitoo-events-receiver', env.LOG_LEVEL);
  const mapping = await holdMappingFile(env.MAPPING_FILE, logger);
  const storesOf = (m: Mapping) =>
    m.stores.map((s) => ({ storeId: s.storeId, timeZone: storeTimeZone(s), name: s.name }));
  const temporal = loadTemporalConfig();
  const tracing = startTracing('retail-receiver', env);
  const client = await connectClient(temporal, {
    dataConverter: dataConverter(env, logger),
    ...(tracing && { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } }),
  });
  const metrics = createReceiverMetrics();

  // End-of-day schedules this process paused for a store that left the mapping (see pausedHere).
  const pausedHere = new Set<string>();
  // One entry per schedule this process keeps in place.
  const steps: SetupStep[] = [
    {
      name: 'Sitoo poll schedule',
      run: () =>
        ensureSitooPollSchedule(client, {
          accountId: env.SITOO_ACCOUNT_ID,
          every: env.SITOO_POLL_INTERVAL,
          fromOrderId: env.SITOO_POLL_FROM_ORDER_ID,
          fromTransactionId: env.SITOO_POLL_FROM_TRANSACTION_ID,
        }),
    },
    {
      name: 'ERP stock poll schedule',
      run: () =>
        ensureErpStockPollSchedule(client, { accountId: env.SITOO_ACCOUNT_ID, every: env.ERP_STOCK_POLL_INTERVAL }),
    },
    {
      name: 'stock drift schedule',
      run: () =>
        ensureStockDriftSchedule(client, {
          accountId: env.SITOO_ACCOUNT_ID,
          every: env.STOCK_DRIFT_INTERVAL,
          settle: env.STOCK_DRIFT_SETTLE,
        }),
    },
    { name: 'Shopify order poll schedule', run: () => ensureWebOrderPollScheduleFromEnv(client, env) },
    {
      name: 'exception escalation schedule',
      run: () => ensureExceptionEscalationSchedule(client, env.EXCEPTION_ESCALATION_INTERVAL),
    },
    // Only with a catalogue in the mapping: without one there is no product sync to run.
    {
      name: 'catalogue schedules',
      run: async () => {
        if (!mapping.current().catalogue) return 'no catalogue in the mapping';
        await ensureCatalogueSyncSchedule(client, env.CATALOGUE_SYNC_INTERVAL);
        return ensureCatalogueReconcileSchedule(client, env.CATALOGUE_RECONCILE_INTERVAL);
      },
    },
    // Each store's day closes at its local closing time, in its own time zone from the mapping (the
    // zone its documents are dated in and end of day reads its day in). The mapping is read at
    // each run, and a change to its stores runs this again: a new store gets its schedule, a
    // store taken out has its schedule paused (see pauseEndOfDaySchedulesOfRemovedStores).
    {
      name: 'end-of-day schedules',
      run: async () => {
        const stores = storesOf(mapping.current());
        const ensured = await ensureEndOfDaySchedules(client, {
          pausedHere,
          accountId: env.SITOO_ACCOUNT_ID,
          stores,
          closingTime: env.EOD_CLOSING_TIME,
          payoutRecheck: env.EOD_PAYOUT_RECHECK,
          payoutMaxWait: env.EOD_PAYOUT_MAX_WAIT,
          erpLateCommitWindow: env.ERP_LATE_COMMIT_WINDOW,
        });
        const paused = await pauseEndOfDaySchedulesOfRemovedStores(
          client,
          stores.map((s) => s.storeId),
          pausedHere,
        );
        if (paused.length)
          logger.warn({ paused }, 'paused the end-of-day schedules of stores no longer in the mapping');
        return { ensured, paused };
      },
    },
  ];
  const setup = backgroundSetup(steps, logger);
  const health = () => ({ setup: setup.status(), mapping: mapping.status() });
  mapping.onChange((next, previous) => {
    if (JSON.stringify(storesOf(next)) !== JSON.stringify(storesOf(previous))) setup.rerun('end-of-day schedules');
  });

  const receiver = createSitooEventsReceiver({
    client,
    accountId: env.SITOO_ACCOUNT_ID,
    eshopId: env.SITOO_ESHOP_ID,
    paymentConfirmationTimeout: env.PAYMENT_CONFIRMATION_TIMEOUT,
    username: env.EVENTS_USERNAME,
    password: env.EVENTS_PASSWORD,
    logger,
    health,
    acknowledged: metrics.acknowledged('sitoo-events'),
  });
  const webhooks = createShopifyWebhooksReceiver({
    client,
    accountId: env.SITOO_ACCOUNT_ID,
    secrets: env.SHOPIFY_WEBHOOK_SECRETS,
    shopDomain: shopDomainOf(env.SHOPIFY_SHOP_URL),
    logger,
    pickupExpiry: env.CLICK_AND_COLLECT_EXPIRY,
    whenShort: env.CLICK_AND_COLLECT_WHEN_SHORT,
    vatPercent: env.WEB_ORDER_VAT_PERCENT,
    erpLateCommitWindow: env.ERP_LATE_COMMIT_WINDOW,
    health,
    acknowledged: metrics.acknowledged('shopify-webhooks'),
  });
  metrics.countReceivers(receiver, webhooks);
  const visibility = startVisibilityMetrics({
    client,
    registry: metrics.registry,
    logger,
    intervalMs: durationMs('VISIBILITY_METRICS_INTERVAL', env.VISIBILITY_METRICS_INTERVAL),
    slas: env.EXCEPTION_SLAS,
  });
  const metricsEndpoint = await serveMetrics(metrics.registry, env.METRICS_PORT, logger);
  const url = await receiver.listen(env.EVENTS_PORT, '0.0.0.0');
  const webhooksUrl = await webhooks.listen(env.WEBHOOKS_PORT, '0.0.0.0');
  logger.info(
    {
      url: `${url}/events`,
      webhooks: `${webhooksUrl}/webhooks/shopify`,
      temporal: describeTemporal(temporal),
      metrics: env.METRICS_PORT ? `:${env.METRICS_PORT}/metrics` : 'off',
      traces: tracing ? 'OTLP/HTTP' : 'off',
    },
    'Sitoo events and Shopify webhooks receivers listening',
  );
  // Only with a token, on its own port: it decrypts anything it is sent (see codec-endpoint.ts).
  // loadEnv has checked the keys are there when the token is.
  const codec = payloadCodec(env);
  const codecEndpoint =
    env.CODEC_ENDPOINT_TOKEN && codec
      ? createCodecEndpoint({
          codec,
          token: env.CODEC_ENDPOINT_TOKEN,
          corsOrigin: env.CODEC_CORS_ORIGIN,
          logger,
        })
      : undefined;
  if (codecEndpoint) {
    const codecUrl = await codecEndpoint.listen(env.CODEC_PORT, '0.0.0.0');
    logger.info({ url: `${codecUrl}${CODEC_PATH}`, corsOrigin: env.CODEC_CORS_ORIGIN }, 'codec endpoint listening');
  }
  // The store health page: only with a password, on its own port (see ops-page.ts).
  const opsPage = env.OPS_PASSWORD
    ? storeHealthPage({
        client,
        namespace: temporal.namespace,
        accountId: env.SITOO_ACCOUNT_ID,
        mapping: () => mapping.current(),
        events: receiver.stats.received,
        temporalUiUrl: env.TEMPORAL_UI_URL,
        username: env.OPS_USERNAME,
        password: env.OPS_PASSWORD,
        logger,
      })
    : undefined;
  if (opsPage) {
    const opsUrl = await opsPage.listen(env.OPS_PORT, '0.0.0.0');
    logger.info({ url: opsUrl, temporalUi: env.TEMPORAL_UI_URL }, 'store health page listening');
  }
  setup.start();
  const stop = () => {
    const graceMs = durationMs('RECEIVER_SHUTDOWN_GRACE', env.RECEIVER_SHUTDOWN_GRACE);
    logger.info({ graceMs }, 'stopping: refusing new requests, finishing those in flight');
    setup.stop();
    visibility.stop();
    mapping.close();
    void Promise.all([
      receiver.close(graceMs),
      webhooks.close(graceMs),
      codecEndpoint?.close(graceMs),
      opsPage?.close(graceMs),
    ])
      .then(async () => {
        metricsEndpoint?.close();
        await tracing?.shutdown();
      })
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
});
