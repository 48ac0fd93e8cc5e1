/**
 * Money for the simulator in integer cents, because Sitoo's money is a 2-decimal string and the
 * connector under test must get back exactly the cents the POS rang up.
 */
import { divRound, parseCents } from '../../domain/money';

export { divRound, formatCents } from '../../domain/money';

/** The one parse (domain/money.ts), refusing what is not an amount: the simulator's inputs must be exact. */
export function requireCents(value: string): number {
  const cents = parseCents(value.trim());
  if (cents === undefined) throw new Error(`not a money amount: ${JSON.stringify(value)}`);
  return cents;
}

/**
 * Splits a VAT-inclusive amount into net + VAT. VAT percent is kept in hundredths so 12.5 % works
 * without floats; VAT is the remainder so net + vat always equals the gross exactly.
 */
export function splitGross(grossCents: number, vatPercent: number): { net: number; vat: number } {
  const vatHundredths = Math.round(vatPercent * 100);
  const net = divRound(grossCents * 10_000, 10_000 + vatHundredths);
  return { net, vat: grossCents - net };
}

/** Stock quantities are 3-decimal strings in Sitoo ("5.000"). */
export function formatDecimal(quantity: number): string {
  return quantity.toFixed(3);
}
