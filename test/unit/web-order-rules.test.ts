import { describe, expect, it } from 'vitest';
import { collectionPayment, pricedLineWithCents, soldLines } from '../../src/domain/click-and-collect';
import { creditMemoLineWithCents, planRefund, storeRefundLines, webRefundWithCents } from '../../src/domain/returns';
import {
  erpSaleLines,
  PaymentState,
  saleOrderWithCents,
  type LegacySaleOrder,
  type SaleOrder,
} from '../../src/domain/sale';
import { pickupPayment, webOrderWithCents, type LegacyWebOrder, type WebOrder } from '../../src/domain/web-order';
import { missingTopics, nextUpdatedAtFrom, pollAction, wholeSeconds } from '../../src/domain/web-order-poll';

const pickup = (
  paymentStateId: number,
  payments: number[],
): Pick<SaleOrder, 'paymentStateId' | 'lines' | 'payments'> => ({
  paymentStateId,
  lines: [
    { sku: 'TEE', productName: 'TEE', quantity: 2, unitPriceGrossCents: 19900, vatPercent: 25 },
    { sku: 'CAP', productName: 'CAP', quantity: 1, unitPriceGrossCents: 9950, vatPercent: 25 },
  ],
  payments: payments.map((amountCents) => ({ name: 'Card', amountCents })),
});

describe('who pays for a pickup', () => {
  it('paid online only when Shopify says PAID; PENDING is paid at the till; everything else is for finance', () => {
    expect(pickupPayment('PAID')).toBe('paid-online');
    expect(pickupPayment('PENDING')).toBe('pay-in-store');
    for (const s of ['AUTHORIZED', 'PARTIALLY_PAID', 'EXPIRED', 'VOIDED', 'REFUNDED', 'PARTIALLY_REFUNDED', 'UNKNOWN'])
      expect(pickupPayment(s)).toBe('undecided');
  });

  it('a collected pickup is paid when Sitoo says Successful and the payments cover the lines', () => {
    expect(collectionPayment(pickup(PaymentState.Successful, [49750]))).toEqual({
      paid: true,
      paymentStateId: 20,
      paidCents: 49750,
      dueCents: 49750,
    });
    expect(collectionPayment(pickup(PaymentState.Successful, [40000, 9750])).paid).toBe(true);
    expect(collectionPayment(pickup(PaymentState.Successful, [40000])).paid).toBe(false);
    expect(collectionPayment(pickup(PaymentState.Pending, [49750])).paid).toBe(false);
    expect(collectionPayment(pickup(PaymentState.Pending, []))).toMatchObject({ paid: false, paidCents: 0 });
  });

  it('books what the till sold, line by line at its prices', () => {
    expect(soldLines(pickup(PaymentState.Successful, []))).toEqual([
      { sku: 'TEE', quantity: 2, unitPriceCents: 19900 },
      { sku: 'CAP', quantity: 1, unitPriceCents: 9950 },
    ]);
  });
});

