import type { Mapping, StoreLocation } from './mapping';
import type { WarehouseLevel } from './stock';
import type { WebFulfillmentOrder } from './web-order';

/** What the customer collects: quantity per SKU still to hand over. */
export interface PickupLine {
  sku: string;
  quantity: number;
}

export function pickupLines(fo: WebFulfillmentOrder): PickupLine[] {
  const bySku = new Map<string, number>();
  for (const l of fo.lines) if (l.remainingQuantity > 0) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.remainingQuantity);
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
}

export interface Shortfall {
  sku: string;
  wanted: number;
  /** On hand minus what is already reserved at the store. */
  free: number;
}

/** The lines a store cannot cover from stock nobody else has claimed. */
export function shortfalls(lines: PickupLine[], levels: Map<string, WarehouseLevel>): Shortfall[] {
  return lines.flatMap((l) => {
    const level = levels.get(l.sku) ?? { onHand: 0, reserved: 0 };
    const free = Math.max(0, Math.floor(level.onHand - level.reserved));
    return free >= l.quantity ? [] : [{ sku: l.sku, wanted: l.quantity, free }];
  });
}

/** Other stores of the same region, in mapping order: who could stand in for a short store. */
export function regionStores(mapping: Mapping, store: StoreLocation): StoreLocation[] {
  if (!store.region) return [];
  return mapping.stores.filter((s) => s.region === store.region && s.storeId !== store.storeId);
}

/** What to do when the pickup store is short: look for another store in its region, or just park. */
export type ShortStockRule = 'suggest-in-region' | 'park';
