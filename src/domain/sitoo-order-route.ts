import { isReturn, webOrderIdOf } from './returns';
import { OrderState, type SaleOrder } from './sale';

/**
 * Which flow a Sitoo order belongs to. Every Sitoo order event starts the same workflow (its id is
 * the order's, so duplicates and the poll dedupe on it); its first step reads the order and asks
 * this. A return goes to the return flow, a web order put into the store for pickup belongs to its
 * click & collect workflow, and only what is left is a till sale to book.
 */
export type SitooOrderRoute =
  | { flow: 'sale' }
  | { flow: 'return-in-store' }
  | { flow: 'click-and-collect'; webOrderId: string }
  | { flow: 'none'; reason: string };

/**
 * `webOrdersHaveTheirOwnFlows` is false only when replaying sales started before returns and
 * click & collect had flows: they treated a refund as "not a sale" and booked pickup orders.
 */
export function routeSitooOrder(order: SaleOrder, webOrdersHaveTheirOwnFlows: boolean): SitooOrderRoute {
  if (webOrdersHaveTheirOwnFlows) {
    if (isReturn(order)) return { flow: 'return-in-store' };
    const webOrderId = webOrderIdOf(order);
    if (webOrderId !== undefined) return { flow: 'click-and-collect', webOrderId };
  }
  if (order.creditOrderId !== null) return { flow: 'none', reason: 'a refund, not a sale' };
  if (order.orderStateId === OrderState.Cancelled) return { flow: 'none', reason: 'order cancelled in Sitoo' };
  return { flow: 'sale' };
}
