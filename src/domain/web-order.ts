import { parseCents } from './money';

/**
 * A web shop order as click & collect and returns need it, in our own names. The e-commerce
 * connector maps the platform's shape (Shopify GraphQL `Order`) to this.
 */
export interface WebOrderLine {
  /** Platform line item id (gid://shopify/LineItem/...). */
  lineItemId: string;
  sku: string;
  /** Quantity ordered. */
  quantity: number;
  /**
   * VAT-inclusive price of one unit as the customer paid it (discounts taken off), in cents,
   * rounded: `paidCents` is the exact amount.
   */
  unitPriceCents: number;
  /**
   * What the customer paid for all units of the line: line and order discounts taken off, tax
   * included. Absent on orders read before refunds followed the money paid (recorded histories).
   */
  paidCents?: number;
}

/** A payment the customer made (a sale or capture) and what refunds have taken back from it so far. */
export interface WebPayment {
  /** Platform transaction id (gid://shopify/OrderTransaction/...): what a refund goes back to. */
  transactionId: string;
  gateway: string;
  amountCents: number;
  refundedCents: number;
}

export type FulfillmentOrderStatus =
  'OPEN' | 'IN_PROGRESS' | 'SCHEDULED' | 'ON_HOLD' | 'INCOMPLETE' | 'CLOSED' | 'CANCELLED';

export interface WebFulfillmentOrder {
  id: string;
  status: FulfillmentOrderStatus;
  /** SHIPPING, PICK_UP, PICKUP_POINT, LOCAL, RETAIL, NONE. */
  methodType: string;
  /** The assigned location (the pickup store for PICK_UP). */
  locationId: string | null;
  /** The store has said the goods are ready (fulfillmentOrderLineItemsPreparedForPickup). */
  preparedForPickup: boolean;
  lines: Array<{ id: string; lineItemId: string; sku: string; remainingQuantity: number }>;
}

export interface WebOrder {
  /** Platform order id (gid://shopify/Order/...). */
  id: string;
  /** Numeric id as in webhooks and REST (legacyResourceId). */
  legacyId: string;
  /** Shop-facing number, e.g. "#1001". */
  name: string;
  createdAt: string;
  cancelledAt: string | null;
  currencyCode: string;
  /** PAID, PARTIALLY_REFUNDED, REFUNDED, ... */
  financialStatus: string;
  lines: WebOrderLine[];
  fulfillmentOrders: WebFulfillmentOrder[];
  /** Quantity already refunded per line item id, summed over all refunds. */
  refundedQuantities: Record<string, number>;
  /** Sum of all refunds. */
  totalRefundedCents: number;
  /** Successful payments in the order they were made. Absent on orders read before refunds followed the money paid. */
  payments?: WebPayment[];
}

/** A WebOrder as activities returned it before money was cents (issue 12): 2-decimal strings. */
export interface LegacyWebOrder extends Omit<WebOrder, 'lines' | 'totalRefundedCents'> {
  lines: Array<Omit<WebOrderLine, 'unitPriceCents'> & { unitPrice: string }>;
  totalRefunded: string;
}

/**
 * Reads results recorded before money was cents (issue 12); may go when no history from before
 * 2026-12-04 remains (open workflows, and test/replay). Workflows call it where an activity hands
 * them an order, so a replay decides from the same cents the old code parsed: the strings were
 * written by formatCents, and a refund total that was not money counted as 0, as it did then.
 */
export function webOrderWithCents(order: WebOrder | LegacyWebOrder): WebOrder {
  if (!('totalRefunded' in order)) return order;
  const { totalRefunded, lines, ...rest } = order;
  return {
    ...rest,
    lines: lines.map(({ unitPrice, ...line }) => ({ ...line, unitPriceCents: parseCents(unitPrice) ?? 0 })),
    totalRefundedCents: parseCents(totalRefunded) ?? 0,
  };
}

/** The pickup part of an order, if the customer chose to collect in a store. */
export function pickupOf(order: WebOrder): WebFulfillmentOrder | undefined {
  return order.fulfillmentOrders.find((f) => f.methodType === 'PICK_UP' && f.status !== 'CANCELLED');
}

/**
 * Who takes the money for a pickup, from Shopify's displayFinancialStatus (ecommerce-shopify-api.md
 * §8) at the time the store is asked:
 * - `paid-online`: PAID, captured at checkout. The Sitoo order is created paid.
 * - `pay-in-store`: PENDING, nothing captured yet: pay in store, cash on pickup, bank transfer and
 *   the other manual payment methods. The Sitoo order is created unpaid so the till takes it.
 * - `undecided`: everything else. AUTHORIZED holds the money on the customer's card without taking
 *   it (the integration never captures; the hold can lapse into EXPIRED or be VOIDED), so neither
 *   "paid" (it may never be captured) nor "pay in store" (the customer would be charged twice) is
 *   safe to assume. PARTIALLY_PAID, REFUNDED, PARTIALLY_REFUNDED, EXPIRED and VOIDED likewise need
 *   a person: finance decides.
 */
export type PickupPayment = 'paid-online' | 'pay-in-store' | 'undecided';

export function pickupPayment(financialStatus: string): PickupPayment {
  if (financialStatus === 'PAID') return 'paid-online';
  if (financialStatus === 'PENDING') return 'pay-in-store';
  return 'undecided';
}
