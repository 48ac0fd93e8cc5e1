import { z } from 'zod';
import { DEFAULT_ERP_LATE_COMMIT_WINDOW, parseDuration } from '../domain/duration';
import { exceptionSlas, OWNERS, type Owner } from '../domain/exceptions';

/** AES-256: what every TEMPORAL_PAYLOAD_KEYS key must be. */
export const PAYLOAD_KEY_BYTES = 32;

/**
 * Every setting comes from the environment (Kubernetes secrets and config maps in production).
 * A bad value is refused at start-up with the variable's name, never discovered mid-flight.
 */
const duration = z.string().refine((v) => parseDuration(v) !== undefined, 'must be a duration like 30s, 15m, 2h or 1d');
const url = z.url();

/**
 * `id:base64key,id:base64key`: every key a payload may be encrypted with (AES-256, 32 bytes each).
 * A bad entry is named by its id or position, never echoed: the value is a secret.
 */
const payloadKeys = z.string().transform((v, ctx) => {
  const keys = new Map<string, Buffer>();
  v.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .forEach((entry, i) => {
      const at = entry.indexOf(':');
      const id = at > 0 ? entry.slice(0, at) : '';
      const encoded = entry.slice(at + 1);
      const key = Buffer.from(encoded, 'base64');
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(id))
        ctx.addIssue({
          code: 'custom',
          message: `entry ${i + 1} must be id:base64key, the id of letters, digits, . _ -`,
        });
      else if (keys.has(id)) ctx.addIssue({ code: 'custom', message: `key id "${id}" appears twice` });
      else if (key.length !== PAYLOAD_KEY_BYTES || key.toString('base64') !== encoded.replace(/\s/g, ''))
        ctx.addIssue({
          code: 'custom',
          message: `key "${id}" must be ${PAYLOAD_KEY_BYTES} bytes in base64 (e.g. openssl rand -base64 32), got ${key.length} bytes`,
        });
      else keys.set(id, key);
    });
  if (keys.size === 0 && ctx.issues.length === 0) ctx.addIssue({ code: 'custom', message: 'lists no key' });
  return keys;
});

/**
 * Each variable is defined once, in the part that names what it is for; each process's schema is
 * the parts it uses, so a process never demands a secret it does not hold.
 */
/** Every process. (Its Temporal connection, TEMPORAL_*, is read through the SDK: src/bootstrap/temporal-connection.ts.) */
const temporal = {
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  MAPPING_FILE: z.string().default('config/mapping.yaml'),
  /** Keys for the payload codec (personal data in Temporal histories); unset: payloads are stored in clear, with a warning. */
  TEMPORAL_PAYLOAD_KEYS: payloadKeys.optional(),
  /** The key new payloads are encrypted with; default the first of TEMPORAL_PAYLOAD_KEYS. */
  TEMPORAL_PAYLOAD_KEY_ID: z.string().min(1).optional(),
};

/**
 * Every process's metrics and traces. The workers' /metrics is served by the Temporal SDK's own
 * Prometheus exporter, the receiver's by its registry (docs/deploy.md, "Metrics and traces").
 * Traces leave by OTLP/HTTP only when an endpoint is set (the standard OpenTelemetry variables).
 */
const telemetry = {
  /** GET /metrics for Prometheus, on all interfaces (0: off). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** The OTLP/HTTP collector traces go to (…/v1/traces is appended); unset: no traces leave the process. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** Names the process in traces; default retail-main-worker, retail-inventory-worker, retail-catalogue-worker or retail-receiver. */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
};

/** Which Sitoo account and site: every process. */
const sitooAccount = {
  SITOO_ACCOUNT_ID: z.coerce.number().int().positive(),
  SITOO_ESHOP_ID: z.coerce.number().int().positive().default(1),
};

/** Sitoo's API: the workers, which read orders, days and stock (the receiver only takes events). */
const sitoo = {
  ...sitooAccount,
  SITOO_BASE_URL: url,
  SITOO_API_ID: z.string().min(1),
  SITOO_API_PASSWORD: z.string().min(1),
  /** Requests each worker has in flight to Sitoo at once; Sitoo documents 429 but not its limits. */
  SITOO_MAX_CONCURRENT_REQUESTS: z.coerce.number().int().min(1).max(100).default(10),
};

