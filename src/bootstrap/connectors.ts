import type { EcommerceEnv, ErpEnv, PaymentsEnv, SitooEnv } from '../config/env';
import { ShopifyClient } from '../connectors/ecommerce/shopify/client';
import { BusinessCentralClient } from '../connectors/erp/business-central/client';
import { StripePayoutClient } from '../connectors/payments/stripe/client';
import { SitooCatalogue } from '../connectors/sitoo/catalogue';
import { SitooClient } from '../connectors/sitoo/client';
import { parseDuration } from '../domain/duration';

/** Configuration -> connectors. The same code talks to the simulators and to the real services. */
export function createConnectors(env: SitooEnv & ErpEnv & EcommerceEnv & PaymentsEnv) {
  return {
    ...createStockConnectors(env),
    payouts: new StripePayoutClient({ baseUrl: env.STRIPE_API_URL, secretKey: env.STRIPE_SECRET_KEY }),
  };
}

/** The inventory worker's connectors: it never reads payouts. */
export function createStockConnectors(env: SitooEnv & ErpEnv & EcommerceEnv) {
  return {
    sitoo: createSitooConnector(env),
    erp: new BusinessCentralClient({
      apiBaseUrl: env.BC_API_BASE_URL,
      tokenUrl: env.BC_TOKEN_URL,
      companyId: env.BC_COMPANY_ID,
      clientId: env.BC_CLIENT_ID,
      clientSecret: env.BC_CLIENT_SECRET,
      scope: env.BC_SCOPE,
      maxConcurrentRequests: env.BC_MAX_CONCURRENT_REQUESTS,
      timeoutMs: parseDuration(env.BC_REQUEST_TIMEOUT),
      ...(env.BC_PRICE_LIST_API ? { priceListApi: env.BC_PRICE_LIST_API } : {}),
    }),
    ecommerce: new ShopifyClient({
      shopUrl: env.SHOPIFY_SHOP_URL,
      apiVersion: env.SHOPIFY_API_VERSION,
      accessToken: env.SHOPIFY_ACCESS_TOKEN,
    }),
  };
}

/**
 * The catalogue worker's connectors, its own instances: the product master (Business Central), and
 * Sitoo and Shopify as subscribers, the Shopify client leaving `bucketReserve` of the shared cost
 * bucket to the stock writes.
 */
export function createCatalogueConnectors(
  env: SitooEnv & ErpEnv & EcommerceEnv & { CATALOGUE_SHOPIFY_BUCKET_RESERVE: number },
) {
  const { erp } = createStockConnectors(env);
  return {
    master: erp,
    sitooCatalogue: new SitooCatalogue(createSitooConnector(env)),
    shopifyCatalogue: new ShopifyClient({
      shopUrl: env.SHOPIFY_SHOP_URL,
      apiVersion: env.SHOPIFY_API_VERSION,
      accessToken: env.SHOPIFY_ACCESS_TOKEN,
      bucketReserve: env.CATALOGUE_SHOPIFY_BUCKET_RESERVE,
    }).catalogue(),
  };
}

/** Sitoo alone: all the receiver process talks to. */
export function createSitooConnector(env: SitooEnv): SitooClient {
  return new SitooClient({
    baseUrl: env.SITOO_BASE_URL,
    accountId: env.SITOO_ACCOUNT_ID,
    eshopId: env.SITOO_ESHOP_ID,
    apiId: env.SITOO_API_ID,
    apiPassword: env.SITOO_API_PASSWORD,
    maxConcurrentRequests: env.SITOO_MAX_CONCURRENT_REQUESTS,
  });
}

export type Connectors = ReturnType<typeof createConnectors>;
