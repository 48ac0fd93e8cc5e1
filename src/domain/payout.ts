/**
 * Card-processor payouts in our own words, so the reconciliation does not depend on whether
 * Stripe, Adyen or the next processor paid the money out. All amounts are integer cents in the
 * payout's currency (payments-payout-api.md §0, §4).
 */
export type PayoutStatus = 'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled';

export interface Payout {
  id: string;
  /** Net amount credited to the bank: sales - fees - refunds - adjustments. */
  amountCents: number;
  /** ISO 4217, upper case ("SEK"). */
  currency: string;
  /** Expected bank date, yyyy-mm-dd (UTC). */
  arrivalDate: string;
  /** ISO timestamp the processor created the payout (its batch cut-off). */
  createdAt: string;
  /** A `paid` payout can still flip to `failed` for a few business days (Stripe: up to 5). */
  status: PayoutStatus;
}

export type SettlementLineType = 'charge' | 'refund' | 'fee' | 'adjustment' | 'payout' | 'other';

export interface SettlementLine {
  id: string;
  payoutId: string;
  type: SettlementLineType;
  /** The processor's own type, kept because its categories are finer than ours (Stripe `type`). */
  processorType: string;
  /** Signed: money in is positive; refunds, fees charged separately and the payout itself are negative. */
  grossCents: number;
  /** Fee withheld on this line, positive when it costs us. */
  feeCents: number;
  /** grossCents - feeCents: what this line adds to (or takes from) the payout. */
  netCents: number;
  currency: string;
  createdAt: string;
  /** The processor's id of the charge, refund, payout ... behind the line; absent for account-level fees. */
  sourceId?: string;
  /** For a refund: the charge it gives money back on, the key back to the original POS payment. */
  chargeId?: string;
  /** The POS payment reference the POS put on the payment (metadata, §3.4). */
  reference?: string;
  storeId?: string;
}

/** Every line except the payout's own debit, which mirrors the payout amount. */
export function payoutComponents(lines: readonly SettlementLine[]): SettlementLine[] {
  return lines.filter((l) => l.type !== 'payout');
}

/**
 * The cash check: Σ net of the components must equal what reached the bank. A non-zero result is
 * the gap to list, line by line, as a reconciliation exception.
 */
export function payoutGapCents(payout: Pick<Payout, 'amountCents'>, lines: readonly SettlementLine[]): number {
  return payout.amountCents - payoutComponents(lines).reduce((sum, l) => sum + l.netCents, 0);
}

/** The lines whose own arithmetic is off (gross - fee != net): processor data we must not book blindly. */
export function inconsistentLines(lines: readonly SettlementLine[]): SettlementLine[] {
  return lines.filter((l) => l.grossCents - l.feeCents !== l.netCents);
}
