import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import {
  parseShopifyProductWebhook,
  shopifyOrderWebhookSchema,
  shopifyWebhookHeaders,
  ShopifyWebhookVerifier,
} from '../connectors/ecommerce/shopify/webhooks';
import type { ShortStockRule } from '../domain/click-and-collect';
import type { ClickAndCollectStartConfig } from '../workflows/click-and-collect-contract';
import {
  shopifyWebhookExceptionWorkflowId,
  type RecordedExceptionInput,
} from '../workflows/recorded-exception-contract';
import {
  answerBeforeBody,
  createReceiverServer,
  declaredTooLarge,
  isJsonContentType,
  readBody,
  receiving,
  refuseContentType,
  refuseTooLarge,
  reply,
  type ServerLimits,
} from './http-io';
import { startProductEditCheck } from '../client/catalogue-starts';
import { parseCents } from '../domain/money';
import { signalClickAndCollectCancelled, startClickAndCollect } from '../client/click-and-collect-starts';
import { recordException } from '../client/recorded-exception-starts';
import { boundedCopy, deliveryKey, printable, refusedForGood } from './safe-copy';

/**
 * POST /webhooks/shopify: orders/create starts the order's click & collect workflow (which reads
 * the order and ends at once when nothing is to be collected), orders/cancelled tells it the
 * customer cancelled. Shopify resends anything but a 2xx (8 times over 4 hours), so:
 *  - 200 once Temporal has accepted it; 503 only when Temporal did not accept something it would
 *    accept on a retry;
 *  - 401 for a missing or wrong signature (checked before the body is read when the header is
 *    missing or malformed); 413 by Content-Length, 415 for a body that is not JSON; 400 naming the
 *    header when one Shopify always sends is missing;
 *  - the headers are not signed (the HMAC covers the body only), so none of them is trusted on
 *    its own: a delivery naming another shop (an app installed in several shops signs them all
 *    with the same secret) is acknowledged and not acted on (200 `foreign-shop`: it is authentic,
 *    and a retry cannot make it ours); an orders/cancelled delivery whose signed body is not
 *    cancelled is acknowledged and not acted on (200 `topic-mismatch`: a captured body replayed
 *    under another topic); X-Shopify-Triggered-At decides nothing, since a delivery retried for
 *    hours is as valid as a fresh one and the header can say anything. The workflow re-reads the
 *    order from Shopify in any case; these checks keep obvious forgeries from reaching it.
 *  - a signed body we cannot process (not JSON, not an order, an id no workflow id can hold, or
 *    refused by Temporal for what it is) is acknowledged and parked as an exception.
 */
export interface ShopifyWebhooksOptions {
  client: Client;
  accountId: number;
  /** App client secrets; more than one while a rotated secret is still in use. */
  secrets: string[];
  /** The shop this integration serves (its myshopify.com host, see shopDomainOf); deliveries naming another are not acted on. */
  shopDomain: string;
  logger: Logger;
  pickupExpiry: string;
  whenShort: ShortStockRule;
  vatPercent: number;
  /** ERP_LATE_COMMIT_WINDOW, passed on to the click & collect workflows it starts. */
  erpLateCommitWindow?: string;
  /** Shopify wants an answer within 5 s. */
  temporalDeadlineMs?: number;
  maxBodyBytes?: number;
  /** Connection, header and request-time caps (defaults in http-io.ts). */
  limits?: Partial<ServerLimits>;
  /** More for GET /healthz to show (e.g. the process's start-up progress). */
  health?: () => Record<string, unknown>;
  /** Told how many seconds each acknowledged delivery took, from its arrival to the 200 (a metric). */
  acknowledged?: (seconds: number) => void;
}

export type WebhookOutcome =
  'started' | 'signalled' | 'duplicate' | 'ignored' | 'foreign-shop' | 'topic-mismatch' | 'exception';

const SEEN_KEPT = 50_000;
/** Shopify's ids are 64-bit integers; more digits than that cannot be one of its orders. */
const SHOPIFY_ID = /^\d{1,20}$/;

