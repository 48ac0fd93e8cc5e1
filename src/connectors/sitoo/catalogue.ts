import { z } from 'zod';
import { SITOO_SKU, type CatalogueProduct, type SubscriberRef } from '../../domain/catalogue';
import { formatCents, parseCents } from '../../domain/money';
import type {
  CatalogueCallOptions,
  PriceTarget,
  PriceWrite,
  PriceWriteOutcome,
  ProductWriteOutcome,
  SitooCataloguePort,
  SubscriberCopy,
} from '../catalogue/port';
import { parseBody, PermanentError } from '../http';
import {
  newIdSchema,
  PRODUCT_FIELDS,
  productBatchSchema,
  productPageSchema,
  priceItemPageSchema,
  priceListPageSchema,
  variantSetSchema,
  type WireProduct,
} from './catalogue-schemas';
import type { SitooClient } from './client';

export interface SitooCatalogueOptions {
  /** The site written to (default: the client's). */
  eshopId?: number;
  /**
   * Items per batch write and SKUs per look-up. Sitoo documents no cap for product or price-list
   * item batches (master-data-api.md §2.2: NOT FOUND); 100 is our choice, and keeps the SKU
   * filter's query string short.
   */
  batchSize?: number;
  /** `currencycode` of the price lists this creates (absent: the site's own). */
  currencyCode?: string;
  /** The name of the one option group variants are listed under in Sitoo (default "Variant"). */
  variantGroupName?: string;
}

const SYSTEM = 'sitoo';
const DEFAULT_BATCH = 100;
/** Page size for product and price-list reads. */
const PAGE = 100;
/** sitoo-api.md §7 (T): a site holds at most 100 price lists, so one page lists them all. */
const MAX_PRICE_LISTS = 100;

type Opts = CatalogueCallOptions;
type Decision =
  | { kind: 'done'; outcome: ProductWriteOutcome }
  | { kind: 'add' }
  /** `writeMain` false: only the variant set differs from the document. */
  | { kind: 'update'; main: WireProduct; writeMain: boolean };

/**
 * The catalogue subscriber port on Sitoo REST (issue 15). The cross-reference lives on the
 * product itself, so no second store can disagree with Sitoo:
 * - `sku` is the key Sitoo enforces (unique per site): a retry after a lost response or a late
 *   commit finds the first write by SKU instead of adding a twin, and an add that Sitoo refuses
 *   because the SKU is taken is read back and, when it is ours, becomes an update;
 * - `custom1` holds the master id, `custom2` holds `<version>|<fingerprint>` (stale and unchanged
 *   checks), `custom3` the master's category code (Sitoo's own category tree is not mapped yet);
 * - a product with variants is a main product under the item SKU plus one product per variant
 *   under the main's id, written with the variant-set PUT, which replaces the whole set.
 * Every call reads before it writes, so a call retried by its activity after a lost response
 * continues where the first attempt stopped.
 */
export class SitooCatalogue implements SitooCataloguePort {
  readonly system = 'sitoo' as const;
  private readonly site: string;
  private readonly batchSize: number;

  constructor(
    private readonly client: SitooClient,
    private readonly options: SitooCatalogueOptions = {},
  ) {
    this.site = `/sites/${options.eshopId ?? client.eshopId}`;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH;
  }

  async upsertProducts(products: CatalogueProduct[], opts: Opts = {}): Promise<ProductWriteOutcome[]> {
    const outcomes: ProductWriteOutcome[] = [];
    for (const part of chunk(products, this.batchSize)) {
      outcomes.push(...(await this.upsertChunk(part, opts)));
      opts.progress?.(outcomes.length);
    }
    return outcomes;
  }

