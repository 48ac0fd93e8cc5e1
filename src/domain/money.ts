/**
 * Money in integer cents. Sitoo sends money as 2-decimal strings; parsing to cents and doing all
 * arithmetic on integers means the ERP gets back exactly the cents the POS rang up.
 */
const MONEY = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

/** "123.50" -> 12350; undefined when the text is not a money amount. */
export function parseCents(value: string): number | undefined {
  const m = MONEY.exec(value);
  if (!m) return undefined;
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
