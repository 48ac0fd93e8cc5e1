import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStockAdjustmentActivities } from '../../src/activities/stock-adjustment-activities';
import type { LocalStack } from '../../src/local/stack';
import { ensureErpStockPollSchedule, signalStockChanged } from '../../src/client/stock-starts';
import { recordedExceptionStatusQuery, resolveUpdate } from '../../src/workflows/recorded-exception-contract';
import type { StockDriftResult } from '../../src/workflows/stock-contract';
import { TASK_QUEUES } from '../../src/workflows/task-queues';
import { createConnectors } from '../../src/bootstrap/connectors';
import { connectTemporal, triggerSchedule, waitFor, type TestTemporal } from '../support/temporal';
import {
  catalogue,
  expectedStoreWeb,
  sell,
  startTestStack,
  stockStatus,
  webLocation,
  webMatchesStore,
} from './stack-fixture';

// Warehouse stock is mastered in the ERP: item ledger -> coalescer -> web shop and the Virtual Sitoo mirror.
let t: TestTemporal;
let stack: LocalStack;
const MIRROR = 900;

beforeAll(async () => {
  t = await connectTemporal('e2e-warehouse-stock');
  stack = await startTestStack(t, 'warehouse-stock', {
    catalogue: catalogue.map((c) => (c.sku === 'CAP-1' ? { ...c, category: 'HEADWEAR' } : c)),
    warehouses: [
      {
        warehouseId: 'CENTRAL',
        name: 'Central warehouse',
        erpLocationCode: 'WH01',
        sitooMirrorWarehouseId: MIRROR,
        stock: { 'TEE-1': 500, 'CAP-1': 500 },
      },
    ],
    buffers: { bySku: {}, byCategory: { HEADWEAR: 5 } },
  });
});

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

const centralWeb = () => stack.mapping.warehouses!.find((w) => w.warehouseId === 'CENTRAL')!.webLocationId;

describe('ERP-mastered warehouse stock', () => {
  it('a goods receipt in the ERP reaches the web (minus the category buffer) and the Sitoo mirror, read from the item ledger', async () => {
    stack.erp.state.postPurchaseReceipt('WH01', 'TEE-1', 40);
    stack.erp.state.postPurchaseReceipt('WH01', 'CAP-1', 10);
    const scheduleId = await ensureErpStockPollSchedule(stack.client, {
      accountId: stack.env.SITOO_ACCOUNT_ID,
      every: '1h',
    });
    await triggerSchedule(stack.client.schedule.getHandle(scheduleId));
    await waitFor(
      'web and mirror to show the receipt',
      () =>
        stack.ecommerce.state.getAvailable('TEE-1', centralWeb()) === 540 &&
        stack.sitoo.state.getStock(MIRROR, 'CAP-1') === 510,
    );
    expect(stack.ecommerce.state.getAvailable('CAP-1', centralWeb())).toBe(505);
    expect(stack.sitoo.state.getStock(MIRROR, 'TEE-1')).toBe(540);
    // The cursor moved on in the schedule itself, so the next run starts after these entries. The
    // poll saves it after signalling the coalescer, so it may land after the web shows the receipt.
    const cursor = async () => {
      const action = (await stack.client.schedule.getHandle(scheduleId).describe()).action;
      return action.type === 'startWorkflow'
        ? (action.args?.[0] as { afterEntryNumber: number }).afterEntryNumber
        : undefined;
    };
    const moved = await waitFor('the schedule to carry the moved cursor', async () => {
      const n = await cursor();
      return n !== undefined && n > 0 ? n : undefined;
    });
    expect(moved).toBeGreaterThan(0);
  });

  it("never writes a store's stock into Sitoo, its master", async () => {
    sell(stack, 101, [['TEE-1', 1]]);
    await webMatchesStore(stack, 'S01', ['TEE-1']);
    const storeWrites = stack.sitoo.state.requestLog.filter(
      (r) => r.method === 'PUT' && /\/warehouses\/(101|102)\//.test(r.path),
    );
    expect(storeWrites).toEqual([]);
    expect(
      stack.sitoo.state.requestLog.some((r) => r.method === 'PUT' && r.path.includes(`/warehouses/${MIRROR}/`)),
    ).toBe(true);
  });

  it('refuses to book a stock change into the ERP for a location the ERP masters', async () => {
    // A misconfigured mirror: an ordinary Sitoo warehouse mapped as the mirror of an ERP-mastered one.
    stack.sitoo.pos.seedWarehouse({ warehouseId: 901, name: 'Outlet back room', stock: { 'TEE-1': 10 } });
    const mapping = {
      ...stack.mapping,
      warehouses: [
        ...stack.mapping.warehouses!,
        {
          warehouseId: 'OUTLET-WH',
          name: 'Outlet WH',
          erpLocationCode: 'WH02',
          webLocationId: 'gid://shopify/Location/991',
          sitooMirrorWarehouseId: 901,
        },
      ],
    };
    const { sitoo, erp } = createConnectors(stack.env);
    const record = createStockAdjustmentActivities({ sitoo, erp, mapping: () => mapping });
    const id = stack.sitoo.pos.adjustStock(901, [{ sku: 'TEE-1', quantity: 2 }]);
    const outcome = await record.recordStoreStockChange({ transactionId: id });
    expect(outcome).toMatchObject({
      outcome: 'master-conflict',
      message: expect.stringMatching(/OUTLET-WH .* stock-mastered in erp/),
    });
    expect(stack.erp.state.stockAdjustments().filter((a) => a.externalDocumentNumber === `WT-${id}`)).toEqual([]);
  });
});

