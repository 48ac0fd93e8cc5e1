import type { CatalogueMapping } from './catalogue';
import { NO_BUFFERS, type StockBuffers, type StockMaster } from './stock';

/**
 * Where a store's stock lives in each system. Every Sitoo warehouse maps explicitly to one ERP
 * location and one e-commerce location; an unmapped warehouse is an exception, never a default.
 * A store's stock is mastered in Sitoo (the till is where it moves).
 */
export interface StoreLocation {
  storeId: string;
  name: string;
  sitooWarehouseId: number;
  erpLocationCode: string;
  /** The walk-in customer the store's POS sales are booked to in the ERP. */
  erpCustomerNumber: string;
  webLocationId: string;
  /** Stores in one region can stand in for each other when a click & collect store is short. */
  region?: string;
  /** IANA zone the store's business day is counted in (see businessDate); the account's when absent. */
  timeZone?: string;
  /** The master price list its till prices come from; the catalogue's Sitoo list when absent. */
  priceList?: string;
}

/**
 * A warehouse whose stock is mastered in the ERP (goods receipts and picking happen there). Its
 * stock reaches the web location and, when configured, a Virtual Sitoo warehouse that mirrors it
 * so stores can see and order from central stock.
 */
export interface WarehouseLocation {
  warehouseId: string;
  name: string;
  erpLocationCode: string;
  webLocationId: string;
  sitooMirrorWarehouseId?: number;
}

export interface Mapping {
  /** The account's IANA zone: every store's that names none (DEFAULT_TIME_ZONE when absent). */
  timeZone?: string;
  stores: StoreLocation[];
  warehouses?: WarehouseLocation[];
  buffers?: StockBuffers;
  /** Who masters products and prices and what each subscriber receives; absent: no product sync. */
  catalogue?: CatalogueMapping;
}

/** Any stocked location, stores and warehouses alike, with the system that masters its stock. */
export interface StockLocation {
  /** storeId or warehouseId: unique across both lists. */
  locationId: string;
  name: string;
  master: StockMaster;
  /** The store's own warehouse (master sitoo) or the mirror a warehouse is copied into (master erp). */
  sitooWarehouseId?: number;
  erpLocationCode: string;
  webLocationId: string;
  /** The store's zone, or the account's for a warehouse: what dates its ERP records. */
  timeZone?: string;
}

/**
 * The one failure type of an activity that meets a configuration problem: a store (or any stock
 * location) no longer in the mapping. Not retried (a retry cannot fix it); workflows park it as
 * `unmapped-warehouse` until someone fixes the mapping and retries. The name stays as running
 * histories recorded it.
 */
export const UNKNOWN_STORE = 'UnknownStore';

export function findStoreByWarehouse(mapping: Mapping, warehouseId: number | null): StoreLocation | undefined {
  if (warehouseId === null) return undefined;
  return mapping.stores.find((s) => s.sitooWarehouseId === warehouseId);
}

export function stockLocations(mapping: Mapping): StockLocation[] {
  return [
    ...mapping.stores.map((s): StockLocation => ({
      locationId: s.storeId,
      name: s.name,
      master: 'sitoo',
      sitooWarehouseId: s.sitooWarehouseId,
      erpLocationCode: s.erpLocationCode,
      webLocationId: s.webLocationId,
      ...zoneOf(s.timeZone ?? mapping.timeZone),
    })),
    ...(mapping.warehouses ?? []).map((w): StockLocation => ({
      locationId: w.warehouseId,
      name: w.name,
      master: 'erp',
      sitooWarehouseId: w.sitooMirrorWarehouseId,
      erpLocationCode: w.erpLocationCode,
      webLocationId: w.webLocationId,
      ...zoneOf(mapping.timeZone),
    })),
  ];
}

const zoneOf = (timeZone: string | undefined) => (timeZone ? { timeZone } : {});

export function findStockLocation(mapping: Mapping, locationId: string): StockLocation | undefined {
  return stockLocations(mapping).find((l) => l.locationId === locationId);
}

export function stockBuffers(mapping: Mapping): StockBuffers {
  return mapping.buffers ?? NO_BUFFERS;
}

/**
 * The one rule that keeps each location's truth in one place: never write stock for a location
 * into the system that masters it. Returns the refusal, or undefined when the write is allowed.
 */
export function masterRefusal(location: StockLocation, target: StockMaster): string | undefined {
  if (location.master !== target) return undefined;
  return `refused: ${location.locationId} (${location.name}) is stock-mastered in ${target}; the integration never writes its stock there`;
}

/**
 * Duplicates make the mapping ambiguous (two locations with one id, one Sitoo warehouse or web
 * location mapped twice), and a warehouse mirrored into a store's own Sitoo warehouse would write
 * ERP figures into Sitoo's master data.
 */
export function mappingConflicts(mapping: Mapping): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const l of stockLocations(mapping)) {
    const keys: Array<[string, string | number | undefined]> = [
      // Ids become ERP codes, which are upper-cased: S01 and s01 would share one journal.
      ['location id', l.locationId.toUpperCase()],
      ['sitooWarehouseId', l.sitooWarehouseId],
      // Web stock is written as absolute values: two masters feeding one web location would overwrite each other.
      ['webLocationId', l.webLocationId],
    ];
    for (const [kind, key] of keys) {
      if (key === undefined) continue;
      const k = `${kind}:${key}`;
      const other = seen.get(k);
      if (other) problems.push(`${kind} ${key} is used by both ${other} and ${l.locationId}`);
      else seen.set(k, l.locationId);
    }
  }
  // Stores may share an ERP location (sales only), but an ERP-mastered one must be its warehouse's alone.
  for (const w of mapping.warehouses ?? []) {
    const sharer = mapping.stores.find((s) => s.erpLocationCode === w.erpLocationCode);
    if (sharer)
      problems.push(
        `erpLocationCode ${w.erpLocationCode} is the ERP-mastered warehouse ${w.warehouseId} and also store ${sharer.storeId}`,
      );
  }
  return problems;
}

export function findStoreByWebLocation(mapping: Mapping, webLocationId: string | null): StoreLocation | undefined {
  if (webLocationId === null) return undefined;
  return mapping.stores.find((s) => s.webLocationId === webLocationId);
}
