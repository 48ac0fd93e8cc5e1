import { z } from 'zod';
import { parseDuration } from '../domain/duration';

/**
 * Every setting comes from the environment (Kubernetes secrets and config maps in production).
 * A bad value is refused at start-up with the variable's name, never discovered mid-flight.
 */
const duration = z.string().refine((v) => parseDuration(v) !== undefined, 'must be a duration like 30s, 15m, 2h or 1d');
const url = z.url();

export const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('retail'),

  SITOO_BASE_URL: url,
  SITOO_ACCOUNT_ID: z.coerce.number().int().positive(),
  SITOO_ESHOP_ID: z.coerce.number().int().positive().default(1),
  SITOO_API_ID: z.string().min(1),
  SITOO_API_PASSWORD: z.string().min(1),
  /** Requests each worker has in flight to Sitoo at once; Sitoo documents 429 but not its limits. */
  SITOO_MAX_CONCURRENT_REQUESTS: z.coerce.number().int().min(1).max(100).default(10),

  EVENTS_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  EVENTS_USERNAME: z.string().min(1),
  EVENTS_PASSWORD: z.string().min(12, 'must be at least 12 characters'),

  BC_API_BASE_URL: url,
  BC_TOKEN_URL: url,
  BC_COMPANY_ID: z.string().min(1),
  BC_CLIENT_ID: z.string().min(1),
  BC_CLIENT_SECRET: z.string().min(1),
  BC_SCOPE: z.string().default('https://api.businesscentral.dynamics.com/.default'),
  /** Requests each worker has in flight to BC at once; BC online processes 5 per client and queues the rest. */
  BC_MAX_CONCURRENT_REQUESTS: z.coerce.number().int().min(1).max(100).default(5),
  /** How long the client waits for one BC answer before it gives up (and the activity retries). */
  BC_REQUEST_TIMEOUT: duration.default('10s'),
  /**
   * The longest the ERP may still commit a request the client gave up on: BC online queues a
   * request up to 8 minutes and runs it up to 10. A booking that needed a second attempt is
   * swept for a twin that late commit left, once this has passed.
   */
  ERP_LATE_COMMIT_WINDOW: duration.default('20m'),

  SHOPIFY_SHOP_URL: url,
  SHOPIFY_API_VERSION: z.string().regex(/^\d{4}-\d{2}$/, 'must look like 2026-04').default('2026-04'),
  SHOPIFY_ACCESS_TOKEN: z.string().min(1),
  /** The app's client secret(s) that sign webhooks; comma-separated while a rotated one is still in use. */
  SHOPIFY_WEBHOOK_SECRETS: z.string().min(1).transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  WEBHOOKS_PORT: z.coerce.number().int().min(0).max(65535).default(8081),

  /** The card processor (Stripe first): payouts and their balance transactions, read-only. */
  STRIPE_API_URL: url.default('https://api.stripe.com'),
  STRIPE_SECRET_KEY: z.string().min(1),

  MAPPING_FILE: z.string().default('config/mapping.yaml'),
  PAYMENT_CONFIRMATION_TIMEOUT: duration.default('2h'),
  SITOO_POLL_INTERVAL: duration.default('5m'),
  SITOO_POLL_FROM_ORDER_ID: z.coerce.number().int().positive().default(1),
  SITOO_POLL_FROM_TRANSACTION_ID: z.coerce.number().int().positive().default(1),
  /** How often Shopify orders changed since the last poll are read (the fallback for missed webhooks). */
  SHOPIFY_ORDER_POLL_INTERVAL: duration.default('5m'),
  /** How far back a new order poll starts (Shopify serves 60 days of orders without read_all_orders). */
  SHOPIFY_ORDER_POLL_LOOKBACK: duration.default('1d'),
  /** How much of the newest order changes each poll reads again: Shopify's search trails its writes. */
  SHOPIFY_ORDER_POLL_SETTLE: duration.default('2m'),
  /** The receiver's public address for Shopify webhooks (…/webhooks/shopify); when set, the poll re-subscribes missing topics. */
  SHOPIFY_WEBHOOKS_CALLBACK_URL: url.optional(),
  /** How often ERP warehouse stock is read from the item ledger (warehouse stock moves with deliveries, not tills). */
  ERP_STOCK_POLL_INTERVAL: duration.default('1m'),
  /** How often every location's web stock is compared with its master and repaired. */
  STOCK_DRIFT_INTERVAL: duration.default('1h'),
  /** How long a difference must persist before it counts as drift (a change may still be on its way). */
  STOCK_DRIFT_SETTLE: duration.default('10s'),
  /** How long a click & collect customer has to collect before the order is cancelled and refunded. */
  CLICK_AND_COLLECT_EXPIRY: duration.default('7d'),
  /** When the pickup store is short: park with a store of the same region that has it all, or just park. */
  CLICK_AND_COLLECT_WHEN_SHORT: z.enum(['suggest-in-region', 'park']).default('suggest-in-region'),
  /** VAT rate included in web prices, for the lines of Sitoo pickup orders. */
  WEB_ORDER_VAT_PERCENT: z.coerce.number().min(0).max(100).default(25),
  /** Stores' local closing time (HH:MM): each store's end of day starts then, in its Sitoo time zone. */
  EOD_CLOSING_TIME: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, e.g. 21:00').default('21:00'),
  /** How often end of day looks for the card payout again, and how long it waits in all before listing what is missing. */
  EOD_PAYOUT_RECHECK: duration.default('1d'),
  EOD_PAYOUT_MAX_WAIT: duration.default('5d'),
  WORKER_SHUTDOWN_GRACE: duration.default('20s'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => {
    const name = i.path.join('.');
    return `  ${name}: ${source[name] === undefined || source[name] === '' ? 'is not set' : i.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}
