import { randomUUID } from 'node:crypto';
import { parseCents } from '../../domain/money';
import { cancelOrderRecord } from './cancel';
import { fulfil, preparePickup, type FulfilGroup } from './fulfilment';
import { gid, stableJson } from './ids';
import { commitOrdered } from './inventory-effects';
import { payOrder, priceOrder, type OrderMoneyInput } from './order-money';
import {
  fulfillmentStatus,
  orderSummary,
  type CancelReason,
  type FulfillmentOrderRecord,
  type FulfillmentRecord,
  type OrderRecord,
  type OrderSummary,
  type RefundRecord,
  type RestockRecord,
} from './order-records';
import { applyRefund, validateRefund, type OrderUserError, type RefundInput, type StockAccess } from './refunds';

export type { OrderUserError, RefundInput, StockAccess } from './refunds';

/**
 * Orders, fulfilment orders, refunds and cancel jobs. They move inventory as Shopify does (one
 * function per effect in inventory-effects.ts): placing an order commits its units at the
 * fulfilment order's location, fulfilling takes them out of committed and on_hand, cancelling and
 * refunding release or restock them. The integration writes on_hand, so Shopify's own available
 * keeps units committed to web orders out of sale.
 */
export type OrderTopic = 'orders/create' | 'orders/cancelled' | 'orders/fulfilled' | 'refunds/create';
export interface OrderEvent {
  topic: OrderTopic;
  order: OrderRecord;
  refund?: RefundRecord;
}

export interface CreateOrderInput extends OrderMoneyInput {
  /** Unit prices before discounts as decimal strings ("99.00"), tax included unless `taxesIncluded: false`. */
  lines: Array<{ sku: string; quantity: number; price: string }>;
  /** Collect in this store: one PICK_UP fulfilment order assigned there. Otherwise one SHIPPING order. */
  pickupLocationId?: string;
  /** Where a shipping order is assigned; default the first active location that fulfils online orders. */
  shippingLocationId?: string;
  currency?: string;
  gateway?: string;
  /**
   * How the customer paid at checkout (default PAID, captured). PENDING: a manual method such as
   * pay in store or cash on pickup (gateway default `manual`), nothing received. AUTHORIZED: held on
   * the card for manual capture.
   */
  financialStatus?: 'PAID' | 'PENDING' | 'AUTHORIZED';
}

export interface CancelJob {
  id: string;
  orderId: string;
  done: boolean;
}
export interface CancelRequest {
  orderId: string;
  reason: CancelReason;
  refund: boolean;
  restock: boolean;
  staffNote?: string | null;
}

interface RefundKeyRecord {
  fingerprint: string;
  failed: boolean;
  refundId: string | null;
  userErrors: OrderUserError[];
}
export interface RefundResult {
  refund: RefundRecord | null;
  userErrors: OrderUserError[];
  replayed: boolean;
}

const CURRENCIES = new Set(['SEK', 'EUR', 'USD', 'NOK', 'DKK', 'GBP', 'CHF', 'PLN']);

export class OrderBook {
  readonly restocks: RestockRecord[] = [];
  /** How long an orderCancel job runs before the order is cancelled; Infinity leaves it running (timeout tests). */
  cancelJobDelayMs = 50;
  /** How far the `orders(query:)` search index trails writes: an order changed more recently is not found yet (0: never). */
  searchLagMs = 0;
  private readonly orders = new Map<string, OrderRecord>();
  private readonly fos = new Map<string, FulfillmentOrderRecord>();
  private readonly jobs = new Map<string, CancelJob>();
  private readonly refundKeys = new Map<string, RefundKeyRecord>();
  private readonly listeners = new Set<(e: OrderEvent) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly seq = {
    order: 5001,
    line: 9001,
    fo: 7001,
    foLine: 8001,
    tx: 3001,
    refund: 4001,
    refundLine: 6001,
    fulfillment: 2001,
    name: 1001,
  };

  constructor(private readonly stock: StockAccess) {}

