import { randomUUID } from 'node:crypto';
import { nowSeconds, SitooInputError } from './common';
import { divRound, formatCents, splitGross } from './money';
import { OrderReservations } from './reservations';
import { SitooStock, type Warehouse } from './stock';
import type { OrderEventData, SitooEvent, WireOrder, WireOrderItem, WireWarehouseTransaction } from './wire';
import type { NewOrder } from './order-input';
import { OrderIndex } from './order-index';
import { SitooDay } from './day';
import { SitooProducts } from './products';

export type {
  OrderEventData,
  SitooEvent,
  WarehouseTransactionEventData,
  WireOrder,
  WireOrderItem,
  WireOrderLogItem,
  WirePayment,
  WireWarehouseItemLog,
  WireWarehouseTransaction,
} from './wire';
export type { NewOrder, NewOrderItem, NewPayment } from './order-input';

export { nowSeconds, SitooInputError } from './common';
export type { Warehouse } from './stock';

const STATE_NAMES: Record<number, OrderEventData['order_state_changed']> = { 0: 'open', 10: 'closed', 20: 'cancelled' };
const EXTERNAL_ID = /^[A-Za-z0-9_-]{1,40}$/;
const OPEN = 0;
const CLOSED = 10;
const CANCELLED = 20;

/** The only order log types a client may write (transcribed spec), each with the event Sitoo sends for it (§5). */
export const WRITABLE_LOG_TYPES: Record<number, OrderEventData['order_event_type']> = {
  900: 'ready-for-pickup',
  910: 'pickup-rejected',
};

/** A product's price as a till would look it up, for returns with no original order to copy from. */
export interface CatalogueProduct {
  productname: string;
  /** VAT-inclusive unit price in cents. */
  unitGrossCents: number;
  vatvalue: number;
}

export class SitooState {
  readonly orders = new Map<number, WireOrder>();
  /** Each warehouse's orders by id, so a store's day is read without scanning every store's orders. */
  readonly byWarehouse = new OrderIndex();
  /** Site settings, payment types, cash registers and Z-reports: what a business day needs besides orders. */
  readonly day = new SitooDay(this);
  /** Warehouses, levels and the warehouse transaction log. */
  readonly stock: SitooStock;
  readonly reservations = new OrderReservations();
  /** Sitoo has a product register (§7); the simulator keeps only what a till needs to price a return. */
  readonly products = new Map<string, CatalogueProduct>();
  /** The product register and price lists the catalogue sync writes (sitoo-api.md §7). */
  readonly catalogue = new SitooProducts();
  readonly requestLog: Array<{ method: string; path: string; query: string }> = [];
  /** Every request counted by method and path (numbers as `:id`), uncapped: the benchmarks count calls with it. */
  readonly requestCounts = new Map<string, number>();
  /**
   * Orders whose write has not committed yet: they hold their id, but no query sees them. Two
   * tills writing at once commit in either order, so a poll may see 1043 before 1042 exists.
   */
  readonly uncommitted = new Set<number>();
  private nextOrderId: number;
  private receipts = 0;

  constructor(
    readonly accountId: number,
    readonly eshopId: number,
    private readonly emit: (event: SitooEvent) => void,
    firstOrderId = 1001,
  ) {
    this.nextOrderId = firstOrderId;
    this.stock = new SitooStock(accountId, eshopId, emit, (warehouseId) => this.reservations.inWarehouse(warehouseId));
  }

  /** Receipt numbers are per till in Sitoo; one counter is enough for a simulator. */
  nextReceiptId(): string {
    return String(++this.receipts);
  }

  get warehouses(): ReadonlyMap<number, Warehouse> {
    return this.stock.warehouses;
  }

  getStock(warehouseId: number, sku: string): number {
    return this.stock.getStock(warehouseId, sku);
  }

  getReserved(warehouseId: number, sku: string): number {
    return this.stock.getReserved(warehouseId, sku);
  }

  transactions(): readonly WireWarehouseTransaction[] {
    return this.stock.transactions;
  }

  getOrder(orderId: number): WireOrder | undefined {
    return this.orders.get(orderId);
  }

