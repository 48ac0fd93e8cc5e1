import { nowSeconds } from './common';
import type { WireOrder } from './wire';

const OPEN = 0;

/**
 * Stock held by open orders (click & collect). Sitoo derives reservations from orders rather than
 * storing them (sitoo-api.md §3.4 `datereserved`), so they are computed on every read: closing or
 * cancelling an order, or its `datereserved` passing, releases the stock with no write at all.
 */
export class OrderReservations {
  /**
   * Open orders with a datereserved. Expired ones stay: time is only compared on read, so a
   * test clock moved back (or a PUT of a later datereserved) brings their reservation back.
   */
  private readonly candidates = new Map<number, WireOrder>();

  /** Call after any change to an order's state, warehouse, datereserved or items. */
  track(order: WireOrder): void {
    if (this.mayHold(order)) this.candidates.set(order.orderid, order);
    else this.candidates.delete(order.orderid);
  }

  /** Whether the order holds stock right now. */
  holds(order: WireOrder, now = nowSeconds()): boolean {
    return this.mayHold(order) && order.datereserved! > now;
  }

  /** Reserved quantity per SKU in one warehouse. */
  inWarehouse(warehouseId: number): Map<string, number> {
    const now = nowSeconds();
    const reserved = new Map<string, number>();
    for (const order of this.candidates.values()) {
      if (order.warehouseid !== warehouseId || !this.holds(order, now)) continue;
      for (const item of order.orderitems) {
        if (item.sku !== '' && item.quantity > 0) reserved.set(item.sku, (reserved.get(item.sku) ?? 0) + item.quantity);
      }
    }
    return reserved;
  }

  private mayHold(order: WireOrder): boolean {
    return order.orderstateid === OPEN && order.datereserved !== null && order.warehouseid !== null;
  }
}
