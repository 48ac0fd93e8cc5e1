import type { DatedPrice } from '../../domain/prices';
import type { MasterStreamCursor, ProductCursor } from '../../domain/product-master';

export type { MasterStreamCursor, ProductCursor };

/**
 * The product master as a port: the one system whose product data wins (issue 15). Business
 * Central is the first adapter; a PIM or another ERP implements the same read, so subscribers and
 * flows never learn which system masters the catalogue.
 */

export interface MasterVariant {
  /** The variant's key under its product (BC: Code[10]). */
  code: string;
  description: string;
}

export interface MasterProduct {
  /** The master's stable id (BC: the item's SystemId), kept when the SKU is renamed. */
  masterId: string;
  /** The product number the other systems know it by (BC: item `number`, upper case). */
  sku: string;
  title: string;
  gtin?: string;
  categoryCode?: string;
  baseUnit?: string;
  vatGroupCode?: string;
  blocked: boolean;
  /** Integer cents (src/domain/money.ts). */
  unitPriceCents: number;
  /** Whether unitPriceCents holds VAT; subscribers convert in one place if their basis differs. */
  priceIncludesTax: boolean;
  variants: MasterVariant[];
  /** ISO 8601 UTC with milliseconds: the latest change of the product or any of its variants. */
  lastModified: string;
  /**
   * What a subscriber stores with its copy and compares before a write, so an older change never
   * overwrites a newer one: ordered as strings (same as lastModified, which is fixed-width).
   */
  version: string;
  /**
   * A digest of the fields above except the timestamps: the master also bumps its timestamp when
   * nothing mastered changed (BC's cost adjustment), and subscribers skip a write whose
   * fingerprint they already hold.
   */
  fingerprint: string;
}

export interface ProductChanges {
  /** Each changed product once, in the state read now (not the state at the time of the change). */
  products: MasterProduct[];
  /** Pass to the next read. */
  cursor: ProductCursor;
  /** More changes were left for the next read (the batch limit was reached). */
  more: boolean;
}

/**
 * One dated price of the master (BC: a Price List Line, read through a custom API page, since API
 * v2.0 has none; master-data-api.md §1.4). A channel's price at an instant is projected from these
 * and the product's unit price by `effectivePriceCents` (src/domain/prices.ts).
 */
export interface MasterPriceLine extends DatedPrice {
  /** The master's id of the line (BC: SystemId). */
  id: string;
  /** ISO 8601 UTC with milliseconds. */
  lastModified: string;
}

export interface PriceLineChanges {
  lines: MasterPriceLine[];
  cursor: MasterStreamCursor;
  more: boolean;
}

export interface ProductMasterPort {
  /** The master's name, for exceptions and logs. */
  readonly system: string;
  /**
   * Products changed since `cursor` (all products without one), at most about `maxProducts` per
   * call; call again with the returned cursor while `more`. A read only: repeating it is harmless.
   */
  readChangedProducts(
    cursor: ProductCursor | undefined,
    opts?: { maxProducts?: number; signal?: AbortSignal },
  ): Promise<ProductChanges>;
  /** The products with these SKUs as they are now (absent from the answer: no such product). */
  readProducts(skus: string[], opts?: { signal?: AbortSignal }): Promise<MasterProduct[]>;
  /**
   * Price lines changed since `cursor` (all lines without one), at most about `maxLines` per call,
   * the same overlap-and-seen cursor as the products. A master without dated prices returns none.
   */
  readChangedPriceLines(
    cursor: MasterStreamCursor | undefined,
    opts?: { maxLines?: number; signal?: AbortSignal },
  ): Promise<PriceLineChanges>;
  /** Every price line of these item SKUs, whatever its dates or status. */
  readPriceLines(skus: string[], opts?: { signal?: AbortSignal }): Promise<MasterPriceLine[]>;
}