const erp = {
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
   * The price-list API page of the BC extension (docs/erp-extension.md) as publisher/group/version,
   * e.g. retail/catalogue/v1.0; unset: prices are the items' unit prices only.
   */
  BC_PRICE_LIST_API: z
    .string()
    .regex(/^[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\/v\d+\.\d+$/, 'must look like retail/catalogue/v1.0')
    .optional(),
};

/** The shop's address: the workers call its API, the receiver acts only on webhooks from its host. */
const shop = {
  SHOPIFY_SHOP_URL: url,
};

const shopApi = {
  SHOPIFY_API_VERSION: z
    .string()
    .regex(/^\d{4}-\d{2}$/, 'must look like 2026-04')
    .default('2026-04'),
  SHOPIFY_ACCESS_TOKEN: z.string().min(1),
};

/** The card processor (Stripe first): payouts and their balance transactions, read-only. */
const payments = {
  STRIPE_API_URL: url.default('https://api.stripe.com'),
  STRIPE_SECRET_KEY: z.string().min(1),
};

const worker = {
  WORKER_SHUTDOWN_GRACE: duration.default('20s'),
  /** The worker's GET /healthz for Kubernetes probes (0: off). */
  WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(9090),
};

/** What a sale is started with: the receiver and the main worker's poll both start sales. */
const sales = {
  PAYMENT_CONFIRMATION_TIMEOUT: duration.default('2h'),
  /**
   * The longest the ERP may still commit a request the client gave up on: BC online queues a
   * request up to 8 minutes and runs it up to 10. A booking that needed a second attempt is
   * swept for a twin that late commit left, once this has passed.
   */
  ERP_LATE_COMMIT_WINDOW: duration.default(DEFAULT_ERP_LATE_COMMIT_WINDOW),
};

const receivers = {
  EVENTS_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  EVENTS_USERNAME: z.string().min(1),
  EVENTS_PASSWORD: z.string().min(12, 'must be at least 12 characters'),
  /** The app's client secret(s) that sign webhooks; comma-separated while a rotated one is still in use. */
  SHOPIFY_WEBHOOK_SECRETS: z
    .string()
    .min(1)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  WEBHOOKS_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** How long a click & collect customer has to collect before the order is cancelled and refunded. */
  CLICK_AND_COLLECT_EXPIRY: duration.default('7d'),
  /** When the pickup store is short: park with a store of the same region that has it all, or just park. */
  CLICK_AND_COLLECT_WHEN_SHORT: z.enum(['suggest-in-region', 'park']).default('suggest-in-region'),
  /** VAT rate included in web prices, for the lines of Sitoo pickup orders. */
  WEB_ORDER_VAT_PERCENT: z.coerce.number().min(0).max(100).default(25),
  /** At SIGTERM, how long requests already accepted may take to finish; below the pod's termination grace. */
  RECEIVER_SHUTDOWN_GRACE: duration.default('20s'),
  /** The codec endpoint's bearer token (the Temporal UI and CLI decrypt payloads through it); unset: not served. */
  CODEC_ENDPOINT_TOKEN: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
  /** The Temporal UI's origin (scheme://host[:port]), the only one a browser may call the codec endpoint from. */
  CODEC_CORS_ORIGIN: url
    .refine((v) => new URL(v).origin === v, 'must be an origin like https://temporal-ui.example.com, no path or slash')
    .optional(),
  /** The codec endpoint's own port: inside the cluster only, never one of the receivers' public ports. */
  CODEC_PORT: z.coerce.number().int().min(0).max(65535).default(8082),
};

/** The store health page the receiver serves (src/starters/ops-page.ts): only with a password, on its own port. */
const opsPage = {
  OPS_PORT: z.coerce.number().int().min(0).max(65535).default(8083),
  OPS_USERNAME: z.string().min(1).default('ops'),
  /** Unset: the page is not served. */
  OPS_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  /** The Temporal UI's address (https://temporal.example.com, or Temporal Cloud's https://cloud.temporal.io): the page links into it. */
  TEMPORAL_UI_URL: url.optional(),
};

/** The exception escalation, which the main worker runs (src/activities/exception-escalation-activities.ts). */
const escalation = {
  /** `type=duration,...` over the default SLAs (domain/exceptions.ts DEFAULT_SLA; the runbook's "SLAs and escalation"). */
  EXCEPTION_SLAS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return exceptionSlas(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /**
   * `owner=https://...,...`: each team's incoming webhook (Slack or Teams), told once about each
   * exception past its SLA. The URLs are credentials: a bad entry is named by its team, never echoed.
   */
  TEAM_WEBHOOK_URLS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const urls: Partial<Record<Owner, string>> = {};
      for (const [i, entry] of (v ?? '')
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean)
        .entries()) {
        const at = entry.indexOf('=');
        const owner = entry.slice(0, Math.max(at, 0)).trim();
        const target = entry.slice(at + 1).trim();
        if (!(OWNERS as readonly string[]).includes(owner))
          ctx.addIssue({
            code: 'custom',
            message: `entry ${i + 1} must be team=url, the team one of ${OWNERS.join(', ')}`,
          });
        else if (!URL.canParse(target) || !/^https?:$/.test(new URL(target).protocol))
          ctx.addIssue({ code: 'custom', message: `the URL for ${owner} is not an http(s) URL` });
        else urls[owner as Owner] = target;
      }
      return urls;
    }),
  TEMPORAL_UI_URL: opsPage.TEMPORAL_UI_URL,
};

