import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection, type Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { stringify } from 'yaml';
import { loadEnv, type Env } from '../config/env';
import { shopDomainOf } from '../connectors/ecommerce/shopify/webhooks';
import type { Mapping } from '../domain/mapping';
import { bufferFor, NO_BUFFERS, webOnHand, type StockBuffers } from '../domain/stock';
import type { FaultConfig } from '../simulators/faults';
import {
  CATALOGUE_API_PATH,
  startBusinessCentralSimulator,
  type BusinessCentralSimulator,
} from '../simulators/business-central';
import { startShopifySimulator, type ShopifySimulator } from '../simulators/shopify';
import { startSitooSimulator, type SitooSimulator } from '../simulators/sitoo';
import { startStripeSimulator, type StripeSimulator } from '../simulators/stripe';
import { startTeamWebhooksSimulator, type TeamWebhooksSimulator } from '../simulators/team-webhooks';
import { OWNERS } from '../domain/exceptions';
import { createTeamNotifier } from '../connectors/team-webhooks';
import { createShopifyWebhooksReceiver, type ShopifyWebhooksReceiver } from '../starters/shopify-webhooks-receiver';
import { createSitooEventsReceiver, type SitooEventsReceiver } from '../starters/sitoo-events-receiver';
import { storeHealthPage } from '../starters/ops-page';
import { createConnectors } from '../bootstrap/connectors';
import { dataConverter } from '../bootstrap/data-converter';
import { connectClient, loadTemporalConfig } from '../bootstrap/temporal-connection';
import { createCatalogueWorker, createInventoryWorker, createMainWorker } from '../workers/create-workers';
import { createCatalogueConnectors } from '../bootstrap/connectors';
import type { CatalogueMapping } from '../domain/catalogue';

/**
 * The whole integration on one machine: the three simulators, the events receiver and the two
 * workers, wired through the same environment variables and mapping file a deployment uses.
 * The demo, the end-to-end tests and the benchmarks all start it from here.
 */
export interface CatalogueItem {
  sku: string;
  name: string;
  unitPriceGross: string;
  vatPercent: number;
  /** ERP item category code (buffers may be set per category). */
  category?: string;
}

/** An ERP-mastered warehouse: stock lives in the ERP; the web and a Virtual Sitoo warehouse mirror it. */
export interface WarehouseSeed {
  warehouseId: string;
  name: string;
  erpLocationCode: string;
  /** The Virtual Sitoo warehouse that mirrors it. */
  sitooMirrorWarehouseId?: number;
  stock: Record<string, number>;
}

export interface StoreSeed {
  storeId: string;
  name: string;
  warehouseId: number;
  erpLocationCode: string;
  /** False for a store whose warehouse exists in Sitoo but was never mapped (an exception by design). */
  mapped: boolean;
  /** Stores of one region stand in for each other in click & collect. */
  region?: string;
  stock: Record<string, number>;
}

