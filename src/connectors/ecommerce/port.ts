import type { WebOrder } from '../../domain/web-order';

/**
 * The e-commerce platform as the integration needs it. Shopify implements it first.
 *
 * Stock is written as **on_hand**, the quantity the platform derives available from (available =
 * on_hand - committed - reserved - unavailable): units committed to the platform's own open orders
 * stay out of sale whatever the master says. The `available` reads and writes serve only the
 * legacy per-sale decrement of sales started before stock followed warehouse transactions.
 */
export interface WebStockLevel {
  inventoryItemId: string;
  locationId: string;
  /** The `available` quantity; undefined when the item is not stocked at that location. */
  available: number | undefined;
}

/** Legacy per-sale path: one `available` write. */
export interface SetWebStockInput {
  inventoryItemId: string;
  locationId: string;
  /** The absolute `available` quantity to write. */
  quantity: number;
  /** Compare-and-set: the write applies only if the current value is still this. */
  changeFromQuantity: number;
  /** Same key + same input = applied once; a retry after a lost response returns the first result. */
  idempotencyKey: string;
  /** Why the stock changed, shown in the platform's inventory history (e.g. gid://retail-integration/SitooOrder/123). */
  referenceDocumentUri: string;
}

/** `stale`: nothing was written (the value moved, or an earlier attempt under this key failed); re-read and retry with a new key. */
export type SetWebStockResult = { outcome: 'applied' } | { outcome: 'stale'; message: string };

/** One inventory level: an item at a location. */
export interface WebLevelKey {
  inventoryItemId: string;
  locationId: string;
}

/** Map key for a level: `<inventoryItemId>|<locationId>`. */
export function webLevelKey(k: WebLevelKey): string {
  return `${k.inventoryItemId}|${k.locationId}`;
}

export interface SetWebOnHandManyInput {
  /** Absolute `on_hand` values, each compare-and-set against the on_hand the caller believes is current. */
  quantities: Array<WebLevelKey & { quantity: number; changeFromQuantity: number }>;
  idempotencyKey: string;
  referenceDocumentUri: string;
  /** Shopify reason code; default `correction`. */
  reason?: string;
}

/** Budget use of the e-commerce connector, for the benchmark and the status views. */
export interface EcommerceCallStats {
  /** Requests sent (including retried ones). */
  requests: number;
  /** Answers that said THROTTLED / 429. */
  throttledResponses: number;
  /** Time spent waiting for the rate-limit bucket, before sending or after a throttled answer. */
  throttleWaitMs: number;
}

export type WebOrderCancelReason = 'CUSTOMER' | 'DECLINED' | 'FRAUD' | 'INVENTORY' | 'OTHER' | 'STAFF';

export interface CancelWebOrderInput {
  /** Order GID, or the numeric legacy id from a webhook. */
  orderId: string;
  reason: WebOrderCancelReason;
  /** Refund the customer's payment in full to the original payment method. */
  refund: boolean;
  /** Put the unfulfilled units back into the platform's stock. */
  restock: boolean;
  staffNote?: string;
  /** Let the platform email the customer about the cancellation (default true). */
  notifyCustomer?: boolean;
}

export type WebRestockType = 'NO_RESTOCK' | 'RETURN' | 'CANCEL';

export interface RefundWebLinesInput {
  /** Order GID, or the numeric legacy id. */
  orderId: string;
  lines: Array<{ lineItemId: string; quantity: number }>;
  /**
   * The money: how much goes back to which of the order's payments (a sale or capture), sent as
   * given. The caller works it out from the order it read (`planRefund`), so a retry sends the
   * same amounts under the same key; an empty list refunds goods without money.
   */
  transactions: Array<{ transactionId: string; gateway: string; amountCents: number }>;
  /** RETURN: goods came back to `locationId` (restocked there); CANCEL: unfulfilled units cancelled and restocked; NO_RESTOCK: money only. */
  restockType: WebRestockType;
  locationId?: string;
  note: string;
  /** Same key + same input = one refund; a retry after a lost response returns the first refund. */
  idempotencyKey: string;
}

export interface WebRefundResult {
  refundId: string;
  /** Money refunded by this refund. */
  amountCents: number;
}

