import { OrderState, PaymentState } from '../../domain/sale';
import { WarehouseTransactionType as T } from '../../domain/stock';
import { divRound, formatCents, requireCents } from './money';
import type { CatalogueProduct, NewOrderItem, SitooState, Warehouse, WireOrder, WireOrderItem } from './state';

/**
 * The omni-channel steps store staff take at a Sitoo till (sitoo-api.md §4, §5): working a click &
 * collect order, and taking back goods. Each goes through the same state as REST, so the orders,
 * log items, stock, transactions and events are what the integration would see from Sitoo.
 */
export interface PosReturn {
  /** The sale being returned (validated return), or null for a manual return with no receipt. */
  originalOrderId: number | null;
  /** Where the goods go back into stock: the returning store's warehouse. */
  warehouseId: number;
  /** Positive counts returned. */
  lines: Array<{ sku: string; quantity: number }>;
  /** Stored as the refund reason code. */
  reason?: string;
}

export interface SitooOmniPos {
  /** Order log 900 and an `order` event `ready-for-pickup`; the order stays open. */
  markReadyForPickup(orderId: number): void;
  /** Order log 910 and an `order` event `pickup-rejected`; the order stays open and keeps its reservation. */
  rejectPickup(orderId: number): void;
  /**
   * The customer picked the order up: closed (event `update`, `closed`), its reservation released,
   * and its lines leave the order's warehouse as one Sales transaction (with its event). With
   * `payment` the till took it at the counter (a pay-in-store order): the payment is added and the
   * order becomes paid in the same update. Without it an unpaid order closes unpaid: the staff
   * handed the goods over without taking payment, which this till does not stop.
   */
  collect(orderId: number, payment?: { name: string; amount: string }): void;
  /** Staff cancel an open order: cancelled (event `update`, `cancelled`), its reservation released, no stock moved. */
  cancelFromStore(orderId: number): void;
  /**
   * A return at the till: a closed, paid refund order with negative lines and payment crediting the
   * original (if any), then a Refund transaction putting the goods back into `warehouseId`.
   * Returns the refund's orderid.
   */
  returnItems(input: PosReturn): number;
  /** Prices a till finds for SKUs returned without an original order to copy them from. */
  seedProducts(products: Array<{ sku: string; productName: string; unitPriceGross: string; vatPercent: number }>): void;
}

/** The GUID-shaped register id a till in that warehouse would have. */
export const registerIdFor = (warehouseId: number): string =>
  `{00000000-0000-4000-8000-${String(warehouseId).padStart(12, '0')}}`;

/** The store stamps Sitoo puts on every till order (sitoo-api.md §3.4). */
export function storeData(warehouse: Warehouse, receiptId: string): Record<string, string> {
  return {
    'store-name': warehouse.name,
    ...(warehouse.storeid !== null ? { 'store-externalid': String(warehouse.storeid) } : {}),
    'pos-receiptid': receiptId,
  };
}

