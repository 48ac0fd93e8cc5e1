import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import { divRound, formatCents, parseCents } from '../../../domain/money';
import type { WebFulfillmentOrder, WebOrder, WebPayment } from '../../../domain/web-order';
import { PermanentError, TransientError } from '../../http';
import type { CancelWebOrderInput, RefundWebLinesInput, WebRefundResult } from '../port';
import {
  FULFIL,
  FULFILLMENT_ORDER_STATE,
  JOB,
  ORDER,
  ORDER_CANCEL,
  ORDER_CANCELLED_AT,
  ORDER_LIMITS,
  PREPARED_FOR_PICKUP,
  REFUND_CREATE,
} from './order-queries';
import {
  fulfilDataSchema,
  fulfillmentOrderStateDataSchema,
  jobDataSchema,
  orderCancelDataSchema,
  orderCancelledAtDataSchema,
  orderDataSchema,
  preparedForPickupDataSchema,
  refundCreateDataSchema,
  type OrderData,
} from './order-schemas';
import type { userErrorSchema } from './schemas';
import type { OperationKind } from './throttle-gate';

const SYSTEM = 'shopify';
type CallOpts = { signal?: AbortSignal };
type UserError = z.infer<typeof userErrorSchema>;

/** The client's request path (throttle gate, cost accounting, error mapping), handed in so this file owns only order logic. */
export type GraphqlCall = <T>(
  operation: string,
  query: string,
  variables: Record<string, unknown>,
  schema: z.ZodType<T>,
  opts: CallOpts,
  kind?: OperationKind,
) => Promise<T>;

/** orderCancel's job did not finish in time. The cancel may still land; calling cancelOrder again is safe. */
export class ShopifyJobTimeoutError extends TransientError {}

export interface OrderOpsOptions {
  /** Between polls of an orderCancel job (default 500 ms). */
  jobPollMs?: number;
  /** Give up waiting for the job after this long (default 30 s). */
  jobTimeoutMs?: number;
}

/** Webhooks carry numeric ids; the Admin API wants global ids. */
export function orderGid(orderId: string): string {
  if (/^\d+$/.test(orderId)) return `gid://shopify/Order/${orderId}`;
  if (/^gid:\/\/shopify\/Order\/\d+$/.test(orderId)) return orderId;
  throw new PermanentError(
    `${SYSTEM}: ${orderId} is neither an order GID nor a numeric order id`,
    SYSTEM,
    0,
    'INVALID_ORDER_ID',
  );
}

const refused = (operation: string, errors: UserError[], code: string) =>
  new PermanentError(
    `${SYSTEM} ${operation} refused: ${errors.map((e) => `${e.code ?? code}: ${e.message}`).join('; ')}`,
    SYSTEM,
    200,
    errors[0]?.code ?? code,
  );

export class ShopifyOrderOps {
  private readonly jobPollMs: number;
  private readonly jobTimeoutMs: number;

  constructor(
    private readonly call: GraphqlCall,
    opts: OrderOpsOptions = {},
  ) {
    this.jobPollMs = opts.jobPollMs ?? 500;
    this.jobTimeoutMs = opts.jobTimeoutMs ?? 30_000;
  }

  async getOrder(orderId: string, opts: CallOpts = {}): Promise<WebOrder | undefined> {
    const data = await this.call('Order', ORDER, { id: orderGid(orderId) }, orderDataSchema, opts);
    return data.order ? toWebOrder(data.order) : undefined;
  }

  /** Checked first because Shopify refuses a second "ready" rather than ignoring it. */
  async markPreparedForPickup(fulfillmentOrderId: string, opts: CallOpts = {}): Promise<void> {
    const before = await this.pickupState(fulfillmentOrderId, 'PreparedForPickup', opts);
    if (before === 'IN_PROGRESS' || before === 'CLOSED') return;
    const input = { lineItemsByFulfillmentOrder: [{ fulfillmentOrderId }] };
    const data = await this.call(
      'PreparedForPickup',
      PREPARED_FOR_PICKUP,
      { input },
      preparedForPickupDataSchema,
      opts,
      'mutation',
    );
    const errors = data.fulfillmentOrderLineItemsPreparedForPickup.userErrors;
    if (errors.length === 0) return;
    // Someone (or our own lost first attempt) got there in between.
    const after = await this.pickupState(fulfillmentOrderId, 'PreparedForPickup', opts);
    if (after === 'IN_PROGRESS' || after === 'CLOSED') return;
    throw refused('PreparedForPickup', errors, 'PREPARE_REFUSED');
  }

