import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickAndCollectActivities } from '../../src/activities/click-and-collect-activities';
import type { StoreLocation } from '../../src/domain/mapping';
import type { WebOrder } from '../../src/domain/web-order';
import { collectStatusQuery, resolveUpdate, storePickupUpdateSignal, webOrderCancelledSignal, type ClickAndCollectInput, type CollectResult } from '../../src/workflows/click-and-collect-contract';
import { TASK_QUEUES } from '../../src/workflows/task-queues';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';

// Click & collect's orchestration on a real server; its side effects replaced by a recorder.
const calls: Array<{ name: string; input: unknown }> = [];
const orders = new Map<string, WebOrder>();
const free = new Map<string, number>(); // storeId -> free units of every SKU
const store = (storeId: string, region = 'west'): StoreLocation => ({ storeId, name: storeId, sitooWarehouseId: 100, erpLocationCode: storeId, erpCustomerNumber: 'C', webLocationId: `gid://shopify/Location/${storeId}`, region });
const stores = [store('S1'), store('S2')];
let nextSitooOrder = 500;

const record = (name: string, input: unknown) => calls.push({ name, input });
// A key matches a whole string value of the input: a bare substring also matched digits inside
// another call's reservedUntil timestamp (e.g. '105' in 1796041050).
const called = (name: string, key?: string) => calls.filter((c) => c.name === name && (!key || JSON.stringify(c.input).includes(JSON.stringify(key))));

const activities: ClickAndCollectActivities = {
  async readWebOrder({ webOrderId }) {
    return orders.get(webOrderId) ?? null;
  },
  async storeForPickup({ webLocationId, storeId }) {
    return stores.find((s) => (storeId ? s.storeId === storeId : s.webLocationId === webLocationId)) ?? null;
  },
  async checkPickupStock({ storeId, lines, whenShort }) {
    const short = lines.filter((l) => (free.get(storeId) ?? 0) < l.quantity).map((l) => ({ sku: l.sku, wanted: l.quantity, free: free.get(storeId) ?? 0 }));
    const other = stores.find((s) => s.storeId !== storeId && lines.every((l) => (free.get(s.storeId) ?? 0) >= l.quantity));
    return { shortfalls: short, suggestion: short.length && whenShort === 'suggest-in-region' && other ? { storeId: other.storeId, name: other.name } : undefined };
  },
  async ensurePickupOrder(input) {
    record('ensurePickupOrder', input);
    return nextSitooOrder++;
  },
  async cancelPickupOrder(input) { record('cancelPickupOrder', input); },
  async refreshWebStock(input) { record('refreshWebStock', input); },
  async markReadyOnWeb(input) { record('markReadyOnWeb', input); },
  async fulfilOnWeb(input) { record('fulfilOnWeb', input); },
  async cancelWebOrder(input) { record('cancelWebOrder', input); },
  async bookCollectedOrder(input) {
    record('bookCollectedOrder', input);
    return { id: 'E1', number: `SO-${input.webOrderId}`, posted: true };
  },
};

function webOrder(id: string, pickupAt: string | null = 'S1'): WebOrder {
  const order: WebOrder = {
    id: `gid://shopify/Order/${id}`, legacyId: id, name: `#${id}`, createdAt: '2026-11-30T10:00:00Z', cancelledAt: null, currencyCode: 'SEK', financialStatus: 'PAID',
    lines: [{ lineItemId: 'L1', sku: 'TEE', quantity: 2, unitPrice: '199.00' }],
    fulfillmentOrders: [{ id: `FO-${id}`, status: 'OPEN', methodType: pickupAt ? 'PICK_UP' : 'SHIPPING', locationId: pickupAt ? `gid://shopify/Location/${pickupAt}` : null, preparedForPickup: false, lines: [{ id: 'FL1', lineItemId: 'L1', sku: 'TEE', remainingQuantity: 2 }] }],
    refundedQuantities: {}, totalRefunded: '0.00',
  };
  orders.set(id, order);
  return order;
}