  async setPrices(target: PriceTarget, prices: PriceWrite[], opts: Opts = {}): Promise<PriceWriteOutcome[]> {
    const outcomes: PriceWriteOutcome[] = [];
    const listId = target.list === 'named' ? await this.priceList(target, true, opts) : undefined;
    for (const part of chunk(prices, this.batchSize)) {
      if (listId !== undefined) {
        const body = part.map((p) => ({ sku: p.sku, moneyprice: formatCents(p.priceCents), moneypricevolume: null }));
        const results = await this.batchWrite(
          'PUT',
          `${this.site}/pricelists/${listId}/pricelistitems.json`,
          body,
          opts,
        );
        outcomes.push(...part.map((p, i) => priceOutcome(p.sku, results[i]!)));
      } else {
        // The default list is the products' own moneyprice: written on the products, by productid.
        const found = await this.productsBySku(
          part.map((p) => p.sku),
          opts,
        );
        const known = part.filter((p) => found.has(p.sku));
        const body = known.map((p) => ({
          productid: found.get(p.sku)!.productid,
          moneyprice: formatCents(p.priceCents),
        }));
        const results = body.length ? await this.batchWrite('PUT', `${this.site}/products.json`, body, opts) : [];
        const bySku = new Map(known.map((p, i) => [p.sku, results[i]!]));
        outcomes.push(
          ...part.map((p): PriceWriteOutcome => {
            const result = bySku.get(p.sku);
            return result ? priceOutcome(p.sku, result) : { sku: p.sku, result: 'rejected', reason: notInSitoo(p.sku) };
          }),
        );
      }
      opts.progress?.(outcomes.length);
    }
    return outcomes;
  }

  async readPrices(target: PriceTarget, skus: string[], opts: Opts = {}): Promise<Record<string, number>> {
    const prices: Record<string, number> = {};
    if (target.list === 'default') {
      for (const [sku, p] of await this.productsBySku(skus, opts)) {
        const cents = p.moneyprice ? parseCents(p.moneyprice) : undefined;
        if (cents !== undefined) prices[sku] = cents;
      }
      return prices;
    }
    const listId = await this.priceList(target, false, opts);
    if (listId === undefined) return prices;
    const path = `${this.site}/pricelists/${listId}/pricelistitems.json`;
    // The `sku` filter on price-list items is our inference (the reference documents only paging).
    for (const part of chunk(validSkus(skus), this.batchSize)) {
      for (const item of await this.allPages(path, { sku: part.join(',') }, priceItemPageSchema, opts)) {
        const cents = parseCents(item.moneyprice);
        if (cents !== undefined && part.includes(item.sku)) prices[item.sku] = cents;
      }
    }
    return prices;
  }

  async readProducts(skus: string[], opts: Opts = {}): Promise<SubscriberCopy[]> {
    const mains = [...(await this.productsBySku(skus, opts)).values()].filter(
      (p) => p.variantparentid === null || p.variantparentid === p.productid,
    );
    return this.copiesOf(mains, opts);
  }

  async readChangedSince(
    sinceSeconds: number,
    opts: Opts = {},
  ): Promise<{ products: SubscriberCopy[]; newestSeconds: number }> {
    const changed = new Map<number, WireProduct>();
    const query = { datelastmodified: sinceSeconds, includeinactive: 'true', fields: PRODUCT_FIELDS };
    for (const p of await this.allPages(`${this.site}/products.json`, query, productPageSchema, opts))
      changed.set(p.productid, p);
    let newestSeconds = sinceSeconds;
    for (const p of changed.values()) newestSeconds = Math.max(newestSeconds, p.datemodified);
    // A changed variant is reported as its item: the copy is per item SKU, as the master sends it.
    const mainIds = new Set([...changed.values()].map((p) => p.variantparentid ?? p.productid));
    const missing = [...mainIds].filter((id) => !changed.has(id));
    const mains = [...[...mainIds].flatMap((id) => changed.get(id) ?? []), ...(await this.productsById(missing, opts))];
    return { products: await this.copiesOf(mains, opts), newestSeconds };
  }

  // --- upsert ---

