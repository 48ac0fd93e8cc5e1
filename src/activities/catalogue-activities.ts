import { Context } from '@temporalio/activity';
import {
  conflictPolicy,
  fieldConflicts,
  projectProduct,
  type CatalogueMapping,
  type CatalogueProduct,
  type FieldConflict,
  type ProductNotice,
  type SubscriberMapping,
  type SubscriberSystem,
} from '../domain/catalogue';
import { DEFAULT_TIME_ZONE } from '../domain/business-day';
import type { Mapping } from '../domain/mapping';
import type { MasterStreamCursor, ProductCursor } from '../domain/product-master';
import { effectivePriceCents, nextPriceChange, PriceChannelError, type PriceChannel } from '../domain/prices';
import type {
  CatalogueSubscriberPort,
  PriceTarget,
  ProductWriteOutcome,
  ShopifyCataloguePort,
  SitooCataloguePort,
  SubscriberCopy,
} from '../connectors/catalogue/port';
import type { MasterPriceLine, MasterProduct, ProductMasterPort } from '../connectors/master/port';
import { ApplicationFailure } from '@temporalio/common';
import { attemptSignal } from './attempt';
import { toActivityFailure } from './failures';

/**
 * The product sync's side effects (issue 15). Every call reads the master's current state by SKU,
 * so a retry, a late run or an out-of-order one writes what the master says now, never an older
 * copy; the subscribers' own keys make each write land once.
 */
export interface CatalogueDeps {
  master: ProductMasterPort;
  sitoo?: SitooCataloguePort;
  shopify?: ShopifyCataloguePort;
  mapping: () => Mapping;
  saveCursor: (scheduleId: string, cursor: CatalogueCursorArg) => Promise<void>;
  resumeUnknownSkus: (skus: string[]) => Promise<string[]>;
  /** PRICE_UPDATE_SLA: how long after its effective moment a price must read back everywhere. */
  priceUpdateSla: string;
  now?: () => Date;
}

export interface CatalogueCursorArg {
  products?: ProductCursor;
  priceLines?: MasterStreamCursor;
  sitooEditsSince?: number;
}

export interface ProductSyncOutcome {
  system: SubscriberSystem;
  created: number;
  updated: number;
  unchanged: number;
  stale: number;
  rejected: Array<{ sku: string; masterId: string; reason: string; version?: string }>;
  /** SKUs (item and variant) that the subscriber holds as the master says, after this call. */
  inPlace: string[];
  /** Asked for, but not in the master (deleted or renamed there). */
  notInMaster: string[];
}

export interface PriceReadBack {
  system: SubscriberSystem;
  target: string;
  sku: string;
  expectedCents: number;
  seenCents?: number;
}

export interface ConflictReport {
  system: SubscriberSystem;
  sku: string;
  masterId: string;
  /** The subscriber's change time of the product (ISO): with the SKU, the report's identity. */
  modifiedAt: string;
  conflicts: Array<FieldConflict & { policy: 'revert' | 'report' }>;
  /** Whether the fields under `revert` were written back. */
  reverted: boolean;
}

/**
 * Differences that are edits: a price the copy shows that was the master's price when the copy
 * last changed is one a timer has not moved on yet (a campaign started since), not an edit.
 */
function realEdits(conflicts: FieldConflict[], then: CatalogueProduct): FieldConflict[] {
  const priceThen = new Map(then.variants.map((v) => [v.sku, v.priceCents]));
  return conflicts.filter((c) => !(c.field === 'price' && priceThen.get(c.sku) === c.theirs));
}

/** A channel's price target in a subscriber, with how to price it. */
interface PricedTarget {
  target: PriceTarget;
  channel: PriceChannel;
}

function catalogueOf(mapping: Mapping): CatalogueMapping {
  const c = mapping.catalogue;
  if (!c)
    throw ApplicationFailure.nonRetryable(
      'the mapping file has no catalogue section: the product sync has nothing to do',
      CATALOGUE_NOT_CONFIGURED,
    );
  return c;
}

/**
 * Price writes of fewer SKUs than this read what the subscriber shows first and write only what
 * differs; larger ones are written whole (bench:catalogue: Shopify's read of 600 SKUs cost about
 * 1,000 points, its bulk write of them 30).
 */
const DIFF_READ_BELOW = 100;

/** Late prices a read-back lists at most. */
const MAX_LATE_LISTED = 100;

