import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickAndCollectWorkflowId, webOrderErpDocumentNumber } from '../../src/domain/ids';
import type { LocalStack } from '../../src/local/stack';
import { collectStatusQuery, resolveUpdate, type ClickAndCollectInput, type CollectResult } from '../../src/workflows/click-and-collect-contract';
import { TASK_QUEUES } from '../../src/workflows/task-queues';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { startTestStack, stores, webLocation, webMatchesStore } from './stack-fixture';

// Click & collect end to end: Shopify order webhook -> receiver -> workflow -> Sitoo pickup order,
// store steps in Sitoo -> events -> relay -> web order and ERP.
let t: TestTemporal;
let stack: LocalStack;

beforeAll(async () => {
  t = await connectTemporal('e2e-collect');
  stack = await startTestStack(t, 'click-and-collect', { stores: stores.map((s) => ({ ...s, region: 'south' })) });
  // Shopify delivers at least once: every webhook twice, with the same webhook id.
  stack.ecommerce.webhooks.configure({ duplicateRate: 1 });
});

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

const handleOf = (webOrderId: string) => stack.client.workflow.getHandle(clickAndCollectWorkflowId(webOrderId));
const statusOf = (webOrderId: string) => handleOf(webOrderId).query(collectStatusQuery);
const webOrder = (gid: string) => stack.ecommerce.state.orders.get(gid)!;
const sitooOrder = (webOrderId: string) => stack.sitoo.state.findByExternalId(webOrderId);
const warehouseOf = (storeId: string) => stack.mapping.stores.find((s) => s.storeId === storeId)!.sitooWarehouseId;

async function orderForPickup(storeId: string, lines: Array<[sku: string, quantity: number]>) {
  const placed = stack.ecommerce.state.createOrder({ lines: lines.map(([sku, quantity]) => ({ sku, quantity, price: '199.00' })), pickupLocationId: webLocation(stack, storeId) });
  await waitFor(`order ${placed.name} to wait for the store`, async () => (await statusOf(placed.legacyId).catch(() => undefined))?.step === 'awaiting-store');
  return placed;
}

