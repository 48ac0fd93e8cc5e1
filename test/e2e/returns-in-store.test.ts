import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickAndCollectWorkflowId, returnInStoreWorkflowId, webOrderErpDocumentNumber } from '../../src/domain/ids';
import type { LocalStack } from '../../src/local/stack';
import { clickAndCollectStatusQuery } from '../../src/workflows/click-and-collect-contract';
import { resolveUpdate, returnStatusQuery, type ReturnResult } from '../../src/workflows/return-in-store-contract';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { sell, startTestStack, webLocation, webMatchesStore } from './stack-fixture';

// Bought online, returned in a store: Sitoo refund order -> events -> sale workflow hands over ->
// return workflow -> web refund and ERP credit memo; stock back in the store through the stock flow.
let t: TestTemporal;
let stack: LocalStack;

beforeAll(async () => {
  t = await connectTemporal('e2e-returns');
  stack = await startTestStack(t, 'returns-in-store');
});

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

/** A web order collected at S01: 2 T-shirts at 199.00 and a cap at 149.00. */
async function collectedWebOrder() {
  return collect(
    stack.ecommerce.state.createOrder({
      lines: [
        { sku: 'TEE-1', quantity: 2, price: '199.00' },
        { sku: 'CAP-1', quantity: 1, price: '149.00' },
      ],
      pickupLocationId: webLocation(stack, 'S01'),
    }),
  );
}

/** Waits for the pickup order of a web order placed for S01, and collects it there. */
async function collect(placed: { id: string; legacyId: string; name: string }) {
  const collect = stack.client.workflow.getHandle(clickAndCollectWorkflowId(placed.legacyId));
  await waitFor(
    'the pickup order',
    async () => (await collect.query(clickAndCollectStatusQuery).catch(() => undefined))?.step === 'awaiting-store',
  );
  const pickup = stack.sitoo.state.findByExternalId(placed.legacyId)!;
  stack.sitoo.pos.collect(pickup.orderid);
  expect((await collect.result()).outcome).toBe('collected');
  return { ...placed, sitooOrderId: pickup.orderid };
}

const returnHandle = (sitooOrderId: number) =>
  stack.client.workflow.getHandle(returnInStoreWorkflowId(stack.env.SITOO_ACCOUNT_ID, sitooOrderId));
async function returnResult(sitooOrderId: number): Promise<ReturnResult> {
  const handle = returnHandle(sitooOrderId);
  return waitFor(`return ${sitooOrderId} to finish`, () => handle.result().catch(() => undefined), 60_000);
}
const refundsOf = (gid: string) => stack.ecommerce.state.orders.get(gid)!.refunds;
const creditMemos = (webOrderId: string) =>
  stack.erp.state.creditMemos().filter((m) => m.externalDocumentNumber === webOrderErpDocumentNumber(webOrderId));

