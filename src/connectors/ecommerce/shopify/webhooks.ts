import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Receiving Shopify webhooks: signature check, the headers a receiver dedupes and routes on,
 * and the part of the REST order payload the integration reads. The payload is a notification:
 * the workflow re-reads the order through the Admin API before acting on it.
 */

/**
 * True when `X-Shopify-Hmac-Sha256` is base64(HMAC-SHA256(secret, raw body)) for one of the
 * secrets. Several secrets cover a rotation, during which Shopify may still sign with the old
 * one for a while. The raw bytes are required: re-serialised JSON does not hash the same.
 */
export function verifyShopifyWebhook(rawBody: Buffer, hmacHeader: string | undefined, secrets: string[]): boolean {
  if (!hmacHeader) return false;
  const given = Buffer.from(hmacHeader.trim(), 'base64');
  // A SHA-256 digest is 32 bytes; anything else cannot match and timingSafeEqual would throw.
  if (given.length !== 32) return false;
  let ok = false;
  for (const secret of secrets) {
    if (!secret) continue;
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    // No early exit: every secret is tried, so timing does not tell which one matched.
    ok = timingSafeEqual(expected, given) || ok;
  }
  return ok;
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

export interface ShopifyWebhookHeaders {
  topic: string;
  /** Same on every retry of one delivery: the dedupe key. */
  webhookId: string;
  /** Same for every delivery of one event (one per subscription). */
  eventId: string | undefined;
  shopDomain: string;
  /** When the event fired; lets a receiver drop a stale redelivery. */
  triggeredAt: string | undefined;
  apiVersion: string | undefined;
  hmac: string;
}

/** Which header is missing or malformed; tell apart from the headers with `'field' in result`. */
export interface ShopifyWebhookHeaderError { field: string; error: string }

/** Node lower-cases header names; a repeated header arrives as an array, and its first value counts. */
export function shopifyWebhookHeaders(headers: Record<string, string | string[] | undefined>): ShopifyWebhookHeaders | ShopifyWebhookHeaderError {
  const get = (name: string): string | undefined => {
    const raw = headers[name] ?? headers[name.toLowerCase()];
    const value = Array.isArray(raw) ? raw[0] : raw;
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const required = ['X-Shopify-Topic', 'X-Shopify-Webhook-Id', 'X-Shopify-Shop-Domain', 'X-Shopify-Hmac-Sha256'] as const;
  for (const name of required) if (get(name.toLowerCase()) === undefined) return { field: name, error: `missing header ${name}` };
  const triggeredAt = get('x-shopify-triggered-at');
  if (triggeredAt !== undefined && Number.isNaN(Date.parse(triggeredAt))) {
    return { field: 'X-Shopify-Triggered-At', error: `not a timestamp: ${triggeredAt}` };
  }
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
