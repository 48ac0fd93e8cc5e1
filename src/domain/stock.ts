/**
 * Stock as the integration reasons about it: who masters each location, what a stock change
 * looks like, and the rule that turns a master's level into the web shop's on_hand.
 * Pure: safe to import from workflows.
 */

/** The system whose figure is the truth for a location; the integration never writes stock into it. */
export type StockMaster = 'sitoo' | 'erp';

/**
 * Sitoo warehouse transaction types (sitoo-api.md §6). 10-50 follow Sitoo's examples; the
 * numbers for Manual In/Out are not documented, so 60/70 are our placeholders.
 */
export const WarehouseTransactionType = {
  MoveIn: 10,
  MoveOut: 20,
  Sales: 30,
  Refund: 40,
  StockTaking: 50,
  ManualIn: 60,
  ManualOut: 70,
} as const;

export type StockChangeKind =
  'move-in' | 'move-out' | 'sale' | 'refund' | 'stocktaking' | 'manual-in' | 'manual-out' | 'other';

const KIND_BY_TYPE: Record<number, StockChangeKind> = {
  10: 'move-in',
  20: 'move-out',
  30: 'sale',
  40: 'refund',
  50: 'stocktaking',
  60: 'manual-in',
  70: 'manual-out',
};

export function stockChangeKind(transactionType: number): StockChangeKind {
  return KIND_BY_TYPE[transactionType] ?? 'other';
}

/**
 * Sales and refunds reach the ERP as sales documents from the order flows; booking them again as
 * stock adjustments would move the stock twice. Every other store stock change is recorded by
 * the inventory flow.
 */
export function erpRecordsThroughOrders(kind: StockChangeKind): boolean {
  return kind === 'sale' || kind === 'refund';
}

/** One Sitoo warehouse transaction: a store stock change, with each SKU's signed change and level after. */
export interface StockTransaction {
  transactionId: number;
  warehouseId: number;
  type: number;
  kind: StockChangeKind;
  /** Unix seconds. */
  createdAt: number;
  externalId: string | null;
  items: Array<{ sku: string; quantity: number; levelAfter: number }>;
}

/** A SKU's stock in one Sitoo warehouse. */
export interface WarehouseLevel {
  onHand: number;
  /** Held for click & collect and other open reservations. */
  reserved: number;
}

/** An ERP item ledger entry as read incrementally by entry number (no location: the standard API has none). */
export interface LedgerEntry {
  entryNumber: number;
  itemNumber: string;
  quantity: number;
  entryType: string;
  documentNumber: string;
  postingDate: string;
}

/** Units held back from the web per SKU, or per product category, so fast movers do not oversell. */
export interface StockBuffers {
  bySku: Record<string, number>;
  byCategory: Record<string, number>;
}

export const NO_BUFFERS: StockBuffers = { bySku: {}, byCategory: {} };

/** A SKU's own buffer wins over its category's; no rule means no buffer. */
export function bufferFor(buffers: StockBuffers, sku: string, category?: string): number {
  const own = buffers.bySku[sku];
  if (own !== undefined) return own;
  if (category !== undefined) return buffers.byCategory[category] ?? 0;
  return 0;
}

/**
 * The on_hand the web shop is given for a level: max(0, on hand - buffer - open reservations), in
 * whole units. It is the figure the shop derives its available from (available = on_hand -
 * committed - reserved - unavailable), so units the shop has committed to its own open orders,
 * which the master does not know about yet, are never offered again.
 */
export function webOnHand(level: WarehouseLevel, buffer: number): number {
  return Math.max(0, Math.floor(level.onHand - buffer - level.reserved));
}

/** Signed quantity per SKU across a transaction's item logs (a SKU may appear more than once). */
export function quantitiesOf(items: ReadonlyArray<{ sku: string; quantity: number }>): Map<string, number> {
  const totals = new Map<string, number>();
  for (const i of items) totals.set(i.sku, (totals.get(i.sku) ?? 0) + i.quantity);
  return totals;
}
