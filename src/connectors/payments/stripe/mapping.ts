import type { Payout, PayoutStatus, SettlementLine, SettlementLineType } from '../../../domain/payout';
import { PermanentError } from '../../http';
import type { BalanceTransactionWire, PayoutWire } from './schemas';

/** Stripe wire shapes -> our payout types: currency case, Unix seconds, type grouping. */
export const STRIPE = 'stripe';

export interface MetadataKeys {
  /** Metadata key the POS writes its payment reference under (§3.4: our convention, not Stripe's). */
  reference: string;
  storeId: string;
}
export const DEFAULT_METADATA_KEYS: MetadataKeys = { reference: 'pos_reference', storeId: 'store_id' };

/**
 * Stripe amounts are in the currency's smallest unit. For these currencies that unit is not a
 * cent (zero-decimal, or three-decimal), so reading them as cents would be off by 100 or 10.
 */
const NOT_CENT_CURRENCIES = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
  'bhd',
  'jod',
  'kwd',
  'omr',
  'tnd',
]);

export function currencyCode(stripeCurrency: string): string {
  if (NOT_CENT_CURRENCIES.has(stripeCurrency.toLowerCase())) {
    throw new PermanentError(
      `Stripe currency '${stripeCurrency}' is not counted in cents; the payout model needs a cent-based currency`,
      STRIPE,
      0,
      'UnsupportedCurrency',
    );
  }
  return stripeCurrency.toUpperCase();
}

const PAYOUT_STATUSES = new Set<string>(['pending', 'in_transit', 'paid', 'failed', 'canceled']);

export function toPayout(p: PayoutWire): Payout {
  if (!PAYOUT_STATUSES.has(p.status))
    throw new PermanentError(
      `Stripe payout ${p.id} has unknown status '${p.status}'`,
      STRIPE,
      200,
      'UnexpectedResponse',
    );
  return {
    id: p.id,
    amountCents: p.amount,
    currency: currencyCode(p.currency),
    arrivalDate: utcDate(p.arrival_date),
    createdAt: isoTime(p.created),
    status: p.status as PayoutStatus,
  };
}

/** Grouped for accounting; the exact Stripe type stays on the line as `processorType`. */
const LINE_TYPES: Record<string, SettlementLineType> = {
  charge: 'charge',
  payment: 'charge',
  refund: 'refund',
  payment_refund: 'refund',
  // Reversals of a refund or of a failed payment: money moves with no POS receipt behind it.
  refund_failure: 'adjustment',
  payment_failure_refund: 'adjustment',
  adjustment: 'adjustment',
  reserve_transaction: 'adjustment',
  reserved_funds: 'adjustment',
  stripe_fee: 'fee',
  stripe_fx_fee: 'fee',
  tax_fee: 'fee',
  payout: 'payout',
  payout_cancel: 'payout',
  payout_failure: 'payout',
};

export function toSettlementLine(t: BalanceTransactionWire, payoutId: string, keys: MetadataKeys): SettlementLine {
  const source = typeof t.source === 'string' || t.source === null ? undefined : t.source;
  const metadata: Record<string, string> = source?.metadata ?? {};
  const charge = source?.object === 'refund' ? source.charge : undefined;
  const chargeId = typeof charge === 'string' ? charge : charge?.id;
  const reference = metadata[keys.reference];
  const storeId = metadata[keys.storeId];
  const sourceId = typeof t.source === 'string' ? t.source : t.source?.id;
  return {
    id: t.id,
    payoutId,
    type: LINE_TYPES[t.type] ?? 'other',
    processorType: t.type,
    grossCents: t.amount,
    feeCents: t.fee,
    netCents: t.net,
    currency: currencyCode(t.currency),
    createdAt: isoTime(t.created),
    ...(sourceId ? { sourceId } : {}),
    ...(chargeId ? { chargeId } : {}),
    ...(reference ? { reference } : {}),
    ...(storeId ? { storeId } : {}),
  };
}

/** Stripe stamps arrival_date at midnight UTC of the bank day. */
export function utcDate(seconds: number): string {
  return isoTime(seconds).slice(0, 10);
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** yyyy-mm-dd -> Unix seconds at 00:00 UTC; a malformed or impossible date is refused before any request. */
export function utcDayStart(date: string, field: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new PermanentError(`${field} '${date}' is not a yyyy-mm-dd date`, STRIPE, 0, 'InvalidRange');
  }
  return ms / 1000;
}
