import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SaleActivities } from '../../src/activities/sale-activities';
import type { StoreLocation } from '../../src/domain/mapping';
import { PaymentState, type SaleOrder } from '../../src/domain/sale';
import { startSale } from '../../src/client/sale-starts';
import {
  resolveSignal,
  resolveUpdate,
  sitooOrderUpdatedSignal,
  statusQuery,
  type SaleWorkflowInput,
} from '../../src/workflows/sale-contract';
import { SA } from '../../src/workflows/search-attributes';
import { TASK_QUEUES } from '../../src/workflows/task-queues';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { workflowSpanSinks } from '../../src/workers/tracing';

// Workflow tests replace the activities with in-memory fakes; the server and the workflow code are real.
const store: StoreLocation = {
  storeId: 'S01',
  name: 'Stockholm',
  sitooWarehouseId: 101,
  erpLocationCode: 'STORE01',
  erpCustomerNumber: 'POS-S01',
  webLocationId: 'gid://shopify/Location/1',
};
const orders = new Map<number, SaleOrder>();
const erpItems = new Set(['SKU-1', 'SKU-2']);
const erpOrders = new Map<
  number,
  { id: string; number: string; posted: boolean; lines: number; locationCode: string }
>();
let erpRefuses = false;

const saleActivities: SaleActivities = {
  async readSitooOrder({ orderId }) {
    return orders.get(orderId) ?? null;
  },
  async resolveStoreLocation({ warehouseId }) {
    return warehouseId === store.sitooWarehouseId ? store : null;
  },
  async findUnknownErpItems({ skus }) {
    return skus.filter((s) => !erpItems.has(s));
  },
  async createErpSalesOrder({ order, store: s, externalDocumentNumber, customerNumber }) {
    erpKeys.set(order.orderId, { externalDocumentNumber, customerNumber });
    if (erpRefuses) throw ApplicationFailure.nonRetryable('Customer POS-S01 is blocked', 'ErpRejected');
    const existing = erpOrders.get(order.orderId);
    if (existing) return existing;
    const created = {
      id: `id-${order.orderId}`,
      number: `SO${order.orderId}`,
      posted: false,
      lines: order.lines.length,
      locationCode: s.erpLocationCode,
      lateTwinPossible: lateTwins.has(order.orderId),
    };
    erpOrders.set(order.orderId, created);
    return created;
  },
  async postErpSalesOrder({ orderId }) {
    const doc = erpOrders.get(orderId)!;
    doc.posted = true;
    return doc;
  },
  async sweepErpSaleTwins(input) {
    sweeps.push(input);
    return lateTwins.get(input.orderId) ?? 0;
  },
};
/** Orders whose booking needed a second attempt, with how many late twins the sweep will find. */
const lateTwins = new Map<number, number>();
const erpKeys = new Map<number, { externalDocumentNumber?: string; customerNumber?: string }>();
const sweeps: Array<Parameters<SaleActivities['sweepErpSaleTwins']>[0]> = [];

let nextOrderId = 1000;
function newOrder(overrides: Partial<SaleOrder> = {}): SaleOrder {
  const order: SaleOrder = {
    orderId: nextOrderId++,
    eshopId: 1,
    warehouseId: 101,
    orderStateId: 10,
    paymentStateId: PaymentState.Successful,
    orderDate: 1_790_000_000,
    currencyCode: 'SEK',
    externalId: null,
    creditOrderId: null,
    reservedUntil: null,
    additionalData: {},
    lines: [{ sku: 'SKU-1', productName: 'Shirt', quantity: 2, unitPriceGrossCents: 19900, vatPercent: 25 }],
    payments: [{ name: 'Card', amountCents: 39800 }],
    ...overrides,
  };
  orders.set(order.orderId, order);
  return order;
}

let t: TestTemporal;
let workers: Worker[];
let running: Promise<unknown>;

