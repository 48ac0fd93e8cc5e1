import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import {
  parseBody,
  PermanentError,
  send,
  throwForStatus,
  TransientError,
  type HttpCall,
  type HttpResponse,
} from '../../http';
import type { WebOrder } from '../../../domain/web-order';
import {
  webLevelKey,
  type CancelWebOrderInput,
  type EcommerceCallStats,
  type EcommercePort,
  type RefundWebLinesInput,
  type SetWebOnHandManyInput,
  type SetWebStockInput,
  type SetWebStockResult,
  type WebhookSubscriptionInfo,
  type WebLevelKey,
  type WebOrderChangesPage,
  type WebRefundResult,
  type WebStockLevel,
} from '../port';
import { ShopifyCatalogue } from './catalogue';
import { ShopifyOrderPoll } from './order-poll';
import { allNodes } from './paging';
import { ShopifyOrderOps, type OrderOpsOptions } from './orders';
import {
  FIND_VARIANTS_BY_SKU,
  INVENTORY_LEVEL,
  LOCATION_LEVELS,
  LOCATIONS,
  ON_HAND_MANY,
  SET_AVAILABLE,
  SET_ON_HAND,
  skuSearch,
} from './queries';
import {
  envelopeSchema,
  inventoryLevelDataSchema,
  locationLevelsDataSchema,
  locationsDataSchema,
  quantitiesManyDataSchema,
  setQuantitiesDataSchema,
  variantsDataSchema,
  errorText,
  tryEnvelope,
  type Envelope,
  type QueryCost,
  type ThrottleStatus,
} from './schemas';
import { ThrottleGate, throttleWaitMs, type OperationKind } from './throttle-gate';

export type { ThrottleStatus, QueryCost } from './schemas';
export { throttleWaitMs } from './throttle-gate';
export { ShopifyJobTimeoutError, orderGid } from './orders';
export { ShopifyCatalogue, CATALOGUE_NAMESPACE, CATALOGUE_METAFIELDS } from './catalogue';

const SYSTEM = 'shopify';
/** Search terms per productVariants query: keeps the query string and the result page small. */
const SKUS_PER_QUERY = 50;
const PAGE_SIZE = 50;
/** Shopify's limit on array inputs (quantities, ids) and page sizes. */
const MAX_INPUT = 250;
const MAX_QUERY_COST = 1000;
/** Top-level error codes that describe a Shopify-side hiccup rather than a bad request. */
const TRANSIENT_CODES = new Set([
  'THROTTLED',
  'INTERNAL_SERVER_ERROR',
  'SERVICE_UNAVAILABLE',
  'IDEMPOTENCY_CONCURRENT_REQUEST',
]);

/** A THROTTLED answer; `retryAfterMs` says when the bucket will hold the requested cost again. */
export class ShopifyThrottledError extends TransientError {}

export interface ShopifyClientOptions extends OrderOpsOptions {
  /**
   * Share of the cost bucket (0..0.9) this client never spends: the catalogue worker's client
   * leaves it to the stock writes, which share the bucket of the same app and shop.
   */
  bucketReserve?: number;
  /** e.g. https://my-shop.myshopify.com or the simulator's http://127.0.0.1:port */
  shopUrl: string;
  apiVersion: string;
  accessToken: string;
  timeoutMs?: number;
  /**
   * How long one request may wait for the rate-limit bucket, before sending and after THROTTLED
   * answers together (default 60 s). Past it a THROTTLED answer surfaces as ShopifyThrottledError;
   * 0 never waits.
   */
  maxThrottleWaitMs?: number;
  dispatcher?: Dispatcher;
}

type CallOpts = { signal?: AbortSignal };

/** The two quantities `inventorySetQuantities` accepts, each with its own named operation. */
const WRITES = {
  on_hand: { operation: 'SetOnHand', document: SET_ON_HAND },
  available: { operation: 'SetAvailable', document: SET_AVAILABLE },
} as const;
type QuantityName = keyof typeof WRITES;

