import type { MasterPriceLine, MasterStreamCursor, PriceLineChanges } from '../../master/port';
import { PermanentError } from '../../http';
import { DEFAULT_OVERLAP_MS, readStream, unitPriceCents } from './items';
import type { BcTransport } from './journals';
import { priceListLineSchema, type PriceListLineWire } from './schemas';
import { BUSINESS_CENTRAL, normaliseCode, odataString } from './wire';

/**
 * Business Central's dated prices (master-data-api.md §1.4): API v2.0 has no price entity, so the
 * retailer's extension publishes Price List Line as a custom API page (docs/erp-extension.md),
 * read here by `lastModifiedDateTime` with the same overlap-and-seen cursor as the items.
 */
export const PRICE_LINES_STREAM = 'priceListLines';
export const DEFAULT_MAX_PRICE_LINES = 1_000;
/** Item numbers per `or` filter, as for items. */
const SKU_BATCH = 20;
/** BC's blank date (0D): no start, or no end. */
const BLANK_DATE = '0001-01-01';

export interface PriceLineReadOptions {
  maxLines?: number;
  overlapMs?: number;
  signal?: AbortSignal;
}

/**
 * A page line as the port's price line; undefined for lines that price something other than an
 * item (an item discount group, a resource), which the page may carry but no subscriber sells.
 */
export function priceLineOf(l: PriceListLineWire): MasterPriceLine | undefined {
  if (l.assetType !== 'Item') return undefined;
  const sku = normaliseCode(l.assetNo);
  // BC's Time has seconds (and milliseconds, dropped): HH:MM, or HH:MM:SS when they are not zero.
  const time = l.startingTime.slice(6, 8) === '00' ? l.startingTime.slice(0, 5) : l.startingTime.slice(0, 8);
  return {
    id: l.id,
    priceListCode: normaliseCode(l.priceListCode),
    sku,
    ...(l.variantCode ? { variantCode: normaliseCode(l.variantCode) } : {}),
    ...(l.unitOfMeasureCode ? { unitOfMeasureCode: normaliseCode(l.unitOfMeasureCode) } : {}),
    unitPriceCents: unitPriceCents(l.unitPrice, sku),
    priceIncludesTax: l.priceIncludesTax,
    ...(l.startingDate !== BLANK_DATE ? { startingDate: l.startingDate } : {}),
    ...(l.startingDate !== BLANK_DATE && time !== '00:00' ? { startingTime: time } : {}),
    ...(l.endingDate !== BLANK_DATE ? { endingDate: l.endingDate } : {}),
    active: l.status === 'Active',
    lastModified: l.lastModifiedDateTime,
  };
}

const lines = (rows: PriceListLineWire[]): MasterPriceLine[] =>
  rows.map(priceLineOf).filter((l): l is MasterPriceLine => l !== undefined);

/** `root`: the company URL of the catalogue API; undefined when the master has no dated prices. */
export async function readChangedPriceLines(
  t: BcTransport,
  root: string | undefined,
  cursor: MasterStreamCursor | undefined,
  opts: PriceLineReadOptions = {},
): Promise<PriceLineChanges> {
  const max = opts.maxLines ?? DEFAULT_MAX_PRICE_LINES;
  if (!Number.isInteger(max) || max < 1)
    throw new PermanentError(`maxLines must be a positive integer, got ${max}`, BUSINESS_CENTRAL, 0, 'InvalidArgument');
  if (!root) return { lines: [], cursor: cursor ?? { after: new Date(0).toISOString(), seen: [] }, more: false };
  const read = await readStream(t, PRICE_LINES_STREAM, priceListLineSchema, cursor, {
    max,
    overlapMs: opts.overlapMs ?? DEFAULT_OVERLAP_MS,
    root,
    signal: opts.signal,
  });
  return { lines: lines(read.fresh), cursor: read.cursor, more: read.more };
}

/** Every line of these items, whatever its status or dates; none when the master has no dated prices. */
export async function readPriceLines(
  t: BcTransport,
  root: string | undefined,
  skus: string[],
  signal?: AbortSignal,
): Promise<MasterPriceLine[]> {
  if (!root) return [];
  const numbers = [...new Set(skus.map(normaliseCode))].filter(Boolean);
  const out: PriceListLineWire[] = [];
  for (let i = 0; i < numbers.length; i += SKU_BATCH) {
    const filter = numbers
      .slice(i, i + SKU_BATCH)
      .map((n) => `assetNo eq ${odataString(n)}`)
      .join(' or ');
    out.push(...(await t.getAll(PRICE_LINES_STREAM, filter, priceListLineSchema, signal, { root })));
  }
  return lines(out);
}