  /**
   * Places an order as a customer would at checkout: paid in full unless told otherwise
   * (discounts, tax and payments as given; pending or only authorised when asked), one fulfilment order.
   */
  createOrder(input: CreateOrderInput): { id: string; legacyId: string; name: string } {
    const currency = input.currency ?? 'SEK';
    if (!CURRENCIES.has(currency)) throw new Error(`unsupported currency ${currency}`);
    if (input.lines.length === 0) throw new Error('an order needs at least one line');
    const locationId = input.pickupLocationId ?? input.shippingLocationId ?? this.defaultShippingLocation();
    if (!this.stock.locations.has(locationId)) throw new Error(`unknown location ${locationId}`);
    const num = this.seq.order++;
    const at = new Date().toISOString();
    const order: OrderRecord = {
      id: gid('Order', num),
      num,
      name: `#${this.seq.name++}`,
      createdAt: at,
      updatedAt: at,
      cancelledAt: null,
      cancelReason: null,
      staffNote: null,
      currency,
      taxesIncluded: true,
      discountApplications: [],
      lines: [],
      fulfillmentOrders: [],
      transactions: [],
      refunds: [],
      fulfillments: [],
    };
    for (const l of input.lines) {
      const priceCents = parseCents(l.price);
      if (priceCents === undefined || priceCents < 0) throw new Error(`bad price ${l.price} for ${l.sku}`);
      if (!Number.isInteger(l.quantity) || l.quantity <= 0) throw new Error(`bad quantity ${l.quantity} for ${l.sku}`);
      const n = this.seq.line++;
      order.lines.push({
        id: gid('LineItem', n),
        num: n,
        sku: l.sku,
        itemId: this.stock.itemBySku(l.sku)?.id ?? null,
        quantity: l.quantity,
        priceCents,
        fulfilled: 0,
        refunded: 0,
        refundedFulfilled: 0,
        discountAllocations: [],
        taxLines: [],
      });
    }
    priceOrder(order, input);
    const foNum = this.seq.fo++;
    const fo: FulfillmentOrderRecord = {
      id: gid('FulfillmentOrder', foNum),
      num: foNum,
      orderId: order.id,
      status: 'OPEN',
      methodType: input.pickupLocationId ? 'PICK_UP' : 'SHIPPING',
      locationId,
      preparedForPickup: false,
      lines: order.lines.map((l) => {
        const n = this.seq.foLine++;
        return {
          id: gid('FulfillmentOrderLineItem', n),
          num: n,
          lineItemId: l.id,
          totalQuantity: l.quantity,
          remainingQuantity: l.quantity,
        };
      }),
    };
    order.fulfillmentOrders.push(fo);
    this.fos.set(fo.id, fo);
    commitOrdered(this.stock, order);
    const paying = input.financialStatus ?? 'PAID';
    payOrder(
      order,
      input,
      input.gateway ?? (paying === 'PENDING' ? 'manual' : 'shopify_payments'),
      () => this.mintTransaction(),
      at,
      paying,
    );
    this.orders.set(order.id, order);
    this.emit({ topic: 'orders/create', order });
    return { id: order.id, legacyId: String(num), name: order.name };
  }

  /** The customer cancels from the shop's side (order status page, support): no job, at once. */
  cancelOrderAsCustomer(orderId: string, opts: { refund?: boolean; restock?: boolean } = {}): void {
    const order = this.get(orderId);
    if (!order) throw new Error(`unknown order ${orderId}`);
    if (order.cancelledAt) return;
    this.applyCancel(order, {
      orderId: order.id,
      reason: 'CUSTOMER',
      refund: opts.refund ?? true,
      restock: opts.restock ?? false,
    });
  }

  /** By GID or numeric legacy id. */
  get(orderId: string): OrderRecord | undefined {
    return this.orders.get(/^\d+$/.test(orderId) ? gid('Order', orderId) : orderId);
  }

  /** The order as a test or the demo wants to see it: statuses, money and per-line quantities. */
  summary(orderId: string): OrderSummary | undefined {
    const order = this.get(orderId);
    return order && orderSummary(order);
  }

  all(): OrderRecord[] {
    return [...this.orders.values()];
  }

  fulfillmentOrder(id: string): FulfillmentOrderRecord | undefined {
    return this.fos.get(id);
  }

  refundsOf(orderId: string): RefundRecord[] {
    return this.get(orderId)?.refunds ?? [];
  }

  job(id: string): CancelJob | undefined {
    return this.jobs.get(id);
  }