describe('click & collect', () => {
  it('reserves at the store, follows the store to collection, and books the sale in the ERP once', async () => {
    const onHand = stack.sitoo.state.getStock(101, 'TEE-1');
    const placed = await orderForPickup('S01', [['TEE-1', 2]]);
    const pickup = sitooOrder(placed.legacyId)!;
    expect(pickup).toMatchObject({ warehouseid: 101, paymentstateid: 20, orderstateid: 0 });
    expect(stack.sitoo.pos.getReserved(101, 'TEE-1')).toBe(2);
    await webMatchesStore(stack, 'S01', ['TEE-1']);
    // Held back twice while it waits (docs/architecture.md, known limitation): the Sitoo reservation
    // lowers the on_hand the web is given, and Shopify has the same units committed to the order.
    expect(stack.ecommerce.state.quantities('TEE-1', webLocation(stack, 'S01'))).toMatchObject({ on_hand: onHand - 2, committed: 2, available: onHand - 4 });

    stack.sitoo.pos.markReadyForPickup(pickup.orderid);
    await waitFor('the web order prepared for pickup', () => webOrder(placed.id).fulfillmentOrders[0]!.preparedForPickup);
    stack.sitoo.pos.collect(pickup.orderid);
    const result: CollectResult = await handleOf(placed.legacyId).result();
    expect(result).toMatchObject({ outcome: 'collected', storeId: 'S01', sitooOrderId: pickup.orderid });

    expect(webOrder(placed.id).fulfillmentOrders[0]!.status).toBe('CLOSED');
    const docs = stack.erp.state.salesDocuments().filter((d) => d.externalDocumentNumber === webOrderErpDocumentNumber(placed.legacyId));
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ kind: 'invoice' });
    expect(stack.sitoo.pos.getReserved(101, 'TEE-1')).toBe(0);
    expect(stack.sitoo.state.getStock(101, 'TEE-1')).toBe(onHand - 2);
    await webMatchesStore(stack, 'S01', ['TEE-1']);
    expect([...stack.sitoo.state.orders.values()].filter((o) => o.externalid === placed.legacyId)).toHaveLength(1);
    expect(stack.webhooks.stats.outcomes.duplicate).toBeGreaterThan(0);
  });

  it('a cancellation on the web before pickup cancels the Sitoo order and gives the stock back to the web', async () => {
    const placed = await orderForPickup('S02', [['CAP-1', 3]]);
    expect(stack.sitoo.pos.getReserved(102, 'CAP-1')).toBe(3);
    stack.ecommerce.state.cancelOrderAsCustomer(placed.id);
    expect((await handleOf(placed.legacyId).result()).outcome).toBe('cancelled');
    expect(sitooOrder(placed.legacyId)!.orderstateid).toBe(20);
    expect(stack.sitoo.pos.getReserved(102, 'CAP-1')).toBe(0);
    await webMatchesStore(stack, 'S02', ['CAP-1']);
  });

  it('the store cancelling the order cancels and refunds the web order', async () => {
    const placed = await orderForPickup('S01', [['BOOK-1', 1]]);
    stack.sitoo.pos.cancelFromStore(sitooOrder(placed.legacyId)!.orderid);
    expect((await handleOf(placed.legacyId).result()).outcome).toBe('cancelled');
    await waitFor('the web order cancelled', () => webOrder(placed.id).cancelledAt !== null);
    expect(webOrder(placed.id).transactions.some((tx) => tx.kind === 'REFUND')).toBe(true);
  });

  it('uncollected by the deadline: cancelled in Sitoo and on the web, refunded, nothing in the ERP', async () => {
    // Started by hand with a short deadline before the webhook arrives; the webhook lands on it.
    await stack.ecommerce.webhooks.stop();
    const placed = stack.ecommerce.state.createOrder({ lines: [{ sku: 'TEE-1', quantity: 1, price: '199.00' }], pickupLocationId: webLocation(stack, 'S02') });
    const input: ClickAndCollectInput = { accountId: stack.env.SITOO_ACCOUNT_ID, webOrderId: placed.legacyId, pickupExpiry: '3s', whenShort: 'park', vatPercent: 25 };
    const handle = await stack.client.workflow.start('clickAndCollectWorkflow', { workflowId: clickAndCollectWorkflowId(placed.legacyId), taskQueue: TASK_QUEUES.main, args: [input] });
    stack.ecommerce.webhooks.start();
    const result: CollectResult = await handle.result();
    expect(result.outcome).toBe('expired');
    expect(sitooOrder(placed.legacyId)!.orderstateid).toBe(20);
    expect(webOrder(placed.id).cancelledAt).not.toBeNull();
    expect(webOrder(placed.id).transactions.some((tx) => tx.kind === 'REFUND')).toBe(true);
    expect(stack.erp.state.salesDocuments().filter((d) => d.externalDocumentNumber === webOrderErpDocumentNumber(placed.legacyId))).toHaveLength(0);
    expect(stack.sitoo.pos.getReserved(102, 'TEE-1')).toBe(0);
    await webMatchesStore(stack, 'S02', ['TEE-1']);
  });

  it('a store that is short parks for e-commerce ops, suggesting a store of its region that has it all', async () => {
    stack.sitoo.pos.adjustStock(warehouseOf('S02'), [{ sku: 'CAP-1', quantity: 200 }]);
    const placed = stack.ecommerce.state.createOrder({ lines: [{ sku: 'CAP-1', quantity: 150, price: '149.00' }], pickupLocationId: webLocation(stack, 'S01') });
    const parked = await waitFor('the shortfall to park', async () => (await statusOf(placed.legacyId).catch(() => undefined))?.exception);
    expect(parked).toMatchObject({ type: 'bopis-stock-short', owner: 'ecommerce-ops', details: { storeId: 'S01', suggestion: { storeId: 'S02' } } });
    expect(sitooOrder(placed.legacyId)).toBeUndefined();
    await handleOf(placed.legacyId).executeUpdate(resolveUpdate, { args: [{ action: 'use-store', storeId: 'S02', resolvedBy: 'ecom-ops' }] });
    await waitFor('the pickup order at S02', async () => (await statusOf(placed.legacyId)).step === 'awaiting-store');
    expect(sitooOrder(placed.legacyId)!.warehouseid).toBe(warehouseOf('S02'));
    stack.ecommerce.state.cancelOrderAsCustomer(placed.id);
    await handleOf(placed.legacyId).result();
  });

  it('refuses a webhook with a bad signature (401) and one without its topic (400 naming the header)', async () => {
    const body = JSON.stringify({ id: 1, admin_graphql_api_id: 'gid://shopify/Order/1', name: '#1', created_at: '2026-11-30T10:00:00Z', cancelled_at: null, line_items: [] });
    const forged = await request(`${stack.webhooksUrl}/webhooks/shopify`, { method: 'POST', body, headers: { 'x-shopify-hmac-sha256': 'AAAA', 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': 'w1' } });
    expect(forged.statusCode).toBe(401);
    await forged.body.dump();
    const { signWebhook } = await import('../../src/simulators/shopify');
    const signed = await request(`${stack.webhooksUrl}/webhooks/shopify`, { method: 'POST', body, headers: { 'x-shopify-hmac-sha256': signWebhook(body, stack.env.SHOPIFY_WEBHOOK_SECRETS[0]!), 'x-shopify-webhook-id': 'w2' } });
    expect(signed.statusCode).toBe(400);
    expect(((await signed.body.json()) as { field: string }).field).toMatch(/topic/i);
  });
});