export class ShopifyClient implements EcommercePort {
  /** The bucket as of the last response that reported it; lets callers budget the next calls. */
  lastThrottleStatus: ThrottleStatus | undefined;
  lastQueryCost: QueryCost | undefined;
  /** Shopify falls forward when a version is retired; this is the version that actually answered. */
  servedApiVersion: string | undefined;
  readonly endpoint: string;
  private readonly timeoutMs: number | undefined;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly maxThrottleWaitMs: number;
  private readonly gate: ThrottleGate;
  private readonly orders: ShopifyOrderOps;
  private readonly orderPoll: ShopifyOrderPoll;
  // An ES private field, not a property, so the token never shows up when the client is logged or inspected.
  readonly #accessToken: string;

  constructor(opts: ShopifyClientOptions) {
    this.gate = new ThrottleGate(Date.now, Math.min(0.9, Math.max(0, opts.bucketReserve ?? 0)));
    this.endpoint = `${opts.shopUrl.replace(/\/+$/, '')}/admin/api/${encodeURIComponent(opts.apiVersion)}/graphql.json`;
    this.timeoutMs = opts.timeoutMs;
    this.dispatcher = opts.dispatcher;
    this.maxThrottleWaitMs = opts.maxThrottleWaitMs ?? 60_000;
    this.#accessToken = opts.accessToken;
    this.orders = new ShopifyOrderOps(
      (operation, query, variables, schema, callOpts, kind) =>
        this.graphql(operation, query, variables, schema, callOpts, kind),
      opts,
    );
    this.orderPoll = new ShopifyOrderPoll((operation, query, variables, schema, callOpts, kind) =>
      this.graphql(operation, query, variables, schema, callOpts, kind),
    );
  }

  /**
   * The catalogue subscriber (issue 15) on this client's request path: its calls share this
   * client's throttle gate, so give the catalogue worker a client of its own.
   */
  catalogue(): ShopifyCatalogue {
    return new ShopifyCatalogue(
      (operation, query, variables, schema, callOpts, kind) =>
        this.graphql(operation, query, variables, schema, callOpts, kind),
      { timeoutMs: this.timeoutMs, dispatcher: this.dispatcher },
    );
  }

  /** A copy: the counters move only with requests. */
  get callStats(): EcommerceCallStats {
    return { ...this.gate.stats };
  }

  getOrder(orderId: string, opts: CallOpts = {}): Promise<WebOrder | undefined> {
    return this.orders.getOrder(orderId, opts);
  }

  markPreparedForPickup(fulfillmentOrderId: string, opts: CallOpts = {}): Promise<void> {
    return this.orders.markPreparedForPickup(fulfillmentOrderId, opts);
  }

  fulfilPickup(fulfillmentOrderId: string, opts: CallOpts = {}): Promise<void> {
    return this.orders.fulfilPickup(fulfillmentOrderId, opts);
  }

  cancelOrder(input: CancelWebOrderInput, opts: CallOpts = {}): Promise<void> {
    return this.orders.cancelOrder(input, opts);
  }

  refundLines(input: RefundWebLinesInput, opts: CallOpts = {}): Promise<WebRefundResult> {
    return this.orders.refundLines(input, opts);
  }

  listOrdersChangedSince(
    input: { updatedAtFrom: string; first: number; after?: string },
    opts: CallOpts = {},
  ): Promise<WebOrderChangesPage> {
    return this.orderPoll.listOrdersChangedSince(input, opts);
  }

  listWebhookSubscriptions(topics: string[], opts: CallOpts = {}): Promise<WebhookSubscriptionInfo[]> {
    return this.orderPoll.listWebhookSubscriptions(topics, opts);
  }

  createWebhookSubscription(topic: string, uri: string, opts: CallOpts = {}): Promise<WebhookSubscriptionInfo> {
    return this.orderPoll.createWebhookSubscription(topic, uri, opts);
  }

  async listLocations(opts: CallOpts = {}): Promise<Array<{ id: string; name: string; isActive: boolean }>> {
    const nodes = await allNodes(
      async (after) =>
        (await this.graphql('Locations', LOCATIONS, { first: PAGE_SIZE, after }, locationsDataSchema, opts)).locations,
    );
    return nodes.map(({ id, name, isActive }) => ({ id, name, isActive }));
  }

