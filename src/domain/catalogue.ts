/**
 * The catalogue as the subscribers receive it (issue 15). The master (ERP or PIM) owns products and
 * prices; Sitoo and the web shop only subscribe. This module holds the rules both subscribers
 * share, so Sitoo and Shopify can never disagree about what a SKU is called or what it costs:
 * - which SKU each sellable variant is sold under;
 * - which fields a subscriber receives and what it does with an edit made on its side;
 * - the price a channel shows at an instant (dated price lines, each channel's own time zone);
 * - VAT basis conversion, in one place.
 */

/** The subscriber systems: each receives the master's products and never writes them back. */
export const SUBSCRIBERS = ['sitoo', 'shopify'] as const;
export type SubscriberSystem = (typeof SUBSCRIBERS)[number];

/** The fields a master owns. A subscriber receives the ones its mapping names and owns no others. */
export const MASTERED_FIELDS = ['title', 'barcode', 'price', 'vat', 'category', 'active'] as const;
export type MasteredField = (typeof MASTERED_FIELDS)[number];

/**
 * What happens to an edit made in a subscriber to a field it receives from the master: `revert`
 * puts the master's value back and reports it; `report` only reports it (the edit stays until the
 * master's next change of the product).
 */
export type ConflictPolicy = 'revert' | 'report';

export interface CatalogueVariant {
  /** The SKU it is sold under in every subscriber (see variantSku). */
  sku: string;
  /** The master's variant code; absent for a product without variants (sold under the item's SKU). */
  code?: string;
  /** The option value shown for it (the variant's description, or "Default" for a single variant). */
  title: string;
  /** Integer cents in the subscriber's price basis; absent when the subscriber does not receive prices. */
  priceCents?: number;
  /** Only products without variants carry a barcode: the master has one GTIN per item. */
  barcode?: string;
}

/**
 * One product as one subscriber receives it: only the fields it subscribes to are present. What a
 * subscriber stores beside its copy (masterId, version, fingerprint) is the cross-reference and
 * the guard: a write whose version is older than the stored one is skipped as `stale`, and one
 * whose fingerprint is already stored is skipped as `unchanged`.
 */
export interface CatalogueProduct {
  masterId: string;
  /** The item's SKU (the master's product number). */
  sku: string;
  /** The master's version of the product: ordered as strings (ISO instants). */
  version: string;
  /** A digest of this document (the subscriber's projection), so an unchanged product is not written again. */
  fingerprint: string;
  title?: string;
  barcode?: string;
  /** The subscriber's own VAT key, translated from the master's group by the mapping (Sitoo: vatid). */
  vatKey?: string;
  categoryCode?: string;
  /** false when the master blocks the item: the subscriber stops selling it (it is not deleted). */
  active?: boolean;
  /** Never empty: a product without master variants has one, under the item's own SKU. */
  variants: CatalogueVariant[];
}

/** The subscriber's ids for one product: what a retry finds instead of creating a twin. */
export interface SubscriberRef {
  productId: string;
  /** By SKU: Sitoo product ids of the variants, Shopify ProductVariant GIDs. */
  variantIds: Record<string, string>;
}

/**
 * A variant is sold under `<item SKU>-<variant code>`; a product without variants under the item
 * SKU. One function, so the till, the web shop and the ERP lines agree.
 */
export function variantSku(itemSku: string, variantCode: string | undefined): string {
  return variantCode ? `${itemSku}-${variantCode}` : itemSku;
}

/** The SKU characters Sitoo accepts (sitoo-api.md §7); anything else is refused as product-rejected. */
export const SITOO_SKU = /^[A-Za-z0-9_+\-/]+$/;

/**
 * A price in the other VAT basis. `ratePercent` may have decimals (e.g. 12.5); rounded half away
 * from zero to the cent.
 */
export function convertPriceBasis(
  cents: number,
  fromIncludesTax: boolean,
  toIncludesTax: boolean,
  ratePercent: number,
): number {
  if (fromIncludesTax === toIncludesTax || ratePercent === 0) return cents;
  const factor = 1 + ratePercent / 100;
  const value = toIncludesTax ? cents * factor : cents / factor;
  return Math.sign(value) * Math.round(Math.abs(value));
}
