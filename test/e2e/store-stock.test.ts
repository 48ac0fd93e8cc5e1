import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stockAdjustmentWorkflowId } from '../../src/domain/ids';
import type { LocalStack } from '../../src/local/stack';
import { ensureSitooPollSchedule } from '../../src/client/sitoo-poll-schedule';
import { signalStockChanged } from '../../src/client/stock-starts';
import type { SitooPollInput } from '../../src/workflows/sitoo-poll-contract';
import type { StockDriftResult } from '../../src/workflows/stock-contract';
import { stockAdjustmentStatusQuery } from '../../src/workflows/stock-contract';
import { TASK_QUEUES } from '../../src/workflows/task-queues';
import { connectTemporal, triggerSchedule, waitFor, type TestTemporal } from '../support/temporal';
import {
  ecommerceRequests,
  expectedStoreWeb,
  saleResult,
  sell,
  startTestStack,
  stockStatus,
  webLocation,
  webMatchesStore,
} from './stack-fixture';

// Store stock end to end: Sitoo warehouse transactions -> receiver -> stock coalescer -> web shop and ERP.
let t: TestTemporal;
let stack: LocalStack;

beforeAll(async () => {
  t = await connectTemporal('e2e-store-stock');
  stack = await startTestStack(t, 'store-stock', { buffers: { bySku: { 'CAP-1': 3 }, byCategory: {} } });
});

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

describe('store stock reaches the web shop', () => {
  it('a till sale moves web stock to what Sitoo holds, and the sale flow books the ERP order without touching web stock', async () => {
    const sale = sell(stack, 101, [['TEE-1', 2]]);
    await webMatchesStore(stack, 'S01', ['TEE-1']);
    expect(stack.ecommerce.state.getAvailable('TEE-1', webLocation(stack, 'S01'))).toBe(98);
    const result = await saleResult(stack, sale.orderId);
    expect(result).toMatchObject({ outcome: 'completed', webStock: [] });
  });

  it('a burst of concurrent sales on one SKU ends exactly at the master value, in fewer web writes than sales', async () => {
    const before = ecommerceRequests(stack);
    const sales = Array.from({ length: 40 }, (_, i) => sell(stack, 102, [['BOOK-1', 1 + (i % 2)]]));
    await webMatchesStore(stack, 'S02', ['BOOK-1']);
    expect(stack.ecommerce.state.getAvailable('BOOK-1', webLocation(stack, 'S02'))).toBe(100 - 60);
    const requests = ecommerceRequests(stack) - before;
    expect(requests).toBeLessThan(sales.length / 2);
  });

  it('holds back the buffer and open reservations from the web', async () => {
    stack.sitoo.pos.setReserved(101, 'CAP-1', 4);
    sell(stack, 101, [['CAP-1', 1]]);
    await webMatchesStore(stack, 'S01', ['CAP-1']);
    // 100 on hand - 1 sold - 3 buffer - 4 reserved
    expect(stack.ecommerce.state.getAvailable('CAP-1', webLocation(stack, 'S01'))).toBe(92);
  });

  it('a compare-and-set conflict re-reads and still lands on the master value, never a stale one', async () => {
    const location = webLocation(stack, 'S02');
    // A first sale makes the inventory worker remember the level it wrote...
    sell(stack, 102, [['TEE-1', 1]]);
    await webMatchesStore(stack, 'S02', ['TEE-1']);
    // ...then someone else (a web order) changes it behind the integration's back.
    stack.ecommerce.state.setAvailable('TEE-1', location, 7);
    const staleBefore = (await stockStatus(stack)).totals.staleRetries;
    sell(stack, 102, [['TEE-1', 1]]);
    await webMatchesStore(stack, 'S02', ['TEE-1']);
    expect(stack.ecommerce.state.getAvailable('TEE-1', location)).toBe(expectedStoreWeb(stack, 'S02', 'TEE-1'));
    await waitFor(
      'the coalescer to report the conflict',
      async () => (await stockStatus(stack)).totals.staleRetries > staleBefore,
    );
  });

  it('lost responses and throttling on the web shop neither double-apply nor surface as errors', async () => {
    stack.ecommerce.faults.set({ lostResponseRate: 0.4, throttleRate: 0.2 });
    try {
      for (let i = 0; i < 15; i++)
        sell(stack, 101, [
          ['TEE-1', 1],
          ['BOOK-1', 1],
        ]);
      await webMatchesStore(stack, 'S01', ['TEE-1', 'BOOK-1'], 60_000);
    } finally {
      stack.ecommerce.faults.reset();
    }
    expect(stack.ecommerce.state.getAvailable('BOOK-1', webLocation(stack, 'S01'))).toBe(
      stack.sitoo.state.getStock(101, 'BOOK-1'),
    );
  });
});

