import { paidCents, refundedCents, type OrderRecord, type RefundRecord, type RestockRecord } from './order-records';
import { refundTransactionsFor } from './order-money';
import { releaseCommitted } from './inventory-effects';
import type { CancelRequest } from './orders';
import { applyRefund, type Mint, type RefundInput, type StockAccess } from './refunds';

/** Everything not yet handed over or closed; cancelling turns these into CANCELLED. */
const OPEN_STATUSES = new Set(['OPEN', 'IN_PROGRESS', 'SCHEDULED', 'ON_HOLD', 'INCOMPLETE']);

/**
 * Applies a cancellation: refunds the rest of the order when asked, releases the units still
 * waiting (back to available with restock, out of on_hand without), cancels the open fulfilment
 * orders. Returns the refund it made, if any.
 */
export function cancelOrderRecord(
  order: OrderRecord,
  req: CancelRequest,
  mint: Mint,
  stock: StockAccess,
  restocks: RestockRecord[],
): RefundRecord | null {
  const open = order.fulfillmentOrders.filter((f) => OPEN_STATUSES.has(f.status));
  let refund: RefundRecord | null = null;
  if (req.refund) {
    refund = applyRefund(order, cancellationRefund(order, req.restock), mint, stock, restocks);
  } else {
    const at = new Date().toISOString();
    for (const fo of open) {
      for (const l of fo.lines) {
        const itemId = order.lines.find((x) => x.id === l.lineItemId)?.itemId ?? null;
        releaseCommitted(stock, itemId, fo.locationId, l.remainingQuantity, req.restock);
        if (
          req.restock &&
          itemId &&
          l.remainingQuantity > 0 &&
          stock.getAvailable(itemId, fo.locationId) !== undefined
        ) {
          restocks.push({
            orderId: order.id,
            refundId: null,
            itemId,
            locationId: fo.locationId,
            quantity: l.remainingQuantity,
            at,
          });
        }
      }
    }
  }
  for (const fo of open) {
    fo.status = 'CANCELLED';
    for (const l of fo.lines) l.remainingQuantity = 0;
  }
  order.cancelledAt = new Date().toISOString();
  order.cancelReason = req.reason;
  order.staffNote = req.staffNote ?? null;
  order.updatedAt = order.cancelledAt;
  return refund;
}

/** What cancelling with refund sends back: every unrefunded unit and all money not yet refunded. */
export function cancellationRefund(order: OrderRecord, restock: boolean): RefundInput {
  const money = paidCents(order) - refundedCents(order);
  return {
    orderId: order.id,
    note: 'Order cancelled',
    refundLineItems: order.lines
      .filter((l) => l.quantity - l.refunded > 0)
      .map((l) => ({
        lineItemId: l.id,
        quantity: l.quantity - l.refunded,
        restockType: restock ? 'CANCEL' : 'NO_RESTOCK',
      })),
    transactions: money > 0 ? refundTransactionsFor(order, money) : [],
  };
}
