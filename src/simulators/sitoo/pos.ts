import { PaymentState, OrderState, type SaleOrder } from '../../domain/sale';
import { WarehouseTransactionType as T } from '../../domain/stock';
import { formatCents, requireCents } from './money';
import { createDayPos, salePayments, type PosPayment, type SitooDayPos } from './pos-day';
import { createOmniPos, registerIdFor, storeData, type SitooOmniPos } from './pos-omni';
import type { SitooState, WireOrder } from './state';

export type { PosReturn, SitooOmniPos } from './pos-omni';
export type { PosPayment, SitooDayPos } from './pos-day';
export type { CloseRegister } from './day';

/**
 * Store activity played in process (what a cashier does at a Sitoo till), so the demo and the
 * tests can make sales happen without a POS. Every call goes through the same state as REST, so
 * orders, stock and events are indistinguishable from ones made over HTTP.
 */
export interface PosSaleLine {
  sku: string;
  productName?: string;
  /** Negative for a returned item. */
  quantity: number;
  /** VAT-inclusive unit price, e.g. "99.00". */
  unitPriceGross: string;
  vatPercent: number;
  /**
   * The row's total when it is not unit price x quantity: a multi-buy ("3 for 10.00"), or a
   * receipt discount row (no SKU, negative), which Sitoo puts after the product row it belongs to.
   */
  rowGross?: string;
}

export interface PosSale {
  warehouseId: number;
  lines: PosSaleLine[];
  paymentStateId?: number;
  registerId?: string;
  /** Unix seconds; set it in the past to play an offline till that syncs late. */
  orderDate?: number;
  /** Makes the sale a refund of that order. */
  creditOrderId?: number;
  /** The single payment's name when `payments` is not given (default Card). */
  paymentName?: string;
  /**
   * How the customer paid, e.g. part gift card and the rest by card with its terminal reference.
   * The amounts must add up to the lines plus `roundOff`.
   */
  payments?: PosPayment[];
  /** Cash rounding, e.g. "0.25" when 99.75 was paid as 100.00 in cash. */
  roundOff?: string;
  currencyCode?: string;
  /** The write commits later (see `commit`): the order has its id but queries do not see it yet. */
  commitLater?: boolean;
}

/** The types a person can book by hand in Backoffice or the POS stock app. */
export type ManualStockType = typeof T.ManualIn | typeof T.ManualOut | typeof T.MoveIn | typeof T.MoveOut;

export interface SitooPos extends SitooOmniPos, SitooDayPos {
  /** Also books one warehouse transaction (Sales, or Refund with creditOrderId) after the order's `add` event. */
  recordSale(sale: PosSale): SaleOrder;
  setPaymentState(orderId: number, paymentStateId: number): void;
  /** Commits an order recorded with `commitLater`: from now on queries see it. */
  commit(orderId: number): void;
  setOrderState(orderId: number, orderStateId: number): void;
  /** Test set-up: levels are set directly, with no transactions and no events. */
  seedWarehouse(w: {
    warehouseId: number;
    name: string;
    storeId?: number;
    virtual?: boolean;
    stock: Record<string, number>;
  }): void;
  getStock(warehouseId: number, sku: string): number;
  /**
   * A manual stock correction as one transaction; returns its id. Without a type: ManualIn when
   * every quantity is positive, ManualOut when every one is negative; mixed signs need a type.
   */
  adjustStock(
    warehouseId: number,
    changes: Array<{ sku: string; quantity: number }>,
    opts?: { type?: ManualStockType; reason?: string; externalId?: string },
  ): number;
  /** A completed count (type StockTaking); SKUs counted at their on-hand level are left out. Returns the transaction id. */
  stockTake(warehouseId: number, counts: Record<string, number>): number;
  /** Move Out at the source (negative), then Move In at the destination (positive). */
  transfer(
    fromWarehouseId: number,
    toWarehouseId: number,
    items: Array<{ sku: string; quantity: number }>,
  ): { outId: number; inId: number };
  /**
   * A hand-set reservation; no transaction and no event. Open orders with a future datereserved
   * reserve on top of it (Sitoo derives reservations from orders).
   */
  setReserved(warehouseId: number, sku: string, reserved: number): void;
  /** Hand-set plus what open orders hold: the `decimalreserved` REST serves. */
  getReserved(warehouseId: number, sku: string): number;
}

