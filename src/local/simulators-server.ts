import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { loadMappingFile } from '../config/mapping-file';
import { createLogger } from '../config/logger';
import { runMain } from '../bootstrap/entrypoint';
import type { Mapping } from '../domain/mapping';
import { bufferFor, NO_BUFFERS, webOnHand } from '../domain/stock';
import { startBusinessCentralSimulator } from '../simulators/business-central';
import { startShopifySimulator } from '../simulators/shopify';
import { startSitooSimulator } from '../simulators/sitoo';
import { startStripeSimulator } from '../simulators/stripe';

/**
 * The four simulators as one process (`node dist/local/simulators-server.js`), for docker compose
 * and a local cluster, where the integration runs as its three real processes and no outside
 * account exists. It reads the same variables as those processes: each simulator listens on the
 * port of the URL the processes are given, accepts the credentials they are given, and is seeded
 * from the same mapping file, so every store, warehouse, ERP location, walk-in customer and web
 * location the mapping names exists. Sitoo events and Shopify webhooks go to the receiver.
 */
const simulatorsEnv = z.object({
  LOG_LEVEL: z.string().default('info'),
  /** The interface to listen on: 0.0.0.0 in a container, so the other containers reach it. */
  SIM_HOST: z.string().default('127.0.0.1'),
  MAPPING_FILE: z.string().default('config/mapping.example.yaml'),
  SITOO_BASE_URL: z.url(),
  SITOO_ACCOUNT_ID: z.coerce.number().int().positive(),
  SITOO_ESHOP_ID: z.coerce.number().int().positive().default(1),
  SITOO_API_ID: z.string().min(1),
  SITOO_API_PASSWORD: z.string().min(1),
  BC_API_BASE_URL: z.url(),
  BC_COMPANY_ID: z.string().min(1),
  BC_CLIENT_ID: z.string().min(1),
  BC_CLIENT_SECRET: z.string().min(1),
  SHOPIFY_SHOP_URL: z.url(),
  SHOPIFY_API_VERSION: z.string().default('2026-04'),
  SHOPIFY_ACCESS_TOKEN: z.string().min(1),
  STRIPE_API_URL: z.url(),
  STRIPE_SECRET_KEY: z.string().min(1),
  /** Where Sitoo pushes events (the receiver's base URL; `/events` is appended). */
  SIM_EVENTS_RECEIVER_URL: z.url(),
  EVENTS_USERNAME: z.string().min(1),
  EVENTS_PASSWORD: z.string().min(1),
  /** The receiver's Shopify webhook URL (…/webhooks/shopify). */
  SIM_WEBHOOKS_URL: z.url(),
  SHOPIFY_WEBHOOK_SECRETS: z.string().min(1),
});

/** What every store and warehouse stocks at start (the mapping example's buffers name TEE-BLK-M and SHOES). */
const CATALOGUE = [
  { sku: 'TEE-BLK-M', name: 'T-shirt black M', unitPriceGross: '249.00', vatPercent: 25 as const, stock: 20 },
  { sku: 'JEANS-32', name: 'Jeans 32', unitPriceGross: '799.00', vatPercent: 25 as const, stock: 10 },
  {
    sku: 'SNEAKER-42',
    name: 'Sneaker 42',
    unitPriceGross: '1199.00',
    vatPercent: 25 as const,
    stock: 6,
    category: 'SHOES',
  },
];