describe('store stock changes other than sales', () => {
  it('a stock-taking, a manual adjustment and a transfer reach the web at each store and the ERP at each mapped location, once', async () => {
    stack.erp.faults.set({ lostResponseRate: 0.5 });
    const counted = stack.sitoo.pos.stockTake(101, { 'BOOK-1': 50 });
    const adjusted = stack.sitoo.pos.adjustStock(102, [{ sku: 'CAP-1', quantity: -2 }], { reason: 'damaged' });
    const { outId, inId } = stack.sitoo.pos.transfer(101, 102, [{ sku: 'TEE-1', quantity: 5 }]);
    await webMatchesStore(stack, 'S01', ['BOOK-1', 'TEE-1']);
    await webMatchesStore(stack, 'S02', ['CAP-1', 'TEE-1']);
    for (const id of [counted, adjusted, outId, inId]) {
      // The ERP records are started by the flush that wrote the web, so they may not exist yet.
      const handle = stack.client.workflow.getHandle(stockAdjustmentWorkflowId(stack.env.SITOO_ACCOUNT_ID, id));
      const status = await waitFor(`the ERP record of transaction ${id}`, () => handle.result().catch(() => undefined));
      expect(status.step).toBe('recorded');
    }
    stack.erp.faults.reset();
    const adjustments = stack.erp.state.stockAdjustments();
    for (const id of [counted, adjusted, outId, inId])
      expect(adjustments.filter((a) => a.externalDocumentNumber === `WT-${id}`)).toHaveLength(1);
    const lines = (id: number) => adjustments.find((a) => a.externalDocumentNumber === `WT-${id}`)!;
    expect(lines(outId)).toMatchObject({ locationCode: 'STORE01', lines: [{ itemNumber: 'TEE-1', quantity: -5 }] });
    expect(lines(inId)).toMatchObject({ locationCode: 'STORE02', lines: [{ itemNumber: 'TEE-1', quantity: 5 }] });
    expect(lines(adjusted)).toMatchObject({ locationCode: 'STORE02', lines: [{ itemNumber: 'CAP-1', quantity: -2 }] });
    expect(lines(counted).locationCode).toBe('STORE01');
  });

  it('a stock change at a warehouse nobody mapped parks as unmapped-warehouse, with its transaction', async () => {
    const id = stack.sitoo.pos.adjustStock(199, [{ sku: 'TEE-1', quantity: 3 }]);
    const handle = stack.client.workflow.getHandle(stockAdjustmentWorkflowId(stack.env.SITOO_ACCOUNT_ID, id));
    const status = await waitFor('the ERP record to park', async () => {
      const s = await handle.query(stockAdjustmentStatusQuery).catch(() => undefined);
      return s?.exception?.type === 'unmapped-warehouse' ? s : undefined;
    });
    expect(status.exception).toMatchObject({
      owner: 'integration-ops',
      details: { warehouseId: 199, transactionId: id },
    });
    expect((await stockStatus(stack)).unmappedWarehouses).toContain(199);
  });

  it('a stock change whose event never came is caught by the polling schedule: web and ERP both follow', async () => {
    await stack.sitoo.events.stop();
    try {
      const id = stack.sitoo.pos.adjustStock(101, [{ sku: 'BOOK-1', quantity: 7 }], {
        reason: 'found in the back room',
      });
      const scheduleId = await ensureSitooPollSchedule(stack.client, {
        accountId: stack.env.SITOO_ACCOUNT_ID,
        every: '1h',
        fromOrderId: 1_000_000,
        fromTransactionId: id,
      });
      const schedule = stack.client.schedule.getHandle(scheduleId);
      await triggerSchedule(schedule);
      await webMatchesStore(stack, 'S01', ['BOOK-1']);
      const handle = stack.client.workflow.getHandle(stockAdjustmentWorkflowId(stack.env.SITOO_ACCOUNT_ID, id));
      expect(
        (await waitFor('the missed change recorded in the ERP', () => handle.result().catch(() => undefined))).step,
      ).toBe('recorded');
      expect(stack.erp.state.stockAdjustments().filter((a) => a.externalDocumentNumber === `WT-${id}`)).toHaveLength(1);
      await waitFor(
        'the transaction cursor moved past it',
        async () => ((await schedule.describe()).action.args?.[0] as SitooPollInput).fromTransactionId! > id,
      );
      await schedule.delete();
    } finally {
      stack.sitoo.events.start();
    }
  });
});

