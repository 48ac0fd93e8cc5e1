/**
 * The shop's data and the inventorySetQuantities rules, free of HTTP and GraphQL so tests can seed
 * and inspect it directly.
 */
import { gid, stableJson } from './ids';
import { OrderBook, type CancelRequest, type CreateOrderInput } from './orders';
import { ProductCatalogue } from './products';

export { gid, stableJson } from './ids';

export const QUANTITY_NAMES = [
  'available',
  'on_hand',
  'committed',
  'reserved',
  'incoming',
  'damaged',
  'quality_control',
  'safety_stock',
] as const;
const SETTABLE_NAMES = new Set(['available', 'on_hand']);
const REASONS = new Set([
  'correction',
  'cycle_count_available',
  'damaged',
  'movement_created',
  'movement_updated',
  'movement_received',
  'movement_canceled',
  'other',
  'promotion',
  'quality_control',
  'received',
  'reservation_created',
  'reservation_deleted',
  'reservation_updated',
  'restock',
  'safety_stock',
  'shrinkage',
]);
const MAX_QUANTITY = 1_000_000_000;

export interface LocationRecord {
  id: string;
  num: number;
  name: string;
  isActive: boolean;
  fulfillsOnlineOrders: boolean;
}
export interface ItemRecord {
  id: string;
  num: number;
  variantId: string;
  sku: string;
  tracked: boolean;
}
/**
 * One item at one location, in Shopify's quantity states. `on_hand` is derived: available +
 * committed + reserved (the unavailable states, damaged, quality_control and safety_stock, are
 * not modelled and read as 0). `available` may go negative, as in Shopify when an order takes more
 * than is available (oversold).
 */
interface LevelRecord {
  id: string;
  available: number;
  committed: number;
  reserved: number;
}

/** A level's quantities as Shopify reports them. */
export interface LevelQuantities {
  available: number;
  committed: number;
  reserved: number;
  on_hand: number;
}

export interface QuantityInput {
  inventoryItemId: string;
  locationId: string;
  quantity: number;
  changeFromQuantity?: number | null;
}
export interface SetQuantitiesInput {
  name: string;
  reason: string;
  referenceDocumentUri?: string | null;
  quantities: QuantityInput[];
}
export interface UserError {
  field: string[] | null;
  message: string;
  code: string;
}
export interface AppliedChange {
  name: string;
  delta: number;
  quantityAfterChange: number;
  itemId: string;
  locationId: string;
}
export interface AdjustmentGroup {
  id: string;
  createdAt: string;
  reason: string;
  referenceDocumentUri: string | null;
  changes: AppliedChange[];
}
export interface SetQuantitiesResult {
  group: AdjustmentGroup | null;
  userErrors: UserError[];
}
/**
 * One entry per quantity of an applied inventorySetQuantities (delta 0 included, as in Shopify's
 * adjustment group). `atMs` (Date.now()) lets a benchmark see when each level changed.
 */
export interface HistoryEntry extends AppliedChange {
  at: string;
  atMs: number;
  reason: string;
  referenceDocumentUri: string | null;
  idempotencyKey: string | undefined;
}

export interface WriteCounters {
  /** Mutations that changed stock. */
  applied: number;
  /** Retries answered from the idempotency store without touching stock. */
  replays: number;
  /** Refused with CHANGE_FROM_QUANTITY_STALE. */
  stale: number;
  /** Refused with any other userError (incl. idempotency mismatch / previous attempt failed). */
  rejected: number;
}

interface IdempotencyRecord {
  fingerprint: string;
  failed: boolean;
  result: SetQuantitiesResult;
}

