import type { CatalogueProduct, SubscriberRef, SubscriberSystem } from '../../domain/catalogue';

/**
 * A catalogue subscriber (Sitoo, Shopify) as the product sync needs it (issue 15). Every write is
 * keyed by the master's keys, which the subscriber itself enforces (Sitoo: the SKU, unique per
 * site; Shopify: the `id`-type metafield holding the master id), so a retry after a lost response
 * or a late commit finds the first write instead of making a twin. Those keys, read back, are the
 * durable cross-reference: no second store can disagree with the system that holds the product.
 */

export type WriteResult = 'created' | 'updated' | 'unchanged' | 'stale' | 'rejected';

export interface ProductWriteOutcome {
  masterId: string;
  sku: string;
  result: WriteResult;
  /** With `rejected`: the subscriber's own words, naming the field where it does (shown to merchandising). */
  reason?: string;
  /** With `stale`: the newer version the subscriber holds. */
  heldVersion?: string;
  /** The subscriber's ids (absent for `rejected` when nothing exists there). */
  ref?: SubscriberRef;
}

/**
 * Where a price is written. Shopify has one price per variant (`default`). Sitoo: `default` is
 * the product's own price (price list 1); a named list is the Sitoo price list whose `externalid`
 * is `key`, limited to the stores tagged `storeTags` (created on first use).
 */
export type PriceTarget = { list: 'default' } | { list: 'named'; key: string; name: string; storeTags: string[] };

export interface PriceWrite {
  sku: string;
  priceCents: number;
}

export interface PriceWriteOutcome {
  sku: string;
  result: 'applied' | 'rejected';
  reason?: string;
}

/** What a subscriber holds now for the fields a master owns: read back to find edits made there. */
export interface SubscriberCopy {
  sku: string;
  /** The master id stored with the copy, when the sync wrote it (absent for a product the sync never touched). */
  masterId?: string;
  /** The master version stored with the copy. */
  version?: string;
  /** The fingerprint of the document the sync last wrote there: the values the copy should show. */
  fingerprint?: string;
  title?: string;
  barcode?: string;
  vatKey?: string;
  categoryCode?: string;
  active?: boolean;
  variants: Array<{ sku: string; priceCents?: number; barcode?: string }>;
  /** ISO instant of the subscriber's last change of the product. */
  modifiedAt: string;
  ref: SubscriberRef;
}

export interface CatalogueCallOptions {
  signal?: AbortSignal;
  /** Called between requests of a long call, so an activity can heartbeat. */
  progress?: (done: number) => void;
}

export interface CatalogueSubscriberPort {
  readonly system: SubscriberSystem;
  /**
   * Creates or updates each product under the master's keys, never a twin. A product whose stored
   * version is newer is left alone (`stale`); one whose stored fingerprint equals the new one is
   * `unchanged`. One product's refusal (invalid SKU, barcode taken, negative price) is its own
   * `rejected` outcome and the others go on. Outcomes come back in input order.
   */
  upsertProducts(
    products: CatalogueProduct[],
    opts?: CatalogueCallOptions & {
      /** Write even when the stored fingerprint matches: putting back a field edited on the subscriber's side. */
      force?: boolean;
    },
  ): Promise<ProductWriteOutcome[]>;
  /** Prices only, the cheap path for a price change; each SKU must exist (else `rejected`). */
  setPrices(target: PriceTarget, prices: PriceWrite[], opts?: CatalogueCallOptions): Promise<PriceWriteOutcome[]>;
  /** The prices a customer sees now, by SKU (absent: no price there), read from the subscriber itself. */
  readPrices(target: PriceTarget, skus: string[], opts?: CatalogueCallOptions): Promise<Record<string, number>>;
  /** What the subscriber holds for these item SKUs now (absent from the answer: not there). */
  readProducts(skus: string[], opts?: CatalogueCallOptions): Promise<SubscriberCopy[]>;
}

/** Sitoo has no product events: edits made there are found by reading what changed (master-data-api.md §2.1). */
export interface SitooCataloguePort extends CatalogueSubscriberPort {
  readonly system: 'sitoo';
  /**
   * Products modified after `sinceSeconds` (Unix seconds; Sitoo's filter is strictly after, with
   * 1-s precision, so callers pass their watermark minus one and de-duplicate). `newestSeconds` is
   * the newest modification seen (the caller's next watermark).
   */
  readChangedSince(
    sinceSeconds: number,
    opts?: CatalogueCallOptions,
  ): Promise<{ products: SubscriberCopy[]; newestSeconds: number }>;
}

/** A bulk operation's state, as Shopify reports it. */
export interface BulkLoadStatus {
  operationId: string;
  status: 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELING' | 'CANCELED' | 'EXPIRED';
  /** Lines done so far (progress for a long load). */
  objectCount: number;
  errorCode?: string;
  /** Once COMPLETED (or FAILED with partial data): each line's outcome, joined back to its product. */
  outcomes?: ProductWriteOutcome[];
}

/** Shopify loads a large catalogue as a bulk operation of productSet lines (master-data-api.md §3.3). */
export interface ShopifyCataloguePort extends CatalogueSubscriberPort {
  readonly system: 'shopify';
  /** Stages the products as JSONL and starts one bulk mutation; returns its id to poll. */
  startBulkUpsert(products: CatalogueProduct[], opts?: CatalogueCallOptions): Promise<{ operationId: string }>;
  /** The operation's state; with the outcomes once it has finished. */
  bulkStatus(operationId: string, products: CatalogueProduct[], opts?: CatalogueCallOptions): Promise<BulkLoadStatus>;
  /** One product by its GID (what a products/update notice names), read back from Shopify. */
  readProductById(productId: string, opts?: CatalogueCallOptions): Promise<SubscriberCopy | undefined>;
}