/** An order as the order poll lists it: enough to decide whether its click & collect workflow needs a nudge. */
export interface WebOrderChange {
  /** Platform order id (GID) and the numeric id webhooks carry. */
  id: string;
  legacyId: string;
  name: string;
  /** ISO time, whole seconds on Shopify: orders changed in the same second tie. */
  updatedAt: string;
  cancelledAt: string | null;
  /** Shopify displayFulfillmentStatus: FULFILLED means nothing is left to collect. */
  fulfillmentStatus: string;
}

export interface WebOrderChangesPage {
  orders: WebOrderChange[];
  /** Pass back as `after` for the next page of the same search. */
  endCursor: string | null;
  hasNextPage: boolean;
}

/** A webhook subscription: one topic (`orders/create`) delivered to one address. */
export interface WebhookSubscriptionInfo {
  id: string;
  topic: string;
  uri: string;
}

export interface EcommercePort {
  /** Inventory item ids by SKU; SKUs the platform does not know are absent from the map. */
  findInventoryItems(skus: string[], opts?: { signal?: AbortSignal }): Promise<Map<string, string>>;
  /** Legacy per-sale path: one level's `available`. */
  getAvailable(inventoryItemId: string, locationId: string, opts?: { signal?: AbortSignal }): Promise<WebStockLevel>;
  /** Legacy per-sale path: writes one level's `available`. */
  setAvailable(input: SetWebStockInput, opts?: { signal?: AbortSignal }): Promise<SetWebStockResult>;
  listLocations(opts?: { signal?: AbortSignal }): Promise<Array<{ id: string; name: string; isActive: boolean }>>;
  /**
   * Many levels' `on_hand` in one `inventorySetQuantities` call (chunked by 250 when longer).
   * All-or-nothing per call: one stale quantity leaves the whole call unapplied (`stale`), and the
   * caller re-reads.
   */
  setOnHandMany(input: SetWebOnHandManyInput, opts?: { signal?: AbortSignal }): Promise<SetWebStockResult>;
  /** Current `on_hand` for many levels, keyed by webLevelKey; undefined when not stocked there. */
  getOnHandMany(levels: WebLevelKey[], opts?: { signal?: AbortSignal }): Promise<Map<string, number | undefined>>;
  /** Every level stocked at a location with its `on_hand` (paged inside): the web side of a drift check. */
  listLocationLevels(
    locationId: string,
    opts?: { signal?: AbortSignal },
  ): Promise<Array<{ inventoryItemId: string; sku: string | null; onHand: number }>>;
  /** A web order as click & collect and returns need it; undefined when the platform has no such order. */
  getOrder(orderId: string, opts?: { signal?: AbortSignal }): Promise<WebOrder | undefined>;
  /** The store has picked the goods: tells the platform (which emails the customer). Already prepared or collected is success. */
  markPreparedForPickup(fulfillmentOrderId: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /** The customer collected: fulfils the whole pickup fulfilment order. Already closed is success. */
  fulfilPickup(fulfillmentOrderId: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Cancels and waits until the platform has done it. Already cancelled is success. */
  cancelOrder(input: CancelWebOrderInput, opts?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Refunds exactly these lines and these amounts to these payments. Refunding more units than
   * are left on a line is refused (PermanentError, code REFUND_QUANTITY_EXCEEDED), and so is more
   * money than a payment still holds (REFUND_REFUSED).
   */
  refundLines(input: RefundWebLinesInput, opts?: { signal?: AbortSignal }): Promise<WebRefundResult>;
  /**
   * One page of orders changed at or after `updatedAtFrom` (inclusive: equal timestamps are read
   * again, never skipped), oldest change first, ties by id; `after` continues the same search.
   */
  listOrdersChangedSince(
    input: { updatedAtFrom: string; first: number; after?: string },
    opts?: { signal?: AbortSignal },
  ): Promise<WebOrderChangesPage>;
  /** The shop's webhook subscriptions made through the API, for these topics (`orders/create` form). */
  listWebhookSubscriptions(topics: string[], opts?: { signal?: AbortSignal }): Promise<WebhookSubscriptionInfo[]>;
  /** Subscribes a topic to an address (signed with the app's secret). Refusals are PermanentErrors. */
  createWebhookSubscription(
    topic: string,
    uri: string,
    opts?: { signal?: AbortSignal },
  ): Promise<WebhookSubscriptionInfo>;
  /** Counters since the connector was created. */
  readonly callStats: EcommerceCallStats;
}
