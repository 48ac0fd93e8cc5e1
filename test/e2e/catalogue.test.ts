import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { ensureCatalogueSyncSchedule } from '../../src/client/catalogue-starts';
import { AUTOMATIC_RESOLVER } from '../../src/client/unknown-sku-resume';
import type { CatalogueMapping } from '../../src/domain/catalogue';
import { businessDate } from '../../src/domain/business-day';
import type { LocalStack } from '../../src/local/stack';
import {
  CATALOGUE_SYNC_SCHEDULE_ID,
  CATALOGUE_TASK_QUEUE,
  priceChangeStatusQuery,
  productRejectedStatusQuery,
  type CatalogueSyncInput,
  type CatalogueSyncResult,
} from '../../src/workflows/catalogue-contract';
import type { RecordedExceptionStatus } from '../../src/workflows/recorded-exception-contract';
import { statusQuery } from '../../src/workflows/sale-contract';
import { erpDocs, runOps, saleHandle, startTestStack } from './stack-fixture';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';

/**
 * The product master end to end (issue 15): Business Central items and dated prices reach Sitoo
 * and Shopify through the catalogue worker over real HTTP; edits made in the subscribers are put
 * back and reported; a late price parks and resolves itself; a sale of a SKU the systems did not
 * know yet resumes once the sync has created it.
 */
const catalogueSync: CatalogueMapping = {
  master: 'business-central',
  vatRates: {},
  defaultVatRate: 25,
  sitoo: { fields: ['title', 'barcode', 'price', 'active'], pricesIncludeTax: true, priceList: 'STORE' },
  shopify: { fields: ['title', 'barcode', 'price', 'category', 'active'], pricesIncludeTax: true, priceList: 'WEB' },
};

let t: TestTemporal;
let stack: LocalStack;
let runs = 0;

/** One run of the incremental sync, as the schedule would start it, with the cursor the schedule holds. */
async function sync(): Promise<CatalogueSyncResult> {
  const described = await stack.client.schedule.getHandle(CATALOGUE_SYNC_SCHEDULE_ID).describe();
  const args = described.action.args as [CatalogueSyncInput];
  return stack.client.workflow.execute('catalogueSyncWorkflow', {
    workflowId: `catalogue-sync-test-${++runs}`,
    taskQueue: CATALOGUE_TASK_QUEUE,
    args,
  });
}

const shopifyProduct = (sku: string) => {
  const products = stack.ecommerce.state.products.bySku(sku);
  expect(products.length, `Shopify products holding ${sku}`).toBeLessThanOrEqual(1);
  return products[0];
};
const shopifyPrice = (sku: string) => shopifyProduct(sku)?.variants.find((v) => v.sku === sku)?.price;

async function listed(query: string): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  for await (const info of stack.client.workflow.list({ query })) out.push(info);
  return out;
}

