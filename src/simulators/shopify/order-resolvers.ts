import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import {
  financialStatus,
  fulfillmentStatus,
  moneyBag,
  refundedCents,
  totalCents,
  unfulfilledOf,
  type FulfillmentOrderRecord,
  type OrderLineRecord,
  type OrderRecord,
  type RefundRecord,
  type TransactionRecord,
} from './order-records';
import { lineItemMoney, orderMoney } from './order-money';
import type { CancelJob, OrderUserError, RefundInput } from './orders';
import { searchOrders, toShopifyDateTime, type OrderSearchArgs } from './order-search';
import { connection, idempotencyKey, MAX_INPUT, maxInput } from './paging';
import type { ResolverOptions } from './resolvers';
import { gid, type ItemRecord, type LocationRecord } from './state';

/** Builders the inventory resolvers own; orders point at the same Location and ProductVariant objects. */
export interface SharedViews {
  location(l: LocationRecord): Record<string, unknown>;
  variant(i: ItemRecord): Record<string, unknown>;
}

type Page = { first?: number | null; after?: string | null };
const firstOf = <T>(all: T[], first: number | null | undefined): T[] =>
  first == null ? all : all.slice(0, Math.max(0, first));
const plain = (errors: OrderUserError[]) => errors.map(({ field, message }) => ({ field, message }));

