/**
 * Money in integer cents. Sitoo sends money as 2-decimal strings; parsing to cents and doing all
 * arithmetic on integers means the ERP gets back exactly the cents the POS rang up.
 */
const MONEY = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

/**
 * A wire amount to cents: a 2-decimal string ("123.50", as Sitoo sends) or a JSON number (123.5,
 * as Business Central sends) -> 12350; undefined when it is not a whole number of cents.
 */
export function parseCents(value: string | number): number | undefined {
  if (typeof value === 'number') {
    const cents = Math.round(value * 100);
    return Number.isFinite(value) && Math.abs(value * 100 - cents) < 1e-6 ? cents : undefined;
  }
  const m = MONEY.exec(value);
  if (!m) return undefined;
  const cents = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -cents : cents;
}

/** 12350 -> "123.50"; a wire that takes JSON numbers sends Number() of it, the same decimal. */
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
 * Cents of `count` units, after the first `from`, of `totalCents` spread over `quantity` units.
 * The running total is rounded, never a unit on its own, so however the units are split into
 * returns, the parts add up to the total: no cent is lost or paid twice.
 */
export function unitsShare(totalCents: number, quantity: number, from: number, count: number): number {
  const upTo = (units: number) => divRound(totalCents * units, quantity);
  return upTo(from + count) - upTo(from);
}

/**
 * `totalCents` split in proportion to `weights` (non-negative; all zero counts as equal), the
 * cents left by rounding down going to the largest remainders, so the parts add up exactly.
 */
export function allocateCents(totalCents: number, weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  const w = weights.some((x) => x > 0) ? weights.map((x) => Math.max(0, x)) : weights.map(() => 1);
  const sum = w.reduce((a, b) => a + b, 0);
  const sign = totalCents < 0 ? -1 : 1;
  const abs = Math.abs(totalCents);
  const parts = w.map((x) => Math.floor((abs * x) / sum));
  const byRemainder = w
    .map((x, i) => ({ i, rest: abs * x - parts[i]! * sum }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (let left = abs - parts.reduce((a, b) => a + b, 0), k = 0; left > 0; left--, k++)
    parts[byRemainder[k % parts.length]!.i]! += 1;
  return parts.map((p) => sign * p);
}

/**
 * Unit prices for `quantity` units that cost `totalCents` together: one price when it divides
 * evenly, else two a cent apart (the dearer for the leftover cents), so a document whose lines
 * carry unit prices still totals exactly what was paid.
 */
export function unitPrices(totalCents: number, quantity: number): Array<{ quantity: number; unitCents: number }> {
  const base = Math.floor(totalCents / quantity);
  const dearer = totalCents - base * quantity;
  return [
    { quantity: quantity - dearer, unitCents: base },
    { quantity: dearer, unitCents: base + 1 },
  ].filter((p) => p.quantity > 0);
}
