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

export interface EcommercePort {
  /** Inventory item ids by SKU; SKUs the platform does not know are absent from the map. */
  findInventoryItems(skus: string[], opts?: { signal?: AbortSignal }): Promise<Map<string, string>>;
  getAvailable(inventoryItemId: string, locationId: string, opts?: { signal?: AbortSignal }): Promise<WebStockLevel>;
  setAvailable(input: SetWebStockInput, opts?: { signal?: AbortSignal }): Promise<SetWebStockResult>;
  listLocations(opts?: { signal?: AbortSignal }): Promise<Array<{ id: string; name: string; isActive: boolean }>>;
}
