import { formatCents, parseCents } from '../../domain/money';
import { gid } from './ids';
import type { ItemRecord } from './state';

/**
 * Products and their variants as `productSet`, `productVariantsBulkUpdate` and a merchant in the
 * admin change them (master-data-api.md §3). What bites an integration is modelled as Shopify
 * does it: list fields replace (a variant missing from the sent list is deleted, and its
 * inventory item with it), an `id`-type metafield is unique per shop (the customId upsert key),
 * and every change, ours included, fires `products/update`. Each variant owns one inventory item
 * in the shop's stock (`ShopifyState.items`), so a created SKU is found by the stock flows.
 */
export type ProductStatus = 'ACTIVE' | 'ARCHIVED' | 'DRAFT' | 'UNLISTED';
export type ProductTopic = 'products/create' | 'products/update';

export interface MetafieldRecord {
  id: string;
  namespace: string;
  key: string;
  type: string;
  value: string;
}
export interface VariantRecord {
  id: string;
  num: number;
  itemId: string;
  sku: string | null;
  barcode: string | null;
  /** Money as Shopify shows it: a 2-decimal string. */
  price: string;
  /** While `priceReadLagMs` hides a new price: the price reads still show, until when (ms). */
  shown?: { price: string; until: number };
  compareAtPrice: string | null;
  optionValues: Array<{ optionName: string; name: string }>;
  createdAt: string;
  updatedAt: string;
}
export interface ProductRecord {
  id: string;
  num: number;
  title: string;
  handle: string;
  status: ProductStatus;
  productType: string;
  vendor: string;
  tags: string[];
  options: Array<{ name: string; values: string[] }>;
  metafields: MetafieldRecord[];
  variants: VariantRecord[];
  createdAt: string;
  updatedAt: string;
}

export interface ProductUserError {
  field: string[] | null;
  message: string;
  code: string;
}

/** The input fields the simulator reads; GraphQL has already refused unknown ones. */
export interface VariantSetInput {
  id?: string | null;
  sku?: string | null;
  barcode?: string | null;
  price?: string | null;
  compareAtPrice?: string | null;
  inventoryItem?: { sku?: string | null } | null;
  optionValues: Array<{ optionName?: string | null; name?: string | null }>;
}
export interface ProductSetInput {
  id?: string | null;
  title?: string | null;
  handle?: string | null;
  status?: ProductStatus | null;
  productType?: string | null;
  vendor?: string | null;
  tags?: string[] | null;
  metafields?: Array<{
    namespace?: string | null;
    key?: string | null;
    type?: string | null;
    value?: string | null;
  }> | null;
  productOptions?: Array<{ name?: string | null; values?: Array<{ name?: string | null }> | null }> | null;
  variants?: VariantSetInput[] | null;
}
export interface ProductSetIdentifiers {
  id?: string | null;
  handle?: string | null;
  customId?: { namespace?: string | null; key: string; value: string } | null;
}
export interface VariantsBulkInput {
  id?: string | null;
  price?: string | null;
  compareAtPrice?: string | null;
  barcode?: string | null;
  inventoryItem?: { sku?: string | null } | null;
  inventoryQuantities?: unknown[] | null;
}

export interface ProductEvent {
  topic: ProductTopic;
  product: ProductRecord;
}

/** What the catalogue needs from the shop's stock: each variant owns one inventory item. */
export interface ItemAccess {
  readonly items: Map<string, ItemRecord>;
  seedItem(opts: { sku: string; tracked?: boolean }): string;
}

/** Shopify's default namespace for a customId given without one (the app's reserved namespace). */
const APP_NAMESPACE = '$app';
const MAX_OPTIONS = 3;
const MAX_VARIANTS = 2048;