describe('web orders', () => {
  /** Does `action` and waits until the coalescer has flushed since and has nothing left to do. */
  async function flushedAfter(action: () => unknown): Promise<void> {
    const before = (await stockStatus(stack)).totals.flushes;
    await action();
    await waitFor('the coalescer to flush and go idle', async () => {
      const s = await stockStatus(stack);
      return s.totals.flushes > before && s.pendingKeys === 0 && s.pendingTransactions === 0 && !s.flushing;
    });
  }

  it('the last unit sold online is not offered again by a later flush, even from a worker that never saw the level', async () => {
    const location = webLocation(stack, 'S02');
    stack.sitoo.pos.stockTake(102, { 'TEE-1': 1 });
    await webMatchesStore(stack, 'S02', ['TEE-1']);
    expect(stack.ecommerce.state.getAvailable('TEE-1', location)).toBe(1);
    // A customer buys it online, to be shipped from the store: Shopify commits it there.
    stack.ecommerce.state.createOrder({
      lines: [{ sku: 'TEE-1', quantity: 1, price: '199.00' }],
      shippingLocationId: location,
    });
    expect(stack.ecommerce.state.quantities('TEE-1', location)).toMatchObject({
      available: 0,
      committed: 1,
      on_hand: 1,
    });

    // A restarted inventory worker remembers nothing; its flush of that SKU reads the level afresh.
    await stack.stopWorkers();
    await stack.startWorkers();
    await flushedAfter(() =>
      signalStockChanged(stack.client, stack.env.SITOO_ACCOUNT_ID, { keys: [{ locationId: 'S02', sku: 'TEE-1' }] }),
    );
    expect(stack.ecommerce.state.quantities('TEE-1', location)).toMatchObject({
      available: 0,
      committed: 1,
      on_hand: 1,
    });

    // The store takes in two more (a Sitoo warehouse transaction): the web offers those two, not the sold one.
    stack.sitoo.pos.adjustStock(102, [{ sku: 'TEE-1', quantity: 2 }]);
    await waitFor(
      'the web to follow the store',
      () => stack.ecommerce.state.quantities('TEE-1', location)!.on_hand === 3,
    );
    expect(stack.ecommerce.state.quantities('TEE-1', location)).toMatchObject({
      available: 2,
      committed: 1,
      on_hand: 3,
    });
    await webMatchesStore(stack, 'S02', ['TEE-1']);
  });

  it('a level the web shop lowered itself (a web fulfilment) is read afresh when its key is signalled', async () => {
    // The shape of a pickup: the store hands over a unit (its Sitoo stock drops), then the web order is fulfilled.
    const location = webLocation(stack, 'S02');
    await webMatchesStore(stack, 'S02', ['CAP-1']);
    const placed = stack.ecommerce.state.createOrder({
      lines: [{ sku: 'CAP-1', quantity: 1, price: '149.00' }],
      shippingLocationId: location,
    });
    const onHandBefore = stack.ecommerce.state.quantities('CAP-1', location)!.on_hand;
    stack.sitoo.pos.adjustStock(102, [{ sku: 'CAP-1', quantity: -1 }]);
    await waitFor(
      'the web to follow the store',
      () => stack.ecommerce.state.quantities('CAP-1', location)!.on_hand === onHandBefore - 1,
    );
    stack.ecommerce.state.orders.fulfil([
      { fulfillmentOrderId: stack.ecommerce.state.orders.get(placed.id)!.fulfillmentOrders[0]!.id },
    ]);
    // Shopify took the shipped unit out of on_hand as well: the web is one short of the store.
    expect(stack.ecommerce.state.quantities('CAP-1', location)).toMatchObject({
      on_hand: onHandBefore - 2,
      committed: 0,
    });
    await signalStockChanged(stack.client, stack.env.SITOO_ACCOUNT_ID, { keys: [{ locationId: 'S02', sku: 'CAP-1' }] });
    await webMatchesStore(stack, 'S02', ['CAP-1']);
    expect(stack.ecommerce.state.quantities('CAP-1', location)).toMatchObject({
      on_hand: onHandBefore - 1,
      committed: 0,
    });
  });

  it('the drift check does not repair units committed to an open web order back into available', async () => {
    const location = webLocation(stack, 'S01');
    await webMatchesStore(stack, 'S01', ['BOOK-1']);
    const before = stack.ecommerce.state.getAvailable('BOOK-1', location)!;
    stack.ecommerce.state.createOrder({
      lines: [{ sku: 'BOOK-1', quantity: 2, price: '249.00' }],
      shippingLocationId: location,
    });
    const result: StockDriftResult = await stack.client.workflow.execute('stockDriftWorkflow', {
      workflowId: 'drift-with-open-web-orders',
      taskQueue: TASK_QUEUES.inventory,
      args: [{ settle: '1s' }],
    });
    expect(result.locations.find((l) => l.locationId === 'S01')!.corrected).toEqual([]);
    expect(stack.ecommerce.state.quantities('BOOK-1', location)).toMatchObject({ available: before - 2, committed: 2 });
    await webMatchesStore(stack, 'S01', ['BOOK-1']);
  });
});
