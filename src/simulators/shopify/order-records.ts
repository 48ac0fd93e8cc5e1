import { formatCents } from '../../domain/money';
import type { FulfillmentOrderStatus } from '../../domain/web-order';
import {
  orderTotalCents,
  type DiscountAllocationRecord,
  type DiscountApplicationRecord,
  type TaxLineRecord,
} from './order-money';

/**
 * The simulator's order records and the statuses Shopify derives from them. Money is kept in
 * integer cents and shown as 2-decimal strings, as Shopify's Decimal/Money scalars are.
 */
export type MethodType = 'SHIPPING' | 'PICK_UP';
export type RestockType = 'NO_RESTOCK' | 'RETURN' | 'CANCEL' | 'LEGACY_RESTOCK';
export type CancelReason = 'CUSTOMER' | 'DECLINED' | 'FRAUD' | 'INVENTORY' | 'OTHER' | 'STAFF';

export interface OrderLineRecord {
  id: string;
  num: number;
  sku: string;
  /** null for a custom line without a variant: it can be refunded, never restocked. */
  itemId: string | null;
  quantity: number;
  priceCents: number;
  fulfilled: number;
  refunded: number;
  /** Refunded units that had been fulfilled (returns); the rest came off the open fulfilment. */
  refundedFulfilled: number;
  /** Money: see order-money.ts. */
  discountAllocations: DiscountAllocationRecord[];
  taxLines: TaxLineRecord[];
}

export interface FoLineRecord {
  id: string;
  num: number;
  lineItemId: string;
  totalQuantity: number;
  remainingQuantity: number;
}

export interface FulfillmentOrderRecord {
  id: string;
  num: number;
  orderId: string;
  status: FulfillmentOrderStatus;
  methodType: MethodType;
  locationId: string;
  preparedForPickup: boolean;
  lines: FoLineRecord[];
}

export interface TransactionRecord {
  id: string;
  num: number;
  /** AUTHORIZATION: money held on the card, not taken (manual capture) until a CAPTURE. */
  kind: 'SALE' | 'AUTHORIZATION' | 'CAPTURE' | 'REFUND';
  /** PENDING: a manual payment (pay in store, cash on pickup, bank transfer) nobody has received yet. */
  status: 'SUCCESS' | 'PENDING';
  gateway: string;
  amountCents: number;
  parentId: string | null;
  createdAt: string;
}

export interface RefundLineRecord {
  id: string;
  num: number;
  lineItemId: string;
  quantity: number;
  restockType: RestockType;
  locationId: string | null;
  subtotalCents: number;
}

export interface RefundRecord {
  id: string;
  num: number;
  orderId: string;
  createdAt: string;
  note: string | null;
  lines: RefundLineRecord[];
  transactions: TransactionRecord[];
  totalCents: number;
}

export interface FulfillmentRecord {
  id: string;
  num: number;
  orderId: string;
  fulfillmentOrderId: string;
  status: 'SUCCESS';
  createdAt: string;
}

export interface OrderRecord {
  id: string;
  num: number;
  name: string;
  createdAt: string;
  updatedAt: string;
  cancelledAt: string | null;
  cancelReason: CancelReason | null;
  staffNote: string | null;
  currency: string;
  /** Money: see order-money.ts. */
  taxesIncluded: boolean;
  discountApplications: DiscountApplicationRecord[];
  lines: OrderLineRecord[];
  fulfillmentOrders: FulfillmentOrderRecord[];
  transactions: TransactionRecord[];
  refunds: RefundRecord[];
  fulfillments: FulfillmentRecord[];
}

/** A restock made by a refund or a cancellation, for tests that check where stock went back. */
export interface RestockRecord {
  orderId: string;
  refundId: string | null;
  itemId: string;
  locationId: string;
  quantity: number;
  at: string;
}

