import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';
import { z } from 'zod';

/**
 * Receiving Shopify webhooks: signature check, the headers a receiver dedupes and routes on,
 * and the part of the REST order payload the integration reads. The payload is a notification:
 * the workflow re-reads the order through the Admin API before acting on it.
 */

/**
 * Checks `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(secret, raw body)) for any of the secrets
 * while the body streams in: `start` refuses a header that cannot be a SHA-256 digest before any
 * of the body is read, `update` takes each chunk, `matches` answers at the end. Several secrets
 * cover a rotation, during which Shopify may still sign with the old one for a while. The raw
 * bytes are required: re-serialised JSON does not hash the same.
 */
export class ShopifyWebhookVerifier {
  private constructor(
    private readonly given: Buffer,
    private readonly hmacs: Hmac[],
  ) {}

  /** Undefined when the header is missing or is not a base64 SHA-256 digest (32 bytes): nothing can match it. */
  static start(hmacHeader: string | undefined, secrets: string[]): ShopifyWebhookVerifier | undefined {
    if (!hmacHeader) return undefined;
    const given = Buffer.from(hmacHeader.trim(), 'base64');
    if (given.length !== 32) return undefined;
    return new ShopifyWebhookVerifier(
      given,
      secrets.filter(Boolean).map((secret) => createHmac('sha256', secret)),
    );
  }

  update(chunk: Buffer): void {
    for (const hmac of this.hmacs) hmac.update(chunk);
  }

  matches(): boolean {
    let ok = false;
    // No early exit: every secret is tried, so timing does not tell which one matched.
    for (const hmac of this.hmacs) ok = timingSafeEqual(hmac.digest(), this.given) || ok;
    return ok;
  }
}

/** True when the header signs the whole body with one of the secrets (see ShopifyWebhookVerifier). */
export function verifyShopifyWebhook(rawBody: Buffer, hmacHeader: string | undefined, secrets: string[]): boolean {
  const verifier = ShopifyWebhookVerifier.start(hmacHeader, secrets);
  if (!verifier) return false;
  verifier.update(rawBody);
  return verifier.matches();
}

/**
 * The shop domain Shopify names in X-Shopify-Shop-Domain: the host of the Admin API URL
 * (`https://{shop}.myshopify.com`), whatever storefront domain the shop also has.
 */
export function shopDomainOf(shopUrl: string): string {
  return new URL(shopUrl).hostname.toLowerCase();
}

const idSchema = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);

/** The REST order payload of orders/create, orders/cancelled, orders/updated ... ; everything else passes through. */
export const shopifyOrderWebhookSchema = z.looseObject({
  id: idSchema,
  admin_graphql_api_id: z.string().startsWith('gid://shopify/Order/'),
  name: z.string(),
  created_at: z.string(),
  cancelled_at: z.string().nullable(),
  line_items: z.array(
    z.looseObject({
      id: idSchema,
      sku: z.string().nullable(),
      quantity: z.number().int(),
      price: z.union([z.string(), z.number()]).transform(String),
    }),
  ),
});
export type ShopifyOrderWebhook = z.infer<typeof shopifyOrderWebhookSchema>;

/**
 * The REST product payload of products/update (and products/create): a notification only. It
 * names no changed field and no actor, and our own writes fire it too, so the decision is made
 * from the product read back through the Admin API, never from this body.
 */
export const shopifyProductWebhookSchema = z.looseObject({
  id: idSchema,
  admin_graphql_api_id: z.string().startsWith('gid://shopify/Product/'),
  title: z.string(),
  handle: z.string(),
  status: z.string(),
  product_type: z.string().optional(),
  updated_at: z.string(),
  variants: z.array(
    z.looseObject({
      id: idSchema,
      sku: z.string().nullable(),
      barcode: z.string().nullish(),
      price: z.union([z.string(), z.number()]).transform(String),
      admin_graphql_api_id: z.string().optional(),
    }),
  ),
});
export type ShopifyProductWebhook = z.infer<typeof shopifyProductWebhookSchema>;

/** The verified raw body of a products/* delivery, parsed; `error` names what is wrong with it. */
export function parseShopifyProductWebhook(
  rawBody: Buffer | string,
): { product: ShopifyProductWebhook } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    return { error: 'body is not JSON' };
  }
  const parsed = shopifyProductWebhookSchema.safeParse(json);
  if (parsed.success) return { product: parsed.data };
  const issue = parsed.error.issues[0];
  return { error: `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
}

export interface ShopifyWebhookHeaders {
  topic: string;
  /** Same on every retry of one delivery: the dedupe key. */
  webhookId: string;
  /** Same for every delivery of one event (one per subscription). */
  eventId: string | undefined;
  /** Unsigned: a filter against honest misdeliveries, not a proof of origin. */
  shopDomain: string;
  /**
   * When the event fired, as the sender says: unsigned and unchecked, for logs only. A delivery
   * retried for hours carries its old time and is still valid; decide from the order itself.
   */
  triggeredAt: string | undefined;
  apiVersion: string | undefined;
  hmac: string;
}

/** Which header is missing or malformed; tell apart from the headers with `'field' in result`. */
export interface ShopifyWebhookHeaderError {
  field: string;
  error: string;
}

/** Node lower-cases header names; a repeated header arrives as an array, and its first value counts. */
export function shopifyWebhookHeaders(
  headers: Record<string, string | string[] | undefined>,
): ShopifyWebhookHeaders | ShopifyWebhookHeaderError {
  const get = (name: string): string | undefined => {
    const raw = headers[name] ?? headers[name.toLowerCase()];
    const value = Array.isArray(raw) ? raw[0] : raw;
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const required = [
    'X-Shopify-Topic',
    'X-Shopify-Webhook-Id',
    'X-Shopify-Shop-Domain',
    'X-Shopify-Hmac-Sha256',
  ] as const;
  for (const name of required)
    if (get(name.toLowerCase()) === undefined) return { field: name, error: `missing header ${name}` };
  const triggeredAt = get('x-shopify-triggered-at');
  return {
    topic: get('x-shopify-topic')!,
    webhookId: get('x-shopify-webhook-id')!,
    eventId: get('x-shopify-event-id'),
    shopDomain: get('x-shopify-shop-domain')!,
    triggeredAt,
    apiVersion: get('x-shopify-api-version'),
    hmac: get('x-shopify-hmac-sha256')!,
  };
}
