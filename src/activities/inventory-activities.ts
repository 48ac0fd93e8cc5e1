import type { EcommercePort, SetWebStockInput } from '../connectors/ecommerce/port';
import { callOrFail, FAILURE_TYPES } from './failures';

export interface InventoryActivityDeps {
  ecommerce: EcommercePort;
}

/**
 * Web stock activities run on the inventory task queue. Reads and writes are separate
 * activities on purpose: the value read is recorded in history, so a retried write sends the same
 * compare-and-set input with the same idempotency key and can never apply twice.
 */
export function createInventoryActivities(deps: InventoryActivityDeps) {
  return {
    /** SKU -> inventory item id; SKUs the web shop does not know are absent. */
    async findWebInventoryItems(input: { skus: string[] }): Promise<Record<string, string>> {
      const found = await callOrFail(FAILURE_TYPES.ecommerceRejected, () =>
        deps.ecommerce.findInventoryItems(input.skus),
      );
      return Object.fromEntries(found);
    },

    /** The current `available` quantity, or null when the item is not stocked at the location. */
    async readWebStock(input: { inventoryItemId: string; locationId: string }): Promise<number | null> {
      const level = await callOrFail(FAILURE_TYPES.ecommerceRejected, () =>
        deps.ecommerce.getAvailable(input.inventoryItemId, input.locationId),
      );
      return level.available ?? null;
    },

    async setWebStock(input: SetWebStockInput): Promise<'applied' | 'stale'> {
      const result = await callOrFail(FAILURE_TYPES.ecommerceRejected, () => deps.ecommerce.setAvailable(input));
      return result.outcome;
    },
  };
}

export type InventoryActivities = ReturnType<typeof createInventoryActivities>;