  private async upsertChunk(products: CatalogueProduct[], opts: Opts): Promise<ProductWriteOutcome[]> {
    const existing = await this.productsBySku(products.flatMap(allSkus), opts);
    const decisions = products.map((p): Decision => {
      const problem = vatProblem(p);
      if (problem) return { kind: 'done', outcome: rejected(p, problem) };
      return decide(p, existing);
    });
    const created = new Set<number>();

    const adds = products.flatMap((p, i) => (decisions[i]!.kind === 'add' ? [i] : []));
    if (adds.length) {
      const results = await this.batchWrite(
        'POST',
        `${this.site}/products.json`,
        adds.map((i) => mainBody(products[i]!)),
        opts,
      );
      const refused: number[] = [];
      adds.forEach((i, k) => {
        const result = results[k]!;
        const id = newIdSchema.safeParse(result.return);
        if (result.statuscode === 200 && id.success) {
          created.add(i);
          decisions[i] = { kind: 'update', main: placeholder(products[i]!, id.data), writeMain: false };
        } else refused.push(i);
      });
      if (refused.length) {
        // A refused add may be our own earlier add (a lost response, a late commit): the SKU is
        // taken by it. Read back rather than parse Sitoo's undocumented wording.
        const after = await this.productsBySku(
          refused.flatMap((i) => allSkus(products[i]!)),
          opts,
        );
        for (const [sku, p] of after) existing.set(sku, p);
        for (const i of refused) {
          const mine = after.get(products[i]!.sku);
          const reason = batchReason(results[adds.indexOf(i)]!);
          decisions[i] =
            mine && mine.custom1 === products[i]!.masterId
              ? decide(products[i]!, existing)
              : { kind: 'done', outcome: rejected(products[i]!, reason) };
        }
      }
    }

    const updates = products.flatMap((p, i) => {
      const d = decisions[i]!;
      return d.kind === 'update' && d.writeMain && !created.has(i) ? [i] : [];
    });
    if (updates.length) {
      const results = await this.batchWrite(
        'PUT',
        `${this.site}/products.json`,
        updates.map((i) => ({
          productid: (decisions[i] as { main: WireProduct }).main.productid,
          ...mainBody(products[i]!),
        })),
        opts,
      );
      updates.forEach((i, k) => {
        if (results[k]!.statuscode !== 200) {
          const main = (decisions[i] as { main: WireProduct }).main;
          decisions[i] = {
            kind: 'done',
            outcome: rejected(products[i]!, batchReason(results[k]!), refOf(main, new Map())),
          };
        }
      });
    }

    // Variant sets: one PUT per product whose set differs from what Sitoo holds, a few at a time
    // (Sitoo has no batch for them; the client's own limit caps what is in flight).
    const withVariants: number[] = [];
    const toPut: number[] = [];
    for (const [i, p] of products.entries()) {
      const d = decisions[i]!;
      if (d.kind !== 'update' || !hasVariants(p)) continue;
      withVariants.push(i);
      if (!variantsMatch(p, d.main.productid, existing)) toPut.push(i);
    }
    await inParallel(toPut, VARIANT_SETS_AT_ONCE, async (i) => {
      const p = products[i]!;
      const d = decisions[i]!;
      if (d.kind !== 'update') return;
      const res = await this.client.rest(
        'PUT',
        `${this.site}/products/${d.main.productid}/productvariants.json`,
        {},
        this.variantSetBody(p, d.main.productid, existing),
        opts,
      );
      // The set is refused as a whole (a variant's SKU or barcode taken, a negative price): its product is rejected.
      if (res.status === 400) {
        decisions[i] = {
          kind: 'done',
          outcome: rejected(p, errorText(res.text), refOf(d.main, existing)),
        };
      } else if (res.status !== 200) res.raise();
    });
    const variantIds = withVariants.length
      ? await this.productsBySku(
          withVariants.flatMap((i) => products[i]!.variants.map((v) => v.sku)),
          opts,
        )
      : new Map<string, WireProduct>();

    return products.map((p, i): ProductWriteOutcome => {
      const d = decisions[i]!;
      if (d.kind === 'done') return d.outcome;
      if (d.kind === 'add') throw new Error(`unreachable: ${p.sku} left to add`);
      return {
        masterId: p.masterId,
        sku: p.sku,
        result: created.has(i) ? 'created' : 'updated',
        ref: refOf(d.main, hasVariants(p) ? variantIds : new Map(), p),
      };
    });
  }

  private variantSetBody(p: CatalogueProduct, mainId: number, existing: Map<string, WireProduct>) {
    const options = [...new Set(p.variants.map(optionOf))];
    return {
      groups: [{ name: this.options.variantGroupName ?? 'Variant', options }],
      variants: p.variants.map((v) => {
        const held = existing.get(v.sku);
        return {
          productid: held && held.variantparentid === mainId ? held.productid : 0,
          sku: v.sku,
          title: p.title ?? v.title,
          attributes: [optionOf(v)],
          ...(v.priceCents !== undefined && { moneyprice: formatCents(v.priceCents) }),
          ...(v.barcode !== undefined && { barcode: v.barcode }),
          ...(p.active !== undefined && { activepos: p.active }),
        };
      }),
    };
  }

  // --- reads ---

