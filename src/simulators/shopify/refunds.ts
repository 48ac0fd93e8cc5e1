import { formatCents, parseCents } from '../../domain/money';
import {
  paidCents,
  refundedCents,
  unfulfilledOf,
  type OrderRecord,
  type RefundLineRecord,
  type RefundRecord,
  type RestockRecord,
  type RestockType,
  type TransactionRecord,
} from './order-records';
import { refundLineSubtotalCents, validateRefundTransactions } from './order-money';
import { releaseCommitted, restockReturned, type OrderStock } from './inventory-effects';
import type { ItemRecord, LocationRecord } from './state';

/** What refunds need from the inventory side of the shop. */
export interface StockAccess extends OrderStock {
  readonly locations: Map<string, LocationRecord>;
  itemBySku(sku: string): ItemRecord | undefined;
  getAvailable(itemIdOrSku: string, locationId: string): number | undefined;
  setAvailable(itemIdOrSku: string, locationId: string, qty: number): void;
}

/**
 * refundCreate and fulfillmentCreate answer with plain `UserError { field message }` (no code);
 * prepared-for-pickup and orderCancel have coded errors. `code` is kept for those, and for the
 * idempotency refusals the resolver raises as top-level errors.
 */
export interface OrderUserError {
  field: string[] | null;
  message: string;
  code?: string;
}

export interface RefundInput {
  orderId: string;
  note?: string | null;
  notify?: boolean | null;
  refundLineItems?: Array<{
    lineItemId: string;
    quantity: number;
    restockType?: RestockType | null;
    locationId?: string | null;
  }> | null;
  transactions?: Array<{
    orderId: string;
    parentId?: string | null;
    amount: string;
    gateway: string;
    kind: string;
  }> | null;
}

export interface Mint {
  transaction(): { id: string; num: number; status: 'SUCCESS' };
  refund(): { id: string; num: number };
  refundLine(): { id: string; num: number };
}

const restocks = (t: RestockType | null | undefined) => t === 'RETURN' || t === 'CANCEL' || t === 'LEGACY_RESTOCK';

/** Shopify refuses the whole refund on any bad line or transaction; so do we. */
export function validateRefund(order: OrderRecord, input: RefundInput, stock: StockAccess): OrderUserError[] {
  const errors: OrderUserError[] = [];
  const asked = new Map<string, number>();
  (input.refundLineItems ?? []).forEach((r, i) => {
    const at = (f: string) => ['input', 'refundLineItems', String(i), f];
    const line = order.lines.find((l) => l.id === r.lineItemId);
    if (!line)
      return void errors.push({
        field: at('lineItemId'),
        message: `Line item ${r.lineItemId} does not belong to order ${order.name}.`,
      });
    if (!Number.isInteger(r.quantity) || r.quantity <= 0)
      return void errors.push({ field: at('quantity'), message: 'Quantity must be greater than 0.' });
    const total = (asked.get(line.id) ?? 0) + r.quantity;
    asked.set(line.id, total);
    const left = line.quantity - line.refunded;
    if (total > left) {
      return void errors.push({
        field: at('quantity'),
        message: `Cannot refund ${total} of line item ${line.id} (${line.sku}): only ${left} left to refund.`,
      });
    }
    if (!restocks(r.restockType)) return;
    const locationId =
      r.locationId ?? order.fulfillmentOrders.find((f) => f.lines.some((l) => l.lineItemId === line.id))?.locationId;
    if (!locationId || !stock.locations.has(locationId))
      return void errors.push({ field: at('locationId'), message: 'Location does not exist.' });
    if (!line.itemId || stock.getAvailable(line.itemId, locationId) === undefined) {
      errors.push({
        field: at('locationId'),
        message: `Line item ${line.id} (${line.sku}) cannot be restocked at a location that does not stock it.`,
      });
    }
  });
  errors.push(...validateRefundTransactions(order, input));
  const sum = (input.transactions ?? []).reduce((n, t) => n + Math.max(0, parseCents(t.amount) ?? 0), 0);
  const refundable = paidCents(order) - refundedCents(order);
  if (sum > refundable)
    errors.push({
      field: ['input', 'transactions'],
      message: `Refund amount ${formatCents(sum)} exceeds the refundable amount ${formatCents(refundable)}.`,
    });
  return errors;
}