export function createOmniPos(state: SitooState): SitooOmniPos {
  const openOrder = (orderId: number): WireOrder => {
    const order = state.getOrder(orderId);
    if (!order) throw new Error(`Sitoo simulator: order ${orderId} not found`);
    if (order.orderstateid !== OrderState.Open)
      throw new Error(`Sitoo simulator: order ${orderId} is not open (orderstateid ${order.orderstateid})`);
    return order;
  };
  const warehouseOf = (warehouseId: number | null, what: string): Warehouse => {
    const warehouse = warehouseId === null ? undefined : state.warehouses.get(warehouseId);
    if (!warehouse) throw new Error(`Sitoo simulator: ${what} has no seeded warehouse (${warehouseId})`);
    return warehouse;
  };

  return {
    markReadyForPickup(orderId) {
      state.addLog(openOrder(orderId).orderid, 900);
    },
    rejectPickup(orderId) {
      state.addLog(openOrder(orderId).orderid, 910);
    },
    collect(orderId, payment) {
      const order = openOrder(orderId);
      warehouseOf(order.warehouseid, `order ${orderId}`);
      if (payment)
        order.payments.push({
          name: payment.name,
          moneyamount: formatCents(requireCents(payment.amount)),
          externalid: null,
          additionaldata: {},
        });
      // Closed first: the reservation goes in the same instant the stock leaves, so available never dips twice.
      state.updateOrder(orderId, {
        orderstateid: OrderState.Closed,
        ...(payment ? { paymentstateid: PaymentState.Successful } : {}),
      });
      state.stock.recordOrder(order, T.Sales);
    },
    cancelFromStore(orderId) {
      state.updateOrder(openOrder(orderId).orderid, { orderstateid: OrderState.Cancelled });
    },
    returnItems(input) {
      const warehouse = warehouseOf(input.warehouseId, 'the return');
      if (input.lines.length === 0) throw new Error('Sitoo simulator: a return needs at least one line');
      for (const l of input.lines)
        if (!Number.isInteger(l.quantity) || l.quantity <= 0)
          throw new Error(`Sitoo simulator: returned quantity of ${l.sku} must be a positive integer`);
      const original = input.originalOrderId === null ? undefined : state.getOrder(input.originalOrderId);
      if (input.originalOrderId !== null && !original)
        throw new Error(`Sitoo simulator: original order ${input.originalOrderId} not found`);
      // Sitoo's POS refuses to return more than was bought on a validated return. We deliberately do
      // not: the integration must catch over-returns itself, and this is how its tests provoke one.
      const items = input.lines.map((l) => refundItem(l, original, state.products, input.reason));
      const totalCents = items.reduce((sum, i) => sum + i.rowGrossCents, 0);
      const originalPayment = original?.payments[0];
      const refund = state.addOrder({
        ordertypeid: 10,
        orderstateid: OrderState.Closed,
        paymentstateid: PaymentState.Successful,
        warehouseid: warehouse.warehouseid,
        registerid: registerIdFor(warehouse.warehouseid),
        creditorderid: original?.orderid ?? null,
        currencycode: original?.currencycode ?? warehouse.currencycode,
        checkouttypename: 'Sitoo POS - Card',
        additionaldata: {
          ...storeData(warehouse, state.nextReceiptId()),
          ...(original ? { 'pos-originalsales-orderid': String(original.orderid) } : {}),
          ...(input.reason !== undefined ? { 'refundreasoncode-reasoncode': input.reason } : {}),
        },
        items,
        payments: [
          {
            name: originalPayment?.name ?? 'Card',
            moneyamount: formatCents(totalCents),
            additionaldata: originalPayment ? { 'pos-originalsales-payment-index': '0' } : {},
          },
        ],
      });
      // Stock goes back where the customer handed it in, which for a web order is not where it was sold.
      state.stock.recordOrder(refund, T.Refund);
      return refund.orderid;
    },
    seedProducts(products) {
      for (const p of products)
        state.products.set(p.sku, {
          productname: p.productName,
          unitGrossCents: requireCents(p.unitPriceGross),
          vatvalue: p.vatPercent,
        });
    },
  };
}

/**
 * One negative refund line, priced from the original sale's line when there is one (what the
 * customer paid, discounts included, pro rata so returning the whole line gives back the whole
 * row), else from the catalogue as a till would for a manual return.
 */
function refundItem(
  line: { sku: string; quantity: number },
  original: WireOrder | undefined,
  products: ReadonlyMap<string, CatalogueProduct>,
  reason: string | undefined,
): NewOrderItem {
  const sold: WireOrderItem | undefined = original?.orderitems.find((i) => i.sku === line.sku && i.quantity > 0);
  const reasonData: Record<string, string> = reason !== undefined ? { 'reasoncode-return': reason } : {};
  if (sold) {
    const rowGross = requireCents(sold.moneyitemtotal_net) + requireCents(sold.moneyitemtotal_vat);
    return {
      sku: line.sku,
      productname: sold.productname,
      quantity: -line.quantity,
      rowGrossCents: -divRound(rowGross * line.quantity, sold.quantity),
      vatvalue: sold.vatvalue,
      additionaldata: { 'pos-originalsales-orderitemid': String(sold.orderitemid), ...reasonData },
    };
  }
  const product = products.get(line.sku);
  if (!product)
    throw new Error(
      `Sitoo simulator: SKU ${line.sku} is ${original ? `not on order ${original.orderid} and ` : ''}not in the catalogue (pos.seedProducts)`,
    );
  return {
    sku: line.sku,
    productname: product.productname,
    quantity: -line.quantity,
    rowGrossCents: -product.unitGrossCents * line.quantity,
    vatvalue: product.vatvalue,
    additionaldata: reasonData,
  };
}
