import { describe, expect, it } from 'vitest';
import {
  effectivePriceCents,
  localInstant,
  nextPriceChange,
  priceEndInstant,
  priceStartInstant,
  PriceChannelError,
  type DatedPrice,
  type PriceChannel,
  type PricedProduct,
} from '../../src/domain/prices';

const mug: PricedProduct = {
  sku: '1000',
  baseUnit: 'PCS',
  vatGroupCode: 'VAT25',
  unitPriceCents: 9_995,
  priceIncludesTax: true,
};
const store: PriceChannel = {
  priceListCode: 'STORES',
  timeZone: 'Europe/Stockholm',
  includesTax: true,
  vatRates: { VAT25: 25, VAT12: 12 },
};
const nyStore: PriceChannel = { ...store, timeZone: 'America/New_York' };

function line(p: Partial<DatedPrice> = {}): DatedPrice {
  return { priceListCode: 'STORES', sku: '1000', unitPriceCents: 8_000, priceIncludesTax: true, active: true, ...p };
}
const at = (iso: string) => new Date(iso);

describe('effectivePriceCents', () => {
  it('without a valid line the item unit price applies; the lowest of the valid lines wins', () => {
    expect(effectivePriceCents(mug, [], store, undefined, at('2026-05-01T10:00:00Z'))).toBe(9_995);
    const lines = [line({ unitPriceCents: 8_000 }), line({ unitPriceCents: 7_500 }), line({ unitPriceCents: 9_000 })];
    expect(effectivePriceCents(mug, lines, store, undefined, at('2026-05-01T10:00:00Z'))).toBe(7_500);
    // Lowest even when it is above the unit price: the item's price is the fallback, not a contender (BC).
    expect(effectivePriceCents(mug, [line({ unitPriceCents: 12_000 })], store, undefined, at('2026-05-01Z'))).toBe(
      12_000,
    );
  });

  it('draft and inactive lines, other price lists, other items and other units are ignored', () => {
    const lines = [
      line({ unitPriceCents: 100, active: false }),
      line({ unitPriceCents: 200, priceListCode: 'WEB' }),
      line({ unitPriceCents: 300, sku: '1001' }),
      line({ unitPriceCents: 400, unitOfMeasureCode: 'BOX6' }),
      line({ unitPriceCents: 8_500, unitOfMeasureCode: 'pcs' }),
    ];
    expect(effectivePriceCents(mug, lines, store, undefined, at('2026-05-01T10:00:00Z'))).toBe(8_500);
    // A channel without a price list sells at the unit price whatever the lines say.
    const { priceListCode: _none, ...noList } = store;
    expect(effectivePriceCents(mug, lines, noList, undefined, at('2026-05-01T10:00:00Z'))).toBe(9_995);
  });

  it('a variant line prices only its variant; an item-wide line prices every variant', () => {
    const lines = [line({ unitPriceCents: 8_000 }), line({ unitPriceCents: 6_000, variantCode: 'RED' })];
    const t = at('2026-05-01T10:00:00Z');
    expect(effectivePriceCents(mug, lines, store, 'red', t)).toBe(6_000);
    expect(effectivePriceCents(mug, lines, store, 'BLUE', t)).toBe(8_000);
    expect(effectivePriceCents(mug, lines, store, undefined, t)).toBe(8_000);
    // An item-wide line still wins for the variant when it is lower.
    expect(effectivePriceCents(mug, [...lines, line({ unitPriceCents: 5_000 })], store, 'RED', t)).toBe(5_000);
  });

  it("dates are the channel's local days: the starting date from local midnight, the ending date inclusive", () => {
    const campaign = [line({ unitPriceCents: 5_000, startingDate: '2026-06-01', endingDate: '2026-06-07' })];
    const price = (iso: string, channel = store) => effectivePriceCents(mug, campaign, channel, undefined, at(iso));
    // Stockholm midnight is 22:00Z the day before in summer (CEST, +2).
    expect(price('2026-05-31T21:59:59.999Z')).toBe(9_995);
    expect(price('2026-05-31T22:00:00.000Z')).toBe(5_000);
    expect(price('2026-06-07T21:59:59.999Z')).toBe(5_000);
    expect(price('2026-06-07T22:00:00.000Z')).toBe(9_995);
    // The same line starts six hours later in New York (EDT, -4): at 04:00Z.
    expect(price('2026-05-31T22:00:00.000Z', nyStore)).toBe(9_995);
    expect(price('2026-06-01T03:59:59.999Z', nyStore)).toBe(9_995);
    expect(price('2026-06-01T04:00:00.000Z', nyStore)).toBe(5_000);
    expect(price('2026-06-08T03:59:59.999Z', nyStore)).toBe(5_000);
    expect(price('2026-06-08T04:00:00.000Z', nyStore)).toBe(9_995);
  });

  it('a starting time starts the line mid-day, local', () => {
    const flash = [line({ unitPriceCents: 4_000, startingDate: '2026-11-27', startingTime: '10:30' })];
    // CET (+1) in November.
    expect(effectivePriceCents(mug, flash, store, undefined, at('2026-11-27T09:29:59Z'))).toBe(9_995);
    expect(effectivePriceCents(mug, flash, store, undefined, at('2026-11-27T09:30:00Z'))).toBe(4_000);
  });

  it("each price is converted to the channel's VAT basis before the lowest is chosen", () => {
    const web: PriceChannel = { ...store, includesTax: false };
    // 80.00 incl. 25 % = 64.00 excl.; 66.00 excl. stays 66.00: the incl.-VAT line is the lower one.
    const lines = [line({ unitPriceCents: 8_000 }), line({ unitPriceCents: 6_600, priceIncludesTax: false })];
    const t = at('2026-05-01T10:00:00Z');
    expect(effectivePriceCents(mug, lines, web, undefined, t)).toBe(6_400);
    // In an incl.-VAT channel the excl. line is 82.50, so the 80.00 line wins.
    expect(effectivePriceCents(mug, lines, store, undefined, t)).toBe(8_000);
    // The unit price fallback converts too, at the product's own group's rate (12 %).
    const book = { ...mug, vatGroupCode: 'VAT12', unitPriceCents: 11_200 };
    expect(effectivePriceCents(book, [], web, undefined, t)).toBe(10_000);
  });

  it('a conversion without a known VAT rate is refused, not guessed; none is needed when bases agree', () => {
    const t = at('2026-05-01T10:00:00Z');
    const web: PriceChannel = { ...store, includesTax: false };
    const unknownGroup = { ...mug, vatGroupCode: 'VAT6' };
    expect(() => effectivePriceCents(unknownGroup, [], web, undefined, t)).toThrow(PriceChannelError);
    expect(() => effectivePriceCents(unknownGroup, [], web, undefined, t)).toThrow(/VAT group 'VAT6'/);
    expect(effectivePriceCents(unknownGroup, [], store, undefined, t)).toBe(9_995);
    const { vatGroupCode: _g, ...noGroup } = mug;
    expect(() => effectivePriceCents(noGroup, [], web, undefined, t)).toThrow(/defaultVatRate/);
    expect(effectivePriceCents(noGroup, [], { ...web, defaultVatRate: 25 }, undefined, t)).toBe(7_996);
  });
});