// Activities returned money as 2-decimal strings before issue 12; recorded histories and running
// workflows hand those results to today's code, which must decide exactly as before from them.
describe('orders recorded before money was cents', () => {
  const sale: SaleOrder = {
    orderId: 7,
    eshopId: 1,
    warehouseId: 100,
    orderStateId: 10,
    paymentStateId: PaymentState.Successful,
    orderDate: 1796040000,
    currencyCode: 'SEK',
    externalId: '4004',
    creditOrderId: null,
    reservedUntil: null,
    additionalData: { 'web-orderid': '4004' },
    lines: [
      { sku: 'TEE', productName: 'Tee', quantity: 3, unitPriceGrossCents: 3333, vatPercent: 25, grossCents: 10000 },
      { sku: '', productName: 'Staff discount', quantity: 1, unitPriceGrossCents: -1490, vatPercent: 25 },
    ],
    payments: [
      { name: 'Card', amountCents: 8000 },
      { name: 'Gift card', amountCents: 510 },
    ],
  };
  const legacySale: LegacySaleOrder = {
    ...sale,
    lines: [
      { sku: 'TEE', productName: 'Tee', quantity: 3, unitPriceGross: '33.33', vatPercent: 25, grossCents: 10000 },
      { sku: '', productName: 'Staff discount', quantity: 1, unitPriceGross: '-14.90', vatPercent: 25 },
    ],
    payments: [
      { name: 'Card', amount: '80.00' },
      { name: 'Gift card', amount: '5.10' },
    ],
  };
  const web: WebOrder = {
    id: 'gid://shopify/Order/4004',
    legacyId: '4004',
    name: '#4004',
    createdAt: '2026-11-30T10:00:00Z',
    cancelledAt: null,
    currencyCode: 'SEK',
    financialStatus: 'PARTIALLY_REFUNDED',
    lines: [
      { lineItemId: 'L1', sku: 'TEE', quantity: 3, unitPriceCents: 3333 },
      { lineItemId: 'L2', sku: 'CAP', quantity: 1, unitPriceCents: 9950, paidCents: 9950 },
    ],
    fulfillmentOrders: [],
    refundedQuantities: { L1: 1 },
    totalRefundedCents: 3333,
  };
  const legacyWeb: LegacyWebOrder = {
    ...web,
    lines: [
      { lineItemId: 'L1', sku: 'TEE', quantity: 3, unitPrice: '33.33' },
      { lineItemId: 'L2', sku: 'CAP', quantity: 1, unitPrice: '99.50', paidCents: 9950 },
    ],
    totalRefunded: '33.33',
  };

  it('reads a legacy Sitoo order as the same cents a new one carries, and decides the same from it', () => {
    expect(saleOrderWithCents(legacySale)).toEqual(sale);
    expect(saleOrderWithCents(sale)).toEqual(sale);
    expect(collectionPayment(saleOrderWithCents(legacySale))).toEqual({
      paid: true,
      paymentStateId: 20,
      paidCents: 8510,
      dueCents: 8510,
    });
    expect(erpSaleLines(saleOrderWithCents(legacySale).lines)).toEqual(erpSaleLines(sale.lines));
    expect(soldLines(saleOrderWithCents(legacySale))).toEqual(soldLines(sale));
    expect(soldLines(sale)[0]).toEqual({ sku: 'TEE', quantity: 3, unitPriceCents: 3333, grossCents: 10000 });
    const refund = {
      lines: [{ sku: 'TEE', productName: 'Tee', quantity: -2, unitPriceGross: '33.33', vatPercent: 25 }],
    };
    expect(storeRefundLines(saleOrderWithCents({ ...legacySale, lines: refund.lines }))).toEqual([
      { sku: 'TEE', quantity: 2, unitPriceCents: 3333 },
    ]);
  });

  it('reads a legacy web order as the same cents a new one carries, and plans the same refund from it', () => {
    expect(webOrderWithCents(legacyWeb)).toEqual(web);
    expect(webOrderWithCents(web)).toEqual(web);
    expect(planRefund(webOrderWithCents(legacyWeb), [{ sku: 'TEE', quantity: 2 }]).lines).toEqual([
      { lineItemId: 'L1', sku: 'TEE', quantity: 2, amountCents: 6666 },
    ]);
  });

  it('reads legacy refund results and activity inputs (scheduled before, retried after the change) as cents', () => {
    expect(webRefundWithCents({ refundId: 'R1', amount: '199.00' })).toEqual({ refundId: 'R1', amountCents: 19900 });
    expect(webRefundWithCents({ refundId: 'R1', amountCents: 19900 })).toEqual({ refundId: 'R1', amountCents: 19900 });
    expect(pricedLineWithCents({ sku: 'TEE', quantity: 2, unitPrice: '199.00' })).toEqual({
      sku: 'TEE',
      quantity: 2,
      unitPriceCents: 19900,
    });
    expect(creditMemoLineWithCents({ sku: 'TEE', quantity: 1, unitPrice: '33.34' })).toEqual({
      sku: 'TEE',
      quantity: 1,
      unitPriceCents: 3334,
    });
  });
});

describe('the Shopify order poll', () => {
  const from = '2026-11-30T10:00:00Z';
  it('starts what may need collecting, tells cancellations since the cursor, leaves fulfilled and older cancellations alone', () => {
    expect(pollAction({ cancelledAt: null, fulfillmentStatus: 'UNFULFILLED' }, from)).toBe('start');
    expect(pollAction({ cancelledAt: null, fulfillmentStatus: 'IN_PROGRESS' }, from)).toBe('start');
    expect(pollAction({ cancelledAt: null, fulfillmentStatus: 'FULFILLED' }, from)).toBe('none');
    expect(pollAction({ cancelledAt: '2026-11-30T10:00:00Z', fulfillmentStatus: 'UNFULFILLED' }, from)).toBe('cancel');
    expect(pollAction({ cancelledAt: '2026-11-30T09:59:59Z', fulfillmentStatus: 'UNFULFILLED' }, from)).toBe('none');
  });

  it('moves the cursor to the newest change less the settle time, in whole seconds, never back', () => {
    expect(nextUpdatedAtFrom(from, undefined, 120_000)).toBe(from);
    expect(nextUpdatedAtFrom(from, '2026-11-30T10:05:30Z', 120_000)).toBe('2026-11-30T10:03:30Z');
    expect(nextUpdatedAtFrom(from, '2026-11-30T10:01:00Z', 120_000)).toBe(from);
    expect(nextUpdatedAtFrom(from, '2026-11-30T10:05:30Z', 0)).toBe('2026-11-30T10:05:30Z');
    expect(wholeSeconds(Date.parse('2026-11-30T10:05:30.999Z'))).toBe('2026-11-30T10:05:30Z');
  });

  it('finds the topics with no subscription, to the configured address when there is one', () => {
    const subs = [
      { topic: 'orders/create', uri: 'https://a/webhooks/shopify' },
      { topic: 'orders/cancelled', uri: 'https://old/webhooks/shopify' },
    ];
    expect(missingTopics(subs, ['orders/create', 'orders/cancelled'])).toEqual([]);
    expect(missingTopics(subs, ['orders/create', 'orders/cancelled'], 'https://a/webhooks/shopify')).toEqual([
      'orders/cancelled',
    ]);
    expect(missingTopics([], ['orders/create'])).toEqual(['orders/create']);
  });
});