  /** The copies of these main (or simple) products, with their variants read from Sitoo. */
  private async copiesOf(mains: WireProduct[], opts: Opts): Promise<SubscriberCopy[]> {
    const heads = mains.filter((m) => m.variantparentid === m.productid);
    const variantIdsByHead = new Map<number, number[]>();
    for (const head of heads) {
      const set = await this.getJson(
        `${this.site}/products/${head.productid}/productvariants.json`,
        {},
        variantSetSchema,
        opts,
      );
      variantIdsByHead.set(
        head.productid,
        set.variants.map((v) => v.productid),
      );
    }
    const variants = new Map(
      (await this.productsById([...variantIdsByHead.values()].flat(), opts)).map((v) => [v.productid, v]),
    );
    return mains.map((main) => {
      const own = (variantIdsByHead.get(main.productid) ?? []).flatMap((id) => variants.get(id) ?? []);
      const sellable = main.variantparentid === main.productid ? own : [main];
      const modified = Math.max(main.datemodified, ...own.map((v) => v.datemodified));
      const stamp = parseStamp(main.custom2);
      return {
        sku: main.sku,
        ...(main.custom1 !== undefined && { masterId: main.custom1 }),
        ...(stamp && { version: stamp.version }),
        ...(stamp?.fingerprint ? { fingerprint: stamp.fingerprint } : {}),
        ...(main.title !== undefined && { title: main.title }),
        ...(main.variantparentid === null && main.barcode !== undefined && { barcode: main.barcode }),
        ...(main.vatid != null && { vatKey: String(main.vatid) }),
        ...(main.custom3 !== undefined && { categoryCode: main.custom3 }),
        ...(main.active != null && { active: main.active }),
        variants: sellable.map((v) => ({
          sku: v.sku,
          ...(v.moneyprice != null && { priceCents: parseCents(v.moneyprice) }),
          ...(v.barcode !== undefined && { barcode: v.barcode }),
        })),
        modifiedAt: new Date(modified * 1000).toISOString(),
        ref: refOf(main, new Map(own.map((v) => [v.sku, v]))),
      };
    });
  }

  /** Products holding these SKUs (active or not), by SKU. A SKU Sitoo cannot hold is not asked for: a comma would split the filter. */
  private async productsBySku(skus: string[], opts: Opts): Promise<Map<string, WireProduct>> {
    const found = new Map<string, WireProduct>();
    for (const part of chunk(validSkus(skus), this.batchSize)) {
      const query = { sku: part.join(','), includeinactive: 'true', fields: PRODUCT_FIELDS };
      for (const p of await this.allPages(`${this.site}/products.json`, query, productPageSchema, opts))
        if (part.includes(p.sku)) found.set(p.sku, p);
    }
    return found;
  }

  private async productsById(ids: number[], opts: Opts): Promise<WireProduct[]> {
    const out: WireProduct[] = [];
    for (const part of chunk([...new Set(ids)], this.batchSize)) {
      const query = { productid: part.join(','), includeinactive: 'true', fields: PRODUCT_FIELDS };
      out.push(...(await this.allPages(`${this.site}/products.json`, query, productPageSchema, opts)));
    }
    return out;
  }

  /** The id of the price list keyed by `externalid`, created with the target's name and store tags when asked. */
  private async priceList(
    target: Extract<PriceTarget, { list: 'named' }>,
    create: boolean,
    opts: Opts,
  ): Promise<number | undefined> {
    const lists = await this.getJson(
      `${this.site}/pricelists.json`,
      { start: 0, num: MAX_PRICE_LISTS },
      priceListPageSchema,
      opts,
    );
    // Lowest id first: should a twin ever exist (a late commit), every caller settles on the same list.
    const held = lists.items
      .filter((l) => l.externalid === target.key)
      .sort((a, b) => a.pricelistid - b.pricelistid)[0];
    if (held || !create) return held?.pricelistid;
    // Not idempotent: a lost answer throws, and the retried call finds the list by externalid above.
    const res = await this.client.rest(
      'POST',
      `${this.site}/pricelists.json`,
      {},
      {
        pricelistname: target.name,
        externalid: target.key,
        tags: target.storeTags,
        active: true,
        ...(this.options.currencyCode && { currencycode: this.options.currencyCode }),
      },
      opts,
    );
    if (res.status !== 200) res.raise();
    return parseBody(SYSTEM, res.text, newIdSchema);
  }

  // --- plumbing ---