describe('price start and end instants across DST', () => {
  it('local midnight on the days Stockholm changes clock', () => {
    // Spring: midnight is still CET (+1); autumn: midnight is still CEST (+2).
    expect(priceStartInstant(line({ startingDate: '2026-03-29' }), 'Europe/Stockholm')).toEqual(
      at('2026-03-28T23:00:00Z'),
    );
    expect(priceStartInstant(line({ startingDate: '2026-03-30' }), 'Europe/Stockholm')).toEqual(
      at('2026-03-29T22:00:00Z'),
    );
    expect(priceStartInstant(line({ startingDate: '2026-10-25' }), 'Europe/Stockholm')).toEqual(
      at('2026-10-24T22:00:00Z'),
    );
    // Ending on the 25th (a 25-hour day) ends at midnight CET after it.
    expect(priceEndInstant(line({ endingDate: '2026-10-25' }), 'Europe/Stockholm')).toEqual(at('2026-10-25T23:00:00Z'));
    expect(priceEndInstant(line({ endingDate: '2026-03-28' }), 'Europe/Stockholm')).toEqual(at('2026-03-28T23:00:00Z'));
    expect(priceStartInstant(line(), 'Europe/Stockholm')).toBeUndefined();
    expect(priceEndInstant(line(), 'Europe/Stockholm')).toBeUndefined();
  });

  it('a start time in the spring gap moves forward by the gap; in the autumn overlap it is the first one', () => {
    expect(localInstant('2026-03-29', '02:30', 'Europe/Stockholm')).toEqual(at('2026-03-29T01:30:00Z')); // 03:30 CEST
    expect(localInstant('2026-03-29', '03:00', 'Europe/Stockholm')).toEqual(at('2026-03-29T01:00:00Z'));
    expect(localInstant('2026-03-29', '01:59', 'Europe/Stockholm')).toEqual(at('2026-03-29T00:59:00Z'));
    expect(localInstant('2026-10-25', '02:30', 'Europe/Stockholm')).toEqual(at('2026-10-25T00:30:00Z')); // CEST
    expect(localInstant('2026-10-25', '03:00', 'Europe/Stockholm')).toEqual(at('2026-10-25T02:00:00Z')); // CET
    expect(localInstant('2026-03-08', '02:30', 'America/New_York')).toEqual(at('2026-03-08T07:30:00Z')); // 03:30 EDT
    // Chile moves its clocks at midnight: the day starts at 01:00 (-03).
    expect(localInstant('2026-09-06', undefined, 'America/Santiago')).toEqual(at('2026-09-06T04:00:00Z'));
    expect(() => localInstant('2026-3-29', undefined, 'Europe/Stockholm')).toThrow(RangeError);
    expect(() => localInstant('2026-03-29', '24:00', 'Europe/Stockholm')).toThrow(RangeError);
  });
});

describe('nextPriceChange', () => {
  it("the next start or end after the instant, in the channel's zone, of the lines that price the channel", () => {
    const lines = [
      line({ startingDate: '2026-06-01', endingDate: '2026-06-07' }),
      line({ startingDate: '2026-06-03', startingTime: '12:00' }),
      line({ startingDate: '2026-05-20', active: false }),
      line({ startingDate: '2026-05-21', priceListCode: 'WEB' }),
      line({ endingDate: '2026-12-31' }),
    ];
    const from = (iso: string, channel = store) => nextPriceChange(lines, channel, at(iso))?.toISOString();
    expect(from('2026-05-01T00:00:00Z')).toBe('2026-05-31T22:00:00.000Z');
    expect(from('2026-05-01T00:00:00Z', nyStore)).toBe('2026-06-01T04:00:00.000Z');
    // Strictly after: at the start itself, the next one is the noon start.
    expect(from('2026-05-31T22:00:00Z')).toBe('2026-06-03T10:00:00.000Z');
    expect(from('2026-06-03T10:00:00Z')).toBe('2026-06-07T22:00:00.000Z');
    expect(from('2026-06-07T22:00:00Z')).toBe('2026-12-31T23:00:00.000Z');
    expect(from('2026-12-31T23:00:00Z')).toBeUndefined();
    expect(nextPriceChange([], store, at('2026-05-01T00:00:00Z'))).toBeUndefined();
  });
});
