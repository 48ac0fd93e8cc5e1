import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../src/activities/attempt';
import { bookCreditMemo } from '../../src/activities/erp-credit-memos';
import { findOrCreateErpOrder, postErpOrder, sweepErpOrderTwins } from '../../src/activities/erp-orders';
import { createStockAdjustmentActivities } from '../../src/activities/stock-adjustment-activities';
import type { ErpSalesOrderInput } from '../../src/connectors/erp/port';
import type { SitooPort } from '../../src/connectors/sitoo/port';
import { attemptInterceptor } from '../../src/workers/attempt-interceptor';
import { businessCentralFixture } from '../support/business-central';
import { waitFor } from '../support/temporal';

/**
 * ERP writes as activities run them (in an activity context, against the simulator over HTTP),
 * under what breaks "look before create": a create the ERP commits after the client gave up, two
 * attempts of one activity running at once on different workers, and a customer card that prices
 * otherwise.
 */
const { startSim, clientFor } = businessCentralFixture();

const order = (
  ext: string,
  lines: ErpSalesOrderInput['lines'] = [
    { itemNumber: '1000', quantity: 3, unitPriceCents: 334, discountCents: 2, locationCode: 'STORE01' },
  ],
): ErpSalesOrderInput => ({
  externalDocumentNumber: ext,
  customerNumber: 'POS-STORE01',
  orderDate: '2026-11-30',
  lines,
});

/** An activity attempt as a worker runs it: its own context, with the attempt's deadline and signal. */
const attempt = (attemptNumber = 1, startToCloseTimeoutMs = 30_000) => {
  const env = new MockActivityEnvironment(
    { attempt: attemptNumber, startToCloseTimeoutMs, heartbeatTimeoutMs: undefined },
    { interceptors: [attemptInterceptor] },
  );
  return { run: <T>(fn: () => Promise<T>): Promise<T> => env.run(fn) as Promise<T> };
};

