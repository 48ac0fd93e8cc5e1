/** The e-commerce platform as the integration needs it. Shopify implements it first. */
export interface WebStockLevel {
  inventoryItemId: string;
  locationId: string;
  /** The `available` quantity; undefined when the item is not stocked at that location. */
  available: number | undefined;
}

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

export interface SetWebStockManyInput {
  /** Absolute `available` values, each compare-and-set against what the caller believes is current. */
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

export interface EcommercePort {
  /** Inventory item ids by SKU; SKUs the platform does not know are absent from the map. */
  findInventoryItems(skus: string[], opts?: { signal?: AbortSignal }): Promise<Map<string, string>>;
  getAvailable(inventoryItemId: string, locationId: string, opts?: { signal?: AbortSignal }): Promise<WebStockLevel>;
  setAvailable(input: SetWebStockInput, opts?: { signal?: AbortSignal }): Promise<SetWebStockResult>;
  listLocations(opts?: { signal?: AbortSignal }): Promise<Array<{ id: string; name: string; isActive: boolean }>>;
  /**
   * Many levels in one `inventorySetQuantities` call (chunked by 250 when longer). All-or-nothing
   * per call: one stale quantity leaves the whole call unapplied (`stale`), and the caller re-reads.
   */
  setAvailableMany(input: SetWebStockManyInput, opts?: { signal?: AbortSignal }): Promise<SetWebStockResult>;
  /** Current `available` for many levels, keyed by webLevelKey; undefined when not stocked there. */
  getAvailableMany(levels: WebLevelKey[], opts?: { signal?: AbortSignal }): Promise<Map<string, number | undefined>>;
  /** Every level stocked at a location (paged inside): the web side of a drift check. */
  listLocationLevels(locationId: string, opts?: { signal?: AbortSignal }): Promise<Array<{ inventoryItemId: string; sku: string | null; available: number }>>;
  /** Counters since the connector was created. */
  readonly callStats: EcommerceCallStats;
}
