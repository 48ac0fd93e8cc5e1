import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { divRound } from '../../../domain/money';
import { PermanentError } from '../../http';
import type { MasterProduct, MasterStreamCursor, ProductChanges, ProductCursor } from '../../master/port';
import type { BcTransport } from './journals';
import { itemVariantChangeSchema, masterItemSchema, type MasterItemWire } from './schemas';
import { BUSINESS_CENTRAL, normaliseCode, odataString } from './wire';

/**
 * Business Central items as the product master (master-data-api.md §1.1–1.3): changes found by
 * `lastModifiedDateTime`, since OData delta links are gone and webhooks carry no data. Variants
 * are a stream of their own, because a variant change does not bump its item.
 */
export const ITEMS_STREAM = 'items';
export const VARIANTS_STREAM = 'itemVariants';

/**
 * How far back each read looks again. BC stamps SystemModifiedAt before the transaction commits,
 * so a change can become visible after a later-stamped one was read (BC itself allows 50 ms for
 * SQL's rounding in its webhook queries; a long transaction needs more). A change stamped earlier
 * than this before the newest one seen is left to the full reconciliation.
 */
export const DEFAULT_OVERLAP_MS = 1_000;
export const DEFAULT_MAX_PRODUCTS = 500;
/** Item ids or numbers per `or` filter: keeps URLs short (BC accepts `or` on one field). */
const ID_BATCH = 20;
const VARIANT_CHANGE_SELECT = '$select=id,itemId,lastModifiedDateTime';

export interface ItemReadOptions {
  maxProducts?: number;
  overlapMs?: number;
  signal?: AbortSignal;
}

interface Stamped {
  id: string;
  lastModifiedDateTime: string;
}

const keyOf = (r: Stamped): string => `${r.id}@${r.lastModifiedDateTime}`;
const stampOf = (key: string): string => key.slice(key.lastIndexOf('@') + 1);
const minus = (iso: string, ms: number): string => new Date(Date.parse(iso) - ms).toISOString();

export interface StreamReadOptions {
  /** New rows wanted; the read stops paging once it has them. */
  max: number;
  overlapMs: number;
  /** Appended to the URL after `$orderby` (`&$expand=...`, `&$select=...`). */
  query?: string;
  /** The company URL of the API serving the set: a custom API page lives beside API v2.0. */
  root?: string;
  signal?: AbortSignal;
}

/**
 * One stream's changes since its cursor, the overlap included, without what the cursor saw:
 * follows next links until `max` rows are new or the stream ends. Shared by every stream the
 * master keeps (items, variants, price list lines).
 */
export async function readStream<T extends z.ZodType<Stamped, unknown>>(
  t: BcTransport,
  entitySet: string,
  schema: T,
  cursor: MasterStreamCursor | undefined,
  o: StreamReadOptions,
): Promise<{ fresh: z.output<T>[]; cursor: MasterStreamCursor; more: boolean }> {
  const { max, overlapMs, query = '', signal } = o;
  const seen = new Set(cursor?.seen ?? []);
  const filter = cursor
    ? `$filter=${encodeURIComponent(`lastModifiedDateTime gt ${minus(cursor.after, overlapMs)}`)}&`
    : '';
  const url = `${o.root ?? t.companyUrl}/${entitySet}?${filter}$orderby=${encodeURIComponent('lastModifiedDateTime,id')}${query}`;
  const limit = seen.size + max;
  const rows = await t.getPages(entitySet, url, schema, signal, { limit });
  // A row changed again while we paged shows up twice: the later state wins.
  const latest = new Map<string, z.output<T>>();
  for (const r of rows) {
    const had = latest.get(r.id);
    if (!had || had.lastModifiedDateTime <= r.lastModifiedDateTime) latest.set(r.id, r);
  }
  const fresh = [...latest.values()].filter((r) => !seen.has(keyOf(r)));
  const after = rows.reduce((a, r) => (r.lastModifiedDateTime > a ? r.lastModifiedDateTime : a), cursor?.after ?? '');
  if (!after) return { fresh, cursor: { after: new Date(0).toISOString(), seen: [] }, more: false };
  const windowStart = minus(after, overlapMs);
  const keep = [...seen, ...rows.map(keyOf)].filter((k) => stampOf(k) > windowStart);
  return { fresh, cursor: { after, seen: [...new Set(keep)].sort() }, more: rows.length >= limit };
}

/**
 * Where the variant stream starts when the items are read in full: at the newest variant change,
 * with every variant inside the overlap before it marked seen, as every item (and so every
 * variant) is read by the full read anyway.
 */
async function variantsStart(t: BcTransport, overlapMs: number, signal?: AbortSignal): Promise<MasterStreamCursor> {
  const url = `${t.companyUrl}/${VARIANTS_STREAM}?$orderby=${encodeURIComponent('lastModifiedDateTime desc,id')}&$top=1&${VARIANT_CHANGE_SELECT}`;
  const [newest] = await t.getPages(VARIANTS_STREAM, url, itemVariantChangeSchema, signal, { limit: 1 });
  if (!newest) return { after: new Date(0).toISOString(), seen: [] };
  const window = await readStream(
    t,
    VARIANTS_STREAM,
    itemVariantChangeSchema,
    { after: newest.lastModifiedDateTime, seen: [] },
    { max: Infinity, overlapMs, query: `&${VARIANT_CHANGE_SELECT}`, signal },
  );
  return window.cursor;
}