function start(order: SaleOrder, timeout: string | number = '1h', extra: Partial<SaleWorkflowInput> = {}) {
  const input: SaleWorkflowInput = {
    accountId: 10020,
    eshopId: 1,
    orderId: order.orderId,
    paymentConfirmationTimeout: timeout,
    source: 'manual',
    ...extra,
  };
  return t.client.workflow.start('saleWorkflow', {
    workflowId: `sale-10020-${order.orderId}`,
    taskQueue: TASK_QUEUES.main,
    args: [input],
  });
}

/** A refused update fails with WorkflowUpdateFailedError; the validator's message is its cause. */
async function refused(update: Promise<unknown>, message: RegExp) {
  const err = await update.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(String((err as Error).cause)).toMatch(message);
}

/** What the Temporal UI shows at the top of a workflow's page: its current details. */
async function currentDetails(handle: Awaited<ReturnType<typeof start>>): Promise<string> {
  return (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails ?? '';
}

/** How the page shows a time: date and minutes, UTC. */
const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

async function parkedAs(handle: Awaited<ReturnType<typeof start>>, type: string) {
  return waitFor(`parked as ${type}`, async () => {
    const status = await handle.query(statusQuery);
    return status.exception?.type === type ? status : undefined;
  });
}

beforeAll(async () => {
  t = await connectTemporal('wf-sale');
  workers = await Promise.all([
    // No inventory worker: web stock follows Sitoo's warehouse transactions, not the sale workflow.
    Worker.create({
      connection: t.nativeConnection,
      dataConverter: t.dataConverter,
      namespace: t.namespace,
      taskQueue: TASK_QUEUES.main,
      workflowBundle: t.workflowBundle,
      sinks: workflowSpanSinks(),
      activities: saleActivities,
    }),
  ]);
  running = Promise.all(workers.map((w) => w.run()));
});

afterAll(async () => {
  workers?.forEach((w) => w.shutdown());
  await running;
  await t?.close();
});

describe('saleWorkflow', () => {
  it('books a paid sale in the ERP at the mapped location, leaving web stock to the stock flow', async () => {
    const order = newOrder();
    const result = await (await start(order)).result();
    expect(result).toMatchObject({
      outcome: 'completed',
      storeId: 'S01',
      erpOrderNumber: `SO${order.orderId}`,
      webStock: [],
    });
    expect(erpOrders.get(order.orderId)).toMatchObject({ posted: true, locationCode: 'STORE01' });
  });

  it('waits for a late payment and books only after it is confirmed', async () => {
    const order = newOrder({ paymentStateId: PaymentState.Pending });
    const handle = await start(order);
    await waitFor('awaiting payment', async () => (await handle.query(statusQuery)).step === 'awaiting-payment');
    expect(erpOrders.has(order.orderId)).toBe(false);
    orders.set(order.orderId, { ...order, paymentStateId: PaymentState.Successful });
    await handle.signal(sitooOrderUpdatedSignal, { eventId: 'evt-paid' });
    expect((await handle.result()).outcome).toBe('completed');
    expect(erpOrders.get(order.orderId)?.posted).toBe(true);
  });

  it('parks an unpaid sale as payment-not-confirmed after the deadline, with search attributes, and creates no order', async () => {
    const order = newOrder({ paymentStateId: PaymentState.Pending });
    const handle = await start(order, '1s');
    const status = await parkedAs(handle, 'payment-not-confirmed');
    expect(status.exception).toMatchObject({ owner: 'finance', allowedActions: ['retry', 'skip'] });
    const sa = await waitFor('search attributes', async () => {
      const d = await handle.describe();
      return d.typedSearchAttributes.get(SA.exceptionType) ? d.typedSearchAttributes : undefined;
    });
    expect(sa.get(SA.exceptionOwner)).toBe('finance');
    expect(sa.get(SA.storeId)).toBe('S01');
    const outcome = await handle.executeUpdate(resolveUpdate, {
      args: [{ action: 'skip', reason: 'customer walked out', resolvedBy: 'finance@test' }],
    });
    expect(outcome).toMatchObject({ exceptionType: 'payment-not-confirmed', action: 'skip' });
    expect((await handle.result()).outcome).toBe('skipped');
    expect(erpOrders.has(order.orderId)).toBe(false);
  });

  it('parks an unmapped warehouse, refuses nonsense resolutions, and continues with a corrected mapping', async () => {
    const order = newOrder({ warehouseId: 999 });
    const handle = await start(order);
    await parkedAs(handle, 'unmapped-warehouse');
    await refused(
      handle.executeUpdate(resolveUpdate, { args: [{ action: 'explode' } as never] }),
      /action must be one of/,
    );
    await refused(
      handle.executeUpdate(resolveUpdate, { args: [{ action: 'retry-with-mapping' }] }),
      /mapping is required/,
    );
    await refused(
      handle.executeUpdate(resolveUpdate, {
        args: [
          {
            action: 'retry-with-mapping',
            mapping: {
              storeId: 'S09',
              erpLocationCode: '',
              erpCustomerNumber: 'POS-S09',
              webLocationId: 'gid://shopify/Location/1',
            },
          },
        ],
      }),
      /mapping.erpLocationCode/,
    );
    await handle.executeUpdate(resolveUpdate, {
      args: [
        {
          action: 'retry-with-mapping',
          mapping: {
            storeId: 'S09',
            erpLocationCode: 'STORE09',
            erpCustomerNumber: 'POS-S09',
            webLocationId: 'gid://shopify/Location/1',
          },
        },
      ],
    });
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'completed', storeId: 'S09' });
    expect(erpOrders.get(order.orderId)?.locationCode).toBe('STORE09');
    expect((await handle.query(statusQuery)).resolutions).toHaveLength(1);
  });

  it("files an unmapped warehouse under the warehouse, so the store's queue can be found before the store is known", async () => {
    // Before: no StoreId at all until a mapping existed, so a pop-up store's exceptions could not be listed by store.
    const order = newOrder({ warehouseId: 777 });
    const handle = await start(order);
    await parkedAs(handle, 'unmapped-warehouse');
    const sa = await waitFor('StoreId set', async () =>
      (await handle.describe()).typedSearchAttributes.get(SA.storeId),
    );
    expect(sa).toBe('sitoo-warehouse-777');
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'skip', reason: 'test' }] });
    expect((await handle.result()).outcome).toBe('skipped');
  });

  it("books under a key scoped to the account and the store's customer", async () => {
    // Before: the bare order id, which any other document could carry and make the sale look booked.
    const order = newOrder();
    expect((await (await start(order)).result()).outcome).toBe('completed');
    expect(erpKeys.get(order.orderId)).toEqual({
      externalDocumentNumber: `SITOO-10020-${order.orderId}`,
      customerNumber: 'POS-S01',
    });
  });

  it('sweeps for a late twin once the ERP can no longer commit one, when booking needed a second attempt', async () => {
    const order = newOrder();
    lateTwins.set(order.orderId, 1);
    const handle = await start(order, '1h', { erpLateCommitWindow: '1s' });
    const result = await handle.result();
    expect(result.outcome).toBe('completed');
    expect(sweeps.filter((s) => s.orderId === order.orderId)).toEqual([
      { orderId: order.orderId, externalDocumentNumber: `SITOO-10020-${order.orderId}`, customerNumber: 'POS-S01' },
    ]);
    expect((await handle.query(statusQuery)).erpTwinsRemoved).toBe(1);
    // A booking that went through at the first attempt has nothing in flight: no sweep, no wait.
    const plain = newOrder();
    await (await start(plain)).result();
    expect(sweeps.some((s) => s.orderId === plain.orderId)).toBe(false);
  });

  it('parks an unknown SKU until master data is fixed, then retries', async () => {
    const order = newOrder({
      lines: [{ sku: 'SKU-NEW', productName: 'New', quantity: 1, unitPriceGrossCents: 1000, vatPercent: 25 }],
    });
    const handle = await start(order);
    const status = await parkedAs(handle, 'unknown-sku');
    expect(status.exception).toMatchObject({ owner: 'master-data', details: { skus: ['SKU-NEW'], system: 'erp' } });
    expect(erpOrders.has(order.orderId)).toBe(false);
    erpItems.add('SKU-NEW');
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'retry' }] });
    expect((await handle.result()).outcome).toBe('completed');
    expect(erpOrders.get(order.orderId)?.posted).toBe(true);
  });

  it('parks a permanent ERP refusal with finance as owner and retries after the fix', async () => {
    const order = newOrder();
    erpRefuses = true;
    const handle = await start(order);
    const status = await parkedAs(handle, 'erp-rejected');
    expect(status.exception?.message).toMatch(/blocked/);
    expect(status.exception?.owner).toBe('finance');
    erpRefuses = false;
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'retry', reason: 'customer unblocked' }] });
    expect((await handle.result()).outcome).toBe('completed');
  });

  it('hands a refund over to its return workflow instead of booking it as a sale', async () => {
    const order = newOrder({
      creditOrderId: 1,
      lines: [{ sku: 'SKU-1', productName: 'Shirt', quantity: -1, unitPriceGrossCents: 19900, vatPercent: 25 }],
    });
    const result = await (await start(order)).result();
    expect(result).toMatchObject({ outcome: 'handed-over', reason: `a return: return-10020-${order.orderId}` });
    expect(erpOrders.has(order.orderId)).toBe(false);
    // The return workflow is on its own now; this test's fake activities cannot serve it.
    await t.client.workflow.getHandle(`return-10020-${order.orderId}`).terminate('not under test here');
  });

  it('relays a web pickup order to its click & collect workflow rather than booking it as a till sale', async () => {
    const order = newOrder({ externalId: '9001', additionalData: { weborder: 'true', 'web-orderid': '9001' } });
    const result = await (await start(order)).result();
    // No click & collect workflow exists here, so nothing to relay to: nothing booked either.
    expect(result).toMatchObject({ outcome: 'ignored', reason: 'web order 9001 has no click & collect workflow' });
    expect(erpOrders.has(order.orderId)).toBe(false);
  });

  it('a payment wait that is not a duration fails the sale at once, naming the field, not its workflow task over and over', async () => {
    const order = newOrder({ paymentStateId: PaymentState.Pending });
    const failure = await (await start(order, 'later')).result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toMatchObject({
      type: 'InvalidDurationError',
      message: 'paymentConfirmationTimeout "later" is not a duration like 30s, 15m, 2h or 1d',
    });
  });

  it('a late-commit window that is not a duration fails the sale, naming the field, instead of failing its workflow task for ever', async () => {
    // Before: the window went to sleep() as it came, whose parse error failed the workflow task,
    // which Temporal retries without end: the sale hung with no failure anyone would see.
    const order = newOrder();
    lateTwins.set(order.orderId, 1);
    const failure = await (await start(order, '1h', { erpLateCommitWindow: 'soon' })).result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toMatchObject({
      type: 'InvalidDurationError',
      message: 'erpLateCommitWindow "soon" is not a duration like 30s, 15m, 2h or 1d',
    });
  });

  it('a refused resolve update reads as one plain sentence: no type, no stack, not retryable', async () => {
    // Before: a plain Error, shown by the CLI as "(type: Error, retryable: true)" and by the UI with a stack.
    const order = newOrder({ paymentStateId: PaymentState.Pending });
    const handle = await start(order, '1s');
    await parkedAs(handle, 'payment-not-confirmed');
    const err = await handle
      .executeUpdate(resolveUpdate, { args: [{ action: 'use-store', storeId: 'S03' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.message).toBe(
      'action "use-store" does not apply to a payment-not-confirmed exception; allowed: retry, skip',
    );
    expect(cause.nonRetryable).toBe(true);
    expect(cause.type ?? undefined).toBeUndefined();
    expect(cause.stack).toBe('');
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'skip' }] });
  });

  it('the resolve signal records a refused input without changing anything, and applies a valid one as the update does', async () => {
    // Before: there was no resolve signal; a tool that can only signal could not resolve at all.
    const order = newOrder({ paymentStateId: PaymentState.Pending });
    const handle = await start(order, '1s');
    const parked = await parkedAs(handle, 'payment-not-confirmed');
    await handle.signal(resolveSignal, { action: 'use-store', storeId: 'S03' });
    const refusedStatus = await waitFor('the refusal in the status', async () => {
      const status = await handle.query(statusQuery);
      return status.lastRefusal ? status : undefined;
    });
    expect(refusedStatus.lastRefusal).toMatchObject({
      input: { action: 'use-store', storeId: 'S03' },
      reason: 'action "use-store" does not apply to a payment-not-confirmed exception; allowed: retry, skip',
    });
    // Nothing changed: still parked on the same exception, nothing resolved.
    expect(refusedStatus.exception).toEqual(parked.exception);
    expect(refusedStatus.resolutions).toEqual([]);
    expect(refusedStatus.step).toBe('parked');
    // In the history (a memo change beside the signal) and on the page.
    const memo = (await handle.describe()).memo as { lastResolveRefusal?: { reason: string } } | undefined;
    expect(memo?.lastResolveRefusal?.reason).toMatch(/does not apply to a payment-not-confirmed exception/);
    expect(await currentDetails(handle)).toMatch(
      /\n\nResolve signal refused at \d{4}-\d\d-\d\d \d\d:\d\d UTC: action "use-store" does not apply/,
    );
    // Not even an object: refused as well.
    await handle.signal(resolveSignal, 'skip' as never);
    await waitFor('the second refusal', async () =>
      (await handle.query(statusQuery)).lastRefusal?.reason.startsWith('resolution must be an object'),
    );

    await handle.signal(resolveSignal, { action: 'skip', reason: 'customer walked out', resolvedBy: 'finance' });
    expect(await handle.result()).toMatchObject({
      outcome: 'skipped',
      reason: 'payment-not-confirmed skipped: customer walked out',
    });
    const status = await handle.query(statusQuery);
    expect(status.resolutions).toMatchObject([
      { action: 'skip', exceptionType: 'payment-not-confirmed', resolvedBy: 'finance', via: 'signal' },
    ]);
    expect(erpOrders.has(order.orderId)).toBe(false);
  });

  it('a valid resolve signal retries exactly as the update does', async () => {
    const order = newOrder({
      lines: [{ sku: 'SKU-SIG', productName: 'New', quantity: 1, unitPriceGrossCents: 1000, vatPercent: 25 }],
    });
    const handle = await start(order);
    await parkedAs(handle, 'unknown-sku');
    erpItems.add('SKU-SIG');
    await handle.signal(resolveSignal, { action: 'retry', reason: 'item created' });
    expect((await handle.result()).outcome).toBe('completed');
    expect(erpOrders.get(order.orderId)?.posted).toBe(true);
    expect((await handle.query(statusQuery)).resolutions).toMatchObject([{ action: 'retry', via: 'signal' }]);
  });

  it('a parked sale is filed by store and age, and its page says what is wrong, whose it is and how to resolve it', async () => {
    // Before: no ExceptionSince (no way to find the overdue) and no details on the page.
    const order = newOrder({ paymentStateId: PaymentState.Pending });
    const handle = await start(order, '1s');
    const parked = await parkedAs(handle, 'payment-not-confirmed');
    const since = parked.exception!.since;
    const sa = await waitFor('ExceptionSince set', async () => {
      const attributes = (await handle.describe()).typedSearchAttributes;
      return attributes.get(SA.exceptionSince) ? attributes : undefined;
    });
    expect(sa.get(SA.exceptionSince)?.toISOString()).toBe(since);
    expect(sa.get(SA.storeId)).toBe('S01');
    expect(await currentDetails(handle)).toBe(
      `Parked: payment-not-confirmed at S01 (Stockholm) — owner finance — since ${utc(since)} — resolve with retry or skip; input \`{"action":"retry","reason":"...","resolvedBy":"..."}\`\n\n` +
        'Payment not confirmed within 1s',
    );
    const overdue = `ExceptionSince < "${new Date(Date.parse(since) + 1000).toISOString()}" AND WorkflowId = "${handle.workflowId}"`;
    await waitFor('found as overdue', async () => (await t.client.workflow.count(overdue)).count === 1);

    orders.set(order.orderId, { ...order, paymentStateId: PaymentState.Successful });
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'retry', reason: 'paid at the till' }] });
    expect((await handle.result()).outcome).toBe('completed');
    const after = (await handle.describe()).typedSearchAttributes;
    expect(after.get(SA.exceptionSince)).toBeUndefined();
    expect(after.get(SA.exceptionType)).toBeUndefined();
    expect(await currentDetails(handle)).toMatch(
      /^completed at S01 \(Stockholm\) — since \d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
    );
  });

  it('an order Sitoo does not have is filed under no-store, since no store can be named for it', async () => {
    // Before: parked before the store was known, so it carried no StoreId and no store view found it.
    const orderId = nextOrderId++;
    const handle = await t.client.workflow.start('saleWorkflow', {
      workflowId: `sale-10020-${orderId}`,
      taskQueue: TASK_QUEUES.main,
      args: [
        {
          accountId: 10020,
          eshopId: 1,
          orderId,
          paymentConfirmationTimeout: '1h',
          source: 'manual',
        } satisfies SaleWorkflowInput,
      ],
    });
    await parkedAs(handle, 'order-not-found');
    const sa = await waitFor('StoreId set', async () => {
      const attributes = (await handle.describe()).typedSearchAttributes;
      return attributes.get(SA.storeId) ? attributes : undefined;
    });
    expect(sa.get(SA.storeId)).toBe('no-store');
    expect(await currentDetails(handle)).toMatch(/^Parked: order-not-found at no-store — owner retail-ops — /);
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'skip' }] });
  });

  it('a sale started through the client carries a static summary with its business id, and its activities carry theirs', async () => {
    const order = newOrder();
    await startSale(
      t.client,
      { accountId: 10020, eshopId: 1, paymentConfirmationTimeout: '1h' },
      order.orderId,
      'poll',
    );
    const handle = t.client.workflow.getHandle(`sale-10020-${order.orderId}`);
    expect((await handle.result()).outcome).toBe('completed');
    expect(await (await handle.describe()).staticSummary()).toBe(`Sitoo order 10020-${order.orderId} (from the poll)`);
    expect(await activitySummaries(handle.workflowId)).toEqual([
      `Read Sitoo order ${order.orderId}`,
      'Find the store of Sitoo warehouse 101',
      'Check 1 item(s) in the ERP',
      `Create ERP sales order SITOO-10020-${order.orderId} (customer POS-S01)`,
      `Post ERP sales order SITOO-10020-${order.orderId}`,
    ]);
  });
});

/** The summaries of the activities a workflow scheduled, in order, decoded as the UI decodes them. */
async function activitySummaries(workflowId: string): Promise<string[]> {
  const history = await t.client.workflow.getHandle(workflowId).fetchHistory();
  const summaries: string[] = [];
  for (const event of history.events ?? []) {
    const summary = event.activityTaskScheduledEventAttributes && event.userMetadata?.summary;
    if (!summary) continue;
    const [decoded] = await t.dataConverter.payloadCodecs!.reduceRight(
      async (payloads, codec) => codec.decode(await payloads),
      Promise.resolve([summary]),
    );
    summaries.push(JSON.parse(Buffer.from(decoded!.data!).toString('utf8')) as string);
  }
  return summaries;
}
