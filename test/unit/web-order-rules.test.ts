import { describe, expect, it } from 'vitest';
import { collectionPayment, soldLines } from '../../src/domain/click-and-collect';
import { PaymentState, type SaleOrder } from '../../src/domain/sale';
import { pickupPayment } from '../../src/domain/web-order';
import { missingTopics, nextUpdatedAtFrom, pollAction, wholeSeconds } from '../../src/domain/web-order-poll';

const pickup = (paymentStateId: number, payments: string[]): Pick<SaleOrder, 'paymentStateId' | 'lines' | 'payments'> => ({
  paymentStateId,
  lines: [{ sku: 'TEE', productName: 'TEE', quantity: 2, unitPriceGross: '199.00', vatPercent: 25 }, { sku: 'CAP', productName: 'CAP', quantity: 1, unitPriceGross: '99.50', vatPercent: 25 }],
  payments: payments.map((amount) => ({ name: 'Card', amount })),
});

describe('who pays for a pickup', () => {
  it('paid online only when Shopify says PAID; PENDING is paid at the till; everything else is for finance', () => {
    expect(pickupPayment('PAID')).toBe('paid-online');
    expect(pickupPayment('PENDING')).toBe('pay-in-store');
    for (const s of ['AUTHORIZED', 'PARTIALLY_PAID', 'EXPIRED', 'VOIDED', 'REFUNDED', 'PARTIALLY_REFUNDED', 'UNKNOWN']) expect(pickupPayment(s)).toBe('undecided');
  });

  it('a collected pickup is paid when Sitoo says Successful and the payments cover the lines', () => {
    expect(collectionPayment(pickup(PaymentState.Successful, ['497.50']))).toEqual({ paid: true, paymentStateId: 20, paidCents: 49750, dueCents: 49750 });
    expect(collectionPayment(pickup(PaymentState.Successful, ['400.00', '97.50'])).paid).toBe(true);
    expect(collectionPayment(pickup(PaymentState.Successful, ['400.00'])).paid).toBe(false);
    expect(collectionPayment(pickup(PaymentState.Pending, ['497.50'])).paid).toBe(false);
    expect(collectionPayment(pickup(PaymentState.Pending, []))).toMatchObject({ paid: false, paidCents: 0 });
  });

  it('books what the till sold, line by line at its prices', () => {
    expect(soldLines(pickup(PaymentState.Successful, []))).toEqual([{ sku: 'TEE', quantity: 2, unitPrice: '199.00' }, { sku: 'CAP', quantity: 1, unitPrice: '99.50' }]);
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
    const subs = [{ topic: 'orders/create', uri: 'https://a/webhooks/shopify' }, { topic: 'orders/cancelled', uri: 'https://old/webhooks/shopify' }];
    expect(missingTopics(subs, ['orders/create', 'orders/cancelled'])).toEqual([]);
    expect(missingTopics(subs, ['orders/create', 'orders/cancelled'], 'https://a/webhooks/shopify')).toEqual(['orders/cancelled']);
    expect(missingTopics([], ['orders/create'])).toEqual(['orders/create']);
  });
});
