import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate, localMidnight } from '../../src/domain/business-day';
import { sitooOrderErpDocumentNumber } from '../../src/domain/ids';
import type { LocalStack } from '../../src/local/stack';
import { statusQuery } from '../../src/workflows/sale-contract';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { erpDocs, saleHandle, saleResult, startTestStack } from './stack-fixture';

// Till sales reaching the ERP through the real workers, under an ERP as unkind as the real one.
let t: TestTemporal;
let stack: LocalStack;

beforeAll(async () => {
  t = await connectTemporal('e2e-erp');
  // The client gives up after 1 s; the ERP commits a held-back request 5 s after it arrived, well after
  // the retry has booked, and inside the 7 s window the sale then waits before sweeping.
  stack = await startTestStack(t, 'erp', { erpRequestTimeout: '1s', erpLateCommitWindow: '7s' });
});

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

describe('till sales in the ERP', () => {
  it('books the till total to the cent: a receipt discount row and a 3-for-10.00 row', async () => {
    // Before: the discount row became ERP item '' (parked unknown-sku for good), and 3 for 10.00 booked 9.99.
    const order = stack.sitoo.pos.recordSale({
      warehouseId: 101,
      lines: [
        { sku: 'TEE-1', quantity: 3, unitPriceGross: '3.33', rowGross: '10.00', vatPercent: 25 },
        { sku: 'CAP-1', quantity: 1, unitPriceGross: '149.00', vatPercent: 25 },
        { sku: '', productName: 'Staff discount', quantity: 1, unitPriceGross: '-14.90', vatPercent: 25 },
      ],
    });
    expect((await saleResult(stack, order.orderId)).outcome).toBe('completed');
    const key = sitooOrderErpDocumentNumber(stack.env.SITOO_ACCOUNT_ID, order.orderId);
    expect(erpDocs(stack, order.orderId)).toMatchObject([{ kind: 'invoice', customerNumber: 'POS-S01' }]);
    const posted = [...stack.erp.state.salesInvoices.values()].find((i) => i.externalDocumentNumber === key)!;
    const erpCents = posted.lines.reduce(
      (n, l) => n + Math.round((l.quantity * l.unitPrice - (l.discountAmount ?? 0)) * 100),
      0,
    );
    expect(erpCents).toBe(1000 + 14900 - 1490);
    expect(posted.lines.map((l) => l.lineObjectNumber)).toEqual(['TEE-1', 'CAP-1']);
  });

  it('dates a sale rung up at 00:30 in Stockholm with the Stockholm day, not the UTC day before', async () => {
    // Before: the order and its invoice took the UTC date (22:30/23:30 the day before), so the
    // store's end of day had to look a day either side to find it.
    const zone = 'Europe/Stockholm';
    const day = addDays(localDate(Math.floor(Date.now() / 1000), zone), -1);
    const orderDate = localMidnight(day, zone) + 30 * 60;
    expect(new Date(orderDate * 1000).toISOString().slice(0, 10)).toBe(addDays(day, -1));
    const order = stack.sitoo.pos.recordSale({
      warehouseId: 101,
      orderDate,
      lines: [{ sku: 'CAP-1', quantity: 1, unitPriceGross: '149.00', vatPercent: 25 }],
    });
    expect((await saleResult(stack, order.orderId)).outcome).toBe('completed');
    const key = sitooOrderErpDocumentNumber(stack.env.SITOO_ACCOUNT_ID, order.orderId);
    const posted = [...stack.erp.state.salesInvoices.values()].find((i) => i.externalDocumentNumber === key)!;
    expect({ invoiceDate: posted.invoiceDate, postingDate: posted.postingDate }).toEqual({
      invoiceDate: day,
      postingDate: day,
    });
  });

  it('a create the ERP commits after the client gave up leaves one posted invoice and no twin', async () => {
    // Before: the retry looked before the late commit landed and created a second order beside the posted one.
    stack.erp.faults.set({ lateCommitRate: 1, lateCommitDelayMs: 5_000 });
    const order = stack.sitoo.pos.recordSale({
      warehouseId: 102,
      lines: [{ sku: 'BOOK-1', quantity: 1, unitPriceGross: '249.00', vatPercent: 6 }],
    });
    try {
      await waitFor('the first create held back', () => stack.erp.faults.counters.lateCommits >= 1);
    } finally {
      stack.erp.faults.set({ lateCommitRate: 0 });
    }
    // The retry books and posts its own order before the held-back create lands beside it.
    await waitFor(
      'the retry to post its order',
      () => erpDocs(stack, order.orderId).some((d) => d.kind === 'invoice'),
      30_000,
    );
    expect(stack.erp.faults.counters.lateCommitsApplied).toBe(0);
    await waitFor('the late create to land', () => stack.erp.faults.counters.lateCommitsApplied >= 1, 30_000);
    expect(
      erpDocs(stack, order.orderId)
        .map((d) => d.kind)
        .sort(),
    ).toEqual(['invoice', 'order']);
    expect((await saleResult(stack, order.orderId)).outcome).toBe('completed');
    const docs = erpDocs(stack, order.orderId);
    expect(docs.map((d) => d.kind)).toEqual(['invoice']);
    expect((await saleHandle(stack, order.orderId).query(statusQuery)).erpTwinsRemoved).toBe(1);
  });
});