/** What the order costs: every line after its discounts, tax included (order-money.ts). */
export const totalCents = (o: OrderRecord): number => orderTotalCents(o);
export const paidCents = (o: OrderRecord): number =>
  o.transactions
    .filter((t) => (t.kind === 'SALE' || t.kind === 'CAPTURE') && t.status === 'SUCCESS')
    .reduce((s, t) => s + t.amountCents, 0);
export const refundedCents = (o: OrderRecord): number =>
  o.transactions.filter((t) => t.kind === 'REFUND' && t.status === 'SUCCESS').reduce((s, t) => s + t.amountCents, 0);

/** What money the order has seen: taken, partly taken, only held (authorised), or none yet (pending). */
export function financialStatus(
  o: OrderRecord,
): 'PAID' | 'PARTIALLY_PAID' | 'AUTHORIZED' | 'PENDING' | 'PARTIALLY_REFUNDED' | 'REFUNDED' {
  const refunded = refundedCents(o);
  if (refunded > 0) return refunded >= paidCents(o) ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
  const paid = paidCents(o);
  if (paid >= totalCents(o)) return 'PAID';
  if (paid > 0) return 'PARTIALLY_PAID';
  return o.transactions.some((t) => t.kind === 'AUTHORIZATION' && t.status === 'SUCCESS') ? 'AUTHORIZED' : 'PENDING';
}

export function fulfillmentStatus(o: OrderRecord): 'UNFULFILLED' | 'IN_PROGRESS' | 'PARTIALLY_FULFILLED' | 'FULFILLED' {
  const fulfilled = o.lines.reduce((s, l) => s + l.fulfilled, 0);
  const open = o.fulfillmentOrders.some((f) => f.status === 'OPEN' || f.status === 'IN_PROGRESS');
  if (fulfilled === 0)
    return o.fulfillmentOrders.some((f) => f.status === 'IN_PROGRESS') ? 'IN_PROGRESS' : 'UNFULFILLED';
  return open ? 'PARTIALLY_FULFILLED' : 'FULFILLED';
}

/** Units of a line still waiting in open fulfilment orders. */
export const unfulfilledOf = (o: OrderRecord, lineItemId: string): number =>
  o.fulfillmentOrders.reduce(
    (s, f) => s + f.lines.filter((l) => l.lineItemId === lineItemId).reduce((n, l) => n + l.remainingQuantity, 0),
    0,
  );

export interface OrderSummary {
  id: string;
  name: string;
  cancelledAt: string | null;
  financialStatus: ReturnType<typeof financialStatus>;
  fulfillmentStatus: ReturnType<typeof fulfillmentStatus>;
  totalPrice: string;
  totalRefunded: string;
  lines: Array<{
    lineItemId: string;
    sku: string;
    quantity: number;
    fulfilled: number;
    refunded: number;
    unfulfilled: number;
  }>;
  fulfillmentOrders: Array<{
    id: string;
    status: FulfillmentOrderStatus;
    methodType: MethodType;
    locationId: string;
    preparedForPickup: boolean;
  }>;
}

export function orderSummary(o: OrderRecord): OrderSummary {
  return {
    id: o.id,
    name: o.name,
    cancelledAt: o.cancelledAt,
    financialStatus: financialStatus(o),
    fulfillmentStatus: fulfillmentStatus(o),
    totalPrice: formatCents(totalCents(o)),
    totalRefunded: formatCents(refundedCents(o)),
    lines: o.lines.map((l) => ({
      lineItemId: l.id,
      sku: l.sku,
      quantity: l.quantity,
      fulfilled: l.fulfilled,
      refunded: l.refunded,
      unfulfilled: unfulfilledOf(o, l.id),
    })),
    fulfillmentOrders: o.fulfillmentOrders.map((f) => ({
      id: f.id,
      status: f.status,
      methodType: f.methodType,
      locationId: f.locationId,
      preparedForPickup: f.preparedForPickup,
    })),
  };
}

export const money = (cents: number, currency: string) => ({ amount: formatCents(cents), currencyCode: currency });
export const moneyBag = (cents: number, currency: string) => ({
  shopMoney: money(cents, currency),
  presentmentMoney: money(cents, currency),
});