/** `npm run ops -- health`: the page's address and credentials, nothing else. */
const opsClientEnv = z.object({
  OPS_URL: url.default('http://127.0.0.1:8083'),
  OPS_USERNAME: opsPage.OPS_USERNAME,
  OPS_PASSWORD: z.string().min(1),
});

/**
 * `npm run ops -- resolve`: the payload keys, so the resolution it signals is encrypted as every
 * other payload is (its Temporal connection, TEMPORAL_*, comes through the SDK like every process's).
 */
const opsResolveEnv = z.object({
  TEMPORAL_PAYLOAD_KEYS: temporal.TEMPORAL_PAYLOAD_KEYS,
  TEMPORAL_PAYLOAD_KEY_ID: temporal.TEMPORAL_PAYLOAD_KEY_ID,
});

/** The schedules the receiver process keeps in place. */
const schedules = {
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
  /** Stores' local closing time (HH:MM): each store's end of day starts then, in its Sitoo time zone. */
  EOD_CLOSING_TIME: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, e.g. 21:00')
    .default('21:00'),
  /** How often end of day looks for the card payout again, and how long it waits in all before listing what is missing. */
  EOD_PAYOUT_RECHECK: duration.default('1d'),
  EOD_PAYOUT_MAX_WAIT: duration.default('5d'),
  /**
   * How often the receiver lists parked exceptions and running sales from Temporal's visibility
   * for its gauges: two paged list calls per round, however many stores (0s: never).
   */
  VISIBILITY_METRICS_INTERVAL: duration.default('1m'),
  /** How often exceptions past their SLA are looked for (the exception escalation's schedule). */
  EXCEPTION_ESCALATION_INTERVAL: duration.default('5m'),
  /** How often the product master's changes are read and pushed (with a catalogue in the mapping). */
  CATALOGUE_SYNC_INTERVAL: duration.default('1m'),
  /** How often every product is pushed again, catching what the incremental read cannot see. */
  CATALOGUE_RECONCILE_INTERVAL: duration.default('24h'),
};

/** The catalogue worker: products and prices (issue 15, docs/master-data.md). */
const catalogue = {
  /** How long after its effective moment a price must read back from Sitoo and Shopify before it is late. */
  PRICE_UPDATE_SLA: duration.default('5m'),
  /** Share of Shopify's cost bucket the catalogue leaves to the stock writes (0 to 0.9). */
  CATALOGUE_SHOPIFY_BUCKET_RESERVE: z.coerce.number().min(0).max(0.9).default(0.5),
  /** Catalogue activities at once per worker; each holds a batch of products. */
  CATALOGUE_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(50).default(4),
};

