import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickAndCollectActivities } from '../../src/activities/click-and-collect-activities';
import type { StoreLocation } from '../../src/domain/mapping';
import { divRound } from '../../src/domain/money';
import { OrderState, PaymentState, type SaleOrder } from '../../src/domain/sale';
import type { WebOrder } from '../../src/domain/web-order';
import {
  clickAndCollectStatusQuery,
  resolveUpdate,
  storePickupUpdateSignal,
  webOrderCancelledSignal,
  type ClickAndCollectInput,
  type ClickAndCollectResult,
} from '../../src/workflows/click-and-collect-contract';
import { TASK_QUEUES } from '../../src/workflows/task-queues';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { workflowSpanSinks } from '../../src/workers/tracing';

// Click & collect's orchestration on a real server; its side effects replaced by a recorder.
const calls: Array<{ name: string; input: unknown }> = [];
const orders = new Map<string, WebOrder>();
const free = new Map<string, number>(); // storeId -> free units of every SKU
const store = (storeId: string, region = 'west'): StoreLocation => ({
  storeId,
  name: storeId,
  sitooWarehouseId: 100,
  erpLocationCode: storeId,
  erpCustomerNumber: 'C',
  webLocationId: `gid://shopify/Location/${storeId}`,
  region,
});
const stores = [store('S1'), store('S2')];
let nextSitooOrder = 500;
// The pickup orders as Sitoo holds them: the store's steps change these before Sitoo's events arrive.
const sitoo = new Map<number, SaleOrder>();
const sitooOrderOf = (webOrderId: string) => [...sitoo.values()].find((o) => o.externalId === webOrderId)!;
/** The store hands the order over; with `payment` the till takes it first (a pay-in-store order). */
function collectInStore(webOrderId: string, paymentCents?: number): SaleOrder {
  const o = sitooOrderOf(webOrderId);
  o.orderStateId = OrderState.Closed;
  if (paymentCents) {
    o.payments.push({ name: 'Card', amountCents: paymentCents });
    o.paymentStateId = PaymentState.Successful;
  }
  return o;
}

/** Stores taken out of the mapping file while an order is under way: the activities refuse them, as the real ones do. */
const unmapped = new Set<string>();
function refuseUnmapped(storeId: string): void {
  if (unmapped.has(storeId))
    throw ApplicationFailure.create({
      type: 'UnknownStore',
      nonRetryable: true,
      message: `store ${storeId} is no longer in the mapping file`,
    });
}

const record = (name: string, input: unknown) => calls.push({ name, input });
// A key matches a whole string value of the input: a bare substring also matched digits inside
// another call's reservedUntil timestamp (e.g. '105' in 1796041050).
const called = (name: string, key?: string) =>
  calls.filter((c) => c.name === name && (!key || JSON.stringify(c.input).includes(JSON.stringify(key))));

