import { divRound } from '../../domain/money';
import { seededUint32 } from '../random';

/**
 * A Stripe account's balance as the payout reconciliation sees it: charges, refunds and fees book
 * balance transactions; a payout sweeps the unswept ones. Free of HTTP so tests, the demo and
 * benchmarks can seed and inspect it directly. Times are Unix seconds, as on the wire.
 */
export interface FeeSchedule {
  /** 140 = 1.4 %. */
  basisPoints: number;
  fixedCents: number;
}
export const DEFAULT_FEE: FeeSchedule = { basisPoints: 140, fixedCents: 25 };

export type StripePayoutStatus = 'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled';
export type ReconciliationStatus = 'not_applicable' | 'in_progress' | 'completed';
export type BalanceTransactionType = 'charge' | 'refund' | 'stripe_fee' | 'payout';

export interface FeeDetail {
  amount: number;
  currency: string;
  type: string;
  description: string;
}

export interface StripeBalanceTransaction {
  id: string;
  /** Insertion order: breaks ties between objects created in the same second. */
  seq: number;
  amount: number;
  fee: number;
  feeDetails: FeeDetail[];
  net: number;
  currency: string;
  type: BalanceTransactionType;
  reportingCategory: string;
  sourceId: string | null;
  created: number;
  availableOn: number;
  description: string | null;
  /** The payout that swept it; for the payout's own transaction, that payout. */
  payoutId?: string;
}

export interface StripeCharge {
  id: string;
  seq: number;
  amount: number;
  amountRefunded: number;
  currency: string;
  created: number;
  metadata: Record<string, string>;
  paymentIntent: string;
  balanceTransaction: string;
}
export interface StripeRefund {
  id: string;
  seq: number;
  chargeId: string;
  amount: number;
  currency: string;
  created: number;
  metadata: Record<string, string>;
  paymentIntent: string;
  balanceTransaction: string;
}
export interface StripePayout {
  id: string;
  seq: number;
  amount: number;
  currency: string;
  arrivalDate: number;
  created: number;
  automatic: boolean;
  status: StripePayoutStatus;
  reconciliationStatus: ReconciliationStatus;
  balanceTransaction: string;
}

export interface StripeStateOptions {
  seed?: number;
  fee?: FeeSchedule;
  /** Days from a charge's UTC day to its available_on (midnight UTC), default 2. */
  availabilityDelayDays?: number;
  /** Metadata keys the "POS" writes on payments; the client's defaults match. */
  metadataKeys?: { reference: string; storeId: string };
}

export interface RunPayoutInput {
  /** Every unswept transaction created strictly before this goes into the payout. */
  cutoff: Date;
  /** yyyy-mm-dd, the expected bank date. */
  arrivalDate: string;
  /** Needed only when unswept transactions exist in more than one currency. */
  currency?: string;
  /** Default true; a manual payout sweeps the balance but cannot be broken down over the API. */
  automatic?: boolean;
  status?: StripePayoutStatus;
  reconciliationStatus?: ReconciliationStatus;
}