export interface LocalStackOptions {
  temporal: { address: string; namespace: string };
  dataDir: string;
  stores: StoreSeed[];
  warehouses?: WarehouseSeed[];
  catalogue: CatalogueItem[];
  buffers?: StockBuffers;
  paymentConfirmationTimeout: string;
  faults?: { sitoo?: Partial<FaultConfig>; erp?: Partial<FaultConfig>; ecommerce?: Partial<FaultConfig> };
  eventsDuplicateRate?: number;
  /** The shop's query-cost budget; default a Plus plan (1,000 points/s). A smaller plan only makes stock flushes slower and bigger (see the benchmark's --plan). */
  ecommerceBucket?: { maximumAvailable: number; restoreRate: number };
  /** Run the workers in this process (default), or leave them to the caller (child processes). */
  workers?: 'in-process' | 'none';
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Told when Temporal has accepted a batch's stock events (the inventory benchmark times latency from here). */
  onStockSignalled?: (transactionIds: number[]) => void;
  /** The ERP simulator's server page size (default 100, to exercise paging; BC online serves up to 20,000). */
  erpPageSize?: number;
  /** How long click & collect customers have (default 7d; tests use seconds). */
  pickupExpiry?: string;
  /** The main worker's activity slots (default: the SDK's). */
  mainActivitySlots?: number;
  /**
   * BC_REQUEST_TIMEOUT (default 10s) and ERP_LATE_COMMIT_WINDOW (default 3s here: the simulated
   * ERP commits a held-back write after `lateCommitDelayMs`, which a run that turns late commits
   * on keeps below the window).
   */
  erpRequestTimeout?: string;
  erpLateCommitWindow?: string;
  /**
   * TEMPORAL_PAYLOAD_KEYS (and TEMPORAL_PAYLOAD_KEY_ID); default one key generated for this stack,
   * so the tests run with encryption on. `null`: payloads in clear (the demo, whose Temporal UI
   * must show inputs and results while there is no codec endpoint for it to decrypt with).
   */
  payloadKeys?: { keys: string; currentKeyId?: string } | null;
  /**
   * Run the product sync (issue 15): the mapping gets this catalogue section, the BC simulator's
   * price-list page is configured, Shopify's pre-existing items get products of their own (the
   * shop's catalogue before the integration, which the sync adopts), products/update webhooks are
   * subscribed, and the catalogue worker runs with the others.
   */
  catalogueSync?: CatalogueMapping;
  /** PRICE_UPDATE_SLA (default 5m): tests shorten it to see a late price park and resolve. */
  priceUpdateSla?: string;
  /** Serve the store health page as the receiver process does (OPS_PASSWORD set), linking into this Temporal UI. */
  opsPage?: { temporalUiUrl?: string };
  logger: Logger;
  seed?: number;
}

export interface LocalStack {
  sitoo: SitooSimulator;
  erp: BusinessCentralSimulator;
  ecommerce: ShopifySimulator;
  /** The card processor's payouts (Stripe). */
  payments: StripeSimulator;
  /** The teams' incoming webhooks (Slack-style): what the exception escalation told each team. */
  teamWebhooks: TeamWebhooksSimulator;
  receiver: SitooEventsReceiver;
  receiverUrl: string;
  webhooks: ShopifyWebhooksReceiver;
  webhooksUrl: string;
  /** The store health page and its credentials, when asked for. */
  ops?: { url: string; username: string; password: string };
  client: Client;
  env: Env;
  /** The same settings as environment variables, for worker processes started by the caller. */
  envVars: Record<string, string>;
  mapping: Mapping;
  startWorkers(): Promise<void>;
  stopWorkers(): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const seed = opts.seed ?? 42;
  const sitooCreds = { apiId: '10020-140', apiPassword: randomBytes(12).toString('hex') };
  const [sitoo, erp, ecommerce, payments, teamWebhooks] = await Promise.all([
    startSitooSimulator({
      ...sitooCreds,
      accountId: 10020,
      faults: opts.faults?.sitoo,
      seed,
      events: { duplicateRate: opts.eventsDuplicateRate ?? 0 },
    }),
    startBusinessCentralSimulator({
      faults: opts.faults?.erp,
      seed,
      clientSecret: randomBytes(12).toString('hex'),
      pageSize: opts.erpPageSize,
    }),
    startShopifySimulator({
      faults: opts.faults?.ecommerce,
      seed,
      bucket: opts.ecommerceBucket ?? { maximumAvailable: 2000, restoreRate: 1000 },
      accessToken: `shpat_${randomBytes(12).toString('hex')}`,
    }),
    startStripeSimulator({ seed, secretKey: `sk_test_${randomBytes(12).toString('hex')}` }),
    startTeamWebhooksSimulator({ teams: OWNERS, seed }),
  ]);

