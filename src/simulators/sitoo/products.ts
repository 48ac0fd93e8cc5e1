import { nowSeconds, SitooInputError } from './common';
import { formatCents, requireCents } from './money';

/**
 * Sitoo's product register and price lists (sitoo-api.md §7, master-data-api.md §2): products,
 * variants as products under a main product, barcodes, and price lists with the POS rule that
 * the lowest active price wins. Only what the catalogue sync and a till's price look-up need.
 */

/** sitoo-api.md §7: the SKU characters Sitoo accepts. */
const SKU_CHARS = /^[A-Za-z0-9_+\-/]+$/;
/** sitoo-api.md §7 (T): at most 100 price lists per site. */
export const MAX_PRICE_LISTS = 100;
/** Price list 1 is the default list on every system; its items are the products' own `moneyprice`. */
export const DEFAULT_PRICE_LIST = 1;

export interface WireProduct {
  productid: number;
  sku: string;
  title: string;
  barcode: string | null;
  barcodealiases: string[];
  /** The product's own price, which is price list 1 (2-dp string). */
  moneyprice: string;
  vatid: number;
  defaultcategoryid: number | null;
  activepos: boolean;
  active: boolean;
  custom1: string | null;
  custom2: string | null;
  custom3: string | null;
  custom4: string | null;
  custom5: string | null;
  /** null: a simple product; the main product's own id: the main product of a variant group; else the main's id. */
  variantparentid: number | null;
  /** A variant's option values, one per group of its main product. */
  attributes: string[];
  datecreated: number;
  datemodified: number;
}

/** The fields a write may set; everything else is Sitoo's own. */
export type ProductWrite = Partial<
  Pick<
    WireProduct,
    | 'sku'
    | 'title'
    | 'barcode'
    | 'barcodealiases'
    | 'moneyprice'
    | 'vatid'
    | 'defaultcategoryid'
    | 'activepos'
    | 'active'
    | 'custom1'
    | 'custom2'
    | 'custom3'
    | 'custom4'
    | 'custom5'
    | 'attributes'
  >
>;

export interface WirePriceList {
  pricelistid: number;
  pricelistname: string;
  pricelistdescription: string;
  active: boolean;
  externalid: string | null;
  currencycode: string | null;
  /** Untagged: every store; tagged: only stores (or campaigns) carrying one of the tags. */
  tags: string[];
}

export interface VariantGroup {
  name: string;
  options: string[];
}

export interface ProductCounters {
  /** Products added (POST, or a variant PUT with productid 0). */
  adds: number;
  /** Product updates applied (PUT, variant PUT of an existing variant, backoffice edits excluded). */
  updates: number;
  deletes: number;
  /** Price list items written or deleted (lists other than 1). */
  priceItemWrites: number;
  priceListsCreated: number;
}

export class SitooProducts {
  readonly byId = new Map<number, WireProduct>();
  private readonly bySku = new Map<string, number>();
  readonly priceLists = new Map<number, WirePriceList>();
  /** Items of every list but 1, by list id and productid, in cents. */
  private readonly listItems = new Map<number, Map<number, number>>();
  /** Variant groups (the option names and values) of each main product. */
  readonly groups = new Map<number, VariantGroup[]>();
  readonly counters: ProductCounters = { adds: 0, updates: 0, deletes: 0, priceItemWrites: 0, priceListsCreated: 0 };
  private nextProductId = 1;
  private nextPriceListId = 2;
  /** Pinned by tests that need two changes inside one second (Sitoo's timestamps have 1-s precision). */
  private pinnedSeconds: number | undefined;

  constructor() {
    this.priceLists.set(DEFAULT_PRICE_LIST, {
      pricelistid: DEFAULT_PRICE_LIST,
      pricelistname: 'Default',
      pricelistdescription: '',
      active: true,
      externalid: null,
      currencycode: null,
      tags: [],
    });
  }

  /** Fixes the clock that stamps datecreated/datemodified (undefined: the real clock again). */
  pinClock(seconds: number | undefined): void {
    this.pinnedSeconds = seconds;
  }

  now(): number {
    return this.pinnedSeconds ?? nowSeconds();
  }

