import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReturnActivities } from '../../src/activities/return-activities';
import type { EcommercePort } from '../../src/connectors/ecommerce/port';
import type { ErpCreditMemo, ErpCreditMemoInput, ErpPort } from '../../src/connectors/erp/port';
import type { Mapping, StoreLocation } from '../../src/domain/mapping';
import type { SaleOrder } from '../../src/domain/sale';
import type { WebOrder } from '../../src/domain/web-order';
import { resolveUpdate, returnStatusQuery, type ReturnResult } from '../../src/workflows/return-in-store-contract';
import { SA } from '../../src/workflows/search-attributes';
import { TASK_QUEUES } from '../../src/workflows/task-queues';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { workflowSpanSinks } from '../../src/workers/tracing';

// The return flow's orchestration on a real server. Sitoo and the web shop are replaced by
// recorders; the ERP booking is the real activity over a recording ERP, so what the activity
// throws is what the workflow sees.
const store: StoreLocation = {
  storeId: 'S1',
  name: 'S1',
  sitooWarehouseId: 101,
  erpLocationCode: 'STORE01',
  erpCustomerNumber: 'POS-S1',
  webLocationId: 'gid://shopify/Location/1',
  region: 'west',
};
let mapping: Mapping = { stores: [store] };
const sitooOrders = new Map<number, SaleOrder>();
const webOrders = new Map<string, WebOrder>();
const calls: Array<{ name: string; input: any }> = [];
const refusals: string[] = [];
const memos: ErpCreditMemo[] = [];
/** Creates that the ERP will commit only after the client gave up: the memo it will land, once sent. */
const lateCommits = new Map<string, { sent?: ErpCreditMemo }>();

const erp = {
  async findSalesCreditMemos(ext: string) {
    return memos.filter((m) => m.externalDocumentNumber === ext);
  },
  async createSalesCreditMemo(input: ErpCreditMemoInput) {
    calls.push({ name: 'createSalesCreditMemo', input });
    const late = lateCommits.get(input.externalDocumentNumber);
    if (late && !late.sent) {
      // The ERP takes the create but answers too late: the client gives up; the test lands it later.
      late.sent = {
        id: `LATE-${input.externalDocumentNumber}`,
        number: `DRAFT-${memos.length + 1}`,
        externalDocumentNumber: input.externalDocumentNumber,
        customerNumber: input.customerNumber,
        pricesIncludeTax: true,
        status: 'Draft',
        posted: false,
        totalCents: input.lines.reduce((n, l) => n + l.quantity * l.unitPriceCents, 0),
        lines: input.lines.map((l) => ({ ...l })),
      };
      throw new Error('business-central POST salesCreditMemos failed: TimeoutError');
    }
    const memo: ErpCreditMemo = {
      id: `M${memos.length + 1}`,
      number: `PCM-${memos.length + 1}`,
      externalDocumentNumber: input.externalDocumentNumber,
      customerNumber: input.customerNumber,
      pricesIncludeTax: true,
      status: 'Open',
      posted: true,
      totalCents: input.lines.reduce((n, l) => n + l.quantity * l.unitPriceCents, 0),
      lines: input.lines.map((l) => ({ ...l })),
    };
    memos.push(memo);
    return memo;
  },
  async postSalesCreditMemo() {},
  async deleteSalesCreditMemo(id: string) {
    calls.push({ name: 'deleteSalesCreditMemo', input: { id } });
    memos.splice(
      memos.findIndex((m) => m.id === id),
      1,
    );
  },
} as unknown as ErpPort;
const returns = createReturnActivities({ erp, ecommerce: {} as EcommercePort, mapping: () => mapping });

const activities = {
  async readSitooOrder({ orderId }: { orderId: number }) {
    return sitooOrders.get(orderId) ?? null;
  },
  async resolveStoreLocation({ warehouseId }: { warehouseId: number | null }) {
    return warehouseId === store.sitooWarehouseId ? store : null;
  },
  async readWebOrder({ webOrderId }: { webOrderId: string }) {
    calls.push({ name: 'readWebOrder', input: { webOrderId } });
    return webOrders.get(webOrderId) ?? null;
  },
  async refundWebLines(input: any) {
    calls.push({ name: 'refundWebLines', input });
    const refusal = refusals.shift();
    if (refusal) throw ApplicationFailure.nonRetryable(refusal, 'EcommerceRejected');
    return {
      refundId: 'gid://shopify/Refund/1',
      amountCents: input.transactions.reduce((n: number, t: { amountCents: number }) => n + t.amountCents, 0),
    };
  },
  bookReturnInErp: returns.bookReturnInErp,
  sweepReturnTwins: returns.sweepReturnTwins,
};

