// Placeholder with the agreed signatures; the helper's version (zones, DST, lowest wins) replaces it.
import { convertPriceBasis } from './catalogue';

export interface PriceLineFields {
  priceListCode: string;
  variantCode?: string;
  unitPriceCents: number;
  priceIncludesTax: boolean;
  startingDate?: string;
  startingTime?: string;
  endingDate?: string;
  active: boolean;
}

export interface PriceChannel {
  priceListCode?: string;
  timeZone: string;
  includesTax: boolean;
  vatRatePercent: (vatGroupCode: string | undefined) => number;
}

export interface PricedProduct {
  unitPriceCents: number;
  priceIncludesTax: boolean;
  vatGroupCode?: string;
}

export function effectivePriceCents(
  product: PricedProduct,
  lines: PriceLineFields[],
  channel: PriceChannel,
  variantCode: string | undefined,
  at: Date,
): number {
  void lines;
  void variantCode;
  void at;
  const rate = channel.vatRatePercent(product.vatGroupCode);
  return convertPriceBasis(product.unitPriceCents, product.priceIncludesTax, channel.includesTax, rate);
}

export function nextPriceChange(lines: PriceLineFields[], channel: PriceChannel, after: Date): Date | undefined {
  void lines;
  void channel;
  void after;
  return undefined;
}