const activities: ClickAndCollectActivities = {
  async readWebOrder({ webOrderId }) {
    return orders.get(webOrderId) ?? null;
  },
  async storeForPickup({ webLocationId, storeId }) {
    return stores.find((s) => (storeId ? s.storeId === storeId : s.webLocationId === webLocationId)) ?? null;
  },
  async checkPickupStock({ storeId, lines, whenShort }) {
    const short = lines
      .filter((l) => (free.get(storeId) ?? 0) < l.quantity)
      .map((l) => ({ sku: l.sku, wanted: l.quantity, free: free.get(storeId) ?? 0 }));
    const other = stores.find(
      (s) => s.storeId !== storeId && lines.every((l) => (free.get(s.storeId) ?? 0) >= l.quantity),
    );
    return {
      shortfalls: short,
      suggestion:
        short.length && whenShort === 'suggest-in-region' && other
          ? { storeId: other.storeId, name: other.name }
          : undefined,
    };
  },
  async ensurePickupOrder(input) {
    record('ensurePickupOrder', input);
    refuseUnmapped(input.storeId);
    const existing = sitooOrderOf(input.webOrder.legacyId);
    if (existing) return existing.orderId;
    const paid = (input.payment ?? 'paid-online') === 'paid-online';
    // Like Sitoo: each row at what it is written for, the payment their sum.
    const rows = input.lines.map((l) => l.grossCents ?? l.unitPriceCents * l.quantity);
    const total = rows.reduce((n, c) => n + c, 0);
    const orderId = nextSitooOrder++;
    sitoo.set(orderId, {
      orderId,
      eshopId: 1,
      warehouseId: 100,
      orderStateId: OrderState.Open,
      paymentStateId: paid ? PaymentState.Successful : PaymentState.Pending,
      orderDate: 0,
      currencyCode: 'SEK',
      externalId: input.webOrder.legacyId,
      creditOrderId: null,
      reservedUntil: input.reservedUntil,
      additionalData: {},
      lines: input.lines.map((l, i) => ({
        sku: l.sku,
        productName: l.sku,
        quantity: l.quantity,
        unitPriceGrossCents: divRound(rows[i]!, l.quantity),
        vatPercent: 25,
        grossCents: rows[i]!,
      })),
      payments: paid ? [{ name: 'Web payment', amountCents: total }] : [],
    });
    return orderId;
  },
  async readPickupOrder({ sitooOrderId }) {
    record('readPickupOrder', { sitooOrderId });
    return structuredClone(sitoo.get(sitooOrderId)) ?? null;
  },
  // Like Sitoo's client: a collected order cannot be cancelled.
  async cancelPickupOrder(input) {
    record('cancelPickupOrder', input);
    const o = sitoo.get(input.sitooOrderId)!;
    if (o.orderStateId === OrderState.Closed)
      throw ApplicationFailure.create({
        type: 'SitooRejected',
        nonRetryable: true,
        message: `cannot cancel Sitoo order ${o.orderId}: it is closed (collected)`,
      });
    o.orderStateId = OrderState.Cancelled;
  },
  async cancelPickupUnlessCollected(input) {
    record('cancelPickupUnlessCollected', input);
    const o = sitoo.get(input.sitooOrderId)!;
    if (o.orderStateId === OrderState.Closed) return 'collected';
    o.orderStateId = OrderState.Cancelled;
    return 'cancelled';
  },
  async refreshWebStock(input) {
    record('refreshWebStock', input);
  },
  async markReadyOnWeb(input) {
    record('markReadyOnWeb', input);
  },
  async fulfilOnWeb(input) {
    record('fulfilOnWeb', input);
  },
  async cancelWebOrder(input) {
    record('cancelWebOrder', input);
  },
  async bookCollectedOrder(input) {
    record('bookCollectedOrder', input);
    refuseUnmapped(input.storeId);
    return {
      id: 'E1',
      number: `SO-${input.webOrderId}`,
      posted: true,
      ...(retriedBookings.has(input.webOrderId) ? { lateTwinPossible: true } : {}),
    };
  },
  async sweepCollectedOrderTwins(input) {
    record('sweepCollectedOrderTwins', input);
    return 1;
  },
};
/** Web orders whose ERP booking took a second attempt, so a late twin may still land. */
const retriedBookings = new Set<string>();

function webOrder(id: string, pickupAt: string | null = 'S1', financialStatus = 'PAID'): WebOrder {
  const order: WebOrder = {
    id: `gid://shopify/Order/${id}`,
    legacyId: id,
    name: `#${id}`,
    createdAt: '2026-11-30T10:00:00Z',
    cancelledAt: null,
    currencyCode: 'SEK',
    financialStatus,
    lines: [{ lineItemId: 'L1', sku: 'TEE', quantity: 2, unitPriceCents: 19900 }],
    fulfillmentOrders: [
      {
        id: `FO-${id}`,
        status: 'OPEN',
        methodType: pickupAt ? 'PICK_UP' : 'SHIPPING',
        locationId: pickupAt ? `gid://shopify/Location/${pickupAt}` : null,
        preparedForPickup: false,
        lines: [{ id: 'FL1', lineItemId: 'L1', sku: 'TEE', remainingQuantity: 2 }],
      },
    ],
    refundedQuantities: {},
    totalRefundedCents: 0,
  };
  orders.set(id, order);
  return order;
}

