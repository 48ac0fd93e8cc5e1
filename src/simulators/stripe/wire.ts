import type { SimHandler, SimRequest, SimResponse } from '../http-server';
import type { StripeBalanceTransaction, StripeCharge, StripePayout, StripeRefund, StripeState } from './state';

/** Stripe's JSON shapes: error envelope, list envelope with cursor paging, and the objects we serve. */
export const DEFAULT_API_VERSION = '2024-06-20';

export class StripeSimError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: { code?: string; param?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }
}

export function stripeError(
  status: number,
  type: string,
  message: string,
  extra: StripeSimError['extra'] = {},
): SimResponse {
  const { headers, ...rest } = extra;
  const docUrl = rest.code ? { doc_url: `https://stripe.com/docs/error-codes/${rest.code.replaceAll('_', '-')}` } : {};
  return { status, headers, body: { error: { type, message, ...rest, ...docUrl } } };
}

/** Renders a thrown StripeSimError in Stripe's envelope and stamps the headers Stripe puts on every answer. */
export function guard(handler: SimHandler, requestId: () => string): SimHandler {
  return async (req) => {
    let res: SimResponse;
    try {
      res = await handler(req);
    } catch (err) {
      if (!(err instanceof StripeSimError)) throw err;
      res = stripeError(err.status, err.type, err.message, err.extra);
    }
    const version = String(req.headers['stripe-version'] ?? DEFAULT_API_VERSION);
    return { ...res, headers: { ...res.headers, 'request-id': requestId(), 'stripe-version': version } };
  };
}

export function invalid(message: string, param?: string): StripeSimError {
  return new StripeSimError(400, 'invalid_request_error', message, { param });
}

export function missing(kind: string, id: string, param?: string): StripeSimError {
  return new StripeSimError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, {
    code: 'resource_missing',
    param,
  });
}

export function chargeJson(c: StripeCharge): Record<string, unknown> {
  return {
    id: c.id,
    object: 'charge',
    amount: c.amount,
    amount_captured: c.amount,
    amount_refunded: c.amountRefunded,
    balance_transaction: c.balanceTransaction,
    captured: true,
    created: c.created,
    currency: c.currency,
    description: null,
    livemode: false,
    metadata: c.metadata,
    paid: true,
    payment_intent: c.paymentIntent,
    payment_method_details: { type: 'card_present' },
    refunded: c.amountRefunded === c.amount,
    status: 'succeeded',
  };
}

export function refundJson(r: StripeRefund): Record<string, unknown> {
  return {
    id: r.id,
    object: 'refund',
    amount: r.amount,
    balance_transaction: r.balanceTransaction,
    charge: r.chargeId,
    created: r.created,
    currency: r.currency,
    metadata: r.metadata,
    payment_intent: r.paymentIntent,
    reason: null,
    status: 'succeeded',
  };
}

export function payoutJson(p: StripePayout): Record<string, unknown> {
  const failed = p.status === 'failed';
  return {
    id: p.id,
    object: 'payout',
    amount: p.amount,
    arrival_date: p.arrivalDate,
    automatic: p.automatic,
    balance_transaction: p.balanceTransaction,
    created: p.created,
    currency: p.currency,
    description: 'STRIPE PAYOUT',
    destination: 'ba_simulated',
    failure_balance_transaction: null,
    failure_code: failed ? 'account_closed' : null,
    failure_message: failed ? 'The bank account has been closed.' : null,
    livemode: false,
    metadata: {},
    method: 'standard',
    reconciliation_status: p.reconciliationStatus,
    source_type: 'card',
    statement_descriptor: null,
    status: p.status,
    type: 'bank_account',
  };
}

export function balanceTransactionJson(
  state: StripeState,
  t: StripeBalanceTransaction,
  expandSource: boolean,
  nowSeconds: number,
): Record<string, unknown> {
  return {
    id: t.id,
    object: 'balance_transaction',
    amount: t.amount,
    available_on: t.availableOn,
    created: t.created,
    currency: t.currency,
    description: t.description,
    exchange_rate: null,
    fee: t.fee,
    fee_details: t.feeDetails,
    net: t.net,
    reporting_category: t.reportingCategory,
    source: expandSource ? sourceJson(state, t.sourceId) : t.sourceId,
    status: t.availableOn <= nowSeconds ? 'available' : 'pending',
    type: t.type,
  };
}

function sourceJson(state: StripeState, id: string | null): unknown {
  if (!id) return null;
  const charge = state.charges.get(id);
  if (charge) return chargeJson(charge);
  const refund = state.refunds.get(id);
  if (refund) return refundJson(refund);
  const payout = state.payoutsById.get(id);
  return payout ? payoutJson(payout) : id;
}

/**
 * One page of a list, newest first (created, then insertion order). `starting_after` is a position,
 * not an index: it names any object of the kind, so rows added meanwhile neither repeat nor vanish.
 */
const sortedCache = new WeakMap<object, unknown[]>();

/** Sorted once per rows array: the state hands out the same array until something is added. */
function sortedOnce<T>(rows: T[], order: (a: T, b: T) => number): T[] {
  let sorted = sortedCache.get(rows) as T[] | undefined;
  if (!sorted) {
    sorted = [...rows].sort(order);
    sortedCache.set(rows, sorted);
  }
  return sorted;
}

export function listPage<T extends { id: string; seq: number; created: number }>(
  req: SimRequest,
  url: string,
  rows: T[],
  lookup: (id: string) => T | undefined,
  kind: string,
  render: (row: T) => unknown,
): SimResponse {
  const limit = intParam(req, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalid('Invalid limit: must be between 1 and 100', 'limit');
  const newestFirst = (a: T, b: T) => b.created - a.created || b.seq - a.seq;
  const sorted = sortedOnce(rows, newestFirst);
  const after = req.query.get('starting_after');
  const before = req.query.get('ending_before');
  if (after && before) throw invalid('You may only specify one of these parameters: ending_before, starting_after.');
  let hasMore: boolean;
  let data: T[];
  if (before) {
    const cursor = lookup(before) ?? raise(missing(kind, before, 'ending_before'));
    const end = firstAfter(sorted, cursor, newestFirst, true);
    data = sorted.slice(Math.max(0, end - limit), end);
    hasMore = end > limit;
  } else {
    const start = after
      ? firstAfter(sorted, lookup(after) ?? raise(missing(kind, after, 'starting_after')), newestFirst, false)
      : 0;
    data = sorted.slice(start, start + limit);
    hasMore = sorted.length - start > limit;
  }
  return { status: 200, body: { object: 'list', data: data.map(render), has_more: hasMore, url } };
}

export function intParam(req: SimRequest, name: string): number | undefined {
  const raw = req.query.get(name);
  if (raw === null) return undefined;
  if (!/^-?\d+$/.test(raw)) throw invalid(`Invalid integer: ${raw}`, name);
  return Number(raw);
}

/**
 * Where the cursor sits in the sorted rows, by binary search: a page of a 140,000-line payout
 * costs a few comparisons, not a pass over every line. With `atCursor` the cursor's own place
 * (rows before it), otherwise the first row after it.
 */
function firstAfter<T>(sorted: T[], cursor: T, order: (a: T, b: T) => number, atCursor: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = order(sorted[mid]!, cursor);
    if (c < 0 || (!atCursor && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function raise(err: Error): never {
  throw err;
}