  async findInventoryItems(skus: string[], opts: CallOpts = {}): Promise<Map<string, string>> {
    const wanted = [...new Set(skus.filter((s) => s.length > 0))];
    const found = new Map<string, string>();
    for (let i = 0; i < wanted.length; i += SKUS_PER_QUERY) {
      const chunk = wanted.slice(i, i + SKUS_PER_QUERY);
      const chunkSet = new Set(chunk);
      const query = skuSearch(chunk);
      const variants = await allNodes(
        async (after) =>
          (
            await this.graphql(
              'FindVariantsBySku',
              FIND_VARIANTS_BY_SKU,
              { first: PAGE_SIZE, after, query },
              variantsDataSchema,
              opts,
            )
          ).productVariants,
      );
      for (const v of variants) {
        // Shopify's search may match loosely (prefixes, tokens); only exact SKUs count. First variant wins.
        if (v.sku !== null && chunkSet.has(v.sku) && !found.has(v.sku)) found.set(v.sku, v.inventoryItem.id);
      }
    }
    return found;
  }

  async getAvailable(inventoryItemId: string, locationId: string, opts: CallOpts = {}): Promise<WebStockLevel> {
    const data = await this.graphql(
      'InventoryLevel',
      INVENTORY_LEVEL,
      { itemId: inventoryItemId, locationId },
      inventoryLevelDataSchema,
      opts,
    );
    if (!data.inventoryItem) {
      // GraphQL answers 200 with null; reported as 404 so callers treat it like any missing resource.
      throw new PermanentError(
        `${SYSTEM} InventoryLevel: inventory item ${inventoryItemId} not found`,
        SYSTEM,
        404,
        'NOT_FOUND',
      );
    }
    return {
      inventoryItemId,
      locationId,
      available: quantityOf(data.inventoryItem.inventoryLevel?.quantities, 'available'),
    };
  }

  async getOnHandMany(levels: WebLevelKey[], opts: CallOpts = {}): Promise<Map<string, number | undefined>> {
    const itemsByLocation = new Map<string, Set<string>>();
    for (const l of levels) {
      let items = itemsByLocation.get(l.locationId);
      if (!items) itemsByLocation.set(l.locationId, (items = new Set()));
      items.add(l.inventoryItemId);
    }
    const out = new Map<string, number | undefined>();
    for (const [locationId, items] of itemsByLocation) {
      const ids = [...items];
      for (let i = 0; i < ids.length;) {
        const chunk = ids.slice(i, i + this.batchSize(0, 3));
        i += chunk.length;
        const data = await this.graphql(
          'OnHandMany',
          ON_HAND_MANY,
          { ids: chunk, locationId },
          quantitiesManyDataSchema,
          opts,
        );
        if (data.nodes.length !== chunk.length) {
          throw new PermanentError(
            `${SYSTEM} OnHandMany answered ${data.nodes.length} nodes for ${chunk.length} ids`,
            SYSTEM,
            200,
            'UnexpectedResponse',
          );
        }
        chunk.forEach((inventoryItemId, j) =>
          out.set(
            webLevelKey({ inventoryItemId, locationId }),
            quantityOf(data.nodes[j]?.inventoryLevel?.quantities, 'on_hand'),
          ),
        );
      }
    }
    return out;
  }

  async listLocationLevels(
    locationId: string,
    opts: CallOpts = {},
  ): Promise<Array<{ inventoryItemId: string; sku: string | null; onHand: number }>> {
    const levels = await allNodes(async (after) => {
      const page = await this.graphql(
        'LocationLevels',
        LOCATION_LEVELS,
        { locationId, first: this.batchSize(4, 3), after },
        locationLevelsDataSchema,
        opts,
      );
      if (!page.location)
        throw new PermanentError(
          `${SYSTEM} LocationLevels: location ${locationId} not found`,
          SYSTEM,
          404,
          'NOT_FOUND',
        );
      return page.location.inventoryLevels;
    });
    return levels.map((n) => ({
      inventoryItemId: n.item.id,
      sku: n.item.sku,
      onHand: quantityOf(n.quantities, 'on_hand') ?? 0,
    }));
  }

