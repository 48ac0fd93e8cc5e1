import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewBulkResolve, reportBulkResolve, startBulkResolve, waitForBatch } from '../../src/client/bulk-resolve';
import { localDate } from '../../src/domain/business-day';
import { endOfDayWorkflowId } from '../../src/domain/ids';
import type { LocalStack } from '../../src/local/stack';
import { PINNED_SERVER_VERSION } from '../../src/local/temporal-server';
import { resolveUpdate, statusQuery } from '../../src/workflows/sale-contract';
import type { EndOfDayInput, ReconciliationReport } from '../../src/workflows/end-of-day-contract';
import { allSearchAttributeKeys } from '../../src/workflows/search-attributes';
import { TASK_QUEUES } from '../../src/workflows/task-queues';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { erpDocs, parkedAs, saleHandle, saleResult, sell, startTestStack } from '../e2e/stack-fixture';

// The smoke on the production-shaped server (src/local/temporal-server.ts): the server binary on
// PostgreSQL with SQL visibility, its namespace and search attributes registered by temporal:setup.
// The whole stack over real HTTP, as test/e2e runs it on the dev server.
let t: TestTemporal;
let stack: LocalStack;

beforeAll(async () => {
  t = await connectTemporal('server-smoke');
  stack = await startTestStack(t, 'server-smoke');
});

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

/** What an operator's visibility query lists, by workflow id. */
async function listed(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of stack.client.workflow.list({ query })) ids.push(execution.workflowId);
  return ids;
}

