import type { OrderRecord } from './order-records';

/**
 * What orders do to inventory levels, as Shopify does it: an order commits units at its
 * fulfilment order's assigned location (available -> committed); handing them over takes them out
 * of committed and so out of on_hand; units released from an open fulfilment order go back to
 * available when restocked and leave on_hand when not; goods returned go onto available where
 * they came back. One function per effect, kept apart from the order bookkeeping that calls them.
 */
export interface OrderStock {
  /** Off only to see a shop whose orders never touch stock (state.ts). */
  readonly ordersMoveInventory: boolean;
  /** Moves a level's committed and available; false when the item is not stocked at the location. */
  shiftQuantities(itemId: string, locationId: string, delta: { available?: number; committed?: number }): boolean;
}

/**
 * Order placed: every unit waiting in a fulfilment order moves from available to committed at
 * that order's location. Available may go negative (oversold), as Shopify allows when an order
 * takes more than is available; the simulator does not refuse a checkout.
 */
export function commitOrdered(stock: OrderStock, order: OrderRecord): void {
  if (!stock.ordersMoveInventory) return;
  for (const fo of order.fulfillmentOrders) {
    for (const l of fo.lines) {
      const itemId = order.lines.find((x) => x.id === l.lineItemId)?.itemId;
      if (itemId && l.remainingQuantity > 0)
        stock.shiftQuantities(itemId, fo.locationId, {
          available: -l.remainingQuantity,
          committed: l.remainingQuantity,
        });
    }
  }
}

/** fulfillmentCreate: the handed-over units leave committed, and with it on_hand. */
export function shipCommitted(stock: OrderStock, itemId: string | null, locationId: string, quantity: number): void {
  if (!stock.ordersMoveInventory || !itemId || quantity <= 0) return;
  stock.shiftQuantities(itemId, locationId, { committed: -quantity });
}

/**
 * Units taken off an open fulfilment order (cancel, or a refund of unfulfilled units): with a
 * restock they go back to available (on_hand unchanged); without, they leave committed and on_hand.
 */
export function releaseCommitted(
  stock: OrderStock,
  itemId: string | null,
  locationId: string,
  quantity: number,
  restock: boolean,
): void {
  if (!stock.ordersMoveInventory || !itemId || quantity <= 0) return;
  stock.shiftQuantities(
    itemId,
    locationId,
    restock ? { committed: -quantity, available: quantity } : { committed: -quantity },
  );
}

/** A refund with restockType RETURN: goods the customer had come back onto available (and on_hand) at the location. */
export function restockReturned(
  stock: OrderStock,
  itemId: string | null,
  locationId: string,
  quantity: number,
): boolean {
  if (!stock.ordersMoveInventory || !itemId || quantity <= 0) return false;
  return stock.shiftQuantities(itemId, locationId, { available: quantity });
}