  private async batchWrite(
    method: 'POST' | 'PUT',
    path: string,
    body: unknown[],
    opts: Opts,
  ): Promise<z.infer<typeof productBatchSchema>> {
    const res = await this.client.rest(method, path, {}, body, opts);
    if (res.status !== 200) res.raise();
    const json = parseBody(SYSTEM, res.text, productBatchSchema.or(newIdSchema).or(z.literal(true)));
    // A one-item batch may come back bare (sitoo-api.md §2.3).
    const results = Array.isArray(json) ? json : [{ statuscode: 200, return: json }];
    if (results.length !== body.length)
      throw new PermanentError(
        `${SYSTEM} answered ${results.length} results for ${body.length} items (${method} ${path})`,
        SYSTEM,
        200,
        'UnexpectedResponse',
      );
    return results;
  }

  private async allPages<T>(
    path: string,
    query: Record<string, string | number>,
    schema: z.ZodType<{ totalcount: number; items: T[] }>,
    opts: Opts,
  ): Promise<T[]> {
    const all: T[] = [];
    for (let start = 0; ; start += PAGE) {
      const page = await this.getJson(path, { ...query, start, num: PAGE }, schema, opts);
      all.push(...page.items);
      if (page.items.length < PAGE || start + page.items.length >= page.totalcount) return all;
    }
  }

  private async getJson<T>(
    path: string,
    query: Record<string, string | number>,
    schema: z.ZodType<T>,
    opts: Opts,
  ): Promise<T> {
    const res = await this.client.rest('GET', path, query, undefined, opts);
    if (res.status !== 200) res.raise();
    return parseBody(SYSTEM, res.text, schema);
  }
}

// --- pure helpers ---

function hasVariants(p: CatalogueProduct): boolean {
  return !(p.variants.length === 1 && p.variants[0]!.sku === p.sku);
}

function allSkus(p: CatalogueProduct): string[] {
  return hasVariants(p) ? [p.sku, ...p.variants.map((v) => v.sku)] : [p.sku];
}

function validSkus(skus: string[]): string[] {
  return [...new Set(skus)].filter((s) => SITOO_SKU.test(s));
}

function optionOf(v: CatalogueProduct['variants'][number]): string {
  return v.title || v.code || v.sku;
}

/** `custom2` = `<version>|<fingerprint>`: ISO instants hold no `|`, so the first one splits them. */
function stamp(p: CatalogueProduct): string {
  return `${p.version}|${p.fingerprint}`;
}

function parseStamp(value: string | undefined): { version: string; fingerprint: string } | undefined {
  if (!value) return undefined;
  const at = value.indexOf('|');
  return at < 0
    ? { version: value, fingerprint: '' }
    : { version: value.slice(0, at), fingerprint: value.slice(at + 1) };
}

function vatProblem(p: CatalogueProduct): string | undefined {
  if (p.vatKey !== undefined && !/^\d+$/.test(p.vatKey))
    return `vatKey "${p.vatKey}" is not a Sitoo vatid (an integer): fix the VAT mapping`;
  return undefined;
}

/** What the product itself carries: the item fields, and price and barcode when it is sold as it is. */
function mainBody(p: CatalogueProduct): Record<string, unknown> {
  const body: Record<string, unknown> = { sku: p.sku, custom1: p.masterId, custom2: stamp(p) };
  if (p.title !== undefined) body.title = p.title;
  if (p.vatKey !== undefined) body.vatid = Number(p.vatKey);
  if (p.categoryCode !== undefined) body.custom3 = p.categoryCode;
  if (p.active !== undefined) {
    body.active = p.active;
    body.activepos = p.active;
  }
  if (!hasVariants(p)) {
    const v = p.variants[0]!;
    if (v.priceCents !== undefined) body.moneyprice = formatCents(v.priceCents);
    if (v.barcode !== undefined) body.barcode = v.barcode;
  } else {
    // The main product is the group the till shows; it carries the lowest variant price ("from").
    const prices = p.variants.flatMap((v) => (v.priceCents !== undefined ? [v.priceCents] : []));
    if (prices.length) body.moneyprice = formatCents(Math.min(...prices));
  }
  return body;
}