/** Applies a validated refund: quantities, money, fulfilment orders and restocks. */
export function applyRefund(
  order: OrderRecord,
  input: RefundInput,
  mint: Mint,
  stock: StockAccess,
  log: RestockRecord[],
): RefundRecord {
  const at = new Date().toISOString();
  const { id, num } = mint.refund();
  const lines: RefundLineRecord[] = [];
  for (const r of input.refundLineItems ?? []) {
    const line = order.lines.find((l) => l.id === r.lineItemId)!;
    const subtotalCents = refundLineSubtotalCents(order, line, r.quantity);
    const restockType = r.restockType ?? 'NO_RESTOCK';
    // A return gives back goods the customer had; anything else takes units off the open fulfilment first.
    const unfulfilled = unfulfilledOf(order, line.id);
    const returnable = line.fulfilled - line.refundedFulfilled;
    const fromFulfilled =
      restockType === 'RETURN' ? Math.min(r.quantity, returnable) : Math.max(0, r.quantity - unfulfilled);
    const released = takeFromFulfilmentOrders(order, line.id, r.quantity - fromFulfilled);
    line.refunded += r.quantity;
    line.refundedFulfilled += fromFulfilled;
    const fo = order.fulfillmentOrders.find((f) => f.lines.some((l) => l.lineItemId === line.id));
    const locationId = restocks(restockType) ? (r.locationId ?? fo?.locationId ?? null) : null;
    // Units still waiting were committed where their fulfilment order is; goods handed over come back where they are returned.
    for (const t of released) releaseCommitted(stock, line.itemId, t.locationId, t.quantity, locationId !== null);
    if (
      locationId &&
      line.itemId &&
      (fromFulfilled === 0 || restockReturned(stock, line.itemId, locationId, fromFulfilled))
    ) {
      log.push({ orderId: order.id, refundId: id, itemId: line.itemId, locationId, quantity: r.quantity, at });
    }
    lines.push({
      ...mint.refundLine(),
      lineItemId: line.id,
      quantity: r.quantity,
      restockType,
      locationId,
      subtotalCents,
    });
  }
  const transactions: TransactionRecord[] = (input.transactions ?? []).map((t) => {
    const parent = order.transactions.find((x) => x.id === t.parentId)!;
    return {
      ...mint.transaction(),
      kind: 'REFUND',
      gateway: parent.gateway,
      amountCents: parseCents(t.amount)!,
      parentId: parent.id,
      createdAt: at,
    };
  });
  order.transactions.push(...transactions);
  const refund: RefundRecord = {
    id,
    num,
    orderId: order.id,
    createdAt: at,
    note: input.note ?? null,
    lines,
    transactions,
    totalCents: transactions.reduce((s, t) => s + t.amountCents, 0),
  };
  order.refunds.push(refund);
  return refund;
}

/** Takes units of a line off its open fulfilment orders; returns how many came off at each location. */
function takeFromFulfilmentOrders(
  order: OrderRecord,
  lineItemId: string,
  quantity: number,
): Array<{ locationId: string; quantity: number }> {
  const taken: Array<{ locationId: string; quantity: number }> = [];
  let left = quantity;
  for (const fo of order.fulfillmentOrders) {
    for (const l of fo.lines) {
      if (left === 0 || l.lineItemId !== lineItemId) continue;
      const take = Math.min(left, l.remainingQuantity);
      l.remainingQuantity -= take;
      left -= take;
      if (take > 0) taken.push({ locationId: fo.locationId, quantity: take });
    }
    // Nothing left to hand over: Shopify closes the fulfilment order rather than leaving it open.
    if ((fo.status === 'OPEN' || fo.status === 'IN_PROGRESS') && fo.lines.every((l) => l.remainingQuantity === 0))
      fo.status = 'CLOSED';
  }
  return taken;
}
