/**
 * The price a channel shows at an instant, projected from the master's dated price lines (issue 15,
 * master-data-api.md §1.4, §6 gotchas 5–7). Pure and deterministic, so workflows may call it: the
 * durable timer that starts a campaign asks `nextPriceChange` when to wake, then
 * `effectivePriceCents` what to write.
 */
import { addDays, offsetMinutes } from './business-day';
import { convertPriceBasis } from './catalogue';

/**
 * What the projection needs of a product. The product master port's MasterProduct has these
 * fields (the domain imports nothing from the connectors, so the shape is repeated here).
 */
export interface PricedProduct {
  sku: string;
  baseUnit?: string;
  vatGroupCode?: string;
  unitPriceCents: number;
  priceIncludesTax: boolean;
}

/**
 * A dated price of the master (BC: a Price List Line, read through a custom API page, since API
 * v2.0 has none; master-data-api.md §1.4): what the projection needs. The master port's
 * MasterPriceLine is this with the line's id and change time.
 */
export interface DatedPrice {
  priceListCode: string;
  sku: string;
  /** The variant it is for; absent: every variant of the item. */
  variantCode?: string;
  /**
   * The unit it prices; absent: any. A line for another unit than the product's base unit prices a
   * pack (a box of six), not what the subscribers sell, so the projection leaves it out.
   */
  unitOfMeasureCode?: string;
  unitPriceCents: number;
  priceIncludesTax: boolean;
  /** YYYY-MM-DD in the channel's zone; absent: no start. */
  startingDate?: string;
  /**
   * HH:MM or HH:MM:SS local on the starting date; absent: midnight. BC's line has a date only: a
   * campaign that starts mid-day needs this one field added to the custom page.
   */
  startingTime?: string;
  /** YYYY-MM-DD, inclusive, in the channel's zone; absent: no end. */
  endingDate?: string;
  /** Only Active lines price anything (BC: Status; drafts and inactive lines are ignored). */
  active: boolean;
}

/**
 * One selling channel (a store or the web shop) as the price projection sees it. Plain data rather
 * than a VAT look-up function: it comes from the mapping file and travels in workflow arguments
 * and history, where a function cannot.
 */
export interface PriceChannel {
  /** The master price list it sells from; absent: the item's unit price only. */
  priceListCode?: string;
  /** IANA zone whose local days the lines' dates mean (a campaign starts at the store's midnight). */
  timeZone: string;
  /** Whether the channel's prices hold VAT (Sitoo with several price lists: always). */
  includesTax: boolean;
  /** VAT % per master VAT group code; only read when a price must change basis. */
  vatRates: Readonly<Record<string, number>>;
  /** VAT % for a product without a VAT group; a product whose group is not in vatRates is refused. */
  defaultVatRate?: number;
}

export class PriceChannelError extends Error {
  override name = 'PriceChannelError';
}

const code = (s: string | undefined): string | undefined => s?.trim().toUpperCase() || undefined;

/** The VAT rate of a product in a channel; thrown, not guessed, when the channel lacks it. */
export function vatRateOf(channel: PriceChannel, vatGroupCode: string | undefined): number {
  const rate = vatGroupCode === undefined ? channel.defaultVatRate : channel.vatRates[vatGroupCode];
  if (rate === undefined || !Number.isFinite(rate) || rate < 0)
    throw new PriceChannelError(
      vatGroupCode === undefined
        ? 'the channel has no defaultVatRate for a product without a VAT group'
        : `the channel has no VAT rate for VAT group '${vatGroupCode}'`,
    );
  return rate;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/**
 * The instant a local wall-clock time happens in a zone. A time that does not exist (the spring
 * gap: 02:30 on 2026-03-29 in Stockholm) is moved forward by the gap's length (03:30 CEST), and
 * one that happens twice (the autumn overlap) is its first occurrence, as JS Temporal's and
 * java.time's default resolution do.
 */
export function localInstant(date: string, time: string | undefined, timeZone: string): Date {
  const d = DATE.exec(date);
  const t = TIME.exec(time ?? '00:00');
  if (!d || !t)
    throw new RangeError(`'${date}${time ? ` ${time}` : ''}' is not a YYYY-MM-DD date with an HH:MM[:SS] time`);
  const wall = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]), Number(t[3] ?? 0));
  // Zones change offset at most once within a day on either side: those two offsets are the candidates.
  const before = offsetMinutes(wall - 86_400_000, timeZone);
  const after = offsetMinutes(wall + 86_400_000, timeZone);
  const fits = [before, after]
    .map((o) => wall - o * 60_000)
    .filter((utc) => wall - offsetMinutes(utc, timeZone) * 60_000 === utc);
  if (fits.length > 0) return new Date(Math.min(...fits));
  // In the gap: counted with the offset before the change, the time lands after it.
  return new Date(wall - before * 60_000);
}