const inventoryWorkerEnv = z.object({ ...temporal, ...telemetry, ...sitoo, ...erp, ...shop, ...shopApi, ...worker });
const mainWorkerEnv = z.object({ ...inventoryWorkerEnv.shape, ...payments, ...sales, ...escalation });
const catalogueWorkerEnv = z.object({ ...inventoryWorkerEnv.shape, ...catalogue });
const eventsReceiverEnv = z.object({
  ...temporal,
  ...telemetry,
  ...sitooAccount,
  ...shop,
  ...receivers,
  ...opsPage,
  EXCEPTION_SLAS: escalation.EXCEPTION_SLAS,
  ...sales,
  ...schedules,
});
/** The local stack (demo, tests) runs all three processes in one. */
const localStackEnv = z.object({ ...mainWorkerEnv.shape, ...eventsReceiverEnv.shape, ...catalogue });

/** The current payload key must be one of the keys (checked across two variables, so per process). */
function currentKeyConfigured(
  env: { TEMPORAL_PAYLOAD_KEYS?: Map<string, Buffer>; TEMPORAL_PAYLOAD_KEY_ID?: string },
  ctx: z.RefinementCtx,
): void {
  const id = env.TEMPORAL_PAYLOAD_KEY_ID;
  if (id !== undefined && !env.TEMPORAL_PAYLOAD_KEYS?.has(id))
    ctx.addIssue({
      code: 'custom',
      path: ['TEMPORAL_PAYLOAD_KEY_ID'],
      message: 'names no key in TEMPORAL_PAYLOAD_KEYS',
    });
}

/** A codec endpoint without keys would serve payloads in clear as if decrypted: refused at start. */
function codecEndpointHasKeys(
  env: { TEMPORAL_PAYLOAD_KEYS?: Map<string, Buffer>; CODEC_ENDPOINT_TOKEN?: string },
  ctx: z.RefinementCtx,
): void {
  if (env.CODEC_ENDPOINT_TOKEN !== undefined && !env.TEMPORAL_PAYLOAD_KEYS?.size)
    ctx.addIssue({
      code: 'custom',
      path: ['CODEC_ENDPOINT_TOKEN'],
      message: 'needs TEMPORAL_PAYLOAD_KEYS, the keys the codec endpoint decrypts with',
    });
}

const PROCESS_ENVS = {
  'main-worker': mainWorkerEnv.superRefine(currentKeyConfigured),
  'inventory-worker': inventoryWorkerEnv.superRefine(currentKeyConfigured),
  'catalogue-worker': catalogueWorkerEnv.superRefine(currentKeyConfigured),
  'events-receiver': eventsReceiverEnv.superRefine(currentKeyConfigured).superRefine(codecEndpointHasKeys),
  'local-stack': localStackEnv.superRefine(currentKeyConfigured).superRefine(codecEndpointHasKeys),
  'ops-cli': opsClientEnv,
  'ops-resolve': opsResolveEnv.superRefine(currentKeyConfigured),
};
export type ProcessName = keyof typeof PROCESS_ENVS;

export type MainWorkerEnv = z.infer<typeof mainWorkerEnv>;
export type InventoryWorkerEnv = z.infer<typeof inventoryWorkerEnv>;
export type CatalogueWorkerEnv = z.infer<typeof catalogueWorkerEnv>;
export type EventsReceiverEnv = z.infer<typeof eventsReceiverEnv>;
/** Every variable, as the local stack reads them. */
export type Env = z.infer<typeof localStackEnv>;
export type SitooEnv = z.infer<z.ZodObject<typeof sitoo>>;
export type ErpEnv = z.infer<z.ZodObject<typeof erp>>;
export type EcommerceEnv = z.infer<z.ZodObject<typeof shop & typeof shopApi>>;
export type PaymentsEnv = z.infer<z.ZodObject<typeof payments>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates the variables `name` uses, at its start: every missing or bad one is listed by name
 * with what is wrong, never with its value (most are secrets).
 */
export function loadEnv<P extends ProcessName>(
  name: P,
  source: Record<string, string | undefined> = process.env,
): z.infer<(typeof PROCESS_ENVS)[P]> {
  const parsed = PROCESS_ENVS[name].safeParse(source);
  if (parsed.success) return parsed.data as z.infer<(typeof PROCESS_ENVS)[P]>;
  const lines = parsed.error.issues.map((i) => {
    const variable = i.path.join('.');
    return `  ${variable}: ${source[variable] === undefined || source[variable] === '' ? 'is not set' : i.message}`;
  });
  throw new ConfigError(`Invalid configuration for the ${name.replace('-', ' ')}:\n${lines.join('\n')}`);
}
