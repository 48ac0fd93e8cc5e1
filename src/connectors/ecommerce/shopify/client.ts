import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { parseBody, parseRetryAfter, PermanentError, send, throwForStatus, TransientError, type HttpCall, type HttpResponse } from '../../http';
import type { EcommercePort, SetWebStockInput, SetWebStockResult, WebStockLevel } from '../port';
import { FIND_VARIANTS_BY_SKU, INVENTORY_LEVEL, LOCATIONS, SET_AVAILABLE, skuSearch } from './queries';
import {
  envelopeSchema, inventoryLevelDataSchema, locationsDataSchema, setAvailableDataSchema, variantsDataSchema,
  type Envelope, type QueryCost, type ThrottleStatus,
} from './schemas';

export type { ThrottleStatus, QueryCost } from './schemas';

const SYSTEM = 'shopify';
/** Search terms per productVariants query: keeps the query string and the result page small. */
const SKUS_PER_QUERY = 50;
const PAGE_SIZE = 50;
/** Top-level error codes that describe a Shopify-side hiccup rather than a bad request. */
const TRANSIENT_CODES = new Set(['THROTTLED', 'INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE']);

/** A THROTTLED answer; `retryAfterMs` says when the bucket will hold the requested cost again. */
export class ShopifyThrottledError extends TransientError {}

export interface ShopifyClientOptions {
  /** e.g. https://my-shop.myshopify.com or the simulator's http://127.0.0.1:port */
  shopUrl: string;
  apiVersion: string;
  accessToken: string;
  timeoutMs?: number;
  /**
   * How long one paginated call may wait in place when a later page is throttled (default 10 s).
   * Throwing there would discard the pages already paid for, and a retry that waits only for the
   * failing page's cost would spend it on page one again: a livelock under a small bucket.
   */
  maxPageThrottleWaitMs?: number;
  dispatcher?: Dispatcher;
}

type CallOpts = { signal?: AbortSignal };

export class ShopifyClient implements EcommercePort {
  /** The bucket as of the last response that reported it; lets callers budget the next calls. */
  lastThrottleStatus: ThrottleStatus | undefined;
  lastQueryCost: QueryCost | undefined;
  /** Shopify falls forward when a version is retired; this is the version that actually answered. */
  servedApiVersion: string | undefined;
  readonly endpoint: string;
  private readonly timeoutMs: number | undefined;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly maxPageThrottleWaitMs: number;
  // An ES private field, not a property, so the token never shows up when the client is logged or inspected.
  readonly #accessToken: string;

  constructor(opts: ShopifyClientOptions) {
    this.endpoint = `${opts.shopUrl.replace(/\/+$/, '')}/admin/api/${encodeURIComponent(opts.apiVersion)}/graphql.json`;
    this.timeoutMs = opts.timeoutMs;
    this.dispatcher = opts.dispatcher;
    this.maxPageThrottleWaitMs = opts.maxPageThrottleWaitMs ?? 10_000;
    this.#accessToken = opts.accessToken;
  }

  async listLocations(opts: CallOpts = {}): Promise<Array<{ id: string; name: string; isActive: boolean }>> {
    const out: Array<{ id: string; name: string; isActive: boolean }> = [];
    let after: string | null = null;
    const waited = { ms: 0 };
    do {
      const page: z.infer<typeof locationsDataSchema> = await this.page(after === null, waited, opts, () =>
        this.graphql('Locations', LOCATIONS, { first: PAGE_SIZE, after }, locationsDataSchema, opts),
      );
      out.push(...page.locations.nodes.map(({ id, name, isActive }) => ({ id, name, isActive })));
      after = page.locations.pageInfo.hasNextPage ? page.locations.pageInfo.endCursor : null;
    } while (after);
    return out;
  }

  async findInventoryItems(skus: string[], opts: CallOpts = {}): Promise<Map<string, string>> {
    const wanted = [...new Set(skus.filter((s) => s.length > 0))];
    const found = new Map<string, string>();
    const waited = { ms: 0 };
    for (let i = 0; i < wanted.length; i += SKUS_PER_QUERY) {
      const chunk = wanted.slice(i, i + SKUS_PER_QUERY);
      const chunkSet = new Set(chunk);
      const query = skuSearch(chunk);
      let after: string | null = null;
      do {
        const page: z.infer<typeof variantsDataSchema> = await this.page(i === 0 && after === null, waited, opts, () =>
          this.graphql('FindVariantsBySku', FIND_VARIANTS_BY_SKU, { first: PAGE_SIZE, after, query }, variantsDataSchema, opts),
        );
        for (const v of page.productVariants.nodes) {
          // Shopify's search may match loosely (prefixes, tokens); only exact SKUs count. First variant wins.
          if (v.sku !== null && chunkSet.has(v.sku) && !found.has(v.sku)) found.set(v.sku, v.inventoryItem.id);
        }
        after = page.productVariants.pageInfo.hasNextPage ? page.productVariants.pageInfo.endCursor : null;
      } while (after);
    }
    return found;
  }

  async getAvailable(inventoryItemId: string, locationId: string, opts: CallOpts = {}): Promise<WebStockLevel> {
    const data = await this.graphql('InventoryLevel', INVENTORY_LEVEL, { itemId: inventoryItemId, locationId }, inventoryLevelDataSchema, opts);
    if (!data.inventoryItem) {
      // GraphQL answers 200 with null; reported as 404 so callers treat it like any missing resource.
      throw new PermanentError(`${SYSTEM} InventoryLevel: inventory item ${inventoryItemId} not found`, SYSTEM, 404, 'NOT_FOUND');
    }
    const available = data.inventoryItem.inventoryLevel?.quantities.find((q) => q.name === 'available')?.quantity;
    return { inventoryItemId, locationId, available };
  }