beforeAll(async () => {
  t = await connectTemporal('e2e-catalogue');
  stack = await startTestStack(t, 'catalogue', { catalogueSync, priceUpdateSla: '3s' });
  await ensureCatalogueSyncSchedule(stack.client, '1h');
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

describe('product master: Business Central to Sitoo and Shopify', () => {
  it('puts every master product into both subscribers, adopting the shop products that sold them already', async () => {
    const before = stack.ecommerce.state.products.bySku('TEE-1')[0]!.id;
    const result = await sync();
    expect(result.changedProducts).toBe(3);
    expect(result.subscribers.sitoo?.created).toBe(3);
    // The shop sold TEE-1 before the integration: that product became the master's, no twin.
    expect(result.subscribers.shopify?.updated).toBe(3);
    const tee = shopifyProduct('TEE-1')!;
    expect(tee.id).toBe(before);
    expect(tee.title).toBe('T-shirt');
    expect(tee.metafields.find((m) => m.key === 'master_id')?.value).toBeTruthy();
    expect(shopifyPrice('TEE-1')).toBe('199.00');
    expect(stack.sitoo.catalogue.product('TEE-1')).toMatchObject({ title: 'T-shirt', moneyprice: '199.00' });
    expect(stack.sitoo.catalogue.countSku('BOOK-1')).toBe(1);
    // A second run finds nothing new: the cursor moved.
    expect((await sync()).changedProducts).toBe(0);
  });

  it('carries a price changed in the ERP to the till and the web shop, read back within the SLA', async () => {
    stack.erp.state.changeItem('TEE-1', { unitPrice: 179 });
    const result = await sync();
    expect(result.changedProducts).toBe(1);
    expect(shopifyPrice('TEE-1')).toBe('179.00');
    expect(stack.sitoo.catalogue.posPrice('TEE-1', 'S01')).toBe(17_900);
    const [change] = await listed(`WorkflowType = "priceChangeWorkflow" AND ExecutionStatus = "Completed"`);
    expect(change).toBeDefined();
  });

  it('starts a campaign price at its minute in each channel, on a durable timer', async () => {
    const zone = stack.mapping.stores[0]!.timeZone ?? 'Europe/Stockholm';
    // A whole second: the line starts on a second, as BC times are typed.
    const start = new Date(Math.ceil((Date.now() + 6_000) / 1000) * 1000);
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).format(start);
    const day = businessDate(Math.floor(start.getTime() / 1000), { timeZone: zone });
    for (const priceListCode of ['WEB', 'STORE'])
      stack.erp.state.seedPriceLine({
        priceListCode,
        itemNumber: 'CAP-1',
        unitPrice: 99,
        startingDate: day,
        startingTime: local,
        status: 'Active',
      });
    const result = await sync();
    expect(result.priceChangesScheduled).toBeGreaterThanOrEqual(1);
    // Before its minute the campaign shows nowhere.
    expect(shopifyPrice('CAP-1')).toBe('149.00');
    expect(stack.sitoo.catalogue.posPrice('CAP-1', 'S01')).toBe(14_900);
    await waitFor('campaign price in Shopify', () => shopifyPrice('CAP-1') === '99.00', 30_000);
    await waitFor(
      'campaign price at the S01 till',
      () => stack.sitoo.catalogue.posPrice('CAP-1', 'S01') === 9_900,
      30_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(start.getTime());
    const timed = await listed(
      `WorkflowType = "priceChangeWorkflow" AND WorkflowId STARTS_WITH "price-change-${start.toISOString().slice(0, 16).replace(/[-:]/g, '')}"`,
    );
    expect(timed.length).toBeGreaterThanOrEqual(1);
  });

  it('puts back a price a store edited in Sitoo and reports it to merchandising', async () => {
    // BC stamps items it touches without changing anything Sitoo receives (a cost adjustment): the
    // copy stays as written, under the older version, and an edit of it must still be found.
    stack.erp.state.changeItem('BOOK-1', { displayName: 'Book' });
    expect((await sync()).subscribers.sitoo?.unchanged).toBe(1);
    stack.sitoo.catalogue.backofficeEdit('BOOK-1', { priceCents: 100 });
    const result = await sync();
    expect(result.conflicts).toBe(1);
    expect(stack.sitoo.catalogue.product('BOOK-1')?.moneyprice).toBe('249.00');
    // Visibility trails the start by a moment.
    const [report] = await waitFor('conflict listed', async () => {
      const found = await listed(
        `WorkflowId STARTS_WITH "master-data-conflict-sitoo-BOOK-1" AND ExceptionType = "master-data-conflict"`,
      );
      return found.length ? found : undefined;
    });
    const status = await stack.client.workflow.getHandle(report!.workflowId).query<RecordedExceptionStatus>('status');
    expect(status.exception).toMatchObject({ type: 'master-data-conflict', owner: 'merchandising' });
    expect(status.exception?.details.conflicts).toEqual([
      { field: 'price', sku: 'BOOK-1', theirs: 100, master: 24_900, policy: 'revert' },
    ]);
  });

  it('puts back a title edited in the Shopify admin, found by its signed products/update webhook', async () => {
    stack.ecommerce.state.products.adminEditProduct('CAP-1', { title: 'Cap (our best!)' });
    await waitFor('title put back', () => shopifyProduct('CAP-1')?.title === 'Cap', 30_000);
    const reports = await waitFor('conflict recorded', async () => {
      const found = await listed(`WorkflowId STARTS_WITH "master-data-conflict-shopify-CAP-1"`);
      return found.length ? found : undefined;
    });
    const status = await stack.client.workflow
      .getHandle(reports[0]!.workflowId)
      .query<RecordedExceptionStatus>('status');
    expect(status.exception?.details).toMatchObject({ system: 'shopify', sku: 'CAP-1', reverted: true });
    expect(status.exception?.details.conflicts).toEqual([
      { field: 'title', sku: 'CAP-1', theirs: 'Cap (our best!)', master: 'Cap', policy: 'revert' },
    ]);
  });

  it('only reports an edit of a field whose policy says report, and leaves the edit in place', async () => {
    const shopify = stack.mapping.catalogue!.shopify!;
    shopify.policy = { title: 'report' };
    try {
      stack.ecommerce.state.products.adminEditProduct('BOOK-1', { title: 'Book (signed copy)' });
      const reports = await waitFor('conflict recorded', async () => {
        const found = await listed(`WorkflowId STARTS_WITH "master-data-conflict-shopify-BOOK-1"`);
        return found.length ? found : undefined;
      });
      const status = await stack.client.workflow
        .getHandle(reports[0]!.workflowId)
        .query<RecordedExceptionStatus>('status');
      expect(status.exception?.details).toMatchObject({ system: 'shopify', sku: 'BOOK-1', reverted: false });
      expect(status.exception?.message).toMatch(/reported only/);
      expect(shopifyProduct('BOOK-1')?.title).toBe('Book (signed copy)');
    } finally {
      delete shopify.policy;
    }
  });

  it('puts back a product a merchant set to draft in the Shopify admin, though title and prices still match', async () => {
    stack.ecommerce.state.products.adminEditProduct('TEE-1', { status: 'DRAFT' });
    const reports = await waitFor('conflict recorded', async () => {
      const found = await listed(`WorkflowId STARTS_WITH "master-data-conflict-shopify-TEE-1"`);
      return found.length ? found : undefined;
    });
    const status = await stack.client.workflow
      .getHandle(reports[0]!.workflowId)
      .query<RecordedExceptionStatus>('status');
    expect(status.exception?.details.conflicts).toEqual([
      { field: 'active', sku: 'TEE-1', theirs: false, master: true, policy: 'revert' },
    ]);
    await waitFor('active again', () => shopifyProduct('TEE-1')?.status === 'ACTIVE');
  });

  it('stops a sync whose prices the mapping cannot convert at once, naming the cause, instead of retrying for ever', async () => {
    const sitoo = stack.mapping.catalogue!.sitoo!;
    const { defaultVatRate } = stack.mapping.catalogue!;
    // Net prices for the tills, and no VAT rate for items without a VAT group: nothing to convert with.
    sitoo.pricesIncludeTax = false;
    delete stack.mapping.catalogue!.defaultVatRate;
    try {
      stack.erp.state.changeItem('CAP-1', { displayName: 'Cap' });
      const failure = await sync().then(
        () => undefined,
        (err: unknown) => err,
      );
      const cause = (failure as { cause?: { cause?: { type?: string; nonRetryable?: boolean; message?: string } } })
        ?.cause?.cause;
      expect(cause).toMatchObject({ type: 'CatalogueNotConfigured', nonRetryable: true });
      expect(cause?.message).toMatch(/catalogue mapping: .*defaultVatRate/);
    } finally {
      sitoo.pricesIncludeTax = true;
      stack.mapping.catalogue!.defaultVatRate = defaultVatRate;
    }
  });

  it('resumes a sale of a SKU the systems did not know once the sync has created it', async () => {
    const sale = stack.sitoo.pos.recordSale({
      warehouseId: 101,
      paymentStateId: 20,
      lines: [{ sku: 'NEW-1', quantity: 1, unitPriceGross: '59.00', vatPercent: 25 }],
    });
    const handle = saleHandle(stack, sale.orderId);
    await waitFor('sale parked as unknown-sku', async () => {
      const s = await handle.query(statusQuery).catch(() => undefined);
      return s?.exception?.type === 'unknown-sku';
    });
    stack.erp.state.seedItem({ number: 'NEW-1', displayName: 'New thing', unitPrice: 59 });
    const result = await sync();
    expect(result.salesResumed).toBe(1);
    const status = await waitFor('sale booked', async () => {
      const s = await handle.query(statusQuery);
      return s.erpOrder?.posted ? s : undefined;
    });
    expect(status.resolutions).toEqual([
      expect.objectContaining({ action: 'retry', resolvedBy: AUTOMATIC_RESOLVER, exceptionType: 'unknown-sku' }),
    ]);
    expect(erpDocs(stack, sale.orderId)).toHaveLength(1);
    expect(shopifyProduct('NEW-1')).toBeDefined();
  });

  it('parks a product a subscriber refuses for merchandising and pushes the rest of the batch', async () => {
    stack.erp.state.seedItem({ number: 'BAD#1', displayName: 'Bad SKU', unitPrice: 10 });
    stack.erp.state.seedItem({ number: 'GOOD-1', displayName: 'Good SKU', unitPrice: 10 });
    const result = await sync();
    expect(result.subscribers.sitoo).toMatchObject({ created: 1, rejected: 1 });
    expect(stack.sitoo.catalogue.product('GOOD-1')).toBeDefined();
    const [parked] = await waitFor('product-rejected started', async () => {
      const found = await listed(`WorkflowId STARTS_WITH "product-rejected-sitoo-BAD#1-"`);
      return found.length ? found : undefined;
    });
    const handle = stack.client.workflow.getHandle(parked!.workflowId);
    const status = await waitFor('product-rejected parked', async () => {
      const s = await handle.query(productRejectedStatusQuery).catch(() => undefined);
      return s?.exception ? s : undefined;
    });
    expect(status.exception).toMatchObject({ type: 'product-rejected', owner: 'merchandising' });
    expect(status.exception?.message).toMatch(/BAD#1/);
    // Skipped, it stays out until its next change in the master; refused again then, it parks again.
    await handle.signal('resolve', { action: 'skip', reason: 'renamed soon', resolvedBy: 'merch' });
    await handle.result();
    expect((await sync()).subscribers.sitoo?.rejected ?? 0).toBe(0);
    stack.erp.state.changeItem('BAD#1', { displayName: 'Bad SKU, renamed' });
    expect((await sync()).subscribers.sitoo?.rejected).toBe(1);
    await waitFor('parked again for the new version', async () => {
      const found = await listed(
        `WorkflowId STARTS_WITH "product-rejected-sitoo-BAD#1-" AND ExecutionStatus = "Running"`,
      );
      return found.length === 1 && found[0]!.workflowId !== parked!.workflowId;
    });
  });

  it('parks a price the web shop does not show within the SLA, and closes it itself once it does', async () => {
    stack.ecommerce.state.products.priceReadLagMs = 8_000;
    try {
      stack.erp.state.changeItem('BOOK-1', { unitPrice: 229 });
      await sync();
      const [change] = await waitFor('price change running', async () => {
        const found = await listed(`WorkflowType = "priceChangeWorkflow" AND ExecutionStatus = "Running"`);
        return found.length ? found : undefined;
      });
      const handle = stack.client.workflow.getHandle(change!.workflowId);
      const parked = await waitFor('price-update-delay parked', async () => {
        const s = await handle.query(priceChangeStatusQuery);
        return s.exception?.type === 'price-update-delay' ? s : undefined;
      });
      expect(parked.exception?.details).toMatchObject({ systems: ['shopify'] });
      expect(parked.late).toEqual([
        expect.objectContaining({ system: 'shopify', sku: 'BOOK-1', expectedCents: 22_900, seenCents: 24_900 }),
      ]);
      const done = await handle.result();
      expect(done.step).toBe('visible');
      expect(done.resolutions).toEqual([
        expect.objectContaining({ exceptionType: 'price-update-delay', via: 'automatic' }),
      ]);
    } finally {
      stack.ecommerce.state.products.priceReadLagMs = 0;
    }
  });

  it('pushes one SKU on demand from the command line, after a fix in the master, and refuses a muddled request', async () => {
    const env = {
      TEMPORAL_ADDRESS: stack.envVars.TEMPORAL_ADDRESS!,
      TEMPORAL_NAMESPACE: stack.envVars.TEMPORAL_NAMESPACE!,
      TEMPORAL_PAYLOAD_KEYS: stack.envVars.TEMPORAL_PAYLOAD_KEYS!,
    };
    const muddled = await runOps(['catalogue', 'push', '--sku', 'TEE-1', '--all', '--requested-by', 'me'], env);
    expect(muddled.code).toBe(2);
    expect(muddled.stderr).toMatch(/exactly one of --sku, --category or --all/);
    // Someone retitled TEE-1 in Shopify and the notice was lost: a push puts the master's title back.
    const product = shopifyProduct('TEE-1')!;
    product.title = 'Lost notice';
    const pushed = await runOps(['catalogue', 'push', '--sku', 'tee-1', '--requested-by', 'merch desk', '--wait'], env);
    expect(pushed.stderr).toBe('');
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toMatch(/started catalogue-push-skus-TEE-1-/);
    expect(pushed.stdout).toMatch(/done: 1 read, 1 pushed/);
    expect(shopifyProduct('TEE-1')?.title).toBe('T-shirt');
  });
});
