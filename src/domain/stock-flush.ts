import type { ExceptionType } from './exceptions';

/**
 * What the stock flow's workflows and activities hand each other: the changes signalled to the
 * coalescer, a flush's input and summary, and the parts of a flush a system refused.
 */

/** A SKU at a stocked location (a storeId or an ERP-mastered warehouseId from the mapping). */
export interface StockKey {
  locationId: string;
  sku: string;
}

/** Something moved: Sitoo warehouse transactions by id (their SKUs are read from Sitoo), or known keys. */
export interface StockChange {
  sitooTransactions?: number[];
  keys?: StockKey[];
}

export interface StockFlushInput {
  accountId: number;
  /** Numbers the flush; part of each write's idempotency key, so a retried flush cannot apply twice. */
  flushSeq: number;
  transactionIds: number[];
  keys: StockKey[];
}

/** A web level the stock flow wrote: its on_hand before (as believed current) and after. */
export interface StockLevelChange {
  locationId: string;
  sku: string;
  from: number;
  to: number;
}

export interface StockFlushSummary {
  flushSeq: number;
  transactions: number;
  keys: number;
  /** Levels whose on_hand was written to the web shop. */
  written: number;
  /** Calls made to the e-commerce platform (reads and writes). */
  ecommerceCalls: number;
  /** Compare-and-set conflicts met and resolved by re-reading. */
  staleRetries: number;
  /** Levels written to Virtual Sitoo warehouses that mirror ERP-mastered ones. */
  mirrored: number;
  /** Store stock changes the ERP must record as stock adjustments (not sales or refunds). */
  erpRecords: Array<{ transactionId: number; warehouseId: number }>;
  unmappedWarehouses: number[];
  /** SKUs the web shop does not sell (no inventory item), or items not stocked at the web location. */
  notOnWeb: number;
  /** Quantities the web shop refused outright (also among `refused`, which the coalescer holds and retries). */
  rejected: Array<StockKey & { message: string }>;
  /** Parts of the flush a system refused: held by the coalescer and retried later, never dropped. */
  refused?: RefusedStockWork[];
  /** The first few changes, for the status query. */
  sample: StockLevelChange[];
}

/**
 * A part of a flush that a system refused (a business refusal, which a plain retry cannot fix):
 * one location whose master read was refused, the levels the shop refused at a location, a Virtual
 * mirror Sitoo refused, or transactions Sitoo refused to read. The rest of the flush went out.
 */
export interface RefusedStockWork {
  /** Names the refusal, `<failure type>:<what>` (e.g. `ErpRejected:CENTRAL`): one record per standing refusal. */
  part: string;
  exceptionType: ExceptionType;
  failureType: string;
  message: string;
  /** The levels held back and the transactions not read. */
  keys: StockKey[];
  transactionIds: number[];
}
