import { formatCents } from '../../domain/money';
import {
  financialStatus,
  fulfillmentStatus,
  refundedCents,
  totalCents,
  unfulfilledOf,
  type OrderRecord,
  type RefundRecord,
} from './order-records';

/**
 * Webhook bodies are the REST representation of the resource (numeric ids plus
 * `admin_graphql_api_id`, snake_case, lower-case enums), not the GraphQL shape.
 */
const numOf = (gidOrNull: string | null): number | null =>
  gidOrNull ? Number(gidOrNull.split('/').pop()!.split('?')[0]) : null;

const REST_FULFILMENT: Record<ReturnType<typeof fulfillmentStatus>, string | null> = {
  UNFULFILLED: null,
  IN_PROGRESS: null,
  PARTIALLY_FULFILLED: 'partial',
  FULFILLED: 'fulfilled',
};

export function orderToRest(o: OrderRecord): Record<string, unknown> {
  const total = formatCents(totalCents(o));
  return {
    id: o.num,
    admin_graphql_api_id: o.id,
    name: o.name,
    order_number: Number(o.name.replace(/^#/, '')),
    created_at: o.createdAt,
    updated_at: o.updatedAt,
    processed_at: o.createdAt,
    cancelled_at: o.cancelledAt,
    cancel_reason: o.cancelReason?.toLowerCase() ?? null,
    closed_at: null,
    currency: o.currency,
    presentment_currency: o.currency,
    financial_status: financialStatus(o).toLowerCase(),
    fulfillment_status: REST_FULFILMENT[fulfillmentStatus(o)],
    source_name: 'web',
    test: false,
    total_price: total,
    subtotal_price: total,
    current_total_price: formatCents(
      totalCents(o) - o.refunds.reduce((s, r) => s + r.lines.reduce((n, l) => n + l.subtotalCents, 0), 0),
    ),
    total_refunded: formatCents(refundedCents(o)),
    line_items: o.lines.map((l) => ({
      id: l.num,
      admin_graphql_api_id: l.id,
      sku: l.sku,
      name: l.sku,
      title: l.sku,
      quantity: l.quantity,
      current_quantity: l.quantity - l.refunded,
      fulfillable_quantity: unfulfilledOf(o, l.id),
      price: formatCents(l.priceCents),
      variant_id: numOf(l.itemId),
    })),
    fulfillments: o.fulfillments.map((f) => ({
      id: f.num,
      admin_graphql_api_id: f.id,
      status: f.status.toLowerCase(),
      created_at: f.createdAt,
    })),
    refunds: o.refunds.map((r) => refundToRest(o, r)),
  };
}

export function refundToRest(o: OrderRecord, r: RefundRecord): Record<string, unknown> {
  return {
    id: r.num,
    admin_graphql_api_id: r.id,
    order_id: o.num,
    created_at: r.createdAt,
    note: r.note,
    refund_line_items: r.lines.map((l) => ({
      id: l.num,
      line_item_id: numOf(l.lineItemId),
      quantity: l.quantity,
      restock_type: l.restockType.toLowerCase(),
      location_id: numOf(l.locationId),
      subtotal: formatCents(l.subtotalCents),
    })),
    transactions: r.transactions.map((t) => ({
      id: t.num,
      admin_graphql_api_id: t.id,
      order_id: o.num,
      kind: t.kind.toLowerCase(),
      status: t.status.toLowerCase(),
      gateway: t.gateway,
      amount: formatCents(t.amountCents),
      currency: o.currency,
      parent_id: numOf(t.parentId),
      created_at: t.createdAt,
    })),
  };
}