  async fulfilPickup(fulfillmentOrderId: string, opts: CallOpts = {}): Promise<void> {
    if ((await this.pickupState(fulfillmentOrderId, 'FulfilPickup', opts)) === 'CLOSED') return;
    const fulfillment = { lineItemsByFulfillmentOrder: [{ fulfillmentOrderId }], notifyCustomer: false };
    const data = await this.call('FulfilPickup', FULFIL, { fulfillment }, fulfilDataSchema, opts, 'mutation');
    const { userErrors } = data.fulfillmentCreate;
    if (userErrors.length === 0 && data.fulfillmentCreate.fulfillment) return;
    if ((await this.pickupState(fulfillmentOrderId, 'FulfilPickup', opts)) === 'CLOSED') return;
    // fulfillmentCreate's UserError has no code field.
    throw refused(
      'FulfilPickup',
      userErrors.length ? userErrors : [{ message: 'no fulfillment created' }],
      'FULFILLMENT_REFUSED',
    );
  }

  async cancelOrder(input: CancelWebOrderInput, opts: CallOpts = {}): Promise<void> {
    const id = orderGid(input.orderId);
    if (await this.isCancelled(id, opts)) return;
    const variables = {
      orderId: id,
      reason: input.reason,
      restock: input.restock,
      notifyCustomer: input.notifyCustomer ?? true,
      staffNote: input.staffNote ?? null,
      refundMethod: { originalPaymentMethodsRefund: input.refund },
    };
    const data = await this.call('CancelOrder', ORDER_CANCEL, variables, orderCancelDataSchema, opts, 'mutation');
    const { job, orderCancelUserErrors: errors } = data.orderCancel;
    if (errors.length > 0 || !job) {
      // "Already cancelled" comes back as INVALID; the order's state is the better witness.
      if (await this.isCancelled(id, opts)) return;
      throw refused('CancelOrder', errors.length ? errors : [{ message: 'no job returned' }], 'CANCEL_REFUSED');
    }
    await this.waitForJob(job.id, job.done, id, opts);
    if (!(await this.isCancelled(id, opts))) {
      throw new PermanentError(
        `${SYSTEM} CancelOrder: job ${job.id} finished but order ${id} is not cancelled`,
        SYSTEM,
        200,
        'CANCEL_FAILED',
      );
    }
  }

  /**
   * Sends the lines and amounts as given; no over-refund check of our own: after a lost response
   * the order already shows this refund, and only the idempotency key can tell a retry from a
   * second refund. Shopify refuses what exceeds a line or a payment.
   */
  async refundLines(input: RefundWebLinesInput, opts: CallOpts = {}): Promise<WebRefundResult> {
    const id = orderGid(input.orderId);
    if (input.lines.length === 0)
      throw new PermanentError(`${SYSTEM} RefundLines: no lines to refund`, SYSTEM, 0, 'NO_LINES');
    const bad = input.lines.find((l) => !Number.isInteger(l.quantity) || l.quantity <= 0);
    if (bad)
      throw new PermanentError(
        `${SYSTEM} RefundLines: quantity ${bad.quantity} for ${bad.lineItemId} must be a positive integer`,
        SYSTEM,
        0,
        'INVALID_QUANTITY',
      );
    const badAmount = input.transactions.find((t) => !Number.isInteger(t.amountCents) || t.amountCents <= 0);
    if (badAmount)
      throw new PermanentError(
        `${SYSTEM} RefundLines: amount ${badAmount.amountCents} cents to ${badAmount.transactionId} must be a positive whole number of cents`,
        SYSTEM,
        0,
        'INVALID_AMOUNT',
      );
    const variables = {
      key: input.idempotencyKey,
      input: {
        orderId: id,
        note: input.note,
        // The shop's own receipt (POS) is the customer's record of a store return.
        notify: false,
        refundLineItems: input.lines.map((l) => ({
          lineItemId: l.lineItemId,
          quantity: l.quantity,
          restockType: input.restockType,
          locationId: input.restockType === 'NO_RESTOCK' ? null : (input.locationId ?? null),
        })),
        transactions: input.transactions.map((t) => ({
          orderId: id,
          parentId: t.transactionId,
          amount: formatCents(t.amountCents),
          gateway: t.gateway,
          kind: 'REFUND',
        })),
      },
    };
    const result = await this.call('RefundLines', REFUND_CREATE, variables, refundCreateDataSchema, opts, 'mutation');
    const { refund, userErrors } = result.refundCreate;
    if (userErrors.length > 0) throw refundRefused(userErrors, input);
    if (!refund)
      throw new PermanentError(`${SYSTEM} RefundLines: no refund and no userErrors`, SYSTEM, 200, 'UnexpectedResponse');
    return { refundId: refund.id, amountCents: cents(refund.totalRefundedSet, 'refund total') };
  }

