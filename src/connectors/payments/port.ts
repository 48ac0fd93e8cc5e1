import type { Payout, SettlementLine } from '../../domain/payout';

/** Bank arrival dates, yyyy-mm-dd (UTC), half-open: [arrivalFrom, arrivalTo). */
export interface PayoutRange {
  arrivalFrom: string;
  arrivalTo: string;
}

export interface PayoutCallOptions {
  signal?: AbortSignal;
}

/**
 * What the month-end reconciliation reads from a card processor. Stripe implements it first; an
 * Adyen adapter would read settlement detail reports behind the same two calls.
 */
export interface PayoutPort {
  /** Payouts that have arrived at the bank (processor-specific meaning of "arrived"), oldest first. */
  listPayouts(range: PayoutRange, opts?: PayoutCallOptions): Promise<Payout[]>;
  /**
   * Every line of one payout, oldest first, including the payout's own debit (type `payout`), so
   * callers can check Σ net of the other lines against the payout amount.
   */
  listSettlementLines(payoutId: string, opts?: PayoutCallOptions): Promise<SettlementLine[]>;
}