export class ShopifyState {
  readonly locations = new Map<string, LocationRecord>();
  readonly items = new Map<string, ItemRecord>();
  readonly writes: WriteCounters = { applied: 0, replays: 0, stale: 0, rejected: 0 };
  readonly history: HistoryEntry[] = [];
  /**
   * Placing, fulfilling, cancelling and refunding orders moves committed and available as in
   * Shopify (inventory-effects.ts). Shopify always does this; switch it off only to see what a
   * shop whose orders never touch stock would do.
   */
  ordersMoveInventory = true;
  /** Orders, fulfilment orders, refunds and cancel jobs. */
  readonly orders: OrderBook = new OrderBook(this);
  /** Products and variants (productSet, productVariantsBulkUpdate, admin edits); each variant owns an item above. */
  readonly products: ProductCatalogue = new ProductCatalogue(this);
  private readonly levels = new Map<string, LevelRecord>();
  private readonly idempotency = new Map<string, IdempotencyRecord>();
  private nextLocation = 1;
  private nextItem = 1001;
  private nextLevel = 1;
  private nextGroup = 1;

  /** Places an order as a web customer would (paid, one fulfilment order); emits orders/create. */
  createOrder(input: CreateOrderInput): { id: string; legacyId: string; name: string } {
    return this.orders.createOrder(input);
  }

  /** The customer cancels on the web side: cancelled at once (refunded by default) and orders/cancelled emitted. */
  cancelOrderAsCustomer(orderId: string, opts?: Pick<Partial<CancelRequest>, 'refund' | 'restock'>): void {
    this.orders.cancelOrderAsCustomer(orderId, opts);
  }

  /**
   * A merchant edits a product in the Shopify admin, found by a variant's SKU or by an `id`-type
   * metafield value such as the master id; fires products/update. Returns the product GID.
   */
  adminEditProduct(skuOrCustomId: string, patch: { title?: string; price?: string; barcode?: string | null }): string {
    return this.products.adminEditProduct(skuOrCustomId, patch);
  }

  seedLocation(opts: {
    id?: number | string;
    name: string;
    isActive?: boolean;
    fulfillsOnlineOrders?: boolean;
  }): string {
    const num = opts.id === undefined ? this.nextLocation : Number(String(opts.id).split('/').pop());
    if (!Number.isInteger(num) || num <= 0) throw new Error(`bad location id ${String(opts.id)}`);
    this.nextLocation = Math.max(this.nextLocation, num + 1);
    const id = gid('Location', num);
    this.locations.set(id, {
      id,
      num,
      name: opts.name,
      isActive: opts.isActive ?? true,
      fulfillsOnlineOrders: opts.fulfillsOnlineOrders ?? true,
    });
    return id;
  }

  seedItem(opts: { sku: string; tracked?: boolean }): string {
    const num = this.nextItem++;
    const id = gid('InventoryItem', num);
    this.items.set(id, {
      id,
      num,
      variantId: gid('ProductVariant', num),
      sku: opts.sku,
      tracked: opts.tracked ?? true,
    });
    return id;
  }

  itemBySku(sku: string): ItemRecord | undefined {
    for (const item of this.items.values()) if (item.sku === sku) return item;
    return undefined;
  }

  /** Stocks the item at the location (like inventoryActivate) and sets `available`; on_hand moves with it. */
  setAvailable(skuOrItemId: string, locationId: string, qty: number): void {
    this.stocked(skuOrItemId, locationId).available = qty;
  }

  /** Stocks the item at the location and sets `on_hand`; available moves with it, committed and reserved stay. */
  setOnHand(skuOrItemId: string, locationId: string, qty: number): void {
    const level = this.stocked(skuOrItemId, locationId);
    level.available += qty - onHandOf(level);
  }

  /** Holds units back from sale as a draft order or an app reservation would: available -> reserved. */
  reserve(skuOrItemId: string, locationId: string, qty: number): void {
    const level = this.stocked(skuOrItemId, locationId);
    level.available -= qty;
    level.reserved += qty;
  }

  /**
   * Shopify's own bookkeeping of orders (inventory-effects.ts): moves a level's committed and
   * available by these deltas. False, and nothing changes, when the item is not stocked there.
   */
  shiftQuantities(itemId: string, locationId: string, delta: { available?: number; committed?: number }): boolean {
    const level = this.levels.get(levelKey(itemId, locationId));
    if (!level) return false;
    level.available += delta.available ?? 0;
    level.committed += delta.committed ?? 0;
    return true;
  }