export function orderRootValue(opts: ResolverOptions, views: SharedViews): Record<string, unknown> {
  const { state } = opts;
  const book = state.orders;
  const locationOf = (id: string | null) => {
    const l = id ? state.locations.get(id) : undefined;
    return l ? views.location(l) : null;
  };

  const lineItem = (o: OrderRecord, l: OrderLineRecord) => ({
    id: l.id,
    sku: l.sku,
    name: l.sku,
    quantity: l.quantity,
    currentQuantity: l.quantity - l.refunded,
    refundableQuantity: l.quantity - l.refunded,
    unfulfilledQuantity: unfulfilledOf(o, l.id),
    originalUnitPriceSet: moneyBag(l.priceCents, o.currency),
    ...lineItemMoney(o, l),
    variant: () => {
      const i = l.itemId ? state.items.get(l.itemId) : undefined;
      return i ? views.variant(i) : null;
    },
  });
  const lineById = (o: OrderRecord, id: string) =>
    lineItem(
      o,
      o.lines.find((l) => l.id === id)!,
    );

  const transaction = (o: OrderRecord, t: TransactionRecord): Record<string, unknown> => ({
    id: t.id,
    kind: t.kind,
    status: t.status,
    gateway: t.gateway,
    createdAt: t.createdAt,
    processedAt: t.createdAt,
    amountSet: moneyBag(t.amountCents, o.currency),
    parentTransaction: () => {
      const parent = o.transactions.find((x) => x.id === t.parentId);
      return parent ? transaction(o, parent) : null;
    },
  });

  const fulfillmentOrder = (fo: FulfillmentOrderRecord): Record<string, unknown> => {
    const o = book.get(fo.orderId)!;
    return {
      __typename: 'FulfillmentOrder',
      id: fo.id,
      orderId: fo.orderId,
      status: fo.status,
      order: () => order(o),
      deliveryMethod: { id: gid('DeliveryMethod', fo.num), methodType: fo.methodType },
      assignedLocation: {
        name: state.locations.get(fo.locationId)?.name ?? '',
        location: () => locationOf(fo.locationId),
      },
      lineItems: (args: Page) =>
        connection(
          fo.lines,
          args,
          (l) => String(l.num),
          (l) => ({
            id: l.id,
            totalQuantity: l.totalQuantity,
            remainingQuantity: l.remainingQuantity,
            lineItem: () => lineById(o, l.lineItemId),
          }),
        ),
    };
  };

  const refund = (o: OrderRecord, r: RefundRecord): Record<string, unknown> => ({
    __typename: 'Refund',
    id: r.id,
    legacyResourceId: String(r.num),
    createdAt: r.createdAt,
    note: r.note,
    totalRefundedSet: moneyBag(r.totalCents, o.currency),
    refundLineItems: (args: Page) =>
      connection(
        r.lines,
        args,
        (l) => String(l.num),
        (l) => ({
          id: l.id,
          quantity: l.quantity,
          restockType: l.restockType,
          restocked: l.locationId !== null,
          location: () => locationOf(l.locationId),
          lineItem: () => lineById(o, l.lineItemId),
          subtotalSet: moneyBag(l.subtotalCents, o.currency),
        }),
      ),
    transactions: (args: Page) =>
      connection(
        r.transactions,
        args,
        (t) => String(t.num),
        (t) => transaction(o, t),
      ),
  });

  const order = (o: OrderRecord): Record<string, unknown> => {
    const refundedGoods = o.refunds.reduce((s, r) => s + r.lines.reduce((n, l) => n + l.subtotalCents, 0), 0);
    const fulfilment = fulfillmentStatus(o);
    return {
      __typename: 'Order',
      id: o.id,
      legacyResourceId: String(o.num),
      name: o.name,
      createdAt: o.createdAt,
      updatedAt: toShopifyDateTime(o.updatedAt),
      processedAt: o.createdAt,
      cancelledAt: o.cancelledAt,
      cancelReason: o.cancelReason,
      closed: o.cancelledAt !== null || fulfilment === 'FULFILLED',
      sourceName: 'web',
      currencyCode: o.currency,
      displayFinancialStatus: financialStatus(o),
      displayFulfillmentStatus: fulfilment,
      totalPriceSet: moneyBag(totalCents(o), o.currency),
      currentTotalPriceSet: moneyBag(totalCents(o) - refundedGoods, o.currency),
      totalRefundedSet: moneyBag(refundedCents(o), o.currency),
      ...orderMoney(o),
      lineItems: (args: Page) =>
        connection(
          o.lines,
          args,
          (l) => String(l.num),
          (l) => lineItem(o, l),
        ),
      fulfillmentOrders: (args: Page) => connection(o.fulfillmentOrders, args, (f) => String(f.num), fulfillmentOrder),
      refunds: ({ first }: { first?: number | null }) => firstOf(o.refunds, first).map((r) => refund(o, r)),
      transactions: ({ first }: { first?: number | null }) =>
        firstOf(o.transactions, first).map((t) => transaction(o, t)),
    };
  };

  // Read live so a poll sees the job finish.
  const job = (j: CancelJob) => ({ id: j.id, done: () => j.done });

  return {
    order: ({ id }: { id: string }) => {
      // Shopify's order(id:) takes a global id only; a bare number is an invalid id, not a miss.
      if (!id.startsWith('gid://shopify/Order/'))
        throw new GraphQLError(`Invalid global id '${id}'`, { extensions: { code: 'argumentLiteralsIncompatible' } });
      const o = book.get(id);
      return o ? order(o) : null;
    },
    orders: (args: OrderSearchArgs) =>
      searchOrders(book.all(), args, order, book.searchLagMs > 0 ? Date.now() - book.searchLagMs : Infinity),
    fulfillmentOrder: ({ id }: { id: string }) => {
      const fo = book.fulfillmentOrder(id);
      return fo ? fulfillmentOrder(fo) : null;
    },
    job: ({ id }: { id: string }) => {
      const j = book.job(id);
      return j ? job(j) : null;
    },
    fulfillmentOrderLineItemsPreparedForPickup: ({
      input,
    }: {
      input: { lineItemsByFulfillmentOrder: Array<{ fulfillmentOrderId: string }> };
    }) => {
      if (input.lineItemsByFulfillmentOrder.length > MAX_INPUT)
        throw maxInput(input.lineItemsByFulfillmentOrder.length);
      return { userErrors: book.preparePickup(input.lineItemsByFulfillmentOrder.map((g) => g.fulfillmentOrderId)) };
    },
    fulfillmentCreate: ({
      fulfillment,
    }: {
      fulfillment: { lineItemsByFulfillmentOrder: Parameters<typeof book.fulfil>[0] };
    }) => {
      if (fulfillment.lineItemsByFulfillmentOrder.length > MAX_INPUT)
        throw maxInput(fulfillment.lineItemsByFulfillmentOrder.length);
      const r = book.fulfil(fulfillment.lineItemsByFulfillmentOrder);
      return {
        fulfillment: r.fulfillment && {
          id: r.fulfillment.id,
          status: r.fulfillment.status,
          createdAt: r.fulfillment.createdAt,
        },
        userErrors: plain(r.userErrors),
      };
    },
    refundCreate: ({ input }: { input: RefundInput }, _ctx: unknown, info: GraphQLResolveInfo) => {
      if ((input.refundLineItems?.length ?? 0) > MAX_INPUT) throw maxInput(input.refundLineItems!.length);
      const key = idempotencyKey(info);
      if (opts.strict && key === undefined)
        throw new GraphQLError('The @idempotent directive is required for this mutation.', {
          extensions: { code: 'BAD_REQUEST' },
        });
      const r = book.refund(input, key);
      // RefundCreatePayload has code-less UserErrors, so the idempotency refusals travel as request-level errors [INF].
      const idem = r.userErrors.find((e) => e.code?.startsWith('IDEMPOTENCY_'));
      if (idem) throw new GraphQLError(idem.message, { extensions: { code: idem.code } });
      const o = r.refund ? book.get(r.refund.orderId) : undefined;
      return {
        order: o ? order(o) : null,
        refund: o && r.refund ? refund(o, r.refund) : null,
        userErrors: plain(r.userErrors),
      };
    },
    orderCancel: (args: {
      orderId: string;
      reason: OrderRecord['cancelReason'] & string;
      restock: boolean;
      staffNote?: string | null;
      refund?: boolean | null;
      refundMethod?: { originalPaymentMethodsRefund?: boolean | null } | null;
    }) => {
      const r = book.requestCancel({
        orderId: args.orderId,
        reason: args.reason,
        restock: args.restock,
        staffNote: args.staffNote ?? null,
        refund: args.refundMethod?.originalPaymentMethodsRefund ?? args.refund ?? false,
      });
      return { job: r.job ? job(r.job) : null, orderCancelUserErrors: r.userErrors, userErrors: plain(r.userErrors) };
    },
  };
}
