import { PaymentState, OrderState, type SaleOrder } from '../../domain/sale';
import { formatCents, toCents } from './money';
import type { SitooState, WireOrder } from './state';

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
  paymentName?: string;
  currencyCode?: string;
}

export interface SitooPos {
  recordSale(sale: PosSale): SaleOrder;
  setPaymentState(orderId: number, paymentStateId: number): void;
  setOrderState(orderId: number, orderStateId: number): void;
  seedWarehouse(w: { warehouseId: number; name: string; storeId?: number; stock: Record<string, number> }): void;
  getStock(warehouseId: number, sku: string): number;
}

export function createPos(state: SitooState): SitooPos {
  let receipt = 0;
  return {
    recordSale(sale) {
      const warehouse = state.warehouses.get(sale.warehouseId);
      if (!warehouse) throw new Error(`Sitoo simulator: warehouse ${sale.warehouseId} is not seeded`);
      if (sale.lines.length === 0) throw new Error('Sitoo simulator: a sale needs at least one line');
      const lines = sale.lines.map((l) => ({ ...l, unitPriceGross: formatCents(toCents(l.unitPriceGross)), productName: l.productName ?? l.sku }));
      const totalCents = lines.reduce((sum, l) => sum + toCents(l.unitPriceGross) * l.quantity, 0);
      const paymentStateId = sale.paymentStateId ?? PaymentState.Successful;
      const receiptId = String(++receipt);
      const order: WireOrder = state.addOrder({
        ordertypeid: 10,
        // A paid till sale is delivered over the counter and closed at once; an unpaid one stays open.
        orderstateid: paymentStateId === PaymentState.Successful ? OrderState.Closed : OrderState.Open,
        paymentstateid: paymentStateId,
        warehouseid: sale.warehouseId,
        registerid: sale.registerId ?? `{00000000-0000-4000-8000-${String(sale.warehouseId).padStart(12, '0')}}`,
        creditorderid: sale.creditOrderId ?? null,
        orderdate: sale.orderDate,
        currencycode: sale.currencyCode ?? warehouse.currencycode,
        checkouttypename: 'Sitoo POS - Card',
        additionaldata: {
          'store-name': warehouse.name,
          ...(warehouse.storeid !== null ? { 'store-externalid': String(warehouse.storeid) } : {}),
          'pos-receiptid': receiptId,
          ...(sale.creditOrderId !== undefined ? { 'pos-originalsales-orderid': String(sale.creditOrderId) } : {}),
        },
        items: lines.map((l) => ({
          sku: l.sku,
          productname: l.productName,
          quantity: l.quantity,
          rowGrossCents: toCents(l.unitPriceGross) * l.quantity,
          vatvalue: l.vatPercent,
        })),
        payments: [{ name: sale.paymentName ?? 'Card', moneyamount: formatCents(totalCents) }],
      });
      // Sitoo is the stock master for stores: the sale moves stock the moment it is rung up.
      for (const l of lines) state.adjustStock(sale.warehouseId, l.sku, -l.quantity);
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
        lines: lines.map((l) => ({ sku: l.sku, productName: l.productName, quantity: l.quantity, unitPriceGross: l.unitPriceGross, vatPercent: l.vatPercent })),
        payments: order.payments.map((p) => ({ name: p.name, amount: p.moneyamount })),
      };
    },
    setPaymentState(orderId, paymentStateId) {
      if (!state.updateOrder(orderId, { paymentstateid: paymentStateId })) throw new Error(`Sitoo simulator: order ${orderId} not found`);
    },
    setOrderState(orderId, orderStateId) {
      if (!state.updateOrder(orderId, { orderstateid: orderStateId })) throw new Error(`Sitoo simulator: order ${orderId} not found`);
    },
    seedWarehouse(w) {
      state.seedWarehouse(w);
    },
    getStock(warehouseId, sku) {
      return state.getStock(warehouseId, sku);
    },
  };
}