export class ProductCatalogue {
  /**
   * How productSet treats a sent variant without `id`. How Shopify matches those is NOT FOUND
   * (master-data-api.md §3.1), so by default the unkind reading: it is a new variant, and the one
   * it replaces (missing from the list by id) is deleted with its inventory item. `true` matches
   * it to the existing variant with the same option values instead.
   */
  matchVariantsByOptions = false;
  /**
   * How long a changed variant price keeps reading as the old one (default 0): a write Shopify
   * accepted but does not show yet, as its search index and caches trail writes. What makes a
   * price late although every write succeeded (price-update-delay).
   */
  priceReadLagMs = 0;
  private readonly products = new Map<string, ProductRecord>();
  private readonly variantOwner = new Map<string, string>();
  private readonly listeners = new Set<(e: ProductEvent) => void>();
  private nextProduct = 8_000_001;
  private nextMetafield = 1;

  constructor(private readonly stock: ItemAccess) {}

  onEvent(listener: (e: ProductEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(id: string): ProductRecord | undefined {
    return this.products.get(id);
  }

  all(): ProductRecord[] {
    return [...this.products.values()];
  }

  /** The product whose `namespace.key` metafield holds `value` (how customId finds it). */
  byMetafield(namespace: string | null | undefined, key: string, value: string): ProductRecord | undefined {
    const ns = namespace ?? APP_NAMESPACE;
    for (const p of this.products.values())
      if (p.metafields.some((m) => m.namespace === ns && m.key === key && m.value === value)) return p;
    return undefined;
  }

  byHandle(handle: string): ProductRecord | undefined {
    for (const p of this.products.values()) if (p.handle === handle) return p;
    return undefined;
  }

  /** The variant with this id and its product. */
  variant(variantId: string): { product: ProductRecord; variant: VariantRecord } | undefined {
    const product = this.products.get(this.variantOwner.get(variantId) ?? '');
    const variant = product?.variants.find((v) => v.id === variantId);
    return product && variant ? { product, variant } : undefined;
  }

  /** Products holding a variant with this SKU. */
  /**
   * Gives every inventory item that has no product one of its own (one variant, no metafields):
   * the shop's catalogue as it was before the integration, which the sync adopts by SKU.
   */
  wrapBareItems(): number {
    let wrapped = 0;
    const now = new Date().toISOString();
    for (const item of this.stock.items.values()) {
      if (this.variantOwner.has(item.variantId)) continue;
      const num = this.nextProduct++;
      const id = gid('Product', num);
      const variant: VariantRecord = {
        id: item.variantId,
        num: item.num,
        itemId: item.id,
        sku: item.sku,
        barcode: null,
        price: '0.00',
        compareAtPrice: null,
        optionValues: [{ optionName: 'Title', name: 'Default Title' }],
        createdAt: now,
        updatedAt: now,
      };
      this.products.set(id, {
        id,
        num,
        title: item.sku,
        handle: item.sku.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
        status: 'ACTIVE',
        productType: '',
        vendor: '',
        tags: [],
        options: [{ name: 'Title', values: ['Default Title'] }],
        metafields: [],
        variants: [variant],
        createdAt: now,
        updatedAt: now,
      });
      this.variantOwner.set(variant.id, id);
      wrapped++;
    }
    return wrapped;
  }

  bySku(sku: string): ProductRecord[] {
    return this.all().filter((p) => p.variants.some((v) => v.sku === sku));
  }

  /** `productSet`: all-or-nothing; userErrors mean nothing changed. */
  productSet(
    identifier: ProductSetIdentifiers | null | undefined,
    input: ProductSetInput,
  ): { product: ProductRecord | null; userErrors: ProductUserError[] } {
    const fail = (field: string[] | null, code: string, message: string) => ({
      product: null,
      userErrors: [{ field, code, message }],
    });
    if (identifier && input.id)
      return fail(['input', 'id'], 'ID_NOT_ALLOWED', 'id cannot be specified with identifier.');
    let existing: ProductRecord | undefined;
    if (identifier?.customId) {
      const c = identifier.customId;
      const ns = c.namespace ?? APP_NAMESPACE;
      const m = (input.metafields ?? []).find((f) => (f.namespace ?? APP_NAMESPACE) === ns && f.key === c.key);
      if (!m || m.value !== c.value)
        return fail(
          ['identifier', 'customId'],
          'METAFIELD_MISMATCH',
          'The identifier customId must match a metafield in the input with the same namespace, key and value.',
        );
      if (m.type !== 'id')
        return fail(
          ['input', 'metafields'],
          'INVALID_METAFIELD',
          `The customId metafield ${ns}.${c.key} must be of type id.`,
        );
      existing = this.byMetafield(ns, c.key, c.value);
    } else if (identifier?.id || input.id) {
      existing = this.products.get((identifier?.id ?? input.id)!);
      if (!existing) return fail(['input', 'id'], 'PRODUCT_DOES_NOT_EXIST', 'Product does not exist.');
    } else if (identifier?.handle) existing = this.byHandle(identifier.handle);

    const errors = this.validate(existing, input);
    if (errors.length) return { product: null, userErrors: errors };
    const now = new Date().toISOString();
    const product = existing ?? this.create(input, now);
    this.apply(product, input, now);
    this.emit(existing ? 'products/update' : 'products/create', product);
    if (!existing) this.emit('products/update', product);
    return { product, userErrors: [] };
  }

  /** `productVariantsBulkUpdate`: all-or-nothing unless `allowPartialUpdates`. */
  variantsBulkUpdate(
    productId: string,
    variants: VariantsBulkInput[],
    allowPartialUpdates: boolean,
  ): { product: ProductRecord | null; updated: VariantRecord[]; userErrors: ProductUserError[] } {
    const product = this.products.get(productId);
    if (!product)
      return {
        product: null,
        updated: [],
        userErrors: [{ field: ['productId'], code: 'PRODUCT_DOES_NOT_EXIST', message: 'Product does not exist' }],
      };
    const userErrors: ProductUserError[] = [];
    const valid: Array<{ input: VariantsBulkInput; variant: VariantRecord }> = [];
    variants.forEach((v, i) => {
      const at = (f: string) => ['variants', String(i), f];
      if (!v.id)
        return void userErrors.push({
          field: at('id'),
          code: 'PRODUCT_VARIANT_ID_MISSING',
          message: 'Product variant id is missing',
        });
      const owner = this.variant(v.id);
      if (!owner)
        return void userErrors.push({
          field: at('id'),
          code: 'PRODUCT_VARIANT_DOES_NOT_EXIST',
          message: 'Product variant does not exist',
        });
      if (owner.product.id !== productId)
        return void userErrors.push({
          field: at('id'),
          code: 'MUST_BE_FOR_THIS_PRODUCT',
          message: 'Product variant must be for this product',
        });
      if (v.inventoryQuantities)
        return void userErrors.push({
          field: at('inventoryQuantities'),
          code: 'NO_INVENTORY_QUANTITIES_ON_VARIANTS_UPDATE',
          message: 'Inventory quantities can only be provided during create.',
        });
      for (const f of ['price', 'compareAtPrice'] as const) {
        const value = v[f];
        if (value == null) continue;
        const cents = parseCents(value);
        if (cents === undefined)
          return void userErrors.push({ field: at(f), code: 'INVALID_INPUT', message: `${f} is not a valid amount` });
        if (cents < 0)
          return void userErrors.push({
            field: at(f),
            code: 'NEGATIVE_PRICE_VALUE',
            message: 'Price must be greater than or equal to 0',
          });
      }
      valid.push({ input: v, variant: owner.variant });
    });
    if (userErrors.length && !allowPartialUpdates) return { product: null, updated: [], userErrors };
    const now = new Date().toISOString();
    for (const { input, variant } of valid) {
      if (input.price != null) this.setPrice(variant, money(input.price));
      if (input.compareAtPrice !== undefined)
        variant.compareAtPrice = input.compareAtPrice === null ? null : money(input.compareAtPrice);
      if (input.barcode !== undefined) variant.barcode = input.barcode;
      if (input.inventoryItem?.sku != null) this.setSku(variant, input.inventoryItem.sku);
      variant.updatedAt = now;
    }
    if (valid.length) {
      product.updatedAt = now;
      this.emit('products/update', product);
    }
    return { product, updated: valid.map((v) => v.variant), userErrors };
  }

  /**
   * A merchant edits the product in the Shopify admin: by a variant's SKU (price and barcode of
   * that variant) or by the value of an `id`-type metafield such as the master id (price and
   * barcode of every variant). Fires products/update as Shopify does. Returns the product id.
   */
  adminEditProduct(
    skuOrCustomId: string,
    patch: { title?: string; price?: string; barcode?: string | null; status?: ProductStatus; productType?: string },
  ): string {
    let product: ProductRecord | undefined = this.bySku(skuOrCustomId)[0];
    let variants = product?.variants.filter((v) => v.sku === skuOrCustomId) ?? [];
    if (!product) {
      product = this.all().find((p) => p.metafields.some((m) => m.type === 'id' && m.value === skuOrCustomId));
      variants = product?.variants ?? [];
    }
    if (!product) throw new Error(`Shopify simulator: no product with SKU or custom id ${skuOrCustomId}`);
    const now = new Date().toISOString();
    if (patch.title !== undefined) product.title = patch.title;
    if (patch.status !== undefined) product.status = patch.status;
    if (patch.productType !== undefined) product.productType = patch.productType;
    for (const v of variants) {
      if (patch.price !== undefined) v.price = money(patch.price);
      if (patch.barcode !== undefined) v.barcode = patch.barcode;
      if (patch.price !== undefined || patch.barcode !== undefined) v.updatedAt = now;
    }
    product.updatedAt = now;
    this.emit('products/update', product);
    return product.id;
  }

  private validate(existing: ProductRecord | undefined, input: ProductSetInput): ProductUserError[] {
    const errors: ProductUserError[] = [];
    const push = (field: string[], code: string, message: string) => errors.push({ field, code, message });
    if (input.variants && !input.productOptions)
      push(
        ['input', 'productOptions'],
        'PRODUCT_OPTIONS_INPUT_MISSING',
        'Product options input is required when updating variants.',
      );
    if (input.productOptions && !input.variants)
      push(
        ['input', 'variants'],
        'VARIANTS_INPUT_MISSING',
        'Variants input is required when updating product options.',
      );
    if (!existing && !input.title) push(['input', 'title'], 'INVALID_PRODUCT', "Title can't be blank");
    if (input.title === '') push(['input', 'title'], 'INVALID_PRODUCT', "Title can't be blank");
    if (errors.length) return errors;
    const options = input.productOptions ?? [];
    if (options.length > MAX_OPTIONS)
      push(['input', 'productOptions'], 'OPTIONS_OVER_LIMIT', `Can only specify a maximum of ${MAX_OPTIONS} options.`);
    const names = new Set<string>();
    options.forEach((o, i) => {
      if (!o.name) push(['input', 'productOptions', String(i), 'name'], 'INVALID_INPUT', "Option name can't be blank");
      else if (names.has(o.name))
        push(
          ['input', 'productOptions', String(i), 'name'],
          'DUPLICATED_OPTION_NAME',
          `Duplicated option name ${o.name}.`,
        );
      else names.add(o.name);
      if (!o.values?.length)
        push(['input', 'productOptions', String(i), 'values'], 'OPTION_VALUES_MISSING', 'Option values are missing.');
    });
    const variants = input.variants ?? [];
    if (variants.length > MAX_VARIANTS)
      push(['input', 'variants'], 'VARIANTS_OVER_LIMIT', `Can only specify a maximum of ${MAX_VARIANTS} variants.`);
    const combos = new Set<string>();
    variants.forEach((v, i) => {
      const at = (...f: string[]) => ['input', 'variants', String(i), ...f];
      if (v.id) {
        const owner = this.variant(v.id);
        if (!owner || owner.product.id !== existing?.id)
          push(at('id'), 'PRODUCT_VARIANT_DOES_NOT_EXIST', `Product variant ${v.id} does not exist on this product.`);
      }
      for (const ov of v.optionValues) {
        const option = options.find((o) => o.name === ov.optionName);
        if (!option)
          push(at('optionValues'), 'OPTION_DOES_NOT_EXIST', `Option ${String(ov.optionName)} does not exist.`);
        else if (!option.values?.some((x) => x.name === ov.name))
          push(at('optionValues'), 'OPTION_VALUE_DOES_NOT_EXIST', `Option value ${String(ov.name)} does not exist.`);
      }
      const combo = JSON.stringify(v.optionValues.map((o) => [o.optionName, o.name]));
      if (combos.has(combo))
        push(at('optionValues'), 'DUPLICATED_OPTION_VALUE', 'The variant option values must be unique.');
      combos.add(combo);
      for (const f of ['price', 'compareAtPrice'] as const) {
        const value = v[f];
        if (value == null) continue;
        const cents = parseCents(value);
        if (cents === undefined) push(at(f), 'INVALID_VARIANT', `${f} is not a valid amount.`);
        else if (cents < 0) push(at(f), 'INVALID_VARIANT', 'Price must be greater than or equal to 0.');
      }
    });
    (input.metafields ?? []).forEach((m, i) => {
      const at = ['input', 'metafields', String(i)];
      if (!m.key || m.value == null || !m.type)
        return void push(at, 'INVALID_METAFIELD', 'A metafield needs a key, a type and a value.');
      if (m.type !== 'id') return;
      const holder = this.byMetafield(m.namespace, m.key, m.value);
      if (holder && holder.id !== existing?.id)
        push(
          [...at, 'value'],
          'DUPLICATED_METAFIELD_VALUE',
          `Value ${m.value} is already used by another product for ${m.namespace ?? APP_NAMESPACE}.${m.key}.`,
        );
    });
    return errors;
  }

  private create(input: ProductSetInput, now: string): ProductRecord {
    const num = this.nextProduct++;
    const product: ProductRecord = {
      id: gid('Product', num),
      num,
      title: input.title ?? '',
      handle: this.uniqueHandle(input.handle ?? input.title ?? `product-${num}`),
      status: 'ACTIVE',
      productType: '',
      vendor: 'retail-sim',
      tags: [],
      options: [{ name: 'Title', values: ['Default Title'] }],
      metafields: [],
      variants: [],
      createdAt: now,
      updatedAt: now,
    };
    this.products.set(product.id, product);
    // Shopify gives a product created without variants its one default variant.
    if (!input.variants)
      product.variants.push(
        this.newVariant(product, { optionValues: [{ optionName: 'Title', name: 'Default Title' }] }, now),
      );
    return product;
  }

  private apply(product: ProductRecord, input: ProductSetInput, now: string): void {
    if (input.title != null) product.title = input.title;
    if (input.handle != null) product.handle = input.handle;
    if (input.status != null) product.status = input.status;
    if (input.productType != null) product.productType = input.productType;
    if (input.vendor != null) product.vendor = input.vendor;
    if (input.tags != null) product.tags = [...input.tags];
    if (input.metafields) {
      // A list field: what is not sent is gone.
      product.metafields = input.metafields.map((m) => ({
        id:
          product.metafields.find((x) => x.namespace === (m.namespace ?? APP_NAMESPACE) && x.key === m.key)?.id ??
          gid('Metafield', this.nextMetafield++),
        namespace: m.namespace ?? APP_NAMESPACE,
        key: m.key!,
        type: m.type!,
        value: m.value!,
      }));
    }
    if (input.productOptions && input.variants) {
      product.options = input.productOptions.map((o) => ({
        name: o.name!,
        values: (o.values ?? []).map((v) => v.name!),
      }));
      const kept = new Set<string>();
      const next = input.variants.map((v) => {
        const match =
          (v.id ? product.variants.find((x) => x.id === v.id) : undefined) ??
          (this.matchVariantsByOptions && !v.id
            ? product.variants.find((x) => !kept.has(x.id) && sameOptions(x.optionValues, v.optionValues))
            : undefined);
        if (!match) return this.newVariant(product, v, now);
        kept.add(match.id);
        this.updateVariant(match, v, now);
        return match;
      });
      const nextIds = new Set(next.map((v) => v.id));
      for (const gone of product.variants.filter((v) => !nextIds.has(v.id))) {
        this.variantOwner.delete(gone.id);
        this.stock.items.delete(gone.itemId);
      }
      product.variants = next;
    }
    product.updatedAt = now;
  }

  private newVariant(product: ProductRecord, v: VariantSetInput, now: string): VariantRecord {
    const sku = v.inventoryItem?.sku ?? v.sku ?? null;
    const itemId = this.stock.seedItem({ sku: sku ?? '' });
    const item = this.stock.items.get(itemId)!;
    const variant: VariantRecord = {
      id: item.variantId,
      num: item.num,
      itemId,
      sku,
      barcode: v.barcode ?? null,
      price: money(v.price ?? '0'),
      compareAtPrice: v.compareAtPrice == null ? null : money(v.compareAtPrice),
      optionValues: v.optionValues.map((o) => ({ optionName: o.optionName ?? '', name: o.name ?? '' })),
      createdAt: now,
      updatedAt: now,
    };
    this.variantOwner.set(variant.id, product.id);
    return variant;
  }

  private updateVariant(variant: VariantRecord, v: VariantSetInput, now: string): void {
    const sku = v.inventoryItem?.sku ?? v.sku;
    if (sku !== undefined) this.setSku(variant, sku);
    if (v.barcode !== undefined) variant.barcode = v.barcode;
    if (v.price != null) this.setPrice(variant, money(v.price));
    if (v.compareAtPrice !== undefined)
      variant.compareAtPrice = v.compareAtPrice === null ? null : money(v.compareAtPrice);
    variant.optionValues = v.optionValues.map((o) => ({ optionName: o.optionName ?? '', name: o.name ?? '' }));
    variant.updatedAt = now;
  }

  /** The price a read shows now (see priceReadLagMs). */
  shownPrice(variant: VariantRecord): string {
    return variant.shown && Date.now() < variant.shown.until ? variant.shown.price : variant.price;
  }

  private setPrice(variant: VariantRecord, price: string): void {
    if (price !== variant.price && this.priceReadLagMs > 0)
      variant.shown = { price: this.shownPrice(variant), until: Date.now() + this.priceReadLagMs };
    variant.price = price;
  }

  private setSku(variant: VariantRecord, sku: string | null): void {
    variant.sku = sku;
    const item = this.stock.items.get(variant.itemId);
    if (item) item.sku = sku ?? '';
  }

  private uniqueHandle(title: string): string {
    const base =
      title
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'product';
    let handle = base;
    for (let n = 1; this.byHandle(handle); n++) handle = `${base}-${n}`;
    return handle;
  }

  private emit(topic: ProductTopic, product: ProductRecord): void {
    for (const l of this.listeners) l({ topic, product });
  }
}

/** Money as Shopify echoes it: "12.5" reads back as "12.50". */
function money(value: string): string {
  const cents = parseCents(value);
  if (cents === undefined) throw new Error(`not an amount: ${value}`);
  return formatCents(cents);
}

function sameOptions(a: VariantRecord['optionValues'], b: VariantSetInput['optionValues']): boolean {
  return a.length === b.length && a.every((o, i) => o.optionName === b[i]?.optionName && o.name === b[i]?.name);
}

/** The REST shape of products/create and products/update (master-data-api.md §3.4): numeric ids plus the GID. */
export function productToRest(p: ProductRecord): Record<string, unknown> {
  return {
    id: p.num,
    title: p.title,
    handle: p.handle,
    status: p.status.toLowerCase(),
    product_type: p.productType,
    vendor: p.vendor,
    tags: p.tags.join(', '),
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    admin_graphql_api_id: p.id,
    options: p.options.map((o, i) => ({ name: o.name, position: i + 1, values: o.values })),
    variants: p.variants.map((v, i) => ({
      id: v.num,
      product_id: p.num,
      title: v.optionValues.map((o) => o.name).join(' / '),
      sku: v.sku,
      barcode: v.barcode,
      price: v.price,
      compare_at_price: v.compareAtPrice,
      position: i + 1,
      option1: v.optionValues[0]?.name ?? null,
      option2: v.optionValues[1]?.name ?? null,
      option3: v.optionValues[2]?.name ?? null,
      inventory_item_id: Number(v.itemId.split('/').pop()),
      created_at: v.createdAt,
      updated_at: v.updatedAt,
      admin_graphql_api_id: v.id,
    })),
    images: [],
  };
}