  private async pickupState(fulfillmentOrderId: string, operation: string, opts: CallOpts): Promise<string> {
    const data = await this.call(
      'FulfillmentOrderState',
      FULFILLMENT_ORDER_STATE,
      { id: fulfillmentOrderId },
      fulfillmentOrderStateDataSchema,
      opts,
    );
    const fo = data.fulfillmentOrder;
    if (!fo)
      throw new PermanentError(
        `${SYSTEM} ${operation}: fulfillment order ${fulfillmentOrderId} not found`,
        SYSTEM,
        404,
        'NOT_FOUND',
      );
    if (fo.deliveryMethod?.methodType !== 'PICK_UP') {
      throw new PermanentError(
        `${SYSTEM} ${operation}: fulfillment order ${fulfillmentOrderId} is ${fo.deliveryMethod?.methodType ?? 'without a delivery method'}, not PICK_UP`,
        SYSTEM,
        0,
        'NOT_A_PICKUP',
      );
    }
    if (fo.status === 'CANCELLED')
      throw new PermanentError(
        `${SYSTEM} ${operation}: fulfillment order ${fulfillmentOrderId} is cancelled`,
        SYSTEM,
        0,
        'FULFILLMENT_ORDER_CANCELLED',
      );
    return fo.status;
  }

  private async isCancelled(id: string, opts: CallOpts): Promise<boolean> {
    const data = await this.call('OrderCancelledAt', ORDER_CANCELLED_AT, { id }, orderCancelledAtDataSchema, opts);
    if (!data.order) throw new PermanentError(`${SYSTEM} CancelOrder: order ${id} not found`, SYSTEM, 404, 'NOT_FOUND');
    return data.order.cancelledAt !== null;
  }

  private async waitForJob(jobId: string, done: boolean, orderId: string, opts: CallOpts): Promise<void> {
    const deadline = Date.now() + this.jobTimeoutMs;
    while (!done) {
      if (Date.now() >= deadline) {
        throw new ShopifyJobTimeoutError(
          `${SYSTEM} CancelOrder: job ${jobId} for ${orderId} not done after ${this.jobTimeoutMs} ms; cancelOrder may be called again`,
          SYSTEM,
        );
      }
      await sleep(Math.min(this.jobPollMs, Math.max(1, deadline - Date.now())), undefined, { signal: opts.signal });
      const data = await this.call('Job', JOB, { id: jobId }, jobDataSchema, opts);
      if (!data.job)
        throw new PermanentError(`${SYSTEM} CancelOrder: job ${jobId} not found`, SYSTEM, 404, 'NOT_FOUND');
      done = data.job.done;
    }
  }
}

function refundRefused(errors: UserError[], input: RefundWebLinesInput): PermanentError {
  // RefundCreatePayload's UserError has no code: the field path says which input was refused.
  const lineError = (field: string) =>
    errors.find((e) => e.field?.[0] === 'input' && e.field[1] === 'refundLineItems' && e.field[3] === field);
  const message = errors.map((e) => e.message).join('; ');
  for (const [field, code] of [
    ['quantity', 'REFUND_QUANTITY_EXCEEDED'],
    ['lineItemId', 'UNKNOWN_LINE_ITEM'],
  ] as const) {
    const e = lineError(field);
    if (e)
      return new PermanentError(
        `${SYSTEM} RefundLines refused: ${code} for line item ${input.lines[Number(e.field![2])]?.lineItemId ?? '?'}: ${message}`,
        SYSTEM,
        200,
        code,
      );
  }
  return new PermanentError(`${SYSTEM} RefundLines refused: ${message}`, SYSTEM, 200, 'REFUND_REFUSED');
}