/** BC's Unit Price may carry up to 5 decimals (unit-amount rounding); subscribers take cents. */
export function unitPriceCents(unitPrice: number, sku: string): number {
  const thousandths = Math.round(unitPrice * 100_000);
  if (!Number.isFinite(unitPrice) || Math.abs(unitPrice * 100_000 - thousandths) > 1e-3)
    throw new PermanentError(`item ${sku}: unit price ${unitPrice} is not a number of 1/100000`, BUSINESS_CENTRAL, 200);
  return divRound(thousandths, 1000);
}

export function productOf(item: MasterItemWire): MasterProduct {
  const variants = [...item.itemVariants]
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    .map((v) => ({ code: v.code, description: v.description }));
  const lastModified = item.itemVariants.reduce(
    (a, v) => (v.lastModifiedDateTime > a ? v.lastModifiedDateTime : a),
    item.lastModifiedDateTime,
  );
  const mastered = {
    masterId: item.id,
    sku: item.number,
    title: item.displayName,
    gtin: item.gtin || undefined,
    categoryCode: item.itemCategoryCode || undefined,
    baseUnit: item.baseUnitOfMeasureCode || undefined,
    // Tax Group Code: API v2.0 does not expose the VAT Prod. Posting Group (master-data-api.md §1.1).
    vatGroupCode: item.taxGroupCode || undefined,
    blocked: item.blocked,
    unitPriceCents: unitPriceCents(item.unitPrice, item.number),
    priceIncludesTax: item.priceIncludesTax,
    variants,
  };
  const fingerprint = createHash('sha256').update(JSON.stringify(mastered)).digest('hex').slice(0, 32);
  return { ...mastered, lastModified, version: lastModified, fingerprint };
}

/** Items whose `field` is one of `literals` (OData literals), with their variants. */
async function itemsWhere(
  t: BcTransport,
  field: 'id' | 'number',
  literals: string[],
  signal?: AbortSignal,
): Promise<MasterItemWire[]> {
  const out: MasterItemWire[] = [];
  for (let i = 0; i < literals.length; i += ID_BATCH) {
    const filter = literals
      .slice(i, i + ID_BATCH)
      .map((v) => `${field} eq ${v}`)
      .join(' or ');
    out.push(...(await t.getAll(ITEMS_STREAM, filter, masterItemSchema, signal, { expand: VARIANTS_STREAM })));
  }
  return out;
}

/** The items with these numbers as they are now; a number BC does not know is simply absent. */
export async function readProducts(t: BcTransport, skus: string[], signal?: AbortSignal): Promise<MasterProduct[]> {
  const numbers = [...new Set(skus.map(normaliseCode))].filter(Boolean);
  return (await itemsWhere(t, 'number', numbers.map(odataString), signal)).map(productOf);
}

export async function readChangedProducts(
  t: BcTransport,
  cursor: ProductCursor | undefined,
  opts: ItemReadOptions = {},
): Promise<ProductChanges> {
  const max = opts.maxProducts ?? DEFAULT_MAX_PRODUCTS;
  const overlapMs = opts.overlapMs ?? DEFAULT_OVERLAP_MS;
  if (!Number.isInteger(max) || max < 1)
    throw new PermanentError(
      `maxProducts must be a positive integer, got ${max}`,
      BUSINESS_CENTRAL,
      0,
      'InvalidArgument',
    );
  const { signal } = opts;
  // Before the items: a variant changed while the items are read is then seen by the next read.
  const variantsFrom = cursor?.[VARIANTS_STREAM] ?? (await variantsStart(t, overlapMs, signal));
  const items = await readStream(t, ITEMS_STREAM, masterItemSchema, cursor?.[ITEMS_STREAM], {
    max,
    overlapMs,
    query: `&$expand=${VARIANTS_STREAM}`,
    signal,
  });
  const variants = cursor?.[VARIANTS_STREAM]
    ? await readStream(t, VARIANTS_STREAM, itemVariantChangeSchema, variantsFrom, {
        max,
        overlapMs,
        query: `&${VARIANT_CHANGE_SELECT}`,
        signal,
      })
    : { fresh: [], cursor: variantsFrom, more: false };
  const byId = new Map(items.fresh.map((i) => [i.id, i]));
  const missing = [...new Set(variants.fresh.map((v) => v.itemId))].filter((id) => !byId.has(id));
  // An item deleted since its variant changed is simply absent: deletes are for the reconciliation.
  for (const item of await itemsWhere(t, 'id', missing, signal)) byId.set(item.id, item);
  return {
    products: [...byId.values()].map(productOf),
    cursor: { [ITEMS_STREAM]: items.cursor, [VARIANTS_STREAM]: variants.cursor },
    more: items.more || variants.more,
  };
}