  const buffers = opts.buffers ?? NO_BUFFERS;
  const categories = new Map(opts.catalogue.map((i) => [i.sku, i.category]));
  // Sitoo prices a return without a receipt from its catalogue.
  sitoo.pos.seedProducts(
    opts.catalogue.map((i) => ({
      sku: i.sku,
      productName: i.name,
      unitPriceGross: i.unitPriceGross,
      vatPercent: i.vatPercent,
    })),
  );
  for (const item of opts.catalogue) {
    erp.state.seedItem({
      number: item.sku,
      displayName: item.name,
      unitPrice: Number(item.unitPriceGross),
      itemCategoryCode: item.category,
      vatPercent: item.vatPercent as 25 | 12 | 6 | 0,
    });
    ecommerce.state.seedItem({ sku: item.sku });
  }
  // The web starts where the masters are, so any drift found later is the integration's doing.
  const seedWeb = (webLocationId: string, stock: Record<string, number>) => {
    for (const [sku, qty] of Object.entries(stock)) {
      if (ecommerce.state.itemBySku(sku))
        ecommerce.state.setOnHand(
          sku,
          webLocationId,
          webOnHand({ onHand: qty, reserved: 0 }, bufferFor(buffers, sku, categories.get(sku))),
        );
    }
  };
  const mapping: Mapping = {
    stores: [],
    warehouses: [],
    buffers,
    ...(opts.catalogueSync ? { catalogue: opts.catalogueSync } : {}),
  };
  for (const store of opts.stores) {
    sitoo.pos.seedWarehouse({ warehouseId: store.warehouseId, name: store.name, stock: store.stock });
    if (!store.mapped) continue;
    erp.state.seedLocation({ code: store.erpLocationCode, displayName: store.name });
    erp.state.seedCustomer({ number: `POS-${store.storeId}`, displayName: `${store.name} walk-in` });
    const webLocationId = ecommerce.state.seedLocation({ name: store.name });
    seedWeb(webLocationId, store.stock);
    mapping.stores.push({
      storeId: store.storeId,
      name: store.name,
      sitooWarehouseId: store.warehouseId,
      erpLocationCode: store.erpLocationCode,
      erpCustomerNumber: `POS-${store.storeId}`,
      webLocationId,
      ...(store.region ? { region: store.region } : {}),
    });
  }
  for (const w of opts.warehouses ?? []) {
    erp.state.seedLocation({ code: w.erpLocationCode, displayName: w.name });
    for (const [sku, qty] of Object.entries(w.stock))
      if (qty > 0) erp.state.postPurchaseReceipt(w.erpLocationCode, sku, qty);
    if (w.sitooMirrorWarehouseId !== undefined)
      sitoo.pos.seedWarehouse({
        warehouseId: w.sitooMirrorWarehouseId,
        name: `${w.name} (mirror)`,
        virtual: true,
        stock: w.stock,
      });
    const webLocationId = ecommerce.state.seedLocation({ name: w.name });
    seedWeb(webLocationId, w.stock);
    mapping.warehouses!.push({
      warehouseId: w.warehouseId,
      name: w.name,
      erpLocationCode: w.erpLocationCode,
      webLocationId,
      sitooMirrorWarehouseId: w.sitooMirrorWarehouseId,
    });
  }
  if (opts.catalogueSync) ecommerce.state.products.wrapBareItems();
  await mkdir(opts.dataDir, { recursive: true });
  const mappingFile = join(opts.dataDir, 'mapping.yaml');
  await writeFile(mappingFile, stringify(mapping));