const DAY = 86_400;
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class StripeState {
  readonly charges = new Map<string, StripeCharge>();
  readonly refunds = new Map<string, StripeRefund>();
  readonly payoutsById = new Map<string, StripePayout>();
  readonly transactions = new Map<string, StripeBalanceTransaction>();
  /** Every API request seen (after auth), so tests can count pages and round trips. */
  readonly requestLog: Array<{ method: string; path: string; query: string }> = [];
  readonly fee: FeeSchedule;
  readonly metadataKeys: { reference: string; storeId: string };
  private readonly availabilityDelayDays: number;
  private readonly nextRandom: () => number;
  private seq = 0;

  constructor(opts: StripeStateOptions = {}) {
    this.nextRandom = seededUint32(opts.seed ?? 42);
    this.fee = opts.fee ?? DEFAULT_FEE;
    this.availabilityDelayDays = opts.availabilityDelayDays ?? 2;
    this.metadataKeys = opts.metadataKeys ?? { reference: 'pos_reference', storeId: 'store_id' };
  }

  /** Stripe-looking ids (`ch_3Px...`), repeatable for a seed. */
  newId(prefix: string): string {
    let s = '';
    for (let i = 0; i < 24; i++) s += ID_CHARS[this.nextRandom() % ID_CHARS.length];
    return `${prefix}_${s}`;
  }

  /** A captured card-present payment; returns the charge id the POS would store. */
  recordCardPayment(input: {
    amountCents: number;
    currency: string;
    reference: string;
    storeId: string;
    at: Date;
  }): string {
    positiveCents(input.amountCents, 'amountCents');
    const created = unix(input.at);
    const currency = input.currency.toLowerCase();
    const fee = divRound(input.amountCents * this.fee.basisPoints, 10_000) + this.fee.fixedCents;
    const id = this.newId('ch');
    const txn = this.addTransaction({
      amount: input.amountCents,
      fee,
      currency,
      type: 'charge',
      reportingCategory: 'charge',
      sourceId: id,
      created,
      availableOn: (Math.floor(created / DAY) + this.availabilityDelayDays) * DAY,
      feeDetails: [{ amount: fee, currency, type: 'stripe_fee', description: 'Stripe processing fees' }],
      description: `POS payment ${input.reference}`,
    });
    const metadata = { [this.metadataKeys.reference]: input.reference, [this.metadataKeys.storeId]: input.storeId };
    this.charges.set(id, {
      id,
      seq: ++this.seq,
      amount: input.amountCents,
      amountRefunded: 0,
      currency,
      created,
      metadata,
      paymentIntent: this.newId('pi'),
      balanceTransaction: txn.id,
    });
    return id;
  }

  /** A refund on an earlier charge, booked when it happens (so it nets off in whatever payout comes next). */
  recordRefund(input: { chargeId: string; amountCents: number; at: Date; reference?: string }): string {
    positiveCents(input.amountCents, 'amountCents');
    const charge = this.charges.get(input.chargeId);
    if (!charge) throw new Error(`no charge ${input.chargeId}`);
    if (charge.amountRefunded + input.amountCents > charge.amount)
      throw new Error(`refund exceeds what is left of charge ${charge.id}`);
    const created = unix(input.at);
    const id = this.newId('re');
    // Stripe keeps the original processing fee on a refund: the refund's transaction carries none.
    const txn = this.addTransaction({
      amount: -input.amountCents,
      fee: 0,
      currency: charge.currency,
      type: 'refund',
      reportingCategory: 'refund',
      sourceId: id,
      created,
      availableOn: created,
      feeDetails: [],
      description: 'REFUND FOR CHARGE',
    });
    const metadata = {
      ...charge.metadata,
      ...(input.reference ? { [this.metadataKeys.reference]: input.reference } : {}),
    };
    charge.amountRefunded += input.amountCents;
    this.refunds.set(id, {
      id,
      seq: ++this.seq,
      chargeId: charge.id,
      amount: input.amountCents,
      currency: charge.currency,
      created,
      metadata,
      paymentIntent: charge.paymentIntent,
      balanceTransaction: txn.id,
    });
    return id;
  }

  /** An account-level fee (e.g. a monthly terminal fee) booked straight against the balance. */
  recordFee(input: { amountCents: number; currency: string; description: string; at: Date }): string {
    positiveCents(input.amountCents, 'amountCents');
    const created = unix(input.at);
    return this.addTransaction({
      amount: -input.amountCents,
      fee: 0,
      currency: input.currency.toLowerCase(),
      type: 'stripe_fee',
      reportingCategory: 'fee',
      sourceId: null,
      created,
      availableOn: created,
      feeDetails: [],
      description: input.description,
    }).id;
  }

  /**
   * The payout schedule firing: sweeps every unswept transaction created before the cut-off into
   * one payout. Batching by creation time (not available_on) keeps the model of a sales-day batch
   * cut at e.g. 03:00, so a batch crosses midnight and a later refund lands in a later payout.
   * Returns undefined when nothing positive is there to pay; the balance then carries forward.
   */
  runPayout(input: RunPayoutInput): StripePayout | undefined {
    const cutoff = unix(input.cutoff);
    let swept = [...this.transactions.values()].filter((t) => !t.payoutId && t.created < cutoff);
    const currencies = new Set(swept.map((t) => t.currency));
    const currency = input.currency?.toLowerCase() ?? [...currencies][0];
    if (!input.currency && currencies.size > 1)
      throw new Error(`unswept transactions in ${[...currencies].join(', ')}: pass a currency`);
    swept = swept.filter((t) => t.currency === currency);
    const amount = swept.reduce((sum, t) => sum + t.net, 0);
    if (!currency || amount <= 0) return undefined;
    const automatic = input.automatic ?? true;
    const id = this.newId('po');
    const own = this.addTransaction({
      amount: -amount,
      fee: 0,
      currency,
      type: 'payout',
      reportingCategory: 'payout',
      sourceId: id,
      created: cutoff,
      availableOn: cutoff,
      feeDetails: [],
      description: 'STRIPE PAYOUT',
      payoutId: id,
    });
    for (const t of swept) t.payoutId = id;
    const payout: StripePayout = {
      id,
      seq: ++this.seq,
      amount,
      currency,
      arrivalDate: dayStart(input.arrivalDate),
      created: cutoff,
      automatic,
      status: input.status ?? 'paid',
      reconciliationStatus: automatic ? (input.reconciliationStatus ?? 'completed') : 'not_applicable',
      balanceTransaction: own.id,
    };
    this.payoutsById.set(id, payout);
    return payout;
  }

  /** Moves a payout along pending -> in_transit -> paid, or to failed. */
  setPayoutStatus(
    payoutId: string,
    status: StripePayoutStatus,
    reconciliationStatus?: ReconciliationStatus,
  ): StripePayout {
    const payout = this.payoutsById.get(payoutId);
    if (!payout) throw new Error(`no payout ${payoutId}`);
    payout.status = status;
    if (reconciliationStatus) payout.reconciliationStatus = reconciliationStatus;
    return payout;
  }

  /** Oldest first. */
  payouts(): StripePayout[] {
    return [...this.payoutsById.values()].sort(bySeq);
  }

  /** Oldest first; filter by payout id for the components of one payout. */
  balanceTransactions(payoutId?: string): StripeBalanceTransaction[] {
    // The same array while nothing was added, so paging a large payout does not rebuild it per page.
    const key = payoutId ?? '*';
    const cached = this.listCache.get(key);
    if (cached && cached.size === this.transactions.size) return cached.list;
    const list = [...this.transactions.values()].filter((t) => !payoutId || t.payoutId === payoutId).sort(bySeq);
    this.listCache.set(key, { size: this.transactions.size, list });
    return list;
  }

  private readonly listCache = new Map<string, { size: number; list: StripeBalanceTransaction[] }>();

  private addTransaction(t: Omit<StripeBalanceTransaction, 'id' | 'seq' | 'net'>): StripeBalanceTransaction {
    const txn: StripeBalanceTransaction = { ...t, id: this.newId('txn'), seq: ++this.seq, net: t.amount - t.fee };
    this.transactions.set(txn.id, txn);
    return txn;
  }
}

function bySeq(a: { seq: number }, b: { seq: number }): number {
  return a.seq - b.seq;
}

function unix(at: Date): number {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new Error('invalid date');
  return Math.floor(ms / 1000);
}

function positiveCents(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer number of cents, got ${value}`);
}

/** Stripe reports arrival_date as midnight UTC of the bank day. */
export function dayStart(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== date)
    throw new Error(`'${date}' is not a yyyy-mm-dd date`);
  return ms / 1000;
}