describe('on the Temporal server on PostgreSQL', () => {
  it('runs the pinned server binary with PostgreSQL persistence and SQL visibility, and the search attributes set up', async () => {
    const cluster = await t.client.connection.workflowService.getClusterInfo({});
    expect(cluster.serverVersion).toBe(PINNED_SERVER_VERSION);
    expect(cluster.persistenceStore).toBe('postgres12');
    expect(cluster.visibilityStore).toBe('postgres12');
    const attributes = await t.client.connection.operatorService.listSearchAttributes({ namespace: t.namespace });
    // KEYWORD is 2, DATETIME 6 (the server's IndexedValueType).
    for (const key of allSearchAttributeKeys)
      expect(attributes.customAttributes?.[key.name]).toBe(key.type === 'DATETIME' ? 6 : 2);
  });

  it('books a store sale in the ERP at its mapped location', async () => {
    const order = sell(stack, 101, [
      ['TEE-1', 2],
      ['CAP-1', 1],
    ]);
    expect((await saleResult(stack, order.orderId)).outcome).toBe('completed');
    const docs = erpDocs(stack, order.orderId);
    expect(docs).toHaveLength(1);
    expect(docs[0]!.lines.map((l) => [l.itemNumber, l.quantity, l.locationCode])).toEqual([
      ['TEE-1', 2, 'STORE01'],
      ['CAP-1', 1, 'STORE01'],
    ]);
  });

  it('lists a parked sale by ExceptionType and StoreId, and completes it once resolved', async () => {
    const order = sell(stack, 101, [['NEW-1', 1]]);
    const handle = saleHandle(stack, order.orderId);
    await parkedAs(stack, order.orderId, 'unknown-sku');
    // The operator's query; SQL visibility is written after the workflow's own state, so wait for it.
    const query = 'ExceptionType = "unknown-sku" AND StoreId = "S01"';
    await waitFor(
      'the parked sale to be listed',
      async () => (await listed(query)).includes(handle.workflowId),
      30_000,
      250,
    );
    const described = await handle.describe();
    expect(described.searchAttributes).toMatchObject({ ExceptionOwner: ['master-data'], StoreId: ['S01'] });

    // The ERP gets the item; the operator retries.
    stack.erp.state.seedItem({ number: 'NEW-1', displayName: 'New arrival', unitPrice: 10, vatPercent: 25 });
    await handle.executeUpdate(resolveUpdate, {
      args: [{ action: 'retry', reason: 'item created in the ERP', resolvedBy: 'integration-ops' }],
    });
    expect((await saleResult(stack, order.orderId)).outcome).toBe('completed');
    expect((await handle.query(statusQuery)).resolutions).toMatchObject([
      { exceptionType: 'unknown-sku', action: 'retry' },
    ]);
    expect(erpDocs(stack, order.orderId)[0]!.lines.map((l) => [l.itemNumber, l.locationCode])).toEqual([
      ['NEW-1', 'STORE01'],
    ]);
    await waitFor(
      'the resolved sale to leave the exception list',
      async () => !(await listed(query)).includes(handle.workflowId),
      30_000,
      250,
    );
  });

  it('resolves parked sales in bulk: one batch job of resolve signals to the executions previewed', async () => {
    const orders = [1, 2].map(
      () =>
        stack.sitoo.pos.recordSale({
          warehouseId: 101,
          lines: [{ sku: 'BULK-1', quantity: 1, unitPriceGross: '30.00', vatPercent: 25 }],
          payments: [{ name: 'Cash', amount: '30.00' }],
        }).orderId,
    );
    for (const id of orders) await parkedAs(stack, id, 'unknown-sku');
    // At S01: S02's day is reconciled below and must hold its own sale only.
    const query = 'ExceptionType = "unknown-sku" AND StoreId = "S01"';
    const ids = orders.map((id) => saleHandle(stack, id).workflowId).sort();
    await waitFor(
      'both to be listed',
      async () => JSON.stringify((await listed(query)).sort()) === JSON.stringify(ids),
      30_000,
      250,
    );

    stack.erp.state.seedItem({ number: 'BULK-1', displayName: 'Bulk item', unitPrice: 30, vatPercent: 25 });
    const resolution = { action: 'retry' as const, reason: 'item created in the ERP', resolvedBy: 'master-data' };
    const preview = await previewBulkResolve(stack.client, query, resolution);
    expect(preview.targets.map((x) => x.workflowId).sort()).toEqual(ids);
    const jobId = await startBulkResolve(stack.client, preview, { reason: resolution.reason });
    expect(await waitForBatch(stack.client, jobId, () => {})).toMatchObject({
      state: 'completed',
      total: 2,
      completed: 2,
    });
    const outcomes = await reportBulkResolve(stack.client, preview, { deadlineMs: 60_000 });
    expect([...outcomes.values()].map((o) => o.kind)).toEqual(['accepted', 'accepted']);
    for (const id of orders) {
      expect((await saleResult(stack, id)).outcome).toBe('completed');
      expect((await saleHandle(stack, id).query(statusQuery)).resolutions).toMatchObject([
        { exceptionType: 'unknown-sku', action: 'retry', via: 'signal', reason: 'item created in the ERP' },
      ]);
    }
  });

  it("reconciles a store's day: journal, Z-report and the card payout", async () => {
    const zone = 'Europe/Stockholm';
    const today = localDate(Math.floor(Date.now() / 1000), zone);
    const reference = 'term-S02-smoke';
    const sale = stack.sitoo.pos.recordSale({
      warehouseId: 102,
      lines: [{ sku: 'BOOK-1', quantity: 1, unitPriceGross: '249.00', vatPercent: 25 }],
      payments: [{ name: 'Card', amount: '249.00', reference }],
    });
    stack.payments.state.recordCardPayment({
      amountCents: 24900,
      currency: 'SEK',
      reference,
      storeId: 'S02',
      at: new Date(),
    });
    expect((await saleResult(stack, sale.orderId)).outcome).toBe('completed');
    stack.payments.state.runPayout({ cutoff: new Date(Date.now() + 1000), arrivalDate: today });
    stack.sitoo.pos.closeRegister({ warehouseId: 102, at: new Date(Date.now() + 2000) });

    const input: EndOfDayInput = {
      accountId: stack.env.SITOO_ACCOUNT_ID,
      storeId: 'S02',
      date: today,
      payoutRecheck: '1s',
      payoutMaxWait: '3s',
    };
    const run = await stack.client.workflow.start('endOfDayWorkflow', {
      workflowId: endOfDayWorkflowId('S02', today),
      taskQueue: TASK_QUEUES.main,
      args: [input],
    });
    const report = (await run.result()) as ReconciliationReport;
    expect(report).toMatchObject({ status: 'reconciled', gapCount: 0, transactions: 1, zReports: 1 });
    expect(report.payout).toMatchObject({ matched: 1, matchedCents: 24900, unmatched: 0 });
    expect(report.journal.lines.reduce((n, l) => n + l.amountCents, 0)).toBe(0);
  });
});