/** The port a URL names, or its scheme's default. */
function portOf(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

export async function startSimulatorsServer(source: Record<string, string | undefined> = process.env) {
  const parsed = simulatorsEnv.safeParse(source);
  if (!parsed.success)
    throw new Error(
      `Invalid configuration for the simulators:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  const env = parsed.data;
  const logger = createLogger('simulators', env.LOG_LEVEL);
  const mapping: Mapping = await loadMappingFile(env.MAPPING_FILE);
  // The tenant and environment are the BC URL's: /v2.0/{tenant}/{environment}/api/v2.0.
  const [, tenantId, environment] =
    /\/v2\.0\/([^/]+)\/([^/]+)\/api\//.exec(new URL(env.BC_API_BASE_URL).pathname) ?? [];
  if (!tenantId || !environment)
    throw new Error('BC_API_BASE_URL must look like …/v2.0/{tenant}/{environment}/api/v2.0');
  const host = env.SIM_HOST;

  const [sitoo, erp, ecommerce, payments] = await Promise.all([
    startSitooSimulator({
      host,
      port: portOf(env.SITOO_BASE_URL),
      accountId: env.SITOO_ACCOUNT_ID,
      eshopId: env.SITOO_ESHOP_ID,
      apiId: env.SITOO_API_ID,
      apiPassword: env.SITOO_API_PASSWORD,
    }),
    startBusinessCentralSimulator({
      host,
      port: portOf(env.BC_API_BASE_URL),
      tenantId,
      environment,
      companyId: env.BC_COMPANY_ID,
      clientId: env.BC_CLIENT_ID,
      clientSecret: env.BC_CLIENT_SECRET,
    }),
    startShopifySimulator({
      host,
      port: portOf(env.SHOPIFY_SHOP_URL),
      apiVersion: env.SHOPIFY_API_VERSION,
      accessToken: env.SHOPIFY_ACCESS_TOKEN,
    }),
    startStripeSimulator({ host, port: portOf(env.STRIPE_API_URL), secretKey: env.STRIPE_SECRET_KEY }),
  ]);

  const stock = Object.fromEntries(CATALOGUE.map((i) => [i.sku, i.stock]));
  sitoo.pos.seedProducts(
    CATALOGUE.map((i) => ({
      sku: i.sku,
      productName: i.name,
      unitPriceGross: i.unitPriceGross,
      vatPercent: i.vatPercent,
    })),
  );
  for (const item of CATALOGUE) {
    erp.state.seedItem({
      number: item.sku,
      displayName: item.name,
      unitPrice: Number(item.unitPriceGross),
      itemCategoryCode: item.category,
      vatPercent: item.vatPercent,
    });
    ecommerce.state.seedItem({ sku: item.sku });
  }
  // The web starts where the masters are, less the mapping's buffers, so drift found later is the integration's doing.
  const buffers = mapping.buffers ?? NO_BUFFERS;
  const seedWeb = (webLocationId: string, name: string) => {
    ecommerce.state.seedLocation({ id: webLocationId, name });
    for (const item of CATALOGUE)
      ecommerce.state.setOnHand(
        item.sku,
        webLocationId,
        webOnHand({ onHand: item.stock, reserved: 0 }, bufferFor(buffers, item.sku, item.category)),
      );
  };
  for (const store of mapping.stores) {
    sitoo.pos.seedWarehouse({ warehouseId: store.sitooWarehouseId, name: store.name, stock });
    erp.state.seedLocation({ code: store.erpLocationCode, displayName: store.name });
    erp.state.seedCustomer({ number: store.erpCustomerNumber, displayName: `${store.name} walk-in` });
    seedWeb(store.webLocationId, store.name);
  }
  for (const w of mapping.warehouses ?? []) {
    erp.state.seedLocation({ code: w.erpLocationCode, displayName: w.name });
    for (const [sku, qty] of Object.entries(stock)) erp.state.postPurchaseReceipt(w.erpLocationCode, sku, qty);
    if (w.sitooMirrorWarehouseId !== undefined)
      sitoo.pos.seedWarehouse({
        warehouseId: w.sitooMirrorWarehouseId,
        name: `${w.name} (mirror)`,
        virtual: true,
        stock,
      });
    seedWeb(w.webLocationId, w.name);
  }
  // With a catalogue in the mapping, the shop's items get products of their own first: the shop's
  // catalogue before the integration, which the sync adopts by SKU (as the local stack does).
  if (mapping.catalogue) ecommerce.state.products.wrapBareItems();

  const webhookSecret = env.SHOPIFY_WEBHOOK_SECRETS.split(',')[0]!.trim();
  sitoo.events.setReceiver({
    url: env.SIM_EVENTS_RECEIVER_URL,
    username: env.EVENTS_USERNAME,
    password: env.EVENTS_PASSWORD,
  });
  sitoo.events.start();
  ecommerce.webhooks.useAppSecret(webhookSecret);
  // The receiver acts only on webhooks from the host of SHOPIFY_SHOP_URL, as from a real shop's.
  ecommerce.webhooks.configure({ shopDomain: new URL(env.SHOPIFY_SHOP_URL).hostname.toLowerCase() });
  ecommerce.webhooks.subscribe({
    topics: ['orders/create', 'orders/cancelled', ...(mapping.catalogue ? ['products/update' as const] : [])],
    url: env.SIM_WEBHOOKS_URL,
    secret: webhookSecret,
  });

  logger.info(
    {
      host,
      ports: {
        sitoo: portOf(env.SITOO_BASE_URL),
        businessCentral: portOf(env.BC_API_BASE_URL),
        shopify: portOf(env.SHOPIFY_SHOP_URL),
        stripe: portOf(env.STRIPE_API_URL),
      },
      stores: mapping.stores.length,
      warehouses: mapping.warehouses?.length ?? 0,
    },
    'simulators listening',
  );
  return {
    async close() {
      await sitoo.events.stop();
      await ecommerce.webhooks.stop();
      await Promise.all([sitoo.close(), erp.close(), ecommerce.close(), payments.close()]);
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runMain(async () => {
    const sims = await startSimulatorsServer();
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => void sims.close().then(() => process.exit(0)));
  });
}