function sitoo(orderId: number, o: Partial<SaleOrder>): SaleOrder {
  return {
    orderId,
    eshopId: 1,
    warehouseId: 101,
    orderStateId: 10,
    paymentStateId: 20,
    orderDate: 1796000000,
    currencyCode: 'SEK',
    externalId: null,
    creditOrderId: null,
    reservedUntil: null,
    additionalData: {},
    lines: [],
    payments: [],
    ...o,
  };
}

/** A collected web order (3 TEE paid 100.00 together after discounts, by gift card and card) and its Sitoo pickup order. */
function webSale(webId: string, pickupId: number): void {
  webOrders.set(webId, {
    id: `gid://shopify/Order/${webId}`,
    legacyId: webId,
    name: `#${webId}`,
    createdAt: '2026-11-30T10:00:00Z',
    cancelledAt: null,
    currencyCode: 'SEK',
    financialStatus: 'PAID',
    lines: [{ lineItemId: `L-${webId}`, sku: 'TEE', quantity: 3, unitPriceCents: 3333, paidCents: 10000 }],
    fulfillmentOrders: [],
    refundedQuantities: {},
    totalRefundedCents: 0,
    payments: [
      { transactionId: `G-${webId}`, gateway: 'gift_card', amountCents: 5000, refundedCents: 0 },
      { transactionId: `C-${webId}`, gateway: 'shopify_payments', amountCents: 5000, refundedCents: 0 },
    ],
  });
  sitooOrders.set(
    pickupId,
    sitoo(pickupId, { externalId: webId, additionalData: { weborder: 'true', 'web-orderid': webId } }),
  );
}
const returnOf = (orderId: number, original: number, quantity: number) =>
  sitooOrders.set(
    orderId,
    sitoo(orderId, {
      creditOrderId: original,
      lines: [{ sku: 'TEE', productName: 'Tee', quantity: -quantity, unitPriceGrossCents: 3333, vatPercent: 25 }],
    }),
  );

let t: TestTemporal;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  t = await connectTemporal('wf-return');
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
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await t?.close();
});

const start = (sitooOrderId: number, extra: { erpLateCommitWindow?: string } = {}) =>
  t.client.workflow.start('returnInStoreWorkflow', {
    workflowId: `return-1-${sitooOrderId}`,
    taskQueue: TASK_QUEUES.main,
    args: [{ accountId: 1, eshopId: 1, sitooOrderId, ...extra }],
  });
const parkedAs = (handle: Awaited<ReturnType<typeof start>>, type: string) =>
  waitFor(
    `the return to park as ${type}`,
    async () => {
      const s = await handle.query(returnStatusQuery);
      return s.exception?.type === type ? s.exception : undefined;
    },
    15_000,
  );