  /** Every quantity of a level, or undefined when the item is not stocked at the location. */
  quantities(skuOrItemId: string, locationId: string): LevelQuantities | undefined {
    const level = this.levels.get(levelKey(this.resolveItem(skuOrItemId).id, locationId));
    return (
      level && {
        available: level.available,
        committed: level.committed,
        reserved: level.reserved,
        on_hand: onHandOf(level),
      }
    );
  }

  unstock(skuOrItemId: string, locationId: string): void {
    this.levels.delete(levelKey(this.resolveItem(skuOrItemId).id, locationId));
  }

  getAvailable(itemIdOrSku: string, locationId: string): number | undefined {
    return this.levels.get(levelKey(this.resolveItem(itemIdOrSku).id, locationId))?.available;
  }

  /** Items with a level at the location, in id order (the order Location.inventoryLevels pages in). */
  stockedItems(locationId: string): ItemRecord[] {
    return [...this.items.values()]
      .filter((i) => this.levels.has(levelKey(i.id, locationId)))
      .sort((a, b) => a.num - b.num);
  }

  levelId(itemId: string, locationId: string): string | undefined {
    return this.levels.get(levelKey(itemId, locationId))?.id;
  }

  quantity(itemId: string, locationId: string, name: string): number | undefined {
    const level = this.levels.get(levelKey(itemId, locationId));
    if (!level) return undefined;
    if (name === 'available') return level.available;
    if (name === 'committed') return level.committed;
    if (name === 'reserved') return level.reserved;
    if (name === 'on_hand') return onHandOf(level);
    return 0;
  }

  /**
   * All-or-nothing like Shopify: any userError means no quantity changed. A key whose attempt
   * failed stays failed, so the caller must re-read and use a new key.
   */
  setQuantities(input: SetQuantitiesInput, idempotencyKey: string | undefined): SetQuantitiesResult {
    if (idempotencyKey !== undefined) {
      const fingerprint = stableJson({ field: 'inventorySetQuantities', input });
      const seen = this.idempotency.get(idempotencyKey);
      if (seen) return this.replay(seen, fingerprint);
      const result = this.apply(input, idempotencyKey);
      this.idempotency.set(idempotencyKey, { fingerprint, failed: result.userErrors.length > 0, result });
      return result;
    }
    return this.apply(input, undefined);
  }

  private replay(seen: IdempotencyRecord, fingerprint: string): SetQuantitiesResult {
    if (seen.fingerprint !== fingerprint) {
      this.writes.rejected++;
      return refused(
        'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
        'The idempotency key was already used with different parameters.',
        null,
      );
    }
    if (seen.failed) {
      this.writes.rejected++;
      return refused(
        'IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED',
        'The previous attempt with this idempotency key failed; retry with a new key.',
        null,
      );
    }
    this.writes.replays++;
    return seen.result;
  }

  private apply(input: SetQuantitiesInput, idempotencyKey: string | undefined): SetQuantitiesResult {
    const errors = this.validate(input);
    if (errors.length) {
      if (errors.some((e) => e.code === 'CHANGE_FROM_QUANTITY_STALE')) this.writes.stale++;
      else this.writes.rejected++;
      return { group: null, userErrors: errors };
    }
    const atMs = Date.now();
    const at = new Date(atMs).toISOString();
    const changes = input.quantities.map((q): AppliedChange => {
      const level = this.levels.get(levelKey(q.inventoryItemId, q.locationId))!;
      const before = this.quantity(q.inventoryItemId, q.locationId, input.name)!;
      // Other states are fixed, so setting on_hand moves available by the same amount, and setting available moves on_hand.
      level.available += q.quantity - before;
      return {
        name: input.name,
        delta: q.quantity - before,
        quantityAfterChange: q.quantity,
        itemId: q.inventoryItemId,
        locationId: q.locationId,
      };
    });
    const referenceDocumentUri = input.referenceDocumentUri ?? null;
    for (const c of changes)
      this.history.push({ ...c, at, atMs, reason: input.reason, referenceDocumentUri, idempotencyKey });
    this.writes.applied++;
    return {
      group: {
        id: gid('InventoryAdjustmentGroup', this.nextGroup++),
        createdAt: at,
        reason: input.reason,
        referenceDocumentUri,
        changes,
      },
      userErrors: [],
    };
  }

