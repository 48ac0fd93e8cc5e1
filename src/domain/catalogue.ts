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

/** What the projection needs of a master product (the master port's MasterProduct has it all). */
export interface MasterProductFields {
  masterId: string;
  sku: string;
  title: string;
  gtin?: string;
  categoryCode?: string;
  vatGroupCode?: string;
  blocked: boolean;
  variants: Array<{ code: string; description: string }>;
  version: string;
}

/** How one subscriber receives the catalogue (the mapping file's `catalogue.<system>`). */
export interface SubscriberMapping {
  /** The mastered fields it receives; the others are its own. */
  fields: MasteredField[];
  /** The master price list its prices come from; absent: the item's unit price only. */
  priceList?: string;
  /** Whether its prices are stored including VAT (Sitoo with several price lists: must be true). */
  pricesIncludeTax: boolean;
  /** Master VAT group -> the subscriber's VAT key (Sitoo: vatid). */
  vatKeys?: Record<string, string>;
  /** Per field: what an edit made on the subscriber's side gets (default `revert`). */
  policy?: Partial<Record<MasteredField, ConflictPolicy>>;
  /** The zone its prices start in (the web shop's; Sitoo's stores each use their own). */
  timeZone?: string;
}

export interface CatalogueMapping {
  /** The product master; one adapter so far. */
  master: 'business-central';
  /** VAT rate in percent per master VAT group, for converting a price to a subscriber's basis. */
  vatRates: Record<string, number>;
  /** VAT % of a product without a VAT group, when a price must change basis. */
  defaultVatRate?: number;
  sitoo?: SubscriberMapping;
  shopify?: SubscriberMapping;
}

export function conflictPolicy(mapping: SubscriberMapping, field: MasteredField): ConflictPolicy {
  return mapping.policy?.[field] ?? 'revert';
}

/** A short, stable digest (FNV-1a, 2 x 32 bits): pure, so workflows and the domain can use it. */
export function digest(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/**
 * The product as one subscriber receives it: only its fields, prices in its basis from
 * `priceOf(variantCode)` (the channel's effective price now, see src/domain/prices.ts), the VAT
 * group translated to its key. The fingerprint covers exactly this document, so the same master
 * change yields the same fingerprint and is written once.
 */
export function projectProduct(
  product: MasterProductFields,
  mapping: SubscriberMapping,
  priceOf: (variantCode: string | undefined) => number,
): CatalogueProduct {
  const has = (f: MasteredField) => mapping.fields.includes(f);
  const single = product.variants.length === 0;
  const variants: CatalogueVariant[] = single
    ? [
        {
          sku: product.sku,
          title: 'Default',
          ...(has('price') ? { priceCents: priceOf(undefined) } : {}),
          ...(has('barcode') && product.gtin ? { barcode: product.gtin } : {}),
        },
      ]
    : product.variants.map((v) => ({
        sku: variantSku(product.sku, v.code),
        code: v.code,
        title: v.description || v.code,
        ...(has('price') ? { priceCents: priceOf(v.code) } : {}),
      }));
  const vatKey = product.vatGroupCode ? mapping.vatKeys?.[product.vatGroupCode] : undefined;
  const doc = {
    masterId: product.masterId,
    sku: product.sku,
    ...(has('title') ? { title: product.title } : {}),
    ...(has('barcode') && single && product.gtin ? { barcode: product.gtin } : {}),
    ...(has('vat') && vatKey ? { vatKey } : {}),
    ...(has('category') && product.categoryCode ? { categoryCode: product.categoryCode } : {}),
    ...(has('active') ? { active: !product.blocked } : {}),
    variants,
  };
  return { ...doc, version: product.version, fingerprint: digest(JSON.stringify(doc)) };
}

/**
 * A mastered field whose value in the subscriber differs from the master's: what an edit made on
 * the wrong side looks like. Prices compare per variant SKU.
 */
export interface FieldConflict {
  field: MasteredField;
  /** The variant SKU for a price or a variant barcode; the item SKU otherwise. */
  sku: string;
  theirs: string | number | boolean | undefined;
  master: string | number | boolean | undefined;
}

export interface CopyFields {
  title?: string;
  barcode?: string;
  vatKey?: string;
  categoryCode?: string;
  active?: boolean;
  variants: Array<{ sku: string; priceCents?: number; barcode?: string }>;
}

/** The mastered fields where the subscriber's copy differs from what the master says it should hold. */
export function fieldConflicts(expected: CatalogueProduct, copy: CopyFields, fields: MasteredField[]): FieldConflict[] {
  const out: FieldConflict[] = [];
  const check = (
    field: MasteredField,
    sku: string,
    theirs: FieldConflict['theirs'],
    master: FieldConflict['master'],
  ) => {
    if (fields.includes(field) && master !== undefined && theirs !== master) out.push({ field, sku, theirs, master });
  };
  check('title', expected.sku, copy.title, expected.title);
  check('barcode', expected.sku, copy.barcode, expected.barcode);
  check('vat', expected.sku, copy.vatKey, expected.vatKey);
  check('category', expected.sku, copy.categoryCode, expected.categoryCode);
  check('active', expected.sku, copy.active, expected.active);
  const theirs = new Map(copy.variants.map((v) => [v.sku, v]));
  for (const v of expected.variants) check('price', v.sku, theirs.get(v.sku)?.priceCents, v.priceCents);
  return out;
}

/** What a signed products/update notice says (Shopify's REST payload, parsed by the receiver). */
export interface ProductNotice {
  updatedAt: string;
  title?: string;
  /** Shopify's status, lower case (active, draft, archived), when the notice carries it. */
  status?: string;
  /** Shopify's product type: our category. */
  productType?: string;
  variants: Array<{ sku: string | null; priceCents?: number; barcode?: string }>;
}