describe('ERP writes exactly once in effect', () => {
  it('two attempts of one create running at once on two workers leave one order, and both report it', async () => {
    // Both look before either creates (the ERP answers slowly), as a retry beside an attempt that
    // outlived its timeout does. Before: two open orders under one key, each attempt reporting its own.
    const sim = await startSim({ faults: { latencyMs: 150 } });
    const erp = clientFor(sim);
    const [a, b] = await Promise.all([
      attempt(1).run(() => findOrCreateErpOrder(erp, order('SITOO-1-501'), new KeyedLock())),
      attempt(2).run(() => findOrCreateErpOrder(erp, order('SITOO-1-501'), new KeyedLock())),
    ]);
    expect(sim.state.countByExternalDocumentNumber('SITOO-1-501')).toBe(1);
    expect(a.id).toBe(b.id);
    // Each settles on the same survivor; whichever deletes the twin first, the other finds it gone.
    expect(Math.max(a.twinsRemoved ?? 0, b.twinsRemoved ?? 0)).toBe(1);
    expect(b.lateTwinPossible).toBe(true);
  });

  it('a create committed after the client gave up is taken back by the sweep, and never posted', async () => {
    const sim = await startSim({ faults: { lateCommitRate: 1, lateCommitDelayMs: 3_000 } });
    const erp = clientFor(sim, { timeoutMs: 400 });
    const first = await attempt(1)
      .run(() => findOrCreateErpOrder(erp, order('SITOO-1-502')))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(String(first)).toMatch(/failed/); // the client gave up: it cannot know whether the order exists
    sim.faults.set({ lateCommitRate: 0 });
    // The retry looks before the late commit has landed, finds nothing and creates, then posts its own.
    const second = await attempt(2).run(() => findOrCreateErpOrder(erp, order('SITOO-1-502')));
    expect(second.lateTwinPossible).toBe(true);
    const posted = await attempt(1).run(() =>
      postErpOrder(erp, { externalDocumentNumber: 'SITOO-1-502', customerNumber: 'POS-STORE01' }),
    );
    expect(posted.posted).toBe(true);
    await waitFor('the late create to land', () => sim.faults.counters.lateCommitsApplied === 1);
    expect(sim.state.countByExternalDocumentNumber('SITOO-1-502')).toBe(2);
    expect(
      await attempt(1).run(() =>
        sweepErpOrderTwins(erp, { externalDocumentNumber: 'SITOO-1-502', customerNumber: 'POS-STORE01' }),
      ),
    ).toBe(1);
    const left = sim.state.salesDocuments().filter((d) => d.externalDocumentNumber === 'SITOO-1-502');
    expect(left.map((d) => d.kind)).toEqual(['invoice']);
  });

  it('a document under the same key for another customer is not this sale', async () => {
    // Before: the bare key was looked up across customers, so any document carrying it made the sale look booked.
    const sim = await startSim();
    sim.state.seedCustomer({ number: 'B2B-7', displayName: 'Wholesale' });
    const erp = clientFor(sim);
    await attempt().run(() => findOrCreateErpOrder(erp, { ...order('SITOO-1-503'), customerNumber: 'B2B-7' }));
    const mine = await attempt().run(() => findOrCreateErpOrder(erp, order('SITOO-1-503')));
    expect(
      sim.state
        .salesDocuments()
        .filter((d) => d.externalDocumentNumber === 'SITOO-1-503')
        .map((d) => d.customerNumber)
        .sort(),
    ).toEqual(['B2B-7', 'POS-STORE01']);
    expect(sim.state.salesOrders.get(mine.id)?.customerNumber).toBe('POS-STORE01');
  });

  it('books VAT-inclusive prices whatever the customer card says, to the cent', async () => {
    // Before: pricesIncludeTax was never sent, so a card with "Prices Including VAT" off booked 10.00 of goods as 12.50.
    const sim = await startSim();
    sim.state.seedCustomer({ number: 'POS-NET', displayName: 'Walk-in, net prices', pricesIncludeTax: false });
    const erp = clientFor(sim);
    const ref = await attempt().run(() =>
      findOrCreateErpOrder(erp, { ...order('SITOO-1-504'), customerNumber: 'POS-NET' }),
    );
    await attempt().run(() => postErpOrder(erp, { externalDocumentNumber: 'SITOO-1-504', customerNumber: 'POS-NET' }));
    expect(ref.posted).toBe(false);
    const [invoice] = await erp.findSalesDocuments('SITOO-1-504');
    expect(invoice).toMatchObject({ kind: 'invoice', totalCents: 1000 });
  });

  it('refuses a credit memo the customer card would price net, and leaves no draft to be posted later', async () => {
    const sim = await startSim();
    sim.state.seedCustomer({ number: 'POS-NET', displayName: 'Walk-in, net prices', pricesIncludeTax: false });
    const erp = clientFor(sim);
    const key = { externalDocumentNumber: 'SITOO-1-505', customerNumber: 'POS-NET', description: 'Sitoo return 505' };
    const input = {
      externalDocumentNumber: 'SITOO-1-505',
      customerNumber: 'POS-NET',
      creditMemoDate: '2026-11-30',
      lines: [
        {
          itemNumber: '1000',
          quantity: 1,
          unitPriceCents: 1000,
          locationCode: 'STORE01',
          description: 'Sitoo return 505',
        },
      ],
    };
    const err = await attempt()
      .run(() => bookCreditMemo(erp, key, input))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(String(err)).toMatch(/12\.50 where the return refunded 10\.00.*Prices Including VAT" off/);
    expect(sim.state.creditMemos()).toEqual([]);
  });

  it('two attempts of one return on two workers post one credit memo', async () => {
    const sim = await startSim({ faults: { latencyMs: 150 } });
    const erp = clientFor(sim);
    const key = { externalDocumentNumber: 'WEB-9', customerNumber: 'POS-STORE01', description: 'Sitoo return 506' };
    const input = {
      externalDocumentNumber: 'WEB-9',
      customerNumber: 'POS-STORE01',
      creditMemoDate: '2026-11-30',
      lines: [
        {
          itemNumber: '1000',
          quantity: 1,
          unitPriceCents: 995,
          locationCode: 'STORE01',
          description: 'Sitoo return 506',
        },
      ],
    };
    // Two workers: each its own lock, as two processes have.
    const [a, b] = await Promise.all([
      attempt(1).run(() => bookCreditMemo(erp, key, input, new KeyedLock())),
      attempt(2).run(() => bookCreditMemo(erp, key, input, new KeyedLock())),
    ]);
    expect(a.number).toBe(b.number);
    expect(sim.state.creditMemos().map((m) => m.status)).toEqual(['Open']);
  });

  it('nothing an attempt queued goes out after its deadline', async () => {
    // Before: a create waiting for a place in the client's concurrency limit was sent after its activity had timed out.
    const sim = await startSim({ faults: { latencyMs: 1_500 } });
    const erp = clientFor(sim, { maxConcurrentRequests: 1 });
    const sitoo = {
      listWarehouseTransactions: async () => [
        {
          transactionId: 88,
          warehouseId: 101,
          type: 60,
          kind: 'manual-in',
          createdAt: 1_790_000_000,
          externalId: null,
          items: [{ sku: '1000', quantity: 1, levelAfter: 5 }],
        },
      ],
    } as unknown as SitooPort;
    const stores = [
      {
        storeId: 'S01',
        name: 'Stockholm',
        sitooWarehouseId: 101,
        erpLocationCode: 'STORE01',
        erpCustomerNumber: 'POS-STORE01',
        webLocationId: 'gid://shopify/Location/1',
      },
    ];
    const record = createStockAdjustmentActivities({ sitoo, erp, mapping: () => ({ stores }) });
    // Another caller holds the only place for longer than the attempt lives.
    const blocker = erp.findUnknownItems(['1000']);
    const outcome = await attempt(1, 1_000)
      .run(() => record.recordStoreStockChange({ transactionId: 88 }))
      .then(
        () => 'completed',
        (e: unknown) => String(e),
      );
    expect(outcome).toMatch(/deadline|abort/i);
    await blocker;
    // The limit is first come, first served: had the attempt's call still been queued, it would go before this one.
    await erp.findLocationId('STORE02');
    expect(sim.state.requestLog.filter((r) => r.path.includes('stockAdjustments'))).toEqual([]);
  });
});