/** Failure types the catalogue flows park on. */
export const CATALOGUE_NOT_CONFIGURED = 'CatalogueNotConfigured';
export const CATALOGUE_REJECTED = 'CatalogueRejected';

/** The attempt's signal (attempt.ts): nothing a call sends outlives its attempt. */
function signalOf(): AbortSignal {
  return attemptSignal() ?? new AbortController().signal;
}

/** Connector errors as activity failures: transient ones retry (after Retry-After), refusals do not. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any activity signature
function guardAll<T extends Record<string, (...args: any[]) => Promise<unknown>>>(activities: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities))
    out[name] = async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        // A price the mapping cannot convert (a VAT group without a rate) is configuration: no retry fixes it.
        if (err instanceof PriceChannelError)
          throw ApplicationFailure.nonRetryable(`catalogue mapping: ${err.message}`, CATALOGUE_NOT_CONFIGURED);
        throw toActivityFailure(err, CATALOGUE_REJECTED);
      }
    };
  return out as T;
}

const zoneSlug = (zone: string) => zone.replace(/[^A-Za-z0-9]+/g, '_');

export function createCatalogueActivities(deps: CatalogueDeps) {
  const now = deps.now ?? (() => new Date());

  function subscriber(system: SubscriberSystem): { port: CatalogueSubscriberPort; mapping: SubscriberMapping } {
    const mapping = catalogueOf(deps.mapping())[system];
    const port = system === 'sitoo' ? deps.sitoo : deps.shopify;
    if (!mapping || !port)
      throw ApplicationFailure.nonRetryable(
        `${system} is not a catalogue subscriber here (mapping or connector missing)`,
        CATALOGUE_NOT_CONFIGURED,
      );
    return { port, mapping };
  }

  function channel(mapping: SubscriberMapping, priceListCode: string | undefined, timeZone: string): PriceChannel {
    const { vatRates: rates, defaultVatRate } = catalogueOf(deps.mapping());
    return {
      ...(defaultVatRate !== undefined ? { defaultVatRate } : {}),
      ...(priceListCode ? { priceListCode } : {}),
      timeZone,
      includesTax: mapping.pricesIncludeTax,
      vatRates: rates,
    };
  }

  /**
   * Where each subscriber shows prices. Shopify: one price per variant, from the web shop's list
   * in its zone. Sitoo: the product's own price is the master's unit price; each (price list,
   * store zone) group of stores gets a Sitoo price list of its own, tagged with those stores, so a
   * campaign starts at each store's local midnight (the till takes the lowest active price).
   */
  function targets(system: SubscriberSystem): PricedTarget[] {
    const m = deps.mapping();
    const { mapping } = subscriber(system);
    const accountZone = m.timeZone ?? DEFAULT_TIME_ZONE;
    if (system === 'shopify')
      return [
        { target: { list: 'default' }, channel: channel(mapping, mapping.priceList, mapping.timeZone ?? accountZone) },
      ];
    const out: PricedTarget[] = [{ target: { list: 'default' }, channel: channel(mapping, undefined, accountZone) }];
    const groups = new Map<string, { code: string; zone: string; stores: string[] }>();
    for (const store of m.stores) {
      const code = store.priceList ?? mapping.priceList;
      if (!code) continue;
      const zone = store.timeZone ?? accountZone;
      const key = `${code}-${zoneSlug(zone)}`;
      const g = groups.get(key) ?? { code, zone, stores: [] };
      g.stores.push(store.storeId);
      groups.set(key, g);
    }
    for (const [key, g] of groups)
      out.push({
        target: { list: 'named', key, name: `${g.code} (${g.zone})`, storeTags: g.stores },
        channel: channel(mapping, g.code, g.zone),
      });
    return out;
  }

  async function masterState(skus: string[], signal: AbortSignal) {
    const products = await deps.master.readProducts(skus, { signal });
    const lines = products.length
      ? await deps.master.readPriceLines(
          products.map((p) => p.sku),
          { signal },
        )
      : [];
    const linesBySku = new Map<string, MasterPriceLine[]>();
    for (const l of lines) linesBySku.set(l.sku, [...(linesBySku.get(l.sku) ?? []), l]);
    return { products, linesOf: (sku: string) => linesBySku.get(sku) ?? [] };
  }

  /** The product as `system` receives it at `at`: its price is the one its own product price shows. */
  function projected(
    system: SubscriberSystem,
    product: MasterProduct,
    lines: MasterPriceLine[],
    at: Date,
  ): CatalogueProduct {
    const { mapping } = subscriber(system);
    const main = targets(system)[0]!.channel;
    return projectProduct(product, mapping, (variantCode) =>
      effectivePriceCents(product, lines, main, variantCode, at),
    );
  }

  /**
   * Whether a notice shows what the master says its product should hold (an echo of our own
   * write, or of a price that was in force when it was written). The notice names variant SKUs
   * only: the item is the one among the SKUs and their prefixes whose variants are exactly these.
   */
  async function noticeMatchesMaster(
    system: SubscriberSystem,
    notice: ProductNotice,
    signal: AbortSignal,
  ): Promise<boolean> {
    const skus = notice.variants.map((v) => v.sku).filter((s): s is string => !!s);
    if (skus.length === 0) return false;
    const candidates = new Set<string>();
    for (const sku of skus)
      for (let i = sku.length; i > 0; i = sku.lastIndexOf('-', i - 1)) candidates.add(sku.slice(0, i));
    const { products, linesOf } = await masterState([...candidates], signal);
    const wanted = [...skus].sort().join(',');
    for (const product of products) {
      const expected = projected(system, product, linesOf(product.sku), now());
      if (
        expected.variants
          .map((v) => v.sku)
          .sort()
          .join(',') !== wanted
      )
        continue;
      const then = projected(system, product, linesOf(product.sku), new Date(notice.updatedAt));
      const copy = {
        ...(notice.title !== undefined ? { title: notice.title } : {}),
        ...(notice.status !== undefined ? { active: notice.status === 'active' } : {}),
        ...(notice.productType !== undefined ? { categoryCode: notice.productType } : {}),
        ...(notice.variants.length === 1 && notice.variants[0]!.barcode
          ? { barcode: notice.variants[0]!.barcode }
          : {}),
        variants: notice.variants.map((v) => ({
          sku: v.sku ?? '',
          ...(v.priceCents !== undefined ? { priceCents: v.priceCents } : {}),
          ...(v.barcode ? { barcode: v.barcode } : {}),
        })),
      };
      // Only the fields this notice carries count as matching; any other mastered field is read back.
      const carried = new Set([
        'title',
        'price',
        'barcode',
        ...('active' in copy ? ['active'] : []),
        ...('categoryCode' in copy ? ['category'] : []),
      ]);
      const fields = subscriber(system).mapping.fields;
      if (fields.some((f) => !carried.has(f))) return false;
      return realEdits(fieldConflicts(expected, copy, fields), then).length === 0;
    }
    return false;
  }

  function heartbeat(done: number): void {
    Context.current().heartbeat({ done });
  }

  return guardAll({
    /** Who subscribes (from the mapping) and the price SLA (from the environment), read at each run. */
    async catalogueSettings(): Promise<{ subscribers: SubscriberSystem[]; priceUpdateSla: string }> {
      const c = catalogueOf(deps.mapping());
      const subscribers = (['sitoo', 'shopify'] as const).filter(
        (s) => c[s] && (s === 'sitoo' ? deps.sitoo : deps.shopify),
      );
      return { subscribers, priceUpdateSla: deps.priceUpdateSla };
    },

    async readProductChanges(input: {
      cursor?: ProductCursor;
      maxProducts: number;
    }): Promise<{ skus: string[]; cursor: ProductCursor; more: boolean }> {
      const changes = await deps.master.readChangedProducts(input.cursor, {
        maxProducts: input.maxProducts,
        signal: signalOf(),
      });
      return { skus: changes.products.map((p) => p.sku), cursor: changes.cursor, more: changes.more };
    },

    /** Pushes the master's current state of these products to one subscriber. */
    async syncProducts(input: {
      system: SubscriberSystem;
      skus: string[];
      force?: boolean;
    }): Promise<ProductSyncOutcome> {
      const signal = signalOf();
      const { port } = subscriber(input.system);
      const { products, linesOf } = await masterState(input.skus, signal);
      const at = now();
      const docs = products.map((p) => projected(input.system, p, linesOf(p.sku), at));
      const outcomes = await upsert(port, docs, input.force ?? false, signal);
      const found = new Set(products.map((p) => p.sku));
      return summarise(
        input.system,
        docs,
        outcomes,
        input.skus.filter((s) => !found.has(s)),
      );
    },

    /**
     * A whole page of products into Shopify as one bulk operation (productSet lines), polled to
     * the end with heartbeats: a full load of a large catalogue costs a few calls, not one per product.
     */
    async bulkSyncShopify(input: { skus: string[] }): Promise<ProductSyncOutcome> {
      const signal = signalOf();
      const port = subscriber('shopify').port as ShopifyCataloguePort;
      const { products, linesOf } = await masterState(input.skus, signal);
      const at = now();
      const docs = products.map((p) => projected('shopify', p, linesOf(p.sku), at));
      const found = new Set(products.map((p) => p.sku));
      const notInMaster = input.skus.filter((s) => !found.has(s));
      // Bulk lines carry no variant ids: only products Shopify does not hold yet go that way; the
      // others are read and upserted one by one, so their variants (and stock) keep their ids.
      const held = await port.readPrices(
        { list: 'default' },
        docs.flatMap((d) => d.variants.map((v) => v.sku)),
        { signal },
      );
      const fresh = docs.filter((d) => !d.variants.some((v) => held[v.sku] !== undefined));
      const known = docs.filter((d) => !fresh.includes(d));
      const outcomes = known.length ? await upsert(port, known, false, signal) : [];
      if (fresh.length) {
        const { operationId } = await port.startBulkUpsert(fresh, { signal });
        for (let wait = 500; ; wait = Math.min(wait * 2, 5_000)) {
          const status = await port.bulkStatus(operationId, fresh, { signal });
          heartbeat(status.objectCount);
          if (status.status === 'COMPLETED' && status.outcomes) {
            outcomes.push(...status.outcomes);
            break;
          }
          if (['FAILED', 'CANCELED', 'EXPIRED'].includes(status.status))
            // The lines are upserts by master id: running the page again is safe, so let Temporal retry it.
            throw new Error(
              `Shopify bulk operation ${operationId} ended ${status.status} (${status.errorCode ?? 'no code'})`,
            );
          await new Promise((r) => setTimeout(r, wait));
        }
      }
      return summarise('shopify', docs, outcomes, notInMaster);
    },

    /**
     * Price lines changed in the master: the SKUs whose price may differ now, and the future
     * moments (a start, or the day after an end, in each channel's zone) a durable timer must wait for.
     */
    async readPriceChanges(input: { cursor?: MasterStreamCursor; maxLines: number }): Promise<{
      skus: string[];
      future: Array<{ at: string; skus: string[] }>;
      cursor: MasterStreamCursor;
      more: boolean;
    }> {
      const changes = await deps.master.readChangedPriceLines(input.cursor, {
        maxLines: input.maxLines,
        signal: signalOf(),
      });
      const at = now();
      const channels = [
        ...(deps.mapping().catalogue?.sitoo ? targets('sitoo') : []),
        ...(deps.mapping().catalogue?.shopify ? targets('shopify') : []),
      ].map((t) => t.channel);
      const future = new Map<string, Set<string>>();
      for (const line of changes.lines)
        for (const c of channels) {
          if (c.priceListCode !== undefined && c.priceListCode !== line.priceListCode) continue;
          for (let t = nextPriceChange([line], c, at); t; t = nextPriceChange([line], c, t)) {
            const key = t.toISOString();
            future.set(key, (future.get(key) ?? new Set()).add(line.sku));
          }
        }
      return {
        skus: [...new Set(changes.lines.map((l) => l.sku))],
        future: [...future].map(([when, skus]) => ({ at: when, skus: [...skus].sort() })),
        cursor: changes.cursor,
        more: changes.more,
      };
    },

    /** Writes the prices in force at `at` to every price target of one subscriber. */
    async syncPrices(input: {
      system: SubscriberSystem;
      skus: string[];
      at: string;
    }): Promise<{ applied: number; rejected: Array<{ sku: string; reason: string }> }> {
      const signal = signalOf();
      const { port, mapping } = subscriber(input.system);
      if (!mapping.fields.includes('price')) return { applied: 0, rejected: [] };
      const { products, linesOf } = await masterState(input.skus, signal);
      const at = new Date(Math.max(Date.parse(input.at), now().getTime()));
      let applied = 0;
      const rejected: Array<{ sku: string; reason: string }> = [];
      for (const { target, channel: c } of targets(input.system)) {
        const prices = products.flatMap((p) =>
          projectProduct(p, subscriber(input.system).mapping, (code) =>
            effectivePriceCents(p, linesOf(p.sku), c, code, at),
          ).variants.map((v) => ({ sku: v.sku, priceCents: v.priceCents ?? 0 })),
        );
        if (prices.length === 0) continue;
        // Only what differs: a "now" check of a line that starts later, or a retry, writes nothing.
        // A large set is written whole: reading it back first costs more than the (bulk) write.
        const shown =
          prices.length < DIFF_READ_BELOW
            ? await port.readPrices(
                target,
                prices.map((p) => p.sku),
                { signal },
              )
            : undefined;
        const changed = shown ? prices.filter((p) => shown[p.sku] !== p.priceCents) : prices;
        applied += prices.length - changed.length;
        if (changed.length === 0) continue;
        for (const o of await port.setPrices(target, changed, { signal })) {
          if (o.result === 'applied') applied++;
          else rejected.push({ sku: o.sku, reason: o.reason ?? 'refused' });
        }
      }
      return { applied, rejected };
    },

    /** Reads every subscriber's prices back and lists those that differ from what the master says now. */
    async verifyPrices(input: { skus: string[] }): Promise<PriceReadBack[]> {
      const signal = signalOf();
      const { products, linesOf } = await masterState(input.skus, signal);
      const at = now();
      const late: PriceReadBack[] = [];
      const systems = (['sitoo', 'shopify'] as const).filter((s) => deps.mapping().catalogue?.[s]);
      for (const system of systems) {
        const { port, mapping } = subscriber(system);
        if (!mapping.fields.includes('price')) continue;
        for (const { target, channel: c } of targets(system)) {
          const expected = products.flatMap(
            (p) => projectProduct(p, mapping, (code) => effectivePriceCents(p, linesOf(p.sku), c, code, at)).variants,
          );
          const seen = await port.readPrices(
            target,
            expected.map((v) => v.sku),
            { signal },
          );
          for (const v of expected)
            if (seen[v.sku] !== v.priceCents)
              late.push({
                system,
                target: target.list === 'named' ? target.key : 'default',
                sku: v.sku,
                expectedCents: v.priceCents ?? 0,
                ...(seen[v.sku] !== undefined ? { seenCents: seen[v.sku] } : {}),
              });
        }
      }
      // Enough to name what is late; a very large change must not fill the flow's history.
      return late.slice(0, MAX_LATE_LISTED);
    },

    /**
     * Finds edits made in a subscriber to the fields the master owns: Sitoo's products modified
     * since the watermark, or the products a Shopify products/update notice named (read back, never
     * taken from the notice). A field under `revert` gets the master's value back; every edit is
     * reported. Only a copy that holds the master's current version is compared: one that is
     * behind is the sync's to bring up to date, not an edit.
     */
    async checkEdits(input: {
      system: SubscriberSystem;
      skus?: string[];
      productId?: string;
      sinceSeconds?: number;
      notice?: ProductNotice;
    }): Promise<{ reports: ConflictReport[]; newestSeconds?: number; echo?: boolean }> {
      const signal = signalOf();
      const { port, mapping } = subscriber(input.system);
      // Most notices are echoes of our own writes: when the signed notice already shows the
      // master's values, nothing is read from the subscriber (its cost bucket is for real work).
      if (input.notice && (await noticeMatchesMaster(input.system, input.notice, signal)))
        return { reports: [], echo: true };
      let copies: SubscriberCopy[];
      let newestSeconds: number | undefined;
      if (input.system === 'sitoo' && input.sinceSeconds !== undefined) {
        const changed = await (port as SitooCataloguePort).readChangedSince(input.sinceSeconds, { signal });
        copies = changed.products;
        newestSeconds = changed.newestSeconds;
      } else if (input.system === 'shopify' && input.productId) {
        const copy = await (port as ShopifyCataloguePort).readProductById(input.productId, { signal });
        copies = copy ? [copy] : [];
      } else {
        copies = await port.readProducts(input.skus ?? [], { signal });
      }
      const mastered = copies.filter((c) => c.masterId !== undefined);
      if (mastered.length === 0) return { reports: [], ...(newestSeconds !== undefined ? { newestSeconds } : {}) };
      const { products, linesOf } = await masterState(
        mastered.map((c) => c.sku),
        signal,
      );
      const bySku = new Map(products.map((p) => [p.sku, p]));
      const at = now();
      const reports: ConflictReport[] = [];
      const toRevert: CatalogueProduct[] = [];
      for (const copy of mastered) {
        const product = bySku.get(copy.sku);
        if (!product) continue;
        const expected = projected(input.system, product, linesOf(product.sku), at);
        // Compared only when the copy was written from the master's current values (same version,
        // or the same document under a newer version that changed nothing it receives): a copy
        // that is behind is the sync's to bring up to date, not an edit.
        if (copy.version !== product.version && copy.fingerprint !== expected.fingerprint) continue;
        const then = projected(input.system, product, linesOf(product.sku), new Date(copy.modifiedAt));
        const conflicts = realEdits(fieldConflicts(expected, copy, mapping.fields), then).map((c) => ({
          ...c,
          policy: conflictPolicy(mapping, c.field),
        }));
        if (conflicts.length === 0) continue;
        const revert = conflicts.some((c) => c.policy === 'revert');
        if (revert) toRevert.push(expected);
        reports.push({
          system: input.system,
          sku: copy.sku,
          masterId: product.masterId,
          modifiedAt: copy.modifiedAt,
          conflicts,
          reverted: revert,
        });
      }
      if (toRevert.length) {
        // Forced: the copy's stored fingerprint still says "as the master wrote it", which is the lie.
        const outcomes = await upsert(port, toRevert, true, signal);
        for (const o of outcomes)
          if (o.result === 'rejected' || o.result === 'stale') {
            const r = reports.find((x) => x.sku === o.sku);
            if (r) r.reverted = false;
          }
      }
      return { reports, ...(newestSeconds !== undefined ? { newestSeconds } : {}) };
    },

    async saveCatalogueCursor(input: { scheduleId: string; cursor: CatalogueCursorArg }): Promise<void> {
      await deps.saveCursor(input.scheduleId, input.cursor);
    },

    /** Resumes sales parked as unknown-sku whose SKUs the sync has now put in place. */
    async resumeUnknownSkuSales(input: { skus: string[] }): Promise<string[]> {
      return deps.resumeUnknownSkus(input.skus);
    },

    /** Every SKU in the master (optionally one category), page by page, for a push on demand. */
    async listMasterSkus(input: {
      cursor?: ProductCursor;
      category?: string;
      maxProducts: number;
    }): Promise<{ skus: string[]; cursor: ProductCursor; more: boolean }> {
      const changes = await deps.master.readChangedProducts(input.cursor, {
        maxProducts: input.maxProducts,
        signal: signalOf(),
      });
      const skus = changes.products
        .filter((p) => !input.category || p.categoryCode === input.category)
        .map((p) => p.sku);
      return { skus, cursor: changes.cursor, more: changes.more };
    },
  });

  async function upsert(
    port: CatalogueSubscriberPort,
    docs: CatalogueProduct[],
    force: boolean,
    signal: AbortSignal,
  ): Promise<ProductWriteOutcome[]> {
    return port.upsertProducts(docs, { signal, progress: heartbeat, ...(force ? { force } : {}) });
  }
}

function summarise(
  system: SubscriberSystem,
  docs: CatalogueProduct[],
  outcomes: ProductWriteOutcome[],
  notInMaster: string[],
): ProductSyncOutcome {
  const out: ProductSyncOutcome = {
    system,
    created: 0,
    updated: 0,
    unchanged: 0,
    stale: 0,
    rejected: [],
    inPlace: [],
    notInMaster,
  };
  const bySku = new Map(docs.map((d) => [d.sku, d]));
  for (const o of outcomes) {
    if (o.result === 'rejected') {
      const version = bySku.get(o.sku)?.version;
      out.rejected.push({
        sku: o.sku,
        masterId: o.masterId,
        reason: o.reason ?? 'refused without a reason',
        ...(version ? { version } : {}),
      });
      continue;
    }
    out[o.result]++;
    const doc = bySku.get(o.sku);
    out.inPlace.push(o.sku, ...(doc?.variants.map((v) => v.sku).filter((s) => s !== o.sku) ?? []));
  }
  return out;
}

export type CatalogueActivities = ReturnType<typeof createCatalogueActivities>;
