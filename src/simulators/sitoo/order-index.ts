import type { WireOrder } from './wire';

/**
 * Each warehouse's orders ascending by orderid. The bench holds 100 stores x 2,000 sales, and
 * every page of a store's day would otherwise scan all 200,000 orders. Holds references only.
 */
export class OrderIndex {
  private readonly lists = new Map<number, WireOrder[]>();

  /** New orders carry the highest id so far, so this is an append in practice. */
  add(order: WireOrder): void {
    if (order.warehouseid === null) return;
    let list = this.lists.get(order.warehouseid);
    if (!list) this.lists.set(order.warehouseid, (list = []));
    let i = list.length;
    while (i > 0 && list[i - 1]!.orderid > order.orderid) i--;
    list.splice(i, 0, order);
  }

  /** After an order's warehouseid changed (a PUT may move a pickup order to another store). */
  move(order: WireOrder, previous: number | null): void {
    const old = previous === null ? undefined : this.lists.get(previous);
    const at = old?.indexOf(order) ?? -1;
    if (at >= 0) old!.splice(at, 1);
    this.add(order);
  }

  /** The warehouse's orders with orderid >= fromId, ascending; a view, not a copy. */
  *from(warehouseId: number, fromId = 0): Generator<WireOrder> {
    const list = this.lists.get(warehouseId) ?? [];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.orderid < fromId) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < list.length; i++) yield list[i]!;
  }
}