  private validate(input: SetQuantitiesInput): UserError[] {
    if (!SETTABLE_NAMES.has(input.name))
      return [
        err(['input', 'name'], 'INVALID_NAME', `The quantity name must be available or on_hand, got ${input.name}.`),
      ];
    if (!REASONS.has(input.reason))
      return [err(['input', 'reason'], 'INVALID_REASON', `Unknown reason ${input.reason}.`)];
    if (input.referenceDocumentUri != null && !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(input.referenceDocumentUri)) {
      return [
        err(
          ['input', 'referenceDocumentUri'],
          'INVALID_REFERENCE_DOCUMENT',
          'The reference document URI is not a valid URI.',
        ),
      ];
    }
    const errors: UserError[] = [];
    const seenPairs = new Set<string>();
    input.quantities.forEach((q, i) => {
      const at = (f: string) => ['input', 'quantities', String(i), f];
      const pair = levelKey(q.inventoryItemId, q.locationId);
      if (seenPairs.has(pair))
        return void errors.push(
          err(
            at('inventoryItemId'),
            'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR',
            'The same item and location appear twice.',
          ),
        );
      seenPairs.add(pair);
      if (!this.items.has(q.inventoryItemId))
        return void errors.push(
          err(at('inventoryItemId'), 'INVALID_INVENTORY_ITEM', 'The specified inventory item could not be found.'),
        );
      if (!this.locations.has(q.locationId))
        return void errors.push(
          err(at('locationId'), 'INVALID_LOCATION', 'The specified location could not be found.'),
        );
      if (q.quantity < 0)
        return void errors.push(err(at('quantity'), 'INVALID_QUANTITY_NEGATIVE', 'The quantity cannot be negative.'));
      if (q.quantity > MAX_QUANTITY)
        return void errors.push(err(at('quantity'), 'INVALID_QUANTITY_TOO_HIGH', 'The quantity is too high.'));
      const current = this.quantity(q.inventoryItemId, q.locationId, input.name);
      if (current === undefined)
        return void errors.push(
          err(at('locationId'), 'ITEM_NOT_STOCKED_AT_LOCATION', 'The item is not stocked at the location.'),
        );
      if (q.changeFromQuantity != null && q.changeFromQuantity !== current) {
        errors.push(
          err(
            at('changeFromQuantity'),
            'CHANGE_FROM_QUANTITY_STALE',
            'The changeFromQuantity value does not match persisted value.',
          ),
        );
      }
    });
    return errors;
  }

  private stocked(skuOrItemId: string, locationId: string): LevelRecord {
    const item = this.resolveItem(skuOrItemId);
    if (!this.locations.has(locationId)) throw new Error(`unknown location ${locationId}`);
    const key = levelKey(item.id, locationId);
    let level = this.levels.get(key);
    if (!level)
      this.levels.set(
        key,
        (level = {
          id: `${gid('InventoryLevel', this.nextLevel++)}?inventory_item_id=${item.num}`,
          available: 0,
          committed: 0,
          reserved: 0,
        }),
      );
    return level;
  }

  private resolveItem(itemIdOrSku: string): ItemRecord {
    const item = this.items.get(itemIdOrSku) ?? this.itemBySku(itemIdOrSku);
    if (!item) throw new Error(`unknown inventory item or sku ${itemIdOrSku}`);
    return item;
  }
}

const levelKey = (itemId: string, locationId: string) => `${itemId}|${locationId}`;
const onHandOf = (l: LevelRecord) => l.available + l.committed + l.reserved;
const err = (field: string[] | null, code: string, message: string): UserError => ({ field, message, code });
const refused = (code: string, message: string, field: string[] | null): SetQuantitiesResult => ({
  group: null,
  userErrors: [err(field, code, message)],
});