let t: TestTemporal;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  t = await connectTemporal('wf-collect');
  worker = await Worker.create({ connection: t.nativeConnection, namespace: t.namespace, taskQueue: TASK_QUEUES.main, workflowBundle: t.workflowBundle, activities });
  running = worker.run();
  free.set('S1', 10).set('S2', 10);
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await t?.close();
});

const start = (webOrderId: string, overrides: Partial<ClickAndCollectInput> = {}) =>
  t.client.workflow.start('clickAndCollectWorkflow', { workflowId: `collect-${webOrderId}`, taskQueue: TASK_QUEUES.main, args: [{ accountId: 1, webOrderId, pickupExpiry: '1h', whenShort: 'suggest-in-region', vatPercent: 25, ...overrides }] });
const statusOf = (webOrderId: string) => t.client.workflow.getHandle(`collect-${webOrderId}`).query(collectStatusQuery);

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
    await handle.signal(storePickupUpdateSignal, { sitooOrderId: status.sitooOrderId!, key: 'state-10', kind: 'collected' });
    const result: CollectResult = await handle.result();
    expect(result).toMatchObject({ outcome: 'collected', storeId: 'S1', erpOrderNumber: 'SO-101' });
    expect(called('markReadyOnWeb', 'FO-101')).toHaveLength(1);
    expect(called('fulfilOnWeb', 'FO-101')).toHaveLength(1);
    expect(called('bookCollectedOrder', '101')).toHaveLength(1);
    expect(called('cancelWebOrder', '101')).toHaveLength(0);
  });

  it('cancels in Sitoo, refunds on the web and releases the stock when the customer never comes', async () => {
    webOrder('102');
    const handle = await start('102', { pickupExpiry: '2s' });
    const result: CollectResult = await handle.result();
    expect(result.outcome).toBe('expired');
    expect(called('cancelPickupOrder')).toContainEqual({ name: 'cancelPickupOrder', input: { sitooOrderId: result.sitooOrderId } });
    expect(called('cancelWebOrder', '102')).toHaveLength(1);
    expect(called('refreshWebStock', 'S1').length).toBeGreaterThanOrEqual(2);
    expect(called('bookCollectedOrder', '102')).toHaveLength(0);
  });

  it('a cancellation on the web before pickup cancels the Sitoo order and releases its stock', async () => {
    webOrder('103');
    const handle = await start('103');
    await waitFor('the pickup order to exist', async () => (await statusOf('103')).step === 'awaiting-store');
    await handle.signal(webOrderCancelledSignal, { webhookId: 'wh-1' });
    const result: CollectResult = await handle.result();
    expect(result.outcome).toBe('cancelled');
    expect(called('cancelPickupOrder').some((c) => (c.input as { sitooOrderId: number }).sitooOrderId === result.sitooOrderId)).toBe(true);
    expect(called('cancelWebOrder', '103')).toHaveLength(0); // the web order is already cancelled
  });

  it('parks a short store for e-commerce ops with a store of its region that has it all, and moves there when told', async () => {
    webOrder('104');
    free.set('S1', 1);
    try {
      const handle = await start('104');
      const parked = await waitFor('the shortfall to park', async () => (await statusOf('104')).exception);
      expect(parked).toMatchObject({ type: 'bopis-stock-short', owner: 'ecommerce-ops', details: { storeId: 'S1', suggestion: { storeId: 'S2' } } });
      await handle.executeUpdate(resolveUpdate, { args: [{ action: 'use-store', storeId: 'S2', resolvedBy: 'test' }] });
      await waitFor('the pickup order at S2', async () => (await statusOf('104')).step === 'awaiting-store');
      expect((await statusOf('104')).storeId).toBe('S2');
      expect(called('ensurePickupOrder', '104')).toMatchObject([{ input: { storeId: 'S2' } }]);
      await handle.signal(webOrderCancelledSignal, { webhookId: 'wh-2' });
      await handle.result();
    } finally {
      free.set('S1', 10);
    }
  });

  it('ends at once for an order that is shipped, not collected', async () => {
    webOrder('105', null);
    const result: CollectResult = await (await start('105')).result();
    expect(result.outcome).toBe('not-pickup');
    expect(called('ensurePickupOrder', '105')).toHaveLength(0);
  });
});