  const envVars: Record<string, string> = {
    TEMPORAL_ADDRESS: opts.temporal.address,
    TEMPORAL_NAMESPACE: opts.temporal.namespace,
    SITOO_BASE_URL: sitoo.url,
    SITOO_ACCOUNT_ID: String(sitoo.accountId),
    SITOO_ESHOP_ID: String(sitoo.eshopId),
    SITOO_API_ID: sitooCreds.apiId,
    SITOO_API_PASSWORD: sitooCreds.apiPassword,
    EVENTS_PORT: '0',
    EVENTS_USERNAME: 'sitoo-events',
    EVENTS_PASSWORD: randomBytes(16).toString('hex'),
    BC_API_BASE_URL: erp.apiBaseUrl,
    BC_TOKEN_URL: erp.tokenUrl,
    BC_COMPANY_ID: erp.companyId,
    BC_CLIENT_ID: erp.clientId,
    BC_CLIENT_SECRET: erp.clientSecret,
    BC_SCOPE: erp.scope,
    ...(opts.catalogueSync ? { BC_PRICE_LIST_API: CATALOGUE_API_PATH } : {}),
    ...(opts.priceUpdateSla ? { PRICE_UPDATE_SLA: opts.priceUpdateSla } : {}),
    SHOPIFY_SHOP_URL: ecommerce.shopUrl,
    SHOPIFY_API_VERSION: ecommerce.apiVersion,
    SHOPIFY_ACCESS_TOKEN: ecommerce.accessToken,
    STRIPE_API_URL: payments.url,
    STRIPE_SECRET_KEY: payments.secretKey,
    TEAM_WEBHOOK_URLS: Object.entries(teamWebhooks.urls)
      .map(([team, url]) => `${team}=${url}`)
      .join(','),
    SHOPIFY_WEBHOOK_SECRETS: randomBytes(16).toString('hex'),
    WEBHOOKS_PORT: '0',
    CLICK_AND_COLLECT_EXPIRY: opts.pickupExpiry ?? '7d',
    MAPPING_FILE: mappingFile,
    PAYMENT_CONFIRMATION_TIMEOUT: opts.paymentConfirmationTimeout,
    ...(opts.erpRequestTimeout ? { BC_REQUEST_TIMEOUT: opts.erpRequestTimeout } : {}),
    ERP_LATE_COMMIT_WINDOW: opts.erpLateCommitWindow ?? '3s',
    LOG_LEVEL: opts.logger.level,
    // Worker processes a test starts beside each other would contend for one metrics port: off unless given one.
    METRICS_PORT: '0',
    ...(opts.payloadKeys === null
      ? {}
      : { TEMPORAL_PAYLOAD_KEYS: opts.payloadKeys?.keys ?? `local:${randomBytes(32).toString('base64')}` }),
    ...(opts.payloadKeys?.currentKeyId ? { TEMPORAL_PAYLOAD_KEY_ID: opts.payloadKeys.currentKeyId } : {}),
    ...(opts.opsPage
      ? {
          OPS_PORT: '0',
          OPS_PASSWORD: randomBytes(12).toString('hex'),
          ...(opts.opsPage.temporalUiUrl ? { TEMPORAL_UI_URL: opts.opsPage.temporalUiUrl } : {}),
        }
      : {}),
  };
  const env = loadEnv('local-stack', envVars);
  const connectors = createConnectors(env);
  // The processes' own path to Temporal; envVars has no HOME, so no personal temporal.toml is read.
  const temporal = loadTemporalConfig(envVars);
  const converter = dataConverter(env, opts.logger);
  const client = await connectClient(temporal, { dataConverter: converter });
  const sales = {
    accountId: env.SITOO_ACCOUNT_ID,
    eshopId: env.SITOO_ESHOP_ID,
    paymentConfirmationTimeout: env.PAYMENT_CONFIRMATION_TIMEOUT,
    erpLateCommitWindow: env.ERP_LATE_COMMIT_WINDOW,
  };

  let nativeConnection: NativeConnection | undefined;
  let running: { workers: Worker[]; done: Promise<unknown> } | undefined;
  async function startWorkers(): Promise<void> {
    if (running) return;
    nativeConnection ??= await NativeConnection.connect(temporal.connection);
    const common = {
      connection: nativeConnection,
      namespace: temporal.namespace,
      dataConverter: converter,
      shutdownGraceTime: '5s' as const,
      client,
      sitoo: connectors.sitoo,
      erp: connectors.erp,
      mapping: () => mapping,
      workflowBundle: opts.workflowBundle,
    };
    const workers = await Promise.all([
      createMainWorker({
        ...common,
        sales,
        ecommerce: connectors.ecommerce,
        payouts: connectors.payouts,
        maxConcurrentActivityTaskExecutions: opts.mainActivitySlots,
        // Read at each run, so a test can shorten an SLA on the running stack.
        exceptionSlas: () => env.EXCEPTION_SLAS,
        teamNotifier: createTeamNotifier(env.TEAM_WEBHOOK_URLS),
        temporalUiUrl: env.TEMPORAL_UI_URL,
      }),
      createInventoryWorker({ ...common, accountId: env.SITOO_ACCOUNT_ID, ecommerce: connectors.ecommerce }),
      ...(opts.catalogueSync
        ? [
            createCatalogueWorker({
              ...common,
              ...createCatalogueConnectors(env),
              priceUpdateSla: env.PRICE_UPDATE_SLA,
              maxConcurrentActivityTaskExecutions: env.CATALOGUE_MAX_CONCURRENT_ACTIVITIES,
            }),
          ]
        : []),
    ]);
    running = { workers, done: Promise.all(workers.map((w) => w.run())) };
  }
  async function stopWorkers(): Promise<void> {
    if (!running) return;
    // On SIGINT/SIGTERM the Temporal runtime has already begun draining them itself.
    for (const w of running.workers) if (w.getState() === 'RUNNING') w.shutdown();
    await running.done;
    running = undefined;
  }