describe('returnInStoreWorkflow', () => {
  it('refunds what the returned units were paid, to the payments in the order paid, and credits exactly that', async () => {
    webSale('801', 800);
    returnOf(802, 800, 2);
    const result: ReturnResult = await (await start(802)).result();
    expect(result).toMatchObject({ outcome: 'refunded', refundCents: 6667 });
    const refund = calls.find(
      (c) => c.name === 'refundWebLines' && c.input.webOrderId === 'gid://shopify/Order/801',
    )!.input;
    expect(refund.lines).toEqual([{ lineItemId: 'L-801', sku: 'TEE', quantity: 2, amountCents: 6667 }]);
    expect(refund.transactions).toEqual([
      { transactionId: 'G-801', gateway: 'gift_card', amountCents: 5000 },
      { transactionId: 'C-801', gateway: 'shopify_payments', amountCents: 1667 },
    ]);
    const memo = calls.find((c) => c.name === 'createSalesCreditMemo' && c.input.externalDocumentNumber === 'WEB-801')!
      .input as ErpCreditMemoInput;
    expect(memo.lines.map((l) => [l.itemNumber, l.quantity, l.unitPriceCents])).toEqual([
      ['TEE', 1, 3333],
      ['TEE', 1, 3334],
    ]);
  });

  it('a credit memo whose create landed after the client gave up is taken back once no late create can land', async () => {
    // Before: the retry created a second memo and the late one stayed beside it as a draft.
    webSale('841', 840);
    returnOf(842, 840, 1);
    const late: { sent?: ErpCreditMemo } = {};
    lateCommits.set('WEB-841', late);
    const handle = await start(842, { erpLateCommitWindow: '2s' });
    // The retry has booked and posted its own memo; the return now waits out the window.
    await waitFor('the return to wait for late creates', async () => {
      const history = await handle.fetchHistory();
      return history.events?.some((e) => e.timerStartedEventAttributes) ?? false;
    });
    memos.push(late.sent!); // the held-back create lands now, after the retry's memo
    const result: ReturnResult = await handle.result();
    expect(result).toMatchObject({ outcome: 'refunded' });
    expect(calls.filter((c) => c.name === 'deleteSalesCreditMemo').map((c) => c.input.id)).toEqual(['LATE-WEB-841']);
    expect(memos.filter((m) => m.externalDocumentNumber === 'WEB-841').map((m) => m.status)).toEqual(['Open']);
  });

  it('parks a return whose Sitoo order cannot be read (order-not-found) instead of failing, and a retry reads it again', async () => {
    webSale('811', 810);
    const handle = await start(812);
    const parked = await parkedAs(handle, 'order-not-found');
    expect(parked).toMatchObject({
      owner: 'retail-ops',
      allowedActions: ['retry', 'skip'],
      details: { sitooOrderId: 812 },
    });
    returnOf(812, 810, 1);
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'retry', resolvedBy: 'test' }] });
    expect(await handle.result()).toMatchObject({ outcome: 'refunded', refundCents: 3333 });
  });

  it('files a return under no-store while its order cannot be read, then under the unmapped warehouse it names', async () => {
    // Before: neither exception carried a StoreId, so no store's view (nor the unmapped ones') found them.
    webSale('851', 850);
    const handle = await start(852);
    await parkedAs(handle, 'order-not-found');
    const storeId = () =>
      waitFor('StoreId', async () => (await handle.describe()).typedSearchAttributes.get(SA.storeId));
    expect(await storeId()).toBe('no-store');
    sitooOrders.set(
      852,
      sitoo(852, {
        warehouseId: 555,
        creditOrderId: 850,
        lines: [{ sku: 'TEE', productName: 'Tee', quantity: -1, unitPriceGrossCents: 3333, vatPercent: 25 }],
      }),
    );
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'retry' }] });
    await parkedAs(handle, 'unmapped-warehouse');
    await waitFor('filed under the warehouse', async () => (await storeId()) === 'sitoo-warehouse-555');
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'skip', reason: 'test' }] });
    expect(await handle.result()).toMatchObject({ outcome: 'skipped' });
  });

  it('parks a store gone from the mapping as unmapped-warehouse instead of retrying forever, and books once it is back', async () => {
    webSale('821', 820);
    returnOf(822, 820, 1);
    mapping = { ...mapping, stores: [] };
    try {
      const handle = await start(822);
      const parked = await parkedAs(handle, 'unmapped-warehouse');
      expect(parked).toMatchObject({
        owner: 'integration-ops',
        message: expect.stringMatching(/store S1, which took return 822 back, is no longer in the mapping/),
        details: { failureType: 'UnknownStore' },
      });
      mapping = { ...mapping, stores: [store] };
      await handle.executeUpdate(resolveUpdate, { args: [{ action: 'retry', resolvedBy: 'test' }] });
      expect(await handle.result()).toMatchObject({
        outcome: 'refunded',
        creditMemoNumber: expect.stringMatching(/^PCM-/),
      });
    } finally {
      mapping = { ...mapping, stores: [store] };
    }
  });

  it('parks a refund the shop refuses, and a retry plans again from the order as it is now, under a new key', async () => {
    webSale('831', 830);
    returnOf(832, 830, 1);
    refusals.push(
      'shopify RefundLines refused: Refund of 33.33 exceeds the 0.00 left to refund on transaction G-831 (gift_card).',
    );
    const handle = await start(832);
    const parked = await parkedAs(handle, 'ecommerce-rejected');
    expect(parked.message).toMatch(/exceeds the 0\.00 left/);
    // Meanwhile someone gave the gift card money back by hand.
    const order = webOrders.get('831')!;
    webOrders.set('831', {
      ...order,
      payments: [{ ...order.payments![0]!, refundedCents: 5000 }, order.payments![1]!],
    });
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'retry', resolvedBy: 'test' }] });
    expect(await handle.result()).toMatchObject({ outcome: 'refunded', refundCents: 3333 });
    const attempts = calls
      .filter((c) => c.name === 'refundWebLines' && c.input.webOrderId === 'gid://shopify/Order/831')
      .map((c) => [c.input.idempotencyKey, c.input.transactions]);
    expect(attempts).toEqual([
      ['return-1-832', [{ transactionId: 'G-831', gateway: 'gift_card', amountCents: 3333 }]],
      ['return-1-832:1', [{ transactionId: 'C-831', gateway: 'shopify_payments', amountCents: 3333 }]],
    ]);
  });
});