  setAvailable(input: SetWebStockInput, opts: CallOpts = {}): Promise<SetWebStockResult> {
    const { idempotencyKey, referenceDocumentUri, ...level } = input;
    return this.setQuantities('available', { quantities: [level], idempotencyKey, referenceDocumentUri }, opts);
  }

  setOnHandMany(input: SetWebOnHandManyInput, opts: CallOpts = {}): Promise<SetWebStockResult> {
    return this.setQuantities('on_hand', input, opts);
  }

  /**
   * One mutation per 250 quantities. Each chunk is all-or-nothing and has its own key, so a retry
   * after a lost answer replays the chunks already applied; the first stale chunk stops the call
   * (earlier chunks stay applied) and the caller re-reads.
   */
  private async setQuantities(
    name: QuantityName,
    input: SetWebOnHandManyInput,
    opts: CallOpts,
  ): Promise<SetWebStockResult> {
    const seen = new Set<string>();
    for (const q of input.quantities) {
      // Shopify catches this inside one chunk only; across chunks the later value would silently win.
      if (seen.has(webLevelKey(q))) {
        throw new PermanentError(
          `${SYSTEM} ${WRITES[name].operation}: level ${webLevelKey(q)} appears twice`,
          SYSTEM,
          0,
          'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR',
        );
      }
      seen.add(webLevelKey(q));
    }
    const chunks: Array<SetWebOnHandManyInput['quantities']> = [];
    for (let i = 0; i < input.quantities.length; i += MAX_INPUT) chunks.push(input.quantities.slice(i, i + MAX_INPUT));
    for (const [i, quantities] of chunks.entries()) {
      const key = chunks.length > 1 ? `${input.idempotencyKey}:${i}` : input.idempotencyKey;
      const result = await this.setChunk(name, quantities, key, input, opts);
      if (result.outcome === 'stale')
        return chunks.length > 1
          ? { outcome: 'stale', message: `chunk ${i + 1}/${chunks.length}: ${result.message}` }
          : result;
    }
    return { outcome: 'applied' };
  }

  private async setChunk(
    name: QuantityName,
    quantities: SetWebOnHandManyInput['quantities'],
    key: string,
    input: SetWebOnHandManyInput,
    opts: CallOpts,
  ): Promise<SetWebStockResult> {
    const { operation, document } = WRITES[name];
    const variables = {
      key,
      input: {
        name,
        reason: input.reason ?? 'correction',
        referenceDocumentUri: input.referenceDocumentUri,
        // Picked field by field: GraphQL refuses input fields it does not know.
        quantities: quantities.map((q) => ({
          inventoryItemId: q.inventoryItemId,
          locationId: q.locationId,
          quantity: q.quantity,
          changeFromQuantity: q.changeFromQuantity,
        })),
      },
    };
    const data = await this.graphql(operation, document, variables, setQuantitiesDataSchema, opts, 'mutation');
    const errors = data.inventorySetQuantities.userErrors;
    // A replay of an applied write returns the original result: no userErrors, so it reads as applied.
    if (errors.length === 0) return { outcome: 'applied' };
    // Both mean "nothing was written under this key": the caller re-reads and writes with a new key.
    // PREVIOUS_ATTEMPT_FAILED is what a retry sees when the first attempt was stale and its response was lost.
    const stale = errors.find(
      (e) => e.code === 'CHANGE_FROM_QUANTITY_STALE' || e.code === 'IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED',
    );
    if (stale) {
      const level = stale.field?.[1] === 'quantities' ? quantities[Number(stale.field[2])] : undefined;
      return { outcome: 'stale', message: level ? `${stale.message} (${webLevelKey(level)})` : stale.message };
    }
    const first = errors[0]!;
    const message = `${SYSTEM} ${operation} refused: ${errors.map((e) => `${e.code ?? 'USER_ERROR'}: ${e.message}`).join('; ')}`;
    // Shopify documents this one as "still running, retry later with the same key".
    if (first.code === 'IDEMPOTENCY_CONCURRENT_REQUEST') throw new TransientError(message, SYSTEM, 200, 1000);
    throw new PermanentError(message, SYSTEM, 200, first.code ?? 'USER_ERROR');
  }