  const receiver = createSitooEventsReceiver({
    client,
    ...sales,
    username: env.EVENTS_USERNAME,
    password: env.EVENTS_PASSWORD,
    logger: opts.logger,
    onStockSignalled: opts.onStockSignalled,
  });
  const receiverUrl = await receiver.listen(0);
  const webhooks = createShopifyWebhooksReceiver({
    client,
    accountId: env.SITOO_ACCOUNT_ID,
    secrets: env.SHOPIFY_WEBHOOK_SECRETS,
    shopDomain: shopDomainOf(env.SHOPIFY_SHOP_URL),
    logger: opts.logger,
    pickupExpiry: env.CLICK_AND_COLLECT_EXPIRY,
    whenShort: env.CLICK_AND_COLLECT_WHEN_SHORT,
    vatPercent: env.WEB_ORDER_VAT_PERCENT,
    erpLateCommitWindow: env.ERP_LATE_COMMIT_WINDOW,
  });
  const webhooksUrl = await webhooks.listen(0);
  const opsPage = env.OPS_PASSWORD
    ? storeHealthPage({
        client,
        namespace: temporal.namespace,
        accountId: env.SITOO_ACCOUNT_ID,
        mapping: () => mapping,
        events: receiver.stats.received,
        temporalUiUrl: env.TEMPORAL_UI_URL,
        username: env.OPS_USERNAME,
        password: env.OPS_PASSWORD,
        logger: opts.logger,
      })
    : undefined;
  const ops = opsPage && {
    url: await opsPage.listen(env.OPS_PORT),
    username: env.OPS_USERNAME,
    password: env.OPS_PASSWORD!,
  };
  if ((opts.workers ?? 'in-process') === 'in-process') await startWorkers();
  sitoo.events.setReceiver({ url: receiverUrl, username: env.EVENTS_USERNAME, password: env.EVENTS_PASSWORD });
  sitoo.events.start();
  ecommerce.webhooks.useAppSecret(env.SHOPIFY_WEBHOOK_SECRETS[0]!);
  // The simulated shop's domain is its host, as a real shop's is its myshopify.com host.
  ecommerce.webhooks.configure({ shopDomain: shopDomainOf(ecommerce.shopUrl) });
  ecommerce.webhooks.subscribe({
    topics: ['orders/create', 'orders/cancelled', ...(opts.catalogueSync ? ['products/update' as const] : [])],
    url: `${webhooksUrl}/webhooks/shopify`,
    secret: env.SHOPIFY_WEBHOOK_SECRETS[0]!,
  });

  return {
    sitoo,
    erp,
    ecommerce,
    payments,
    teamWebhooks,
    receiver,
    receiverUrl,
    webhooks,
    webhooksUrl,
    ...(ops ? { ops } : {}),
    client,
    env,
    envVars,
    mapping,
    startWorkers,
    stopWorkers,
    async close() {
      await sitoo.events.stop();
      await ecommerce.webhooks.stop();
      await Promise.all([receiver.close(), webhooks.close(), opsPage?.close()]);
      await stopWorkers();
      await nativeConnection?.close();
      await client.connection.close();
      await Promise.all([sitoo.close(), erp.close(), ecommerce.close(), payments.close(), teamWebhooks.close()]);
    },
  };
}