  async setAvailable(input: SetWebStockInput, opts: CallOpts = {}): Promise<SetWebStockResult> {
    const variables = {
      key: input.idempotencyKey,
      input: {
        name: 'available',
        reason: 'correction',
        referenceDocumentUri: input.referenceDocumentUri,
        quantities: [{ inventoryItemId: input.inventoryItemId, locationId: input.locationId, quantity: input.quantity, changeFromQuantity: input.changeFromQuantity }],
      },
    };
    const data = await this.graphql('SetAvailable', SET_AVAILABLE, variables, setAvailableDataSchema, opts);
    const errors = data.inventorySetQuantities.userErrors;
    // A replay of an applied write returns the original result: no userErrors, so it reads as applied.
    if (errors.length === 0) return { outcome: 'applied' };
    // Both mean "nothing was written under this key": the caller re-reads and writes with a new key.
    // PREVIOUS_ATTEMPT_FAILED is what a retry sees when the first attempt was stale and its response was lost.
    const stale = errors.find((e) => e.code === 'CHANGE_FROM_QUANTITY_STALE' || e.code === 'IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED');
    if (stale) return { outcome: 'stale', message: stale.message };
    const first = errors[0]!;
    const message = `${SYSTEM} SetAvailable refused: ${errors.map((e) => `${e.code ?? 'USER_ERROR'}: ${e.message}`).join('; ')}`;
    // Shopify documents this one as "still running, retry later with the same key".
    if (first.code === 'IDEMPOTENCY_CONCURRENT_REQUEST') throw new TransientError(message, SYSTEM, 200, 1000);
    throw new PermanentError(message, SYSTEM, 200, first.code ?? 'USER_ERROR');
  }

  /** Runs one page; throttles on the first page propagate, later ones wait in place within the budget. */
  private async page<T>(firstPage: boolean, waited: { ms: number }, opts: CallOpts, fetchPage: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await fetchPage();
      } catch (err) {
        if (firstPage || !(err instanceof ShopifyThrottledError)) throw err;
        const ms = err.retryAfterMs ?? 1000;
        if (waited.ms + ms > this.maxPageThrottleWaitMs) throw err;
        waited.ms += ms;
        await sleep(ms, undefined, { signal: opts.signal });
      }
    }
  }

  private async graphql<T>(operation: string, query: string, variables: Record<string, unknown>, dataSchema: z.ZodType<T>, opts: CallOpts): Promise<T> {
    const call: HttpCall = {
      system: SYSTEM,
      method: 'POST',
      url: this.endpoint,
      headers: { 'x-shopify-access-token': this.#accessToken },
      body: { query, variables, operationName: operation },
      timeoutMs: this.timeoutMs,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    };
    const res = await send(call);
    const served = res.headers['x-shopify-api-version'];
    if (typeof served === 'string') this.servedApiVersion = served;

    const envelope = tryEnvelope(res.text);
    const cost = envelope?.extensions?.cost;
    if (cost) {
      this.lastQueryCost = cost;
      if (cost.throttleStatus) this.lastThrottleStatus = cost.throttleStatus;
    }
    const errors = Array.isArray(envelope?.errors) ? envelope.errors : [];
    const codes = errors.map((e) => e.extensions?.code).filter((c): c is string => typeof c === 'string');

    if (res.status === 429 || codes.includes('THROTTLED')) {
      throw new ShopifyThrottledError(`${SYSTEM} ${operation} throttled (HTTP ${res.status})`, SYSTEM, res.status, throttleWaitMs(cost, res));
    }
    if (res.status < 200 || res.status >= 300) {
      throwForStatus(call, res, { code: codes[0], message: this.scrub(errorText(envelope) ?? res.text.slice(0, 200)) });
    }
    const body = envelope ?? parseBody(SYSTEM, res.text, envelopeSchema);
    if (errors.length > 0) {
      const message = this.scrub(`${SYSTEM} ${operation}: ${errors.map((e) => e.message).join('; ')}`);
      const code = codes[0] ?? 'GRAPHQL_ERROR';
      if (codes.some((c) => TRANSIENT_CODES.has(c))) throw new TransientError(message, SYSTEM, res.status);
      throw new PermanentError(message, SYSTEM, res.status, code);
    }
    const parsed = dataSchema.safeParse(body.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PermanentError(
        `${SYSTEM} ${operation} data did not match the expected shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
        SYSTEM, res.status, 'UnexpectedResponse',
      );
    }
    return parsed.data;
  }

  /** Server text is echoed into errors; make sure our own credential never rides along. */
  private scrub(text: string): string {
    return this.#accessToken ? text.split(this.#accessToken).join('[redacted]') : text;
  }
}

function tryEnvelope(text: string): Envelope | undefined {
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function errorText(envelope: Envelope | undefined): string | undefined {
  const errors = envelope?.errors;
  if (errors === undefined) return undefined;
  if (typeof errors === 'string') return errors;
  if (Array.isArray(errors)) return errors.map((e) => e.message).join('; ');
  return JSON.stringify(errors);
}

/**
 * How long until the bucket holds the requested cost again: (requested - available) / restoreRate.
 * The larger of that and Retry-After wins; never zero, so a retry loop cannot spin.
 */
export function throttleWaitMs(cost: QueryCost | undefined, res: Pick<HttpResponse, 'headers'>): number {
  const fromHeader = parseRetryAfter(res.headers['retry-after']) ?? 0;
  const s = cost?.throttleStatus;
  const requested = cost?.requestedQueryCost;
  const computed = s && requested != null && s.restoreRate > 0 ? Math.ceil(((requested - s.currentlyAvailable) / s.restoreRate) * 1000) : 0;
  const wait = Math.max(fromHeader, computed);
  return wait > 0 ? wait : 1000;
}