  onEvent(listener: (e: OrderEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** fulfillmentOrderLineItemsPreparedForPickup; all-or-nothing. */
  preparePickup(fulfillmentOrderIds: string[]): OrderUserError[] {
    const errors = preparePickup(this.fos, fulfillmentOrderIds);
    if (!errors.length) for (const id of fulfillmentOrderIds) this.touch(this.fos.get(id)!.orderId);
    return errors;
  }

  /** fulfillmentCreate: whole fulfilment orders, or the listed quantities of their lines. */
  fulfil(groups: FulfilGroup[]): { fulfillment: FulfillmentRecord | null; userErrors: OrderUserError[] } {
    const result = fulfil(this.fos, this.orders, this.stock, groups, () => {
      const n = this.seq.fulfillment++;
      return { id: gid('Fulfillment', n), num: n };
    });
    const order = result.fulfillment && this.orders.get(result.fulfillment.orderId);
    if (order) {
      this.touch(order.id);
      if (fulfillmentStatus(order) === 'FULFILLED') this.emit({ topic: 'orders/fulfilled', order });
    }
    return result;
  }

  /**
   * refundCreate. With a key, the same key + same input returns the first refund and changes
   * nothing; a key whose attempt was refused stays refused, so the caller must use a new one.
   */
  refund(input: RefundInput, idempotencyKey: string | undefined): RefundResult {
    if (idempotencyKey === undefined) return { ...this.refundOnce(input), replayed: false };
    const fingerprint = stableJson({ field: 'refundCreate', input });
    const seen = this.refundKeys.get(idempotencyKey);
    if (seen) {
      if (seen.fingerprint !== fingerprint)
        return refused(
          'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
          'The idempotency key was already used with different parameters.',
        );
      if (seen.failed)
        return refused(
          'IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED',
          'The previous attempt with this idempotency key failed; retry with a new key.',
        );
      const order = this.orders.get(input.orderId);
      return {
        refund: order?.refunds.find((r) => r.id === seen.refundId) ?? null,
        userErrors: seen.userErrors,
        replayed: true,
      };
    }
    const result = this.refundOnce(input);
    this.refundKeys.set(idempotencyKey, {
      fingerprint,
      failed: result.userErrors.length > 0,
      refundId: result.refund?.id ?? null,
      userErrors: result.userErrors,
    });
    return { ...result, replayed: false };
  }

  /** orderCancel: validated now, applied when the job finishes, like Shopify's asynchronous cancel. */
  requestCancel(req: CancelRequest): { job: CancelJob | null; userErrors: OrderUserError[] } {
    const order = this.get(req.orderId);
    if (!order)
      return { job: null, userErrors: [{ field: ['orderId'], code: 'NOT_FOUND', message: 'Order does not exist.' }] };
    if (order.cancelledAt)
      return {
        job: null,
        userErrors: [{ field: ['orderId'], code: 'INVALID', message: 'Order has already been cancelled.' }],
      };
    const pending = [...this.jobs.values()].find((j) => j.orderId === order.id && !j.done);
    if (pending) return { job: pending, userErrors: [] };
    if (order.fulfillments.length > 0)
      return {
        job: null,
        userErrors: [{ field: ['orderId'], code: 'INVALID', message: 'Cannot cancel an order that has fulfillments.' }],
      };
    const job: CancelJob = { id: gid('Job', randomUUID()), orderId: order.id, done: false };
    this.jobs.set(job.id, job);
    if (Number.isFinite(this.cancelJobDelayMs)) {
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          if (!order.cancelledAt) this.applyCancel(order, req);
          job.done = true;
        },
        Math.max(0, this.cancelJobDelayMs),
      );
      timer.unref();
      this.timers.add(timer);
    }
    return { job, userErrors: [] };
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.listeners.clear();
  }

  private refundOnce(input: RefundInput): { refund: RefundRecord | null; userErrors: OrderUserError[] } {
    const order = this.orders.get(input.orderId);
    if (!order)
      return { refund: null, userErrors: [{ field: ['input', 'orderId'], message: 'Order does not exist.' }] };
    const errors = validateRefund(order, input, this.stock);
    if (errors.length) return { refund: null, userErrors: errors };
    const refund = applyRefund(order, input, this.mint, this.stock, this.restocks);
    this.touch(order.id);
    this.emit({ topic: 'refunds/create', order, refund });
    return { refund, userErrors: [] };
  }

  private applyCancel(order: OrderRecord, req: CancelRequest): void {
    const refund = cancelOrderRecord(order, req, this.mint, this.stock, this.restocks);
    if (refund) this.emit({ topic: 'refunds/create', order, refund });
    this.emit({ topic: 'orders/cancelled', order });
  }

  private readonly mint = {
    transaction: () => this.mintTransaction(),
    refund: () => {
      const n = this.seq.refund++;
      return { id: gid('Refund', n), num: n };
    },
    refundLine: () => {
      const n = this.seq.refundLine++;
      return { id: gid('RefundLineItem', n), num: n };
    },
  };

  private mintTransaction(): { id: string; num: number; status: 'SUCCESS' } {
    const n = this.seq.tx++;
    return { id: gid('OrderTransaction', n), num: n, status: 'SUCCESS' };
  }

  private defaultShippingLocation(): string {
    const loc = [...this.stock.locations.values()]
      .filter((l) => l.isActive && l.fulfillsOnlineOrders)
      .sort((a, b) => a.num - b.num)[0];
    if (!loc) throw new Error('no active location fulfils online orders; seed one or pass shippingLocationId');
    return loc.id;
  }

  private touch(orderId: string): void {
    const order = this.orders.get(orderId);
    if (order) order.updatedAt = new Date().toISOString();
  }

  private emit(e: OrderEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}

const refused = (code: string, message: string): RefundResult => ({
  refund: null,
  userErrors: [{ field: null, code, message }],
  replayed: false,
});