describe('buy online, return in store', () => {
  it('refunds exactly the returned line on the web without restocking it, and credits the ERP at the returning store', async () => {
    const order = await collectedWebOrder();
    const webBefore = stack.ecommerce.state.getAvailable('TEE-1', webLocation(stack, 'S02'));
    const stockBefore = stack.sitoo.state.getStock(102, 'TEE-1');
    const returned = stack.sitoo.pos.returnItems({
      originalOrderId: order.sitooOrderId,
      warehouseId: 102,
      lines: [{ sku: 'TEE-1', quantity: 1 }],
    });
    const result = await returnResult(returned);
    expect(result).toMatchObject({ outcome: 'refunded', webOrderId: order.legacyId, refundCents: 19900 });

    const refunds = refundsOf(order.id);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]!.lines).toMatchObject([{ quantity: 1, restockType: 'NO_RESTOCK' }]);
    expect(refunds[0]!.totalCents).toBe(19900);
    const memos = creditMemos(order.legacyId);
    expect(memos).toHaveLength(1);
    expect(memos[0]).toMatchObject({
      posted: true,
      lines: [{ itemNumber: 'TEE-1', quantity: 1, locationCode: 'STORE02' }],
    });
    // The unit is back on the shelf at S02 (Sitoo, the master), and the web follows from there.
    expect(stack.sitoo.state.getStock(102, 'TEE-1')).toBe(stockBefore + 1);
    await webMatchesStore(stack, 'S02', ['TEE-1']);
    expect(stack.ecommerce.state.getAvailable('TEE-1', webLocation(stack, 'S02'))).toBe(webBefore! + 1);
  });

  it('refunds a discounted order what was paid, across the gift card and the card, and credits the same amounts', async () => {
    // 3 T-shirts at 199.00 less 30.00 on the line, a cap at 149.00, 50.00 off the order; 200.00 on a gift card, the rest by card.
    const placed = stack.ecommerce.state.createOrder({
      lines: [
        { sku: 'TEE-1', quantity: 3, price: '199.00' },
        { sku: 'CAP-1', quantity: 1, price: '149.00' },
      ],
      pickupLocationId: webLocation(stack, 'S01'),
      lineDiscounts: ['30.00'],
      orderDiscount: '50.00',
      payments: [{ gateway: 'gift_card', amount: '200.00' }, { gateway: 'shopify_payments' }],
    });
    const order = await collect(placed);
    const [gift, card] = stack.ecommerce.state.orders.get(order.id)!.transactions;
    // The T-shirts were paid 527.41 together: 175.80, then 175.80 + 175.81 for the other two.
    const first = await returnResult(
      stack.sitoo.pos.returnItems({
        originalOrderId: order.sitooOrderId,
        warehouseId: 101,
        lines: [{ sku: 'TEE-1', quantity: 1 }],
      }),
    );
    expect(first).toMatchObject({ outcome: 'refunded', refundCents: 17580 });
    const rest = await returnResult(
      stack.sitoo.pos.returnItems({
        originalOrderId: order.sitooOrderId,
        warehouseId: 102,
        lines: [{ sku: 'TEE-1', quantity: 2 }],
      }),
    );
    expect(rest).toMatchObject({ outcome: 'refunded', refundCents: 35161 });
    expect(refundsOf(order.id).map((r) => r.transactions.map((t) => [t.parentId, t.amountCents]))).toEqual([
      [[gift!.id, 17580]],
      [
        [gift!.id, 2420],
        [card!.id, 32741],
      ],
    ]);
    expect(refundsOf(order.id).reduce((n, r) => n + r.totalCents, 0)).toBe(52741);
    // Each credit memo books what its refund paid out, VAT-inclusive per unit.
    const memoCents = (returnId: number) => {
      const memo = creditMemos(order.legacyId).find((m) =>
        m.lines.some((l) => l.description === `Sitoo return ${returnId}`),
      )!;
      expect(memo.posted).toBe(true);
      return Math.round(memo.lines.reduce((n, l) => n + l.quantity * l.unitPrice * 100, 0));
    };
    expect([memoCents(first.sitooOrderId), memoCents(rest.sitooOrderId)]).toEqual([17580, 35161]);
    expect(
      creditMemos(order.legacyId)
        .find((m) => m.lines.some((l) => l.description === `Sitoo return ${rest.sitooOrderId}`))!
        .lines.map((l) => [l.quantity, l.unitPrice, l.locationCode]),
    ).toEqual([
      [1, 175.8, 'STORE02'],
      [1, 175.81, 'STORE02'],
    ]);
  });

  it('adds up partial and repeated returns and parks the one that exceeds the purchase for finance', async () => {
    const order = await collectedWebOrder();
    stack.ecommerce.faults.set({ lostResponseRate: 0.5 });
    try {
      const first = stack.sitoo.pos.returnItems({
        originalOrderId: order.sitooOrderId,
        warehouseId: 101,
        lines: [{ sku: 'TEE-1', quantity: 1 }],
      });
      expect((await returnResult(first)).outcome).toBe('refunded');
      const second = stack.sitoo.pos.returnItems({
        originalOrderId: order.sitooOrderId,
        warehouseId: 101,
        lines: [
          { sku: 'TEE-1', quantity: 1 },
          { sku: 'CAP-1', quantity: 1 },
        ],
      });
      expect((await returnResult(second)).outcome).toBe('refunded');
    } finally {
      stack.ecommerce.faults.reset();
    }
    // Lost responses never paid twice: two refunds, 199 + 199 + 149.
    expect(refundsOf(order.id).map((r) => r.totalCents)).toEqual([19900, 34800]);
    const third = stack.sitoo.pos.returnItems({
      originalOrderId: order.sitooOrderId,
      warehouseId: 101,
      lines: [{ sku: 'TEE-1', quantity: 1 }],
    });
    const parked = await waitFor(
      'the over-return to park',
      async () =>
        (
          await returnHandle(third)
            .query(returnStatusQuery)
            .catch(() => undefined)
        )?.exception,
    );
    expect(parked).toMatchObject({
      type: 'return-exceeds-purchase',
      owner: 'finance',
      details: { excess: [{ sku: 'TEE-1', returning: 1, refundable: 0 }] },
    });
    expect(refundsOf(order.id)).toHaveLength(2);
    await returnHandle(third).executeUpdate(resolveUpdate, {
      args: [{ action: 'skip', reason: 'goodwill, no refund', resolvedBy: 'finance' }],
    });
    expect((await returnResult(third)).outcome).toBe('skipped');
    expect(creditMemos(order.legacyId)).toHaveLength(2);
  });

  it('parks a return with no reference for finance, and finishes it once the reference is supplied', async () => {
    const order = await collectedWebOrder();
    const orphan = stack.sitoo.pos.returnItems({
      originalOrderId: null,
      warehouseId: 101,
      lines: [{ sku: 'CAP-1', quantity: 1 }],
    });
    const parked = await waitFor(
      'the orphan to park',
      async () =>
        (
          await returnHandle(orphan)
            .query(returnStatusQuery)
            .catch(() => undefined)
        )?.exception,
    );
    expect(parked).toMatchObject({
      type: 'orphaned-return',
      owner: 'finance',
      details: { returned: [{ sku: 'CAP-1', quantity: 1 }], storeId: 'S01' },
    });
    const refused = await returnHandle(orphan)
      .executeUpdate(resolveUpdate, { args: [{ action: 'supply-reference' }] })
      .catch((err: Error) => err);
    expect(String((refused as Error).cause)).toMatch(/reference is required/);
    await returnHandle(orphan).executeUpdate(resolveUpdate, {
      args: [{ action: 'supply-reference', reference: `sitoo:${order.sitooOrderId}`, resolvedBy: 'finance' }],
    });
    expect(await returnResult(orphan)).toMatchObject({
      outcome: 'refunded',
      webOrderId: order.legacyId,
      refundCents: 14900,
    });
  });

  it('a refund of a store sale is booked as a credit memo under its own Sitoo order id, with no web refund', async () => {
    const sale = sell(stack, 101, [['BOOK-1', 1]]);
    const webRefundsBefore = stack.ecommerce.state.orders.all().reduce((n, o) => n + o.refunds.length, 0);
    const returned = stack.sitoo.pos.returnItems({
      originalOrderId: sale.orderId,
      warehouseId: 101,
      lines: [{ sku: 'BOOK-1', quantity: 1 }],
    });
    const result = await returnResult(returned);
    expect(result).toMatchObject({
      outcome: 'store-refund-booked',
      sitooOrderId: returned,
      refundCents: 24900,
      creditMemoNumber: expect.any(String),
    });
    expect(result.webOrderId).toBeUndefined();
    const memos = stack.erp.state.creditMemos().filter((m) => m.externalDocumentNumber === String(returned));
    expect(memos).toHaveLength(1);
    expect(memos[0]).toMatchObject({ customerNumber: 'POS-S01', number: result.creditMemoNumber, posted: true });
    expect(memos[0]!.lines).toEqual([
      {
        itemNumber: 'BOOK-1',
        quantity: 1,
        unitPrice: 249,
        locationCode: 'STORE01',
        description: `Sitoo return ${returned}`,
      },
    ]);
    expect(stack.ecommerce.state.orders.all().reduce((n, o) => n + o.refunds.length, 0)).toBe(webRefundsBefore);
  });
});