/** What Shopify shows once the customer has cancelled (and, by default, been refunded). */
function cancelOnWeb(id: string, refundedCents = 39800): void {
  const order = orders.get(id)!;
  order.cancelledAt = '2026-11-30T12:00:00Z';
  order.totalRefundedCents = refundedCents;
  order.financialStatus = refundedCents === 0 ? order.financialStatus : 'REFUNDED';
  for (const fo of order.fulfillmentOrders) fo.status = 'CANCELLED';
}

let t: TestTemporal;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  t = await connectTemporal('wf-collect');
  worker = await Worker.create({
    connection: t.nativeConnection,
    dataConverter: t.dataConverter,
    namespace: t.namespace,
    taskQueue: TASK_QUEUES.main,
    workflowBundle: t.workflowBundle,
    sinks: workflowSpanSinks(),
    activities,
  });
  running = worker.run();
  free.set('S1', 10).set('S2', 10);
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await t?.close();
});

const start = (webOrderId: string, overrides: Partial<ClickAndCollectInput> = {}) =>
  t.client.workflow.start('clickAndCollectWorkflow', {
    workflowId: `collect-${webOrderId}`,
    taskQueue: TASK_QUEUES.main,
    args: [
      { accountId: 1, webOrderId, pickupExpiry: '1h', whenShort: 'suggest-in-region', vatPercent: 25, ...overrides },
    ],
  });
const statusOf = (webOrderId: string) =>
  t.client.workflow.getHandle(`collect-${webOrderId}`).query(clickAndCollectStatusQuery);

