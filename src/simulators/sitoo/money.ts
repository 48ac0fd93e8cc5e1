/**
 * Money for the simulator in integer cents, because Sitoo's money is a 2-decimal string and the
 * connector under test must get back exactly the cents the POS rang up.
 */
const MONEY = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

export function toCents(value: string): number {
  const m = MONEY.exec(value.trim());
  if (!m) throw new Error(`not a money amount: ${JSON.stringify(value)}`);
  const cents = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -cents : cents;
}

export function formatCents(cents: number): string {
  const abs = Math.abs(cents);
  return `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Integer division rounded half away from zero: the usual commercial rounding for both signs. */
export function divRound(numerator: number, denominator: number): number {
  const sign = Math.sign(numerator) * Math.sign(denominator);
  const a = Math.abs(numerator);
  const b = Math.abs(denominator);
  return sign * Math.floor((2 * a + b) / (2 * b));
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