  product(sku: string): WireProduct | undefined {
    const id = this.bySku.get(sku);
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** Every product holding this SKU: more than one would be a twin (the register refuses them, the count proves it). */
  countSku(sku: string): number {
    let n = 0;
    for (const p of this.byId.values()) if (p.sku === sku) n++;
    return n;
  }

  /** Adds one product; a refusal throws SitooInputError with Sitoo's text (one batch item's failure). */
  add(input: ProductWrite, variantparentid: number | null = null): WireProduct {
    if (input.sku === undefined || input.sku === '') throw new SitooInputError('sku is required');
    this.check(input, undefined);
    const now = this.now();
    const product: WireProduct = {
      productid: this.nextProductId++,
      sku: input.sku,
      title: input.title ?? '',
      barcode: input.barcode || null,
      barcodealiases: input.barcodealiases ?? [],
      moneyprice: formatCents(requireCents(input.moneyprice ?? '0.00')),
      vatid: input.vatid ?? 2,
      defaultcategoryid: input.defaultcategoryid ?? null,
      activepos: input.activepos ?? true,
      active: input.active ?? true,
      custom1: input.custom1 ?? null,
      custom2: input.custom2 ?? null,
      custom3: input.custom3 ?? null,
      custom4: input.custom4 ?? null,
      custom5: input.custom5 ?? null,
      variantparentid,
      attributes: input.attributes ?? [],
      datecreated: now,
      datemodified: now,
    };
    this.byId.set(product.productid, product);
    this.bySku.set(product.sku, product.productid);
    this.counters.adds++;
    return product;
  }

  /** Partial update of one product by id. */
  update(productId: number, patch: ProductWrite): WireProduct {
    const product = this.byId.get(productId);
    if (!product) throw new SitooInputError(`product ${productId} not found`);
    this.check(patch, product);
    this.apply(product, patch);
    this.counters.updates++;
    return product;
  }

  /** A store manager's edit in Sitoo Backoffice: same effect as an API write, and no trace of who made it. */
  backofficeEdit(sku: string, patch: { title?: string; priceCents?: number; barcode?: string | null }): WireProduct {
    const product = this.product(sku);
    if (!product) throw new Error(`Sitoo simulator: no product with SKU ${sku}`);
    const write: ProductWrite = {};
    if (patch.title !== undefined) write.title = patch.title;
    if (patch.priceCents !== undefined) write.moneyprice = formatCents(patch.priceCents);
    if (patch.barcode !== undefined) write.barcode = patch.barcode;
    this.check(write, product);
    this.apply(product, write);
    return product;
  }

  /** The variant products of a main product, by productid. */
  variantsOf(mainId: number): WireProduct[] {
    return [...this.byId.values()]
      .filter((p) => p.variantparentid === mainId && p.productid !== mainId)
      .sort((a, b) => a.productid - b.productid);
  }

  /**
   * Replaces a main product's variant set (sitoo-api.md §7, transcribed): variants not sent are
   * deleted, `productid: 0` adds one. All checked before any is applied; Sitoo's atomicity here
   * is not documented, all-or-nothing is our choice so a refused set leaves the old one whole.
   */
  replaceVariants(
    mainId: number,
    groups: VariantGroup[],
    variants: Array<ProductWrite & { productid: number }>,
  ): WireProduct[] {
    const main = this.byId.get(mainId);
    if (!main) throw new SitooInputError(`product ${mainId} not found`);
    if (main.variantparentid !== null && main.variantparentid !== mainId)
      throw new SitooInputError(
        `product ${mainId} is a variant of product ${main.variantparentid}, not a main product`,
      );
    const current = new Map(this.variantsOf(mainId).map((v) => [v.productid, v]));
    const skus = new Set<string>();
    const barcodes = new Set<string>();
    for (const [i, v] of variants.entries()) {
      if (v.productid !== 0 && !current.has(v.productid))
        throw new SitooInputError(`variants[${i}].productid: ${v.productid} is not a variant of product ${mainId}`);
      if (v.productid === 0 && !v.sku) throw new SitooInputError(`variants[${i}].sku is required for a new variant`);
      const attributes = v.attributes ?? current.get(v.productid)?.attributes ?? [];
      if (attributes.length !== groups.length)
        throw new SitooInputError(`variants[${i}].attributes: expected ${groups.length} values, one per group`);
      attributes.forEach((a, g) => {
        if (!groups[g]!.options.includes(a))
          throw new SitooInputError(
            `variants[${i}].attributes[${g}]: "${a}" is not an option of group ${groups[g]!.name}`,
          );
      });
      const sku = v.sku ?? current.get(v.productid)!.sku;
      if (skus.has(sku)) throw new SitooInputError(`variants[${i}].sku: ${sku} is sent twice`);
      skus.add(sku);
      if (v.barcode) {
        if (barcodes.has(v.barcode)) throw new SitooInputError(`variants[${i}].barcode: ${v.barcode} is sent twice`);
        barcodes.add(v.barcode);
      }
      try {
        // A SKU or barcode held by a variant this set deletes is free for the set.
        this.check(v, v.productid === 0 ? undefined : current.get(v.productid), new Set(current.keys()));
      } catch (err) {
        if (err instanceof SitooInputError) throw new SitooInputError(`variants[${i}]: ${err.message}`);
        throw err;
      }
    }
    const kept = new Set(variants.map((v) => v.productid).filter((id) => id !== 0));
    for (const id of current.keys()) if (!kept.has(id)) this.remove(id);
    const out = variants.map((v) => {
      if (v.productid === 0) return this.add(v, mainId);
      const product = this.byId.get(v.productid)!;
      this.apply(product, v);
      this.counters.updates++;
      return product;
    });
    this.groups.set(mainId, groups);
    if (main.variantparentid !== mainId) this.apply(main, {}, { variantparentid: mainId });
    else this.touch(main);
    return out;
  }

  // --- price lists ---

  createPriceList(input: Omit<WirePriceList, 'pricelistid'>): WirePriceList {
    if (this.priceLists.size >= MAX_PRICE_LISTS)
      throw new SitooInputError(`at most ${MAX_PRICE_LISTS} price lists per site`);
    const list: WirePriceList = { ...input, pricelistid: this.nextPriceListId++ };
    this.priceLists.set(list.pricelistid, list);
    this.listItems.set(list.pricelistid, new Map());
    this.counters.priceListsCreated++;
    return list;
  }

  /** A list's items ascending by productid, as Sitoo returns them. */
  priceItems(listId: number): Array<{ productid: number; sku: string; moneyprice: string; moneypricevolume: null }> {
    const rows =
      listId === DEFAULT_PRICE_LIST
        ? [...this.byId.values()].map((p) => [p.productid, requireCents(p.moneyprice)] as const)
        : [...(this.listItems.get(listId) ?? new Map<number, number>()).entries()];
    return rows
      .filter(([id]) => this.byId.has(id))
      .sort((a, b) => a[0] - b[0])
      .map(([id, cents]) => ({
        productid: id,
        sku: this.byId.get(id)!.sku,
        moneyprice: formatCents(cents),
        moneypricevolume: null,
      }));
  }

  /** One item write; a refusal throws SitooInputError (that item's failure in the batch answer). */
  setPriceItem(listId: number, sku: string, moneyprice: string): void {
    const product = this.product(sku);
    if (!product) throw new SitooInputError(`product with sku ${sku} not found`);
    const cents = this.price(moneyprice);
    if (listId === DEFAULT_PRICE_LIST) {
      this.apply(product, { moneyprice: formatCents(cents) });
      this.counters.updates++;
      return;
    }
    this.listItems.get(listId)!.set(product.productid, cents);
    this.counters.priceItemWrites++;
  }

  deletePriceItem(listId: number, sku: string): void {
    if (listId === DEFAULT_PRICE_LIST) throw new SitooInputError('items of the default price list cannot be deleted');
    const product = this.product(sku);
    if (!product || !this.listItems.get(listId)!.delete(product.productid))
      throw new SitooInputError(`sku ${sku} is not in price list ${listId}`);
    this.counters.priceItemWrites++;
  }

  /** The price in one list (by id, or by externalid), in cents; undefined when the list has no item for it. */
  priceIn(list: number | string, sku: string): number | undefined {
    const product = this.product(sku);
    const listId =
      typeof list === 'number' ? list : [...this.priceLists.values()].find((l) => l.externalid === list)?.pricelistid;
    if (!product || listId === undefined) return undefined;
    if (listId === DEFAULT_PRICE_LIST) return requireCents(product.moneyprice);
    return this.listItems.get(listId)?.get(product.productid);
  }

  /**
   * What the till in a store carrying `storeTag` charges: the lowest price across the active lists
   * that apply there (master-data-api.md §2.3). Untagged lists, the default among them, apply everywhere.
   */
  posPrice(sku: string, storeTag?: string): number | undefined {
    let lowest: number | undefined;
    for (const list of this.priceLists.values()) {
      if (!list.active) continue;
      if (list.tags.length > 0 && (storeTag === undefined || !list.tags.includes(storeTag))) continue;
      const cents = this.priceIn(list.pricelistid, sku);
      if (cents !== undefined && (lowest === undefined || cents < lowest)) lowest = cents;
    }
    return lowest;
  }

  // --- internals ---

  private remove(productId: number): void {
    const product = this.byId.get(productId);
    if (!product) return;
    this.byId.delete(productId);
    if (this.bySku.get(product.sku) === productId) this.bySku.delete(product.sku);
    for (const items of this.listItems.values()) items.delete(productId);
    this.counters.deletes++;
  }

  /**
   * The refusals master-data-api.md §2.2 lists. Their wording is ours (Sitoo's is not
   * documented); each names the field, as the connector passes it on to merchandising.
   */
  private check(input: ProductWrite, own: WireProduct | undefined, freed: ReadonlySet<number> = new Set()): void {
    const takenBy = (holder: number | undefined) =>
      holder !== undefined && holder !== own?.productid && !freed.has(holder) ? holder : undefined;
    if (input.sku !== undefined) {
      if (!SKU_CHARS.test(input.sku))
        throw new SitooInputError(`sku: "${input.sku}" contains characters other than A-Z a-z 0-9 _ + - /`);
      const holder = takenBy(this.bySku.get(input.sku));
      if (holder !== undefined) throw new SitooInputError(`sku: ${input.sku} is already used by product ${holder}`);
    }
    for (const code of [input.barcode, ...(input.barcodealiases ?? [])]) {
      if (!code) continue;
      const holder = takenBy(this.barcodeHolder(code));
      if (holder !== undefined) throw new SitooInputError(`barcode: ${code} is already used by product ${holder}`);
    }
    if (input.moneyprice !== undefined) this.price(input.moneyprice);
  }

  private price(moneyprice: string): number {
    let cents: number;
    try {
      cents = requireCents(moneyprice);
    } catch {
      throw new SitooInputError(`moneyprice: ${JSON.stringify(moneyprice)} is not a money amount`);
    }
    if (cents < 0) throw new SitooInputError(`moneyprice: ${moneyprice} is negative`);
    return cents;
  }

  private barcodeHolder(code: string): number | undefined {
    for (const p of this.byId.values()) if (p.barcode === code || p.barcodealiases.includes(code)) return p.productid;
    return undefined;
  }

  private apply(product: WireProduct, patch: ProductWrite, own: Partial<WireProduct> = {}): void {
    const { sku, moneyprice, barcode, ...rest } = patch;
    if (sku !== undefined && sku !== product.sku) {
      this.bySku.delete(product.sku);
      this.bySku.set(sku, product.productid);
      product.sku = sku;
    }
    if (moneyprice !== undefined) product.moneyprice = formatCents(requireCents(moneyprice));
    if (barcode !== undefined) product.barcode = barcode || null;
    for (const [k, v] of Object.entries(rest))
      if (v !== undefined) (product as unknown as Record<string, unknown>)[k] = v;
    Object.assign(product, own);
    this.touch(product);
  }

  /** Sitoo stamps every change, whoever made it (master-data-api.md §2.1: no "modified by"). */
  private touch(product: WireProduct): void {
    product.datemodified = this.now();
  }
}