describe('clickAndCollectWorkflow', () => {
  it('follows the store: ready mirrored to the web once, collected fulfils the web order and books the ERP sale', async () => {
    webOrder('101');
    const handle = await start('101');
    await waitFor('the pickup order to exist', async () => (await statusOf('101')).step === 'awaiting-store');
    const status = await statusOf('101');
    expect(status.sitooOrderId).toBeGreaterThan(0);
    expect(status.deadline).toBeDefined();
    expect(called('refreshWebStock', 'S1')).toHaveLength(1);
    const ready = { sitooOrderId: status.sitooOrderId!, key: 'evt-1', kind: 'ready-for-pickup' as const };
    await handle.signal(storePickupUpdateSignal, ready);
    await handle.signal(storePickupUpdateSignal, ready); // Sitoo re-delivers
    await waitFor('ready on the web', async () => (await statusOf('101')).step === 'ready-for-pickup');
    collectInStore('101');
    await handle.signal(storePickupUpdateSignal, {
      sitooOrderId: status.sitooOrderId!,
      key: 'state-10',
      kind: 'collected',
    });
    const result: ClickAndCollectResult = await handle.result();
    expect(result).toMatchObject({ outcome: 'collected', storeId: 'S1', erpOrderNumber: 'SO-101' });
    expect(called('markReadyOnWeb', 'FO-101')).toHaveLength(1);
    expect(called('fulfilOnWeb', 'FO-101')).toHaveLength(1);
    expect(called('bookCollectedOrder', '101')).toHaveLength(1);
    expect(called('cancelWebOrder', '101')).toHaveLength(0);
    // Shopify lowers on_hand itself when the pickup is fulfilled: the store's level is written again after it.
    const fulfilled = calls.findIndex((c) => c.name === 'fulfilOnWeb' && JSON.stringify(c.input).includes('"FO-101"'));
    expect(
      calls.slice(fulfilled).filter((c) => c.name === 'refreshWebStock' && JSON.stringify(c.input).includes('"S1"')),
    ).toEqual([{ name: 'refreshWebStock', input: { storeId: 'S1', skus: ['TEE'] } }]);
  });

  it('books in the ERP, to the cent, what the customer paid for a discounted line, not its rounded unit price x quantity', async () => {
    // Before: 3 x 33.33 with 10 % off the order is 89.99 paid, but the pickup order and the ERP
    // sale were written from the rounded unit price, 3 x 30.00 = 90.00.
    const order = webOrder('121');
    order.lines = [{ lineItemId: 'L1', sku: 'TEE', quantity: 3, unitPriceCents: 3000, paidCents: 8999 }];
    order.fulfillmentOrders[0]!.lines[0]!.remainingQuantity = 3;
    const handle = await start('121');
    await waitFor('the pickup order to exist', async () => (await statusOf('121')).step === 'awaiting-store');
    const { sitooOrderId } = await statusOf('121');
    expect(sitooOrderOf('121').payments).toEqual([{ name: 'Web payment', amountCents: 8999 }]);
    collectInStore('121');
    await handle.signal(storePickupUpdateSignal, { sitooOrderId: sitooOrderId!, key: 'state-10', kind: 'collected' });
    expect(await handle.result()).toMatchObject({ outcome: 'collected' });
    const [booked] = called('bookCollectedOrder', '121') as Array<{
      input: { lines: Array<{ quantity: number; unitPriceCents: number; grossCents?: number }> };
    }>;
    expect(booked!.input.lines.reduce((n, l) => n + (l.grossCents ?? l.unitPriceCents * l.quantity), 0)).toBe(8999);
  });

  it('cancels in Sitoo, refunds on the web and releases the stock when the customer never comes', async () => {
    webOrder('102');
    const handle = await start('102', { pickupExpiry: '2s' });
    const result: ClickAndCollectResult = await handle.result();
    expect(result.outcome).toBe('expired');
    expect(sitoo.get(result.sitooOrderId!)!.orderStateId).toBe(OrderState.Cancelled);
    expect(called('cancelWebOrder', '102')).toHaveLength(1);
    expect(called('refreshWebStock', 'S1').length).toBeGreaterThanOrEqual(2);
    expect(called('bookCollectedOrder', '102')).toHaveLength(0);
  });

  it('a cancellation on the web before pickup cancels the Sitoo order and releases its stock', async () => {
    webOrder('103');
    const handle = await start('103');
    await waitFor('the pickup order to exist', async () => (await statusOf('103')).step === 'awaiting-store');
    cancelOnWeb('103');
    await handle.signal(webOrderCancelledSignal, { webhookId: 'wh-1' });
    const result: ClickAndCollectResult = await handle.result();
    expect(result.outcome).toBe('cancelled');
    expect(sitoo.get(result.sitooOrderId!)!.orderStateId).toBe(OrderState.Cancelled);
    expect(called('cancelWebOrder', '103')).toHaveLength(0); // the web order is already cancelled
  });

  it('parks a short store for e-commerce ops with a store of its region that has it all, and moves there when told', async () => {
    webOrder('104');
    free.set('S1', 1);
    try {
      const handle = await start('104');
      const parked = await waitFor('the shortfall to park', async () => (await statusOf('104')).exception);
      expect(parked).toMatchObject({
        type: 'bopis-stock-short',
        owner: 'ecommerce-ops',
        details: { storeId: 'S1', suggestion: { storeId: 'S2' } },
      });
      await handle.executeUpdate(resolveUpdate, { args: [{ action: 'use-store', storeId: 'S2', resolvedBy: 'test' }] });
      await waitFor('the pickup order at S2', async () => (await statusOf('104')).step === 'awaiting-store');
      expect((await statusOf('104')).storeId).toBe('S2');
      expect(called('ensurePickupOrder', '104')).toMatchObject([{ input: { storeId: 'S2' } }]);
      cancelOnWeb('104');
      await handle.signal(webOrderCancelledSignal, { webhookId: 'wh-2' });
      await handle.result();
    } finally {
      free.set('S1', 10);
    }
  });

  it('ends at once for an order that is shipped, not collected', async () => {
    webOrder('105', null);
    const result: ClickAndCollectResult = await (await start('105')).result();
    expect(result.outcome).toBe('not-pickup');
    expect(called('ensurePickupOrder', '105')).toHaveLength(0);
  });

  /** Waits until the order has parked or reached one of these steps (by default: waiting for the store, or ended); returns its status. */
  const settled = (
    webOrderId: string,
    steps = ['awaiting-store', 'collected', 'cancelled', 'expired', 'not-pickup'],
    timeoutMs = 15_000,
  ) =>
    waitFor(
      `order ${webOrderId} to park or reach ${steps.join('/')}`,
      async () => {
        const s = await statusOf(webOrderId);
        return s.exception || steps.includes(s.step) ? s : undefined;
      },
      timeoutMs,
    );
  const ENDED = ['collected', 'cancelled', 'expired'];
  const sitooCalls = (name: string, webOrderId: string) =>
    calls.filter(
      (c) =>
        c.name === name && (c.input as { sitooOrderId?: number }).sitooOrderId === sitooOrderOf(webOrderId).orderId,
    );

  it('checks a cancel notice against Shopify: a webhook replayed under another topic changes nothing', async () => {
    webOrder('106');
    const handle = await start('106');
    await waitFor('the pickup order to exist', async () => (await statusOf('106')).step === 'awaiting-store');
    // A captured orders/create body re-sent as orders/cancelled: the signature is good, the topic is not signed.
    await handle.signal(webOrderCancelledSignal, { webhookId: 'replayed-1' });
    const checked = await waitFor(
      'the notice checked',
      async () => {
        const s = await statusOf('106');
        return s.webCancelChecks?.length || s.step !== 'awaiting-store' ? s : undefined;
      },
      10_000,
    );
    expect(checked.step).toBe('awaiting-store');
    expect(checked.webCancelChecks).toMatchObject([{ webhookId: 'replayed-1', cancelled: false }]);
    expect(sitooCalls('cancelPickupOrder', '106')).toHaveLength(0);
    expect(sitooCalls('cancelPickupUnlessCollected', '106')).toHaveLength(0);
    collectInStore('106');
    await handle.signal(storePickupUpdateSignal, {
      sitooOrderId: sitooOrderOf('106').orderId,
      key: 'state-10',
      kind: 'collected',
    });
    expect(await handle.result()).toMatchObject({ outcome: 'collected', erpOrderNumber: 'SO-106' });
  });

  it('a web cancel racing a collection the store already made: Sitoo is left closed, finance decides, accept books the sale', async () => {
    webOrder('107');
    const handle = await start('107');
    await waitFor('the pickup order to exist', async () => (await statusOf('107')).step === 'awaiting-store');
    // Handed over at the till (its Sitoo event still queued) while the customer cancelled online and was refunded.
    collectInStore('107');
    cancelOnWeb('107');
    await handle.signal(webOrderCancelledSignal, { webhookId: 'wh-107' });
    await handle.signal(storePickupUpdateSignal, {
      sitooOrderId: sitooOrderOf('107').orderId,
      key: 'state-10',
      kind: 'collected',
    });
    const parked = (await settled('107', ENDED)).exception;
    expect(parked).toMatchObject({
      type: 'bopis-collected-after-cancel',
      owner: 'finance',
      details: {
        webOrderId: '107',
        storeId: 'S1',
        sitooOrderId: sitooOrderOf('107').orderId,
        webRefunded: '398.00',
        tillPaid: '398.00',
        due: '398.00',
      },
    });
    expect(parked!.allowedActions).toEqual(['retry', 'accept', 'skip']);
    expect(sitooOrderOf('107').orderStateId).toBe(OrderState.Closed);
    expect(sitooCalls('cancelPickupOrder', '107')).toHaveLength(0);
    expect(called('cancelWebOrder', '107')).toHaveLength(0);
    expect(called('bookCollectedOrder', '107')).toHaveLength(0);
    await handle.executeUpdate(resolveUpdate, {
      args: [{ action: 'accept', reason: 'customer invoiced for the goods', resolvedBy: 'finance' }],
    });
    expect(await handle.result()).toMatchObject({ outcome: 'collected', erpOrderNumber: 'SO-107' });
    expect(called('bookCollectedOrder', '107')).toMatchObject([
      { input: { lines: [{ sku: 'TEE', quantity: 2, unitPriceCents: 19900 }] } },
    ]);
  });

  it('at the deadline, an order the store handed over (its event lost) is booked, not cancelled', async () => {
    webOrder('108');
    const handle = await start('108', { pickupExpiry: '3s' });
    await waitFor('the pickup order to exist', async () => (await statusOf('108')).step === 'awaiting-store');
    collectInStore('108');
    const status = await settled('108', ENDED);
    expect(status.exception).toBeUndefined();
    expect(await handle.result()).toMatchObject({ outcome: 'collected', erpOrderNumber: 'SO-108' });
    expect(called('cancelWebOrder', '108')).toHaveLength(0);
    expect(sitooOrderOf('108').orderStateId).toBe(OrderState.Closed);
  });

  it('sweeps for a late ERP twin after the window when the booking took a second attempt, and only then', async () => {
    webOrder('119');
    retriedBookings.add('119');
    const handle = await start('119', { erpLateCommitWindow: '1s' });
    expect((await settled('119')).step).toBe('awaiting-store');
    collectInStore('119');
    await handle.signal(storePickupUpdateSignal, {
      sitooOrderId: sitooOrderOf('119').orderId,
      key: 'state-10',
      kind: 'collected',
    });
    expect(await handle.result()).toMatchObject({ outcome: 'collected', erpOrderNumber: 'SO-119' });
    expect(called('sweepCollectedOrderTwins', '119')).toMatchObject([{ input: { webOrderId: '119', storeId: 'S1' } }]);
    expect(called('sweepCollectedOrderTwins', '108')).toHaveLength(0);
  });

  it('a pay-in-store order is created unpaid in Sitoo and booked from what the till took', async () => {
    webOrder('109', 'S1', 'PENDING');
    const handle = await start('109');
    expect((await settled('109')).step).toBe('awaiting-store');
    expect(called('ensurePickupOrder', '109')).toMatchObject([{ input: { payment: 'pay-in-store' } }]);
    expect(sitooOrderOf('109')).toMatchObject({ paymentStateId: PaymentState.Pending, payments: [] });
    collectInStore('109', 39800);
    await handle.signal(storePickupUpdateSignal, {
      sitooOrderId: sitooOrderOf('109').orderId,
      key: 'state-10',
      kind: 'collected',
    });
    expect(await handle.result()).toMatchObject({ outcome: 'collected', erpOrderNumber: 'SO-109' });
    expect(called('bookCollectedOrder', '109')).toMatchObject([
      { input: { lines: [{ sku: 'TEE', quantity: 2, unitPriceCents: 19900 }] } },
    ]);
  });

  it('a pickup handed over unpaid is not booked until the till payment shows (finance retries)', async () => {
    webOrder('110', 'S1', 'PENDING');
    const handle = await start('110');
    expect((await settled('110')).step).toBe('awaiting-store');
    collectInStore('110');
    await handle.signal(storePickupUpdateSignal, {
      sitooOrderId: sitooOrderOf('110').orderId,
      key: 'state-10',
      kind: 'collected',
    });
    const parked = (await settled('110', ENDED)).exception;
    expect(parked).toMatchObject({
      type: 'payment-not-confirmed',
      owner: 'finance',
      details: {
        sitooOrderId: sitooOrderOf('110').orderId,
        paymentStateId: PaymentState.Pending,
        paid: '0.00',
        due: '398.00',
      },
    });
    expect(parked!.allowedActions).toEqual(['retry', 'skip']);
    expect(called('bookCollectedOrder', '110')).toHaveLength(0);
    // The goods left the store: the web order shows them handed over whatever the money did.
    expect(called('fulfilOnWeb', 'FO-110')).toHaveLength(1);
    // Still unpaid: a retry looks again and parks again.
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'retry', resolvedBy: 'finance' }] });
    await waitFor('parked again', async () => (await statusOf('110')).exception);
    expect(called('bookCollectedOrder', '110')).toHaveLength(0);
    // The till registers the payment afterwards; now the sale is booked from it.
    const o = sitooOrderOf('110');
    o.payments.push({ name: 'Cash', amountCents: 39800 });
    o.paymentStateId = PaymentState.Successful;
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'retry', resolvedBy: 'finance' }] });
    expect(await handle.result()).toMatchObject({ outcome: 'collected', erpOrderNumber: 'SO-110' });
    expect(called('bookCollectedOrder', '110')).toHaveLength(1);
  });

  it('an order only authorised on the web parks for finance before the store is asked; accept has the till take the payment', async () => {
    webOrder('111', 'S1', 'AUTHORIZED');
    const handle = await start('111');
    const parked = (await settled('111')).exception;
    expect(parked).toMatchObject({
      type: 'payment-not-confirmed',
      owner: 'finance',
      details: { webOrderId: '111', financialStatus: 'AUTHORIZED' },
    });
    expect(parked!.allowedActions).toEqual(['retry', 'accept', 'cancel-order']);
    expect(called('ensurePickupOrder', '111')).toHaveLength(0);
    await handle.executeUpdate(resolveUpdate, {
      args: [{ action: 'accept', reason: 'authorisation voided; the customer pays in store', resolvedBy: 'finance' }],
    });
    await waitFor('the pickup order to exist', async () => (await statusOf('111')).step === 'awaiting-store');
    expect(called('ensurePickupOrder', '111')).toMatchObject([{ input: { payment: 'pay-in-store' } }]);
    cancelOnWeb('111', 0);
    await handle.signal(webOrderCancelledSignal, { webhookId: 'wh-111' });
    expect((await handle.result()).outcome).toBe('cancelled');
  });

  it('a store gone from the mapping parks for whoever keeps the mapping, at the pickup order and at the booking, and goes on once it is back', async () => {
    webOrder('112');
    unmapped.add('S1');
    try {
      const handle = await start('112');
      const parked = (await settled('112')).exception;
      expect(parked).toMatchObject({
        type: 'unmapped-warehouse',
        owner: 'integration-ops',
        message: expect.stringMatching(/store S1 is no longer in the mapping/),
        details: { failureType: 'UnknownStore' },
      });
      expect(parked!.allowedActions).toEqual(['retry', 'cancel-order']);
      unmapped.delete('S1');
      await handle.executeUpdate(resolveUpdate, { args: [{ action: 'retry', resolvedBy: 'integration-ops' }] });
      await waitFor('the pickup order to exist', async () => (await statusOf('112')).step === 'awaiting-store');
      unmapped.add('S1');
      collectInStore('112');
      await handle.signal(storePickupUpdateSignal, {
        sitooOrderId: sitooOrderOf('112').orderId,
        key: 'state-10',
        kind: 'collected',
      });
      const atBooking = (await settled('112', ENDED)).exception;
      expect(atBooking).toMatchObject({
        type: 'unmapped-warehouse',
        owner: 'integration-ops',
        details: { failureType: 'UnknownStore' },
      });
      expect(atBooking!.allowedActions).toEqual(['retry']);
      unmapped.delete('S1');
      await handle.executeUpdate(resolveUpdate, { args: [{ action: 'retry', resolvedBy: 'integration-ops' }] });
      expect(await handle.result()).toMatchObject({ outcome: 'collected', erpOrderNumber: 'SO-112' });
    } finally {
      unmapped.delete('S1');
    }
  });
});