export function createShopifyWebhooksReceiver(opts: ShopifyWebhooksOptions) {
  const stats = {
    received: 0,
    unauthorized: 0,
    badRequests: 0,
    unavailable: 0,
    refusedBodies: 0,
    outcomes: {
      started: 0,
      signalled: 0,
      duplicate: 0,
      ignored: 0,
      'foreign-shop': 0,
      'topic-mismatch': 0,
      exception: 0,
    } as Record<WebhookOutcome, number>,
  };
  const maxBodyBytes = opts.maxBodyBytes ?? 1_000_000;
  const shopDomain = opts.shopDomain.toLowerCase();
  // Deliveries handed to Temporal, by key; a retry of the same delivery is acknowledged without another call.
  const seen = new Set<string>();

  const collect: ClickAndCollectStartConfig = {
    accountId: opts.accountId,
    pickupExpiry: opts.pickupExpiry,
    whenShort: opts.whenShort,
    vatPercent: opts.vatPercent,
    ...(opts.erpLateCommitWindow ? { erpLateCommitWindow: opts.erpLateCommitWindow } : {}),
  };

  /** The same starts the order poll makes: a finished workflow means the order is settled, nothing left to do. */
  async function route(topic: string, key: string, webOrderId: string): Promise<WebhookOutcome> {
    if (topic === 'orders/create')
      return (await startClickAndCollect(opts.client, collect, webOrderId)) === 'started' ? 'started' : 'ignored';
    // With start: a cancellation overtaking its orders/create still reaches the order's workflow.
    if (topic === 'orders/cancelled')
      return (await signalClickAndCollectCancelled(opts.client, collect, webOrderId, key)) === 'started'
        ? 'signalled'
        : 'ignored';
    return 'ignored';
  }

  /** A signed delivery we cannot process: parked with a bounded copy under an id that is always valid. */
  async function park(
    key: string,
    delivery: { topic: string; webhookId: string; triggeredAt?: string },
    body: unknown,
    reason: string,
  ): Promise<WebhookOutcome> {
    const message = printable(reason, 500);
    opts.logger.warn(
      { webhookKey: key, topic: printable(delivery.topic, 100), reason: message },
      'unprocessable Shopify webhook recorded as exception',
    );
    const input: RecordedExceptionInput = {
      type: 'unprocessable-event',
      message: `Shopify webhook: ${message}`,
      details: {
        webhookId: printable(delivery.webhookId, 100),
        topic: printable(delivery.topic, 100),
        triggeredAt: delivery.triggeredAt && printable(delivery.triggeredAt, 100),
        body: boundedCopy(body),
      },
      allowed: ['skip'],
    };
    await recordException(opts.client, shopifyWebhookExceptionWorkflowId(key), input);
    return 'exception';
  }

  /** What to do with a signed, well-addressed delivery; throws only for what a retry may fix. */
  async function act(
    key: string,
    headers: { topic: string; webhookId: string; triggeredAt?: string },
    raw: Buffer,
  ): Promise<WebhookOutcome> {
    const { topic } = headers;
    if (topic === 'products/update') return productUpdated(key, headers, raw);
    if (topic !== 'orders/create' && topic !== 'orders/cancelled') return 'ignored';
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      return park(key, headers, { excerpt: raw.toString('utf8', 0, 2_000) }, 'body is not JSON');
    }
    const order = shopifyOrderWebhookSchema.safeParse(json);
    if (!order.success) {
      const issue = order.error.issues[0]!;
      return park(key, headers, json, `not a Shopify order: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    if (!SHOPIFY_ID.test(order.data.id))
      return park(key, headers, json, `order id of ${order.data.id.length} digits is not a Shopify id`);
    if (topic === 'orders/cancelled' && order.data.cancelled_at === null) {
      opts.logger.warn(
        { webhookKey: key, orderId: order.data.id },
        'orders/cancelled delivery whose signed body is not cancelled: not acted on',
      );
      return 'topic-mismatch';
    }
    try {
      return await route(topic, key, order.data.id);
    } catch (err) {
      if (!refusedForGood(err)) throw err;
      return park(key, headers, json, `Temporal refused it: ${(err as Error).message}`);
    }
  }

  /**
   * products/update: only a notice (our own writes fire it too). The product named in the signed
   * body is read back from Shopify and compared with the master by the edit check it starts.
   */
  async function productUpdated(
    key: string,
    headers: { topic: string; webhookId: string; triggeredAt?: string },
    raw: Buffer,
  ): Promise<WebhookOutcome> {
    const parsed = parseShopifyProductWebhook(raw);
    if ('error' in parsed)
      return park(key, headers, { excerpt: raw.toString('utf8', 0, 2_000) }, `not a Shopify product: ${parsed.error}`);
    const { admin_graphql_api_id: productId, updated_at: updatedAt, title, status, variants } = parsed.product;
    // The signed body's values, for the check to tell an echo of our own write without a read.
    const notice = {
      updatedAt,
      title,
      status: status.toLowerCase(),
      ...(parsed.product.product_type !== undefined ? { productType: parsed.product.product_type } : {}),
      variants: variants.map((v) => {
        const priceCents = parseCents(v.price);
        return {
          sku: v.sku,
          ...(priceCents !== undefined ? { priceCents } : {}),
          ...(v.barcode ? { barcode: v.barcode } : {}),
        };
      }),
    };
    try {
      return (await startProductEditCheck(opts.client, productId, updatedAt, notice)) ? 'started' : 'duplicate';
    } catch (err) {
      if (!refusedForGood(err)) throw err;
      return park(key, headers, parsed.product, `Temporal refused it: ${(err as Error).message}`);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://receiver').pathname;
    if (path === '/healthz') return reply(res, 200, { ok: true, ...opts.health?.() });
    if (path !== '/webhooks/shopify') return reply(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return reply(res, 405, { error: 'use POST' }, { allow: 'POST' });
    return receiving('POST /webhooks/shopify', res, () => receive(req, res), opts.acknowledged);
  }

  /** One delivery, from its signature to the answer Shopify waits 5 s for. */
  async function receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isJsonContentType(req)) {
      stats.refusedBodies++;
      return refuseContentType(req, res, maxBodyBytes);
    }
    // A missing or malformed signature is refused before a byte of the body is read.
    const verifier = ShopifyWebhookVerifier.start(header(req, 'x-shopify-hmac-sha256'), opts.secrets);
    if (!verifier) return refuseUnsigned(req, res);
    if (declaredTooLarge(req, maxBodyBytes) !== undefined) {
      stats.refusedBodies++;
      return refuseTooLarge(req, res, maxBodyBytes);
    }
    // The HMAC is computed as the body streams in. The body must still be read in full (and kept
    // until verified, since it is parsed from the same bytes); what this saves is a second pass.
    const read = await readBody(req, maxBodyBytes, (chunk) => verifier.update(chunk));
    if (!('body' in read)) {
      stats.refusedBodies++;
      return refuseTooLarge(req, res, maxBodyBytes);
    }
    stats.received++;
    if (!verifier.matches()) return refuseUnsigned(req, res);
    const headers = shopifyWebhookHeaders(req.headers);
    if ('field' in headers) {
      stats.badRequests++;
      return reply(res, 400, { error: headers.error, field: headers.field });
    }
    const key = deliveryKey(headers.webhookId, headers.webhookId);
    if (seen.has(key)) {
      stats.outcomes.duplicate++;
      return reply(res, 200, { outcome: 'duplicate' });
    }
    if (headers.shopDomain.toLowerCase() !== shopDomain) {
      stats.outcomes['foreign-shop']++;
      opts.logger.warn(
        { webhookKey: key, shopDomain: printable(headers.shopDomain, 100), topic: printable(headers.topic, 100) },
        'webhook from another shop: acknowledged, not acted on',
      );
      return reply(res, 200, { outcome: 'foreign-shop' });
    }
    let outcome: WebhookOutcome;
    try {
      outcome = await opts.client.withDeadline(Date.now() + (opts.temporalDeadlineMs ?? 4_000), () =>
        act(key, headers, read.body),
      );
    } catch (err) {
      stats.unavailable++;
      opts.logger.error(
        { err: printable((err as Error).message, 500), webhookKey: key, topic: printable(headers.topic, 100) },
        'Temporal did not accept the webhook; asking Shopify to retry',
      );
      return reply(res, 503, { error: 'temporarily unavailable, retry' }, { 'retry-after': '5' });
    }
    stats.outcomes[outcome]++;
    seen.add(key);
    if (seen.size > SEEN_KEPT) seen.delete(seen.values().next().value!);
    reply(res, 200, { outcome });
  }

  function refuseUnsigned(req: IncomingMessage, res: ServerResponse): void {
    stats.unauthorized++;
    opts.logger.warn({ remote: req.socket.remoteAddress }, 'refused a Shopify webhook with a missing or bad signature');
    answerBeforeBody(req, res, maxBodyBytes, 401, { error: 'invalid X-Shopify-Hmac-Sha256 signature' });
  }

  const { server, connections, ...lifecycle } = createReceiverServer(
    'Shopify webhooks receiver',
    opts.logger,
    opts.limits,
    handle,
  );

  return {
    server,
    stats,
    connections,
    ...lifecycle,
  };
}

export type ShopifyWebhooksReceiver = ReturnType<typeof createShopifyWebhooksReceiver>;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
