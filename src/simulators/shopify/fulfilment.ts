import { shipCommitted, type OrderStock } from './inventory-effects';
import type { FulfillmentOrderRecord, FulfillmentRecord, OrderRecord } from './order-records';
import type { OrderUserError } from './refunds';

/** Ready-for-pickup and fulfillmentCreate on the simulator's fulfilment orders. */
export interface FulfilGroup {
  fulfillmentOrderId: string;
  /** Omitted: the whole fulfilment order. */
  fulfillmentOrderLineItems?: Array<{ id: string; quantity: number }> | null;
}

/** All-or-nothing: one bad fulfilment order leaves every other one unprepared too. */
export function preparePickup(fos: Map<string, FulfillmentOrderRecord>, ids: string[]): OrderUserError[] {
  const errors: OrderUserError[] = [];
  ids.forEach((id, i) => {
    const field = ['input', 'lineItemsByFulfillmentOrder', String(i), 'fulfillmentOrderId'];
    const fo = fos.get(id);
    if (!fo || fo.methodType !== 'PICK_UP')
      return void errors.push({
        field,
        code: 'FULFILLMENT_ORDER_INVALID',
        message: 'Invalid fulfillment order ID provided.',
      });
    // A second call is refused rather than re-sending the customer email, so callers must check first.
    if (fo.status !== 'OPEN')
      errors.push({
        field,
        code: 'NO_LINE_ITEMS_TO_PREPARE_FOR_FULFILLMENT_ORDER',
        message: 'The fulfillment order does not have any line items that can be prepared.',
      });
  });
  if (errors.length) return errors;
  for (const id of ids) {
    const fo = fos.get(id)!;
    // Our reading: "ready for pickup" shows as IN_PROGRESS on the fulfilment order; verify on a dev store.
    fo.status = 'IN_PROGRESS';
    fo.preparedForPickup = true;
  }
  return [];
}

/** fulfillmentCreate: all fulfilment orders must belong to one order and one location, as in Shopify. */
export function fulfil(
  fos: Map<string, FulfillmentOrderRecord>,
  orders: Map<string, OrderRecord>,
  stock: OrderStock,
  groups: FulfilGroup[],
  mint: () => { id: string; num: number },
): { fulfillment: FulfillmentRecord | null; userErrors: OrderUserError[] } {
  const errors: OrderUserError[] = [];
  const found = groups.map((g, i) => {
    const field = ['fulfillment', 'lineItemsByFulfillmentOrder', String(i), 'fulfillmentOrderId'];
    const fo = fos.get(g.fulfillmentOrderId);
    if (!fo) return void errors.push({ field, message: 'Fulfillment order does not exist.' });
    if (fo.status !== 'OPEN' && fo.status !== 'IN_PROGRESS')
      return void errors.push({
        field,
        message: `Fulfillment order ${fo.num} has an unfulfillable status= ${fo.status.toLowerCase()}.`,
      });
    for (const [j, l] of (g.fulfillmentOrderLineItems ?? []).entries()) {
      const line = fo.lines.find((x) => x.id === l.id);
      if (!line || l.quantity <= 0 || l.quantity > line.remainingQuantity) {
        errors.push({
          field: ['fulfillment', 'lineItemsByFulfillmentOrder', String(i), 'fulfillmentOrderLineItems', String(j)],
          message: 'Invalid fulfillment order line item quantity requested.',
        });
      }
    }
    return fo;
  });
  if (groups.length === 0) errors.push({ field: ['fulfillment'], message: 'No fulfillment orders given.' });
  const fulfilmentOrders = found.filter((f): f is FulfillmentOrderRecord => f !== undefined);
  if (!errors.length && new Set(fulfilmentOrders.map((f) => `${f.orderId}|${f.locationId}`)).size > 1) {
    errors.push({
      field: ['fulfillment'],
      message: 'All fulfillment orders must belong to the same order and location.',
    });
  }
  if (errors.length) return { fulfillment: null, userErrors: errors };
  const order = orders.get(fulfilmentOrders[0]!.orderId)!;
  groups.forEach((g, i) => {
    const fo = fulfilmentOrders[i]!;
    const wanted = g.fulfillmentOrderLineItems?.length
      ? g.fulfillmentOrderLineItems
      : fo.lines.map((l) => ({ id: l.id, quantity: l.remainingQuantity }));
    for (const w of wanted) {
      const line = fo.lines.find((x) => x.id === w.id)!;
      line.remainingQuantity -= w.quantity;
      const orderLine = order.lines.find((l) => l.id === line.lineItemId)!;
      orderLine.fulfilled += w.quantity;
      shipCommitted(stock, orderLine.itemId, fo.locationId, w.quantity);
    }
    fo.status = fo.lines.every((l) => l.remainingQuantity === 0) ? 'CLOSED' : 'IN_PROGRESS';
  });
  const fulfillment: FulfillmentRecord = {
    ...mint(),
    orderId: order.id,
    fulfillmentOrderId: fulfilmentOrders[0]!.id,
    status: 'SUCCESS',
    createdAt: new Date().toISOString(),
  };
  order.fulfillments.push(fulfillment);
  return { fulfillment, userErrors: [] };
}