  /**
   * How many elements one read may ask for: a third of the bucket (and of the 1,000-point query
   * cap), so a small bucket still fits a request and concurrent calls keep some room.
   */
  private batchSize(fixedCost: number, costPerElement: number): number {
    const budget = Math.min(this.gate.maximumAvailable ?? MAX_QUERY_COST, MAX_QUERY_COST) / 3;
    return Math.max(1, Math.min(100, Math.floor((budget - fixedCost) / costPerElement)));
  }

  /**
   * One GraphQL request through the throttle gate. THROTTLED answers are waited out and resent
   * (nothing ran, so resending a mutation is safe) until the wait budget is spent.
   */
  private async graphql<T>(
    operation: string,
    query: string,
    variables: Record<string, unknown>,
    dataSchema: z.ZodType<T>,
    opts: CallOpts,
    kind: OperationKind = 'query',
  ): Promise<T> {
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
    let waited = 0;
    let knownCost: number | undefined;
    for (;;) {
      const ticket = await this.gate.acquire(operation, kind, this.maxThrottleWaitMs - waited, opts.signal, knownCost);
      waited += ticket.waitedMs;
      let res: HttpResponse;
      try {
        res = await send(call);
      } catch (err) {
        this.gate.settle(ticket);
        throw err;
      }
      const served = res.headers['x-shopify-api-version'];
      if (typeof served === 'string') this.servedApiVersion = served;
      const envelope = tryEnvelope(res.text);
      const cost = envelope?.extensions?.cost;
      const errors = Array.isArray(envelope?.errors) ? envelope.errors : [];
      const codes = errors.map((e) => e.extensions?.code).filter((c): c is string => typeof c === 'string');
      const throttled = res.status === 429 || codes.includes('THROTTLED');
      this.gate.settle(ticket, cost, throttled);
      if (cost) {
        this.lastQueryCost = cost;
        if (cost.throttleStatus) this.lastThrottleStatus = cost.throttleStatus;
      }
      if (!throttled) return this.decode(call, operation, res, envelope, codes, dataSchema);
      const ms = throttleWaitMs(cost, res);
      if (waited + ms > this.maxThrottleWaitMs) {
        throw new ShopifyThrottledError(
          `${SYSTEM} ${operation} throttled (HTTP ${res.status}) after waiting ${waited} ms`,
          SYSTEM,
          res.status,
          ms,
        );
      }
      waited += ms;
      await this.gate.backoff(ms, opts.signal);
      knownCost = cost?.requestedQueryCost ?? undefined;
    }
  }

  private decode<T>(
    call: HttpCall,
    operation: string,
    res: HttpResponse,
    envelope: Envelope | undefined,
    codes: string[],
    dataSchema: z.ZodType<T>,
  ): T {
    if (res.status < 200 || res.status >= 300) {
      throwForStatus(call, res, { code: codes[0], message: this.scrub(errorText(envelope) ?? res.text.slice(0, 200)) });
    }
    const body = envelope ?? parseBody(SYSTEM, res.text, envelopeSchema);
    const errors = Array.isArray(body.errors) ? body.errors : [];
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
        SYSTEM,
        res.status,
        'UnexpectedResponse',
      );
    }
    return parsed.data;
  }

  /** Server text is echoed into errors; make sure our own credential never rides along. */
  private scrub(text: string): string {
    return this.#accessToken ? text.split(this.#accessToken).join('[redacted]') : text;
  }
}

function quantityOf(
  quantities: Array<{ name: string; quantity: number }> | undefined,
  name: QuantityName,
): number | undefined {
  return quantities?.find((q) => q.name === name)?.quantity;
}