  findByExternalId(externalId: string): WireOrder | undefined {
    for (const order of this.orders.values()) if (order.externalid === externalId) return order;
    return undefined;
  }

  addOrder(input: NewOrder): WireOrder {
    if (input.externalid != null) this.checkExternalId(input.externalid, undefined);
    let net = 0;
    let vat = 0;
    const orderitems = input.items.map((item, index): WireOrderItem => {
      if (!Number.isInteger(item.quantity) || item.quantity === 0)
        throw new SitooInputError(`orderitems[${index}].quantity must be a non-zero integer`);
      const discount = item.rowDiscountCents ?? 0;
      const row = splitGross(item.rowGrossCents - discount, item.vatvalue);
      const original = splitGross(item.rowGrossCents, item.vatvalue);
      net += row.net;
      vat += row.vat;
      return {
        orderitemid: index,
        orderitemtype: 10,
        productid: null,
        productname: item.productname,
        sku: item.sku,
        productattributes: '',
        quantity: item.quantity,
        decimalunitquantity: null,
        moneynetpriceperunit: formatCents(divRound(row.net, item.quantity)),
        moneypriceorg: formatCents(divRound(original.net, item.quantity)),
        vatvalue: item.vatvalue,
        moneyitemtotal_net: formatCents(row.net),
        moneyitemtotal_vat: formatCents(row.vat),
        moneyoriginalprice: formatCents(divRound(original.net, item.quantity)),
        moneydiscount: formatCents(divRound(splitGross(discount, item.vatvalue).net, item.quantity)),
        additionaldata: { ...item.additionaldata },
      };
    });
    const order: WireOrder = {
      orderid: this.nextOrderId++,
      eshopid: this.eshopId,
      externalid: input.externalid ?? null,
      creditorderid: input.creditorderid ?? null,
      registerid: input.registerid ?? null,
      warehouseid: input.warehouseid ?? null,
      orderstateid: input.orderstateid ?? 0,
      paymentstateid: input.paymentstateid ?? 0,
      ordertypeid: input.ordertypeid,
      orderdate: input.orderdate ?? nowSeconds(),
      datereserved: input.datereserved ?? null,
      currencycode: input.currencycode ?? 'SEK',
      email: input.email ?? '',
      namefirst: input.namefirst ?? '',
      namelast: input.namelast ?? '',
      company: input.company ?? '',
      comment: input.comment ?? '',
      moneytotal_net: formatCents(net),
      moneytotal_vat: formatCents(vat),
      moneyfinal_net: formatCents(net),
      moneyfinal_vat: formatCents(vat),
      moneytotal_gross_roundoff: formatCents(input.roundoffCents ?? 0),
      moneytotal_gross_all: formatCents(net + vat + (input.roundoffCents ?? 0)),
      checkouttypename: input.checkouttypename ?? '',
      deliverytypename: '',
      additionaldata: { ...input.additionaldata },
      orderitems,
      payments: input.payments.map((p) => ({
        name: p.name,
        moneyamount: p.moneyamount,
        externalid: p.externalid ?? null,
        // Left out rather than null when absent: they belong to card payments only.
        ...(p.reftype != null ? { reftype: p.reftype } : {}),
        ...(p.refid != null ? { refid: p.refid } : {}),
        ...(p.cardissuer != null ? { cardissuer: p.cardissuer } : {}),
        additionaldata: { ...p.additionaldata },
      })),
      orderlogitems: [],
    };
    this.orders.set(order.orderid, order);
    this.byWarehouse.add(order);
    this.reserve(order);
    this.orderEvent(order, 'add');
    return order;
  }