/** When the line starts pricing in the zone; undefined: it has no start. */
export function priceStartInstant(line: DatedPrice, timeZone: string): Date | undefined {
  return line.startingDate === undefined ? undefined : localInstant(line.startingDate, line.startingTime, timeZone);
}

/** When the line stops pricing (exclusive): the local midnight after its inclusive ending date. */
export function priceEndInstant(line: DatedPrice, timeZone: string): Date | undefined {
  return line.endingDate === undefined ? undefined : localInstant(addDays(line.endingDate, 1), undefined, timeZone);
}

/** Active lines of the channel's price list: the only ones that can price anything in it. */
function channelLines<L extends DatedPrice>(lines: readonly L[], channel: PriceChannel): L[] {
  const list = code(channel.priceListCode);
  return list === undefined ? [] : lines.filter((l) => l.active && code(l.priceListCode) === list);
}

function validAt(line: DatedPrice, timeZone: string, at: number): boolean {
  const start = priceStartInstant(line, timeZone);
  const end = priceEndInstant(line, timeZone);
  return (start === undefined || at >= start.getTime()) && (end === undefined || at < end.getTime());
}

/**
 * The price in cents, in the channel's VAT basis, of one variant (undefined: the item itself) at
 * `at`. Among the active lines of the channel's list for the item, valid at `at` in the channel's
 * zone, for that variant or for every variant, and for the base unit or any unit, the lowest wins
 * (BC's best price; Sitoo's POS applies the same rule); none: the item's unit price.
 */
export function effectivePriceCents(
  product: PricedProduct,
  lines: readonly DatedPrice[],
  channel: PriceChannel,
  variantCode: string | undefined,
  at: Date,
): number {
  const sku = code(product.sku);
  const variant = code(variantCode);
  const unit = code(product.baseUnit);
  const when = at.getTime();
  const toChannel = (cents: number, includesTax: boolean): number =>
    includesTax === channel.includesTax
      ? cents
      : convertPriceBasis(cents, includesTax, channel.includesTax, vatRateOf(channel, product.vatGroupCode));
  const prices = channelLines(lines, channel)
    .filter(
      (l) =>
        code(l.sku) === sku &&
        (l.variantCode === undefined || code(l.variantCode) === variant) &&
        (l.unitOfMeasureCode === undefined || unit === undefined || code(l.unitOfMeasureCode) === unit) &&
        validAt(l, channel.timeZone, when),
    )
    .map((l) => toChannel(l.unitPriceCents, l.priceIncludesTax));
  return prices.length > 0 ? Math.min(...prices) : toChannel(product.unitPriceCents, product.priceIncludesTax);
}

/**
 * The first instant after `after` at which one of these lines starts or stops pricing the channel
 * (in its zone): when a durable timer should wake to write the new price. Drafts, inactive lines
 * and other price lists change nothing the channel shows, so they set no timer.
 */
export function nextPriceChange(lines: readonly DatedPrice[], channel: PriceChannel, after: Date): Date | undefined {
  let next: number | undefined;
  for (const l of channelLines(lines, channel)) {
    for (const edge of [priceStartInstant(l, channel.timeZone), priceEndInstant(l, channel.timeZone)]) {
      const t = edge?.getTime();
      if (t !== undefined && t > after.getTime() && (next === undefined || t < next)) next = t;
    }
  }
  return next === undefined ? undefined : new Date(next);
}
