/**
 * Where a store's stock lives in each system. Every Sitoo warehouse maps explicitly to one ERP
 * location and one e-commerce location; an unmapped warehouse is an exception, never a default.
 */
export interface StoreLocation {
  storeId: string;
  name: string;
  sitooWarehouseId: number;
  erpLocationCode: string;
  /** The walk-in customer the store's POS sales are booked to in the ERP. */
  erpCustomerNumber: string;
  webLocationId: string;
}

export interface Mapping {
  stores: StoreLocation[];
}

export function findStoreByWarehouse(mapping: Mapping, warehouseId: number | null): StoreLocation | undefined {
  if (warehouseId === null) return undefined;
  return mapping.stores.find((s) => s.sitooWarehouseId === warehouseId);
}

/** Duplicates make the mapping ambiguous: two stores with one id, or one warehouse mapped twice. */
export function mappingConflicts(mapping: Mapping): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const s of mapping.stores) {
    for (const [kind, key] of [
      ['storeId', s.storeId],
      ['sitooWarehouseId', String(s.sitooWarehouseId)],
    ] as const) {
      const k = `${kind}:${key}`;
      const other = seen.get(k);
      if (other) problems.push(`${kind} ${key} is used by both ${other} and ${s.storeId}`);
      else seen.set(k, s.storeId);
    }
  }
  return problems;
}