  /** Partial update. Only a change of payment or order state is an `update` event, as in Sitoo. */
  updateOrder(
    orderId: number,
    patch: Partial<Omit<WireOrder, 'orderid' | 'eshopid' | 'orderitems' | 'payments' | 'orderlogitems'>>,
  ): WireOrder | undefined {
    const order = this.orders.get(orderId);
    if (!order) return undefined;
    if (patch.externalid != null) this.checkExternalId(patch.externalid, orderId);
    if (patch.orderstateid !== undefined) this.checkTransition(order, patch.orderstateid);
    const before = {
      orderstateid: order.orderstateid,
      paymentstateid: order.paymentstateid,
      warehouseid: order.warehouseid,
    };
    const { additionaldata, ...rest } = patch;
    Object.assign(order, rest);
    // Merging (not replacing) additionaldata is our reading of "partial update"; Sitoo does not document it.
    if (additionaldata) order.additionaldata = { ...order.additionaldata, ...additionaldata };
    if (order.warehouseid !== before.warehouseid) this.byWarehouse.move(order, before.warehouseid);
    this.reserve(order);
    const stateChanged = order.orderstateid !== before.orderstateid;
    if (stateChanged || order.paymentstateid !== before.paymentstateid) {
      this.orderEvent(order, 'update', stateChanged ? STATE_NAMES[order.orderstateid] : undefined);
    }
    return order;
  }

  /**
   * Adds a pickup log entry (900 ready, 910 rejected) and sends its order event. Only an open
   * order can be picked or rejected; Sitoo does not say what it does otherwise, so we refuse.
   */
  addLog(orderId: number, orderlogtypeid: number): WireOrder | undefined {
    const order = this.orders.get(orderId);
    if (!order) return undefined;
    const eventType = WRITABLE_LOG_TYPES[orderlogtypeid];
    if (!eventType)
      throw new SitooInputError(
        `orderlogtypeid ${orderlogtypeid} is read-only; only 900 (ReadyForPickup) and 910 (PickupRejected) may be added`,
      );
    if (order.orderstateid !== OPEN)
      throw new SitooInputError(
        `order ${orderId} is ${STATE_NAMES[order.orderstateid] ?? `in state ${order.orderstateid}`}; pickup log items are only for open orders`,
      );
    order.orderlogitems.push({ datelog: nowSeconds(), orderid: orderId, orderlogtypeid, strvalue: null, fvalue: null });
    this.orderEvent(order, eventType);
    return order;
  }

  /**
   * A collected (closed) order has left the store, so cancelling it would un-sell goods the
   * customer has; a cancelled order has released its stock and cannot come back. What Sitoo
   * answers is not documented (sitoo-api.md Appendix A), so these refusals are our own.
   */
  private checkTransition(order: WireOrder, to: number): void {
    if (order.orderstateid === to) return;
    if (order.orderstateid === CLOSED && to === CANCELLED)
      throw new SitooInputError(
        `order ${order.orderid} is closed (collected) and cannot be cancelled; refund it instead`,
      );
    if (order.orderstateid === CANCELLED)
      throw new SitooInputError(`order ${order.orderid} is cancelled and cannot change state again`);
  }

  /** Keeps reservations in step with the order, and lists its SKUs in the warehouse so the reservation is visible there. */
  private reserve(order: WireOrder): void {
    this.reservations.track(order);
    if (this.reservations.holds(order) && order.warehouseid !== null)
      this.stock.ensureItems(
        order.warehouseid,
        order.orderitems.map((i) => i.sku),
      );
  }

  private checkExternalId(externalId: string, ownOrderId: number | undefined): void {
    if (!EXTERNAL_ID.test(externalId)) throw new SitooInputError(`externalid must match [A-Za-z0-9_-]{1,40}`);
    const holder = this.findByExternalId(externalId);
    if (holder && holder.orderid !== ownOrderId)
      throw new SitooInputError(`externalid ${externalId} is already used by order ${holder.orderid}`);
  }

  private orderEvent(
    order: WireOrder,
    type: OrderEventData['order_event_type'],
    stateChanged?: OrderEventData['order_state_changed'],
  ): void {
    const data: OrderEventData = { eshop_id: order.eshopid, order_id: order.orderid, order_event_type: type };
    if (order.warehouseid != null) data.warehouse_id = order.warehouseid;
    if (stateChanged) data.order_state_changed = stateChanged;
    this.emit({
      event_id: randomUUID(),
      event_type: 'order',
      event_date: nowSeconds(),
      account_id: this.accountId,
      data,
    });
  }
}