export function createPos(state: SitooState): SitooPos {
  return {
    ...createOmniPos(state),
    ...createDayPos(state),
    recordSale(sale) {
      const warehouse = state.warehouses.get(sale.warehouseId);
      if (!warehouse) throw new Error(`Sitoo simulator: warehouse ${sale.warehouseId} is not seeded`);
      if (sale.lines.length === 0) throw new Error('Sitoo simulator: a sale needs at least one line');
      const lines = sale.lines.map((l) => ({
        ...l,
        unitPriceGross: formatCents(requireCents(l.unitPriceGross)),
        productName: l.productName ?? l.sku,
      }));
      const rowCents = (l: PosSaleLine) =>
        l.rowGross !== undefined ? requireCents(l.rowGross) : requireCents(l.unitPriceGross) * l.quantity;
      const totalCents = lines.reduce((sum, l) => sum + rowCents(l), 0);
      const paymentStateId = sale.paymentStateId ?? PaymentState.Successful;
      const roundoffCents = sale.roundOff !== undefined ? requireCents(sale.roundOff) : 0;
      const payments = salePayments(
        sale.payments ?? [{ name: sale.paymentName ?? 'Card', amount: formatCents(totalCents + roundoffCents) }],
        totalCents + roundoffCents,
      );
      const registerId = sale.registerId ?? registerIdFor(sale.warehouseId);
      state.day.knowRegister(registerId, sale.warehouseId);
      const receiptId = state.nextReceiptId();
      const order: WireOrder = state.addOrder({
        ordertypeid: 10,
        // A paid till sale is delivered over the counter and closed at once; an unpaid one stays open.
        orderstateid: paymentStateId === PaymentState.Successful ? OrderState.Closed : OrderState.Open,
        paymentstateid: paymentStateId,
        warehouseid: sale.warehouseId,
        registerid: registerId,
        creditorderid: sale.creditOrderId ?? null,
        orderdate: sale.orderDate,
        currencycode: sale.currencyCode ?? warehouse.currencycode,
        checkouttypename: `Sitoo POS - ${payments[0]!.name}`,
        additionaldata: {
          ...storeData(warehouse, receiptId),
          ...(sale.creditOrderId !== undefined ? { 'pos-originalsales-orderid': String(sale.creditOrderId) } : {}),
        },
        items: lines.map((l) => ({
          sku: l.sku,
          productname: l.productName,
          quantity: l.quantity,
          rowGrossCents: rowCents(l),
          vatvalue: l.vatPercent,
        })),
        roundoffCents,
        payments,
      });
      if (sale.commitLater) state.uncommitted.add(order.orderid);
      // Sitoo is the stock master for stores: the sale moves stock the moment it is rung up, after the order's own event.
      state.stock.recordOrder(order);
      return {
        orderId: order.orderid,
        eshopId: order.eshopid,
        warehouseId: order.warehouseid,
        orderStateId: order.orderstateid,
        paymentStateId: order.paymentstateid,
        orderDate: order.orderdate,
        currencyCode: order.currencycode,
        externalId: order.externalid,
        creditOrderId: order.creditorderid,
        reservedUntil: order.datereserved,
        additionalData: { ...order.additionaldata },
        lines: lines.map((l) => ({
          sku: l.sku,
          productName: l.productName,
          quantity: l.quantity,
          unitPriceGrossCents: requireCents(l.unitPriceGross),
          vatPercent: l.vatPercent,
          grossCents: rowCents(l),
        })),
        payments: order.payments.map((p) => ({ name: p.name, amountCents: requireCents(p.moneyamount) })),
      };
    },
    commit(orderId) {
      state.uncommitted.delete(orderId);
    },
    setPaymentState(orderId, paymentStateId) {
      if (!state.updateOrder(orderId, { paymentstateid: paymentStateId }))
        throw new Error(`Sitoo simulator: order ${orderId} not found`);
    },
    setOrderState(orderId, orderStateId) {
      if (!state.updateOrder(orderId, { orderstateid: orderStateId }))
        throw new Error(`Sitoo simulator: order ${orderId} not found`);
    },
    seedWarehouse(w) {
      state.stock.seedWarehouse(w);
    },
    getStock(warehouseId, sku) {
      return state.getStock(warehouseId, sku);
    },
    adjustStock(warehouseId, changes, opts = {}) {
      if (changes.length === 0 || changes.some((c) => c.quantity === 0))
        throw new Error('Sitoo simulator: an adjustment needs non-zero quantities');
      let type = opts.type;
      if (type === undefined) {
        if (changes.every((c) => c.quantity > 0)) type = T.ManualIn;
        else if (changes.every((c) => c.quantity < 0)) type = T.ManualOut;
        else throw new Error('Sitoo simulator: an adjustment with mixed signs needs an explicit type');
      }
      return state.stock.record(warehouseId, type, changes, { reasonCode: opts.reason, externalId: opts.externalId })
        .warehousetransactionid;
    },
    stockTake(warehouseId, counts) {
      return state.stock.stockTake(warehouseId, counts).warehousetransactionid;
    },
    transfer(fromWarehouseId, toWarehouseId, items) {
      const moved = state.stock.transfer(fromWarehouseId, toWarehouseId, items);
      return { outId: moved.out.warehousetransactionid, inId: moved.in.warehousetransactionid };
    },
    setReserved(warehouseId, sku, reserved) {
      state.stock.setReserved(warehouseId, sku, reserved);
    },
    getReserved(warehouseId, sku) {
      return state.getReserved(warehouseId, sku);
    },
  };
}
