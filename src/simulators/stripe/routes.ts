import type { SimRequest, SimRoute } from '../http-server';
import type { StripeState } from './state';
import { balanceTransactionJson, guard, intParam, invalid, listPage, missing, payoutJson } from './wire';

/**
 * The read-only subset the payout reconciliation uses. Parameters are checked the way Stripe checks
 * them (unknown ones are refused), so a client bug fails here rather than against the real API.
 */
export interface StripeRouteOptions {
  state: StripeState;
  now: () => number;
  requestId: () => string;
}

const RANGE_PARAMS = new Set(['created', 'arrival_date']);
const PAYOUT_STATUSES = ['pending', 'paid', 'failed', 'canceled', 'in_transit'];
const EXPAND = /^expand\[\d*\]$/;

export function stripeRoutes({ state, now, requestId }: StripeRouteOptions): SimRoute[] {
  const nowSeconds = () => Math.floor(now() / 1000);
  const route = (pattern: RegExp, handler: (req: SimRequest) => ReturnType<SimRoute['handler']>): SimRoute => ({
    method: 'GET',
    pattern,
    handler: guard(handler, requestId),
  });

  return [
    route(/^\/v1\/payouts$/, (req) => {
      checkParams(req, ['limit', 'starting_after', 'ending_before', 'arrival_date', 'created', 'status'], []);
      const status = req.query.get('status');
      if (status !== null && !PAYOUT_STATUSES.includes(status))
        throw invalid(`Invalid status: must be one of ${PAYOUT_STATUSES.join(', ')}`, 'status');
      const arrival = rangeFilter(req, 'arrival_date');
      const created = rangeFilter(req, 'created');
      const rows = state
        .payouts()
        .filter((p) => arrival(p.arrivalDate) && created(p.created) && (status === null || p.status === status));
      return listPage(req, '/v1/payouts', rows, (id) => state.payoutsById.get(id), 'payout', payoutJson);
    }),
    route(/^\/v1\/payouts\/([^/]+)$/, (req) => {
      checkParams(req, [], []);
      const payout = state.payoutsById.get(req.params[0]!) ?? raise(missing('payout', req.params[0]!, 'id'));
      return { status: 200, body: payoutJson(payout) };
    }),
    route(/^\/v1\/balance_transactions$/, (req) => {
      const expand = checkParams(
        req,
        ['limit', 'starting_after', 'ending_before', 'payout', 'type', 'currency', 'source', 'created'],
        ['data.source'],
      );
      const payoutId = req.query.get('payout');
      if (payoutId !== null) {
        const payout = state.payoutsById.get(payoutId) ?? raise(missing('payout', payoutId, 'payout'));
        // Stripe's own refusal: a manual payout is not linked to the transactions it drained.
        if (!payout.automatic)
          throw invalid(
            'Balance transaction history can only be filtered on automatic transfers, not manual.',
            'payout',
          );
      }
      const type = req.query.get('type');
      const currency = req.query.get('currency')?.toLowerCase();
      const source = req.query.get('source');
      const created = rangeFilter(req, 'created');
      // The common case (one payout's lines, nothing else) keeps the state's cached array, so paging stays cheap.
      const narrow =
        type ||
        currency ||
        source ||
        req.query.has('created') ||
        req.query.has('created[gte]') ||
        req.query.has('created[lt]') ||
        req.query.has('created[gt]') ||
        req.query.has('created[lte]');
      const base = state.balanceTransactions(payoutId ?? undefined);
      const rows = narrow
        ? base.filter(
            (t) =>
              (!type || t.type === type) &&
              (!currency || t.currency === currency) &&
              (!source || t.sourceId === source) &&
              created(t.created),
          )
        : base;
      const expandSource = expand.includes('data.source');
      return listPage(
        req,
        '/v1/balance_transactions',
        rows,
        (id) => state.transactions.get(id),
        'balance transaction',
        (t) => balanceTransactionJson(state, t, expandSource, nowSeconds()),
      );
    }),
    route(/^\/v1\/balance_transactions\/([^/]+)$/, (req) => {
      const expand = checkParams(req, [], ['source']);
      const txn = state.transactions.get(req.params[0]!) ?? raise(missing('balance transaction', req.params[0]!, 'id'));
      return { status: 200, body: balanceTransactionJson(state, txn, expand.includes('source'), nowSeconds()) };
    }),
  ];
}

/** Refuses unknown parameters and expansions; returns the requested expansions. */
function checkParams(req: SimRequest, allowed: string[], expandable: string[]): string[] {
  const expand: string[] = [];
  for (const [key, value] of req.query) {
    if (EXPAND.test(key)) {
      if (!expandable.includes(value)) throw invalid(`This property cannot be expanded (${value}).`, key);
      expand.push(value);
      continue;
    }
    const base = key.replace(/\[(gt|gte|lt|lte)\]$/, '');
    if (!allowed.includes(base) || (base !== key && !RANGE_PARAMS.has(base)))
      throw invalid(`Received unknown parameter: ${key}`, key);
  }
  return expand;
}

/** `name=ts` or any of `name[gt|gte|lt|lte]=ts`, all Unix seconds. */
function rangeFilter(req: SimRequest, name: string): (value: number) => boolean {
  const exact = intParam(req, name);
  const gt = intParam(req, `${name}[gt]`);
  const gte = intParam(req, `${name}[gte]`);
  const lt = intParam(req, `${name}[lt]`);
  const lte = intParam(req, `${name}[lte]`);
  return (v) =>
    (exact === undefined || v === exact) &&
    (gt === undefined || v > gt) &&
    (gte === undefined || v >= gte) &&
    (lt === undefined || v < lt) &&
    (lte === undefined || v <= lte);
}

function raise(err: Error): never {
  throw err;
}
