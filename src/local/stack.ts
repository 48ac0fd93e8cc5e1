import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { stringify } from 'yaml';
import { loadEnv, type Env } from '../config/env';
import type { Mapping } from '../domain/mapping';
import type { FaultConfig } from '../simulators/faults';
import { startBusinessCentralSimulator, type BusinessCentralSimulator } from '../simulators/business-central';
import { startShopifySimulator, type ShopifySimulator } from '../simulators/shopify';
import { startSitooSimulator, type SitooSimulator } from '../simulators/sitoo';
import { createSitooEventsReceiver, type SitooEventsReceiver } from '../starters/sitoo-events-receiver';
import { createConnectors } from '../workers/connectors';
import { createInventoryWorker, createMainWorker } from '../workers/create-workers';

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
}

export interface StoreSeed {
  storeId: string;
  name: string;
  warehouseId: number;
  erpLocationCode: string;
  /** False for a store whose warehouse exists in Sitoo but was never mapped (an exception by design). */
  mapped: boolean;
  stock: Record<string, number>;
}

export interface LocalStackOptions {
  temporal: { address: string; namespace: string };
  dataDir: string;
  stores: StoreSeed[];
  catalogue: CatalogueItem[];
  paymentConfirmationTimeout: string;
  faults?: { sitoo?: Partial<FaultConfig>; erp?: Partial<FaultConfig>; ecommerce?: Partial<FaultConfig> };
  eventsDuplicateRate?: number;
  /** The shop's query-cost budget; default a Plus plan (1,000 points/s). Coalescing to fit smaller plans is the inventory issue's work. */
  ecommerceBucket?: { maximumAvailable: number; restoreRate: number };
  /** Run the workers in this process (default), or leave them to the caller (child processes). */
  workers?: 'in-process' | 'none';
  workflowBundle?: WorkerOptions['workflowBundle'];
  logger: Logger;
  seed?: number;
}

export interface LocalStack {
  sitoo: SitooSimulator;
  erp: BusinessCentralSimulator;
  ecommerce: ShopifySimulator;
  receiver: SitooEventsReceiver;
  receiverUrl: string;
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
  const [sitoo, erp, ecommerce] = await Promise.all([
    startSitooSimulator({ ...sitooCreds, accountId: 10020, faults: opts.faults?.sitoo, seed, events: { duplicateRate: opts.eventsDuplicateRate ?? 0 } }),
    startBusinessCentralSimulator({ faults: opts.faults?.erp, seed, clientSecret: randomBytes(12).toString('hex') }),
    startShopifySimulator({ faults: opts.faults?.ecommerce, seed, bucket: opts.ecommerceBucket ?? { maximumAvailable: 2000, restoreRate: 1000 }, accessToken: `shpat_${randomBytes(12).toString('hex')}` }),
  ]);

  for (const item of opts.catalogue) {
    erp.state.seedItem({ number: item.sku, displayName: item.name, unitPrice: Number(item.unitPriceGross) });
    ecommerce.state.seedItem({ sku: item.sku });
  }
  const mapping: Mapping = { stores: [] };
  for (const store of opts.stores) {
    sitoo.pos.seedWarehouse({ warehouseId: store.warehouseId, name: store.name, stock: store.stock });
    if (!store.mapped) continue;
    erp.state.seedLocation({ code: store.erpLocationCode, displayName: store.name });
    erp.state.seedCustomer({ number: `POS-${store.storeId}`, displayName: `${store.name} walk-in` });
    const webLocationId = ecommerce.state.seedLocation({ name: store.name });
    for (const [sku, qty] of Object.entries(store.stock)) if (ecommerce.state.itemBySku(sku)) ecommerce.state.setAvailable(sku, webLocationId, qty);
    mapping.stores.push({ storeId: store.storeId, name: store.name, sitooWarehouseId: store.warehouseId, erpLocationCode: store.erpLocationCode, erpCustomerNumber: `POS-${store.storeId}`, webLocationId });
  }
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
    SHOPIFY_SHOP_URL: ecommerce.shopUrl,
    SHOPIFY_API_VERSION: ecommerce.apiVersion,
    SHOPIFY_ACCESS_TOKEN: ecommerce.accessToken,
    MAPPING_FILE: mappingFile,
    PAYMENT_CONFIRMATION_TIMEOUT: opts.paymentConfirmationTimeout,
    LOG_LEVEL: opts.logger.level,
  };
  const env = loadEnv(envVars);
  const connectors = createConnectors(env);
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const sales = { accountId: env.SITOO_ACCOUNT_ID, eshopId: env.SITOO_ESHOP_ID, paymentConfirmationTimeout: env.PAYMENT_CONFIRMATION_TIMEOUT };

  let nativeConnection: NativeConnection | undefined;
  let running: { workers: Worker[]; done: Promise<unknown> } | undefined;
  async function startWorkers(): Promise<void> {
    if (running) return;
    nativeConnection ??= await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
    const common = { connection: nativeConnection, namespace: env.TEMPORAL_NAMESPACE, shutdownGraceTime: '5s' as const };
    const workers = await Promise.all([
      createMainWorker({ ...common, client, sitoo: connectors.sitoo, erp: connectors.erp, mapping: () => mapping, sales, workflowBundle: opts.workflowBundle }),
      createInventoryWorker({ ...common, ecommerce: connectors.ecommerce }),
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

  const receiver = createSitooEventsReceiver({ client, ...sales, username: env.EVENTS_USERNAME, password: env.EVENTS_PASSWORD, logger: opts.logger });
  const receiverUrl = await receiver.listen(0);
  if ((opts.workers ?? 'in-process') === 'in-process') await startWorkers();
  sitoo.events.setReceiver({ url: receiverUrl, username: env.EVENTS_USERNAME, password: env.EVENTS_PASSWORD });
  sitoo.events.start();

  return {
    sitoo,
    erp,
    ecommerce,
    receiver,
    receiverUrl,
    client,
    env,
    envVars,
    mapping,
    startWorkers,
    stopWorkers,
    async close() {
      await sitoo.events.stop();
      await receiver.close();
      await stopWorkers();
      await nativeConnection?.close();
      await connection.close();
      await Promise.all([sitoo.close(), erp.close(), ecommerce.close()]);
    },
  };
}