describe('drift detection and repair', () => {
  it('corrects every level that differs from its master and reports each SKU with old and new value to retail ops', async () => {
    // Drift from outside the integration: someone edited the web shop's stock by hand.
    stack.ecommerce.state.setAvailable('BOOK-1', webLocation(stack, 'S02'), 3);
    stack.ecommerce.state.setAvailable('TEE-1', centralWeb(), 1);
    const result: StockDriftResult = await stack.client.workflow.execute('stockDriftWorkflow', {
      workflowId: 'drift-check-test',
      taskQueue: TASK_QUEUES.inventory,
      args: [{ settle: '1s' }],
    });
    const s02 = result.locations.find((l) => l.locationId === 'S02')!;
    const central = result.locations.find((l) => l.locationId === 'CENTRAL')!;
    expect(s02.corrected).toEqual([
      { locationId: 'S02', sku: 'BOOK-1', from: 3, to: expectedStoreWeb(stack, 'S02', 'BOOK-1') },
    ]);
    expect(central.corrected).toEqual([
      { locationId: 'CENTRAL', sku: 'TEE-1', from: 1, to: stack.erp.state.stockAt('WH01', 'TEE-1') },
    ]);
    expect(result.locations.find((l) => l.locationId === 'S01')!.corrected).toEqual([]);
    expect(stack.ecommerce.state.getAvailable('BOOK-1', webLocation(stack, 'S02'))).toBe(
      expectedStoreWeb(stack, 'S02', 'BOOK-1'),
    );

    const report = stack.client.workflow.getHandle(s02.reportId!);
    const status = await waitFor('the drift report to park', async () => {
      const s = await report.query(recordedExceptionStatusQuery).catch(() => undefined);
      return s?.exception ? s : undefined;
    });
    expect(status.exception).toMatchObject({
      type: 'inventory-sync-failure',
      owner: 'retail-ops',
      details: { locationId: 'S02', corrections: [{ sku: 'BOOK-1', oldWebValue: 3, newWebValue: 100 }] },
    });
    await report.executeUpdate(resolveUpdate, {
      args: [{ action: 'acknowledge', reason: 'hand edit in the shop admin', resolvedBy: 'ops@example.com' }],
    });
    expect(await report.result()).toMatchObject({ action: 'acknowledge', exceptionType: 'inventory-sync-failure' });
  });
});

describe('a location whose master refuses', () => {
  it("an ERP location code that does not exist holds that location's levels, recorded once, while the rest of the flush goes out", async () => {
    // A warehouse mapped to an ERP location code Business Central does not have.
    const ghostWeb = stack.ecommerce.state.seedLocation({ name: 'Ghost warehouse' });
    stack.ecommerce.state.setOnHand('TEE-1', ghostWeb, 5);
    stack.mapping.warehouses!.push({
      warehouseId: 'GHOST',
      name: 'Ghost warehouse',
      erpLocationCode: 'WH99',
      webLocationId: ghostWeb,
    });
    try {
      stack.erp.state.postPurchaseReceipt('WH01', 'TEE-1', 7);
      await signalStockChanged(stack.client, stack.env.SITOO_ACCOUNT_ID, {
        keys: [
          { locationId: 'GHOST', sku: 'TEE-1' },
          { locationId: 'CENTRAL', sku: 'TEE-1' },
        ],
      });
      await waitFor(
        'the central warehouse to reach the web',
        () =>
          stack.ecommerce.state.quantities('TEE-1', centralWeb())?.on_hand === stack.erp.state.stockAt('WH01', 'TEE-1'),
      );
      const held = await waitFor('the refused location to be held', async () =>
        (await stockStatus(stack)).held?.find((h) => h.part === 'ErpRejected:GHOST'),
      );
      expect(held).toMatchObject({ exceptionType: 'unmapped-warehouse', keys: 1, transactions: 0, attempts: 1 });
      expect(stack.ecommerce.state.quantities('TEE-1', ghostWeb)?.on_hand).toBe(5);
      const record = stack.client.workflow.getHandle(held.exceptionId);
      const status = await waitFor(
        'the refusal to be recorded',
        async () => (await record.query(recordedExceptionStatusQuery).catch(() => undefined))?.exception,
      );
      expect(status).toMatchObject({
        type: 'unmapped-warehouse',
        owner: 'integration-ops',
        message: expect.stringContaining("'WH99'"),
        details: { part: 'ErpRejected:GHOST', keys: [{ locationId: 'GHOST', sku: 'TEE-1' }] },
      });
      expect((await record.describe()).searchAttributes).toMatchObject({ StoreId: ['GHOST'] });
    } finally {
      stack.mapping.warehouses = stack.mapping.warehouses!.filter((w) => w.warehouseId !== 'GHOST');
    }
  });

  it('reports a repair whose write went through although its answer was lost', async () => {
    stack.ecommerce.state.setAvailable('CAP-1', webLocation(stack, 'S01'), 7);
    // Every write applies and then loses its answer: the repair's retry finds the level already right.
    stack.ecommerce.faults.set({ lostResponseRate: 1 });
    let result: StockDriftResult;
    try {
      result = await stack.client.workflow.execute('stockDriftWorkflow', {
        workflowId: 'drift-check-lost-answer',
        taskQueue: TASK_QUEUES.inventory,
        args: [{ settle: '1s' }],
      });
    } finally {
      stack.ecommerce.faults.reset();
    }
    const s01 = result.locations.find((l) => l.locationId === 'S01')!;
    // on_hand, as every repair reports it: what the web held, and what the master says it should.
    const onHand = stack.ecommerce.state.quantities('CAP-1', webLocation(stack, 'S01'))!.on_hand;
    expect(onHand).not.toBe(7);
    expect(s01.corrected).toEqual([{ locationId: 'S01', sku: 'CAP-1', from: 7, to: onHand }]);
    expect(s01.reportId).toBeDefined();
  });
});