/** Stale, unchanged, or to write: from what Sitoo holds under the SKU now. */
function decide(p: CatalogueProduct, existing: Map<string, WireProduct>): Decision {
  const main = existing.get(p.sku);
  if (!main) return { kind: 'add' };
  if (main.custom1 && main.custom1 !== p.masterId)
    return {
      kind: 'done',
      outcome: rejected(p, `SKU ${p.sku} is held in Sitoo by product ${main.productid} of master id ${main.custom1}`),
    };
  const held = parseStamp(main.custom2);
  const ref = refOf(main, existing, p);
  if (held && held.version > p.version)
    return {
      kind: 'done',
      outcome: { masterId: p.masterId, sku: p.sku, result: 'stale', heldVersion: held.version, ref },
    };
  // Unchanged only when Sitoo still holds the document: an edit made there since is written back.
  // A newer version with the same fingerprint (the master touched the item, nothing we send changed) is
  // not written: the contract's `unchanged`, which keeps a reconciliation from rewriting the catalogue.
  const mainHeld = held?.fingerprint === p.fingerprint && mainMatches(p, main);
  if (mainHeld && (!hasVariants(p) || variantsMatch(p, main.productid, existing)))
    return { kind: 'done', outcome: { masterId: p.masterId, sku: p.sku, result: 'unchanged', ref } };
  return { kind: 'update', main, writeMain: !mainHeld };
}

function mainMatches(p: CatalogueProduct, main: WireProduct): boolean {
  const body = mainBody(p);
  const same = (field: keyof WireProduct, want: unknown) => want === undefined || (main[field] ?? undefined) === want;
  return (
    same('title', body.title) &&
    same('vatid', body.vatid) &&
    same('custom3', body.custom3) &&
    same('active', body.active) &&
    same('moneyprice', body.moneyprice) &&
    same('barcode', body.barcode === '' ? undefined : body.barcode)
  );
}

function variantsMatch(p: CatalogueProduct, mainId: number, existing: Map<string, WireProduct>): boolean {
  return p.variants.every((v) => {
    const held = existing.get(v.sku);
    return (
      held !== undefined &&
      held.variantparentid === mainId &&
      held.title === (p.title ?? v.title) &&
      (v.priceCents === undefined || held.moneyprice === formatCents(v.priceCents)) &&
      (v.barcode === undefined || held.barcode === v.barcode) &&
      (p.active === undefined || held.activepos === p.active)
    );
  });
}

/** The ids by SKU: a simple product is its own (only) variant. */
function refOf(main: WireProduct, variants: Map<string, WireProduct>, p?: CatalogueProduct): SubscriberRef {
  const variantIds: Record<string, string> = {};
  if (main.variantparentid === null && (!p || !hasVariants(p))) variantIds[main.sku] = String(main.productid);
  for (const [sku, v] of variants)
    if (
      v.variantparentid === main.productid &&
      v.productid !== main.productid &&
      (!p || p.variants.some((x) => x.sku === sku))
    )
      variantIds[sku] = String(v.productid);
  return { productId: String(main.productid), variantIds };
}

/** A just-added product, as far as the rest of the chunk needs to know it. */
function placeholder(p: CatalogueProduct, productid: number): WireProduct {
  return { productid, sku: p.sku, variantparentid: null, datemodified: 0 } as WireProduct;
}

function rejected(p: CatalogueProduct, reason: string, ref?: SubscriberRef): ProductWriteOutcome {
  return { masterId: p.masterId, sku: p.sku, result: 'rejected', reason, ...(ref && { ref }) };
}

function batchReason(result: { statuscode: number; return?: unknown; errortext?: string }): string {
  const text = result.errortext ?? (typeof result.return === 'string' ? result.return : undefined);
  return `Sitoo refused it (${result.statuscode})${text ? `: ${text}` : ''}`;
}

function errorText(body: string): string {
  try {
    const json = JSON.parse(body) as { statuscode?: number; errortext?: string };
    return `Sitoo refused it (${json.statuscode ?? 400})${json.errortext ? `: ${json.errortext}` : ''}`;
  } catch {
    return `Sitoo refused it (400): ${body.slice(0, 200)}`;
  }
}

function priceOutcome(
  sku: string,
  result: { statuscode: number; return?: unknown; errortext?: string },
): PriceWriteOutcome {
  return result.statuscode === 200
    ? { sku, result: 'applied' }
    : { sku, result: 'rejected', reason: batchReason(result) };
}

function notInSitoo(sku: string): string {
  return SITOO_SKU.test(sku)
    ? `SKU ${sku} is not in Sitoo`
    : `SKU ${sku} cannot exist in Sitoo (characters outside A-Z a-z 0-9 _ + - /)`;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Variant-set PUTs in flight at once per upsert: Sitoo documents no limit; 429s are retried. */
const VARIANT_SETS_AT_ONCE = 4;

/** Runs `work` over `items`, at most `limit` at a time; the first failure is thrown once all have settled. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (errors.length) throw errors[0];
}