function toWebOrder(o: OrderData): WebOrder {
  const tooLarge = [
    o.lineItems.pageInfo.hasNextPage && `more than ${ORDER_LIMITS.lines} lines`,
    o.fulfillmentOrders.pageInfo.hasNextPage && `more than ${ORDER_LIMITS.fulfillmentOrders} fulfillment orders`,
    o.fulfillmentOrders.nodes.some((f) => f.lineItems.pageInfo.hasNextPage) &&
      `a fulfillment order with more than ${ORDER_LIMITS.fulfillmentOrderLines} lines`,
    o.refunds.length >= ORDER_LIMITS.refunds && `${ORDER_LIMITS.refunds} or more refunds`,
    o.refunds.some((r) => r.refundLineItems.pageInfo.hasNextPage) &&
      `a refund with more than ${ORDER_LIMITS.refundLines} lines`,
    // Fewer read than exist would hide refunds already paid out from a payment.
    o.transactions.length >= ORDER_LIMITS.transactions && `${ORDER_LIMITS.transactions} or more transactions`,
    o.lineItems.nodes.some((n) => n.taxLines.length >= ORDER_LIMITS.taxLines) &&
      `a line with ${ORDER_LIMITS.taxLines} or more tax lines`,
  ].filter((x): x is string => typeof x === 'string');
  if (tooLarge.length) {
    throw new PermanentError(
      `${SYSTEM} Order ${o.id} is larger than the connector reads in one query: ${tooLarge.join(', ')}`,
      SYSTEM,
      200,
      'ORDER_TOO_LARGE',
    );
  }
  const refundedQuantities: Record<string, number> = {};
  for (const r of o.refunds)
    for (const l of r.refundLineItems.nodes)
      refundedQuantities[l.lineItem.id] = (refundedQuantities[l.lineItem.id] ?? 0) + l.quantity;
  const fulfillmentOrders = o.fulfillmentOrders.nodes.map((f): WebFulfillmentOrder => {
    const methodType = f.deliveryMethod?.methodType ?? 'NONE';
    return {
      id: f.id,
      status: f.status,
      methodType,
      locationId: f.assignedLocation.location?.id ?? null,
      // Our reading of Shopify: "ready for pickup" leaves a pickup fulfilment order IN_PROGRESS until collected.
      preparedForPickup: methodType === 'PICK_UP' && f.status === 'IN_PROGRESS',
      lines: f.lineItems.nodes.map((n) => ({
        id: n.id,
        lineItemId: n.lineItem.id,
        sku: n.lineItem.sku ?? '',
        remainingQuantity: n.remainingQuantity,
      })),
    };
  });
  return {
    id: o.id,
    legacyId: o.legacyResourceId,
    name: o.name,
    createdAt: o.createdAt,
    cancelledAt: o.cancelledAt,
    currencyCode: o.currencyCode,
    financialStatus: o.displayFinancialStatus ?? 'UNKNOWN',
    lines: o.lineItems.nodes.map((n) => {
      const paidCents = linePaidCents(n, o.taxesIncluded);
      return {
        lineItemId: n.id,
        sku: n.sku ?? '',
        quantity: n.quantity,
        unitPriceCents: n.quantity > 0 ? divRound(paidCents, n.quantity) : 0,
        paidCents,
      };
    }),
    fulfillmentOrders,
    refundedQuantities,
    totalRefundedCents: cents(o.totalRefundedSet, 'totalRefunded'),
    payments: paymentsOf(o.transactions),
  };
}

/** Shopify Money as cents; anything else is an answer we cannot trust with money. */
function cents(money: { shopMoney: { amount: string } }, what: string): number {
  const c = parseCents(money.shopMoney.amount);
  if (c === undefined)
    throw new PermanentError(
      `${SYSTEM} Order: ${what} ${money.shopMoney.amount} is not money`,
      SYSTEM,
      200,
      'UnexpectedResponse',
    );
  return c;
}

/**
 * What the customer paid for a line: its original price less every discount allocated to it
 * (line and order discounts alike), plus its tax where prices were shown without it.
 */
function linePaidCents(n: OrderData['lineItems']['nodes'][number], taxesIncluded: boolean): number {
  const discounts = n.discountAllocations.reduce((s, d) => s + cents(d.allocatedAmountSet, `discount on ${n.id}`), 0);
  const tax = taxesIncluded ? 0 : n.taxLines.reduce((s, t) => s + cents(t.priceSet, `tax on ${n.id}`), 0);
  return cents(n.originalUnitPriceSet, `unit price of ${n.id}`) * n.quantity - discounts + tax;
}

/** Successful sales and captures, each with what successful refunds have already taken back from it. */
function paymentsOf(transactions: OrderData['transactions']): WebPayment[] {
  const ok = transactions.filter((t) => t.status === 'SUCCESS');
  return ok
    .filter((t) => t.kind === 'SALE' || t.kind === 'CAPTURE')
    .map((t) => ({
      transactionId: t.id,
      gateway: t.gateway ?? '',
      amountCents: cents(t.amountSet, `transaction ${t.id}`),
      refundedCents: ok
        .filter((r) => r.kind === 'REFUND' && r.parentTransaction?.id === t.id)
        .reduce((s, r) => s + cents(r.amountSet, `refund ${r.id}`), 0),
    }));
}
