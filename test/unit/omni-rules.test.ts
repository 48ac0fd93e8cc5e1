import { describe, expect, it } from 'vitest';
import { pickupLines, regionStores, shortfalls } from '../../src/domain/click-and-collect';
import { validateResolution, type ParkedException } from '../../src/domain/exceptions';
import type { Mapping } from '../../src/domain/mapping';
import {
  creditMemoLines,
  isReturn,
  parseReturnReference,
  planRefund,
  returnedLines,
  storeRefundLines,
  webOrderIdOf,
} from '../../src/domain/returns';
import type { SaleLine } from '../../src/domain/sale';
import type { WebOrder, WebPayment } from '../../src/domain/web-order';

const payment = (transactionId: string, gateway: string, amountCents: number, refundedCents = 0): WebPayment => ({
  transactionId,
  gateway,
  amountCents,
  refundedCents,
});
const order = (
  refunded: Record<string, number> = {},
  payments = [payment('T1', 'shopify_payments', 54700)],
): WebOrder => ({
  id: 'gid://shopify/Order/1',
  legacyId: '1',
  name: '#1001',
  createdAt: '2026-11-30T10:00:00Z',
  cancelledAt: null,
  currencyCode: 'SEK',
  financialStatus: 'PAID',
  lines: [
    { lineItemId: 'L1', sku: 'TEE', quantity: 2, unitPriceCents: 19900, paidCents: 39800 },
    { lineItemId: 'L2', sku: 'TEE', quantity: 1, unitPriceCents: 14900, paidCents: 14900 },
    { lineItemId: 'L3', sku: 'CAP', quantity: 1, unitPriceCents: 9900, paidCents: 9900 },
  ],
  fulfillmentOrders: [],
  refundedQuantities: refunded,
  totalRefundedCents: 0,
  payments,
});

describe('refund planning for returns in store', () => {
  it('refunds exactly the returned units, spread over the lines of one SKU', () => {
    const plan = planRefund(order(), [{ sku: 'TEE', quantity: 3 }]);
    expect(plan.excess).toEqual([]);
    expect(plan.lines).toEqual([
      { lineItemId: 'L1', sku: 'TEE', quantity: 2, amountCents: 39800 },
      { lineItemId: 'L2', sku: 'TEE', quantity: 1, amountCents: 14900 },
    ]);
    expect(plan).toMatchObject({
      transactions: [{ transactionId: 'T1', gateway: 'shopify_payments', amountCents: 54700 }],
      uncoveredCents: 0,
    });
  });

  it('refunds what was paid, not the list price, and shares an uneven line so repeated returns add up to it', () => {
    // 3 units paid 100.00 together after discounts: 33.33 + 33.34 + 33.33, however they come back.
    const discounted = (refunded: Record<string, number>): WebOrder => ({
      ...order(refunded, [payment('T1', 'card', 10000)]),
      lines: [{ lineItemId: 'L1', sku: 'TEE', quantity: 3, unitPriceCents: 3333, paidCents: 10000 }],
    });
    expect(planRefund(discounted({}), [{ sku: 'TEE', quantity: 1 }]).lines[0]!.amountCents).toBe(3333);
    expect(planRefund(discounted({ L1: 1 }), [{ sku: 'TEE', quantity: 1 }]).lines[0]!.amountCents).toBe(3334);
    expect(planRefund(discounted({ L1: 2 }), [{ sku: 'TEE', quantity: 1 }]).lines[0]!.amountCents).toBe(3333);
    expect(planRefund(discounted({ L1: 1 }), [{ sku: 'TEE', quantity: 2 }]).lines[0]!.amountCents).toBe(6667);
  });

  it('sends the money back to the payments in the order paid, none beyond what it holds, and names what no payment holds', () => {
    const split = planRefund(order({}, [payment('G', 'gift_card', 10000), payment('C', 'shopify_payments', 44700)]), [
      { sku: 'TEE', quantity: 2 },
    ]);
    expect(split.transactions).toEqual([
      { transactionId: 'G', gateway: 'gift_card', amountCents: 10000 },
      { transactionId: 'C', gateway: 'shopify_payments', amountCents: 29800 },
    ]);
    const giftUsed = planRefund(
      order({}, [payment('G', 'gift_card', 10000, 10000), payment('C', 'shopify_payments', 44700)]),
      [{ sku: 'CAP', quantity: 1 }],
    );
    expect(giftUsed.transactions).toEqual([{ transactionId: 'C', gateway: 'shopify_payments', amountCents: 9900 }]);
    const goodwillEarlier = planRefund(order({}, [payment('C', 'shopify_payments', 54700, 50000)]), [
      { sku: 'TEE', quantity: 1 },
    ]);
    expect(goodwillEarlier).toMatchObject({ transactions: [{ amountCents: 4700 }], uncoveredCents: 15200 });
  });

  it('books a credit memo at what was refunded, splitting a line that does not divide into two a cent apart', () => {
    expect(
      creditMemoLines([
        { sku: 'TEE', quantity: 2, amountCents: 6667 },
        { sku: 'CAP', quantity: 1, amountCents: 9900 },
      ]),
    ).toEqual([
      { sku: 'TEE', quantity: 1, unitPriceCents: 3333 },
      { sku: 'TEE', quantity: 1, unitPriceCents: 3334 },
      { sku: 'CAP', quantity: 1, unitPriceCents: 9900 },
    ]);
  });

  it("books a store refund at the till's row totals, a discount row taken back spread over the returned rows", () => {
    const row = (sku: string, quantity: number, unitPriceGrossCents: number, grossCents?: number): SaleLine => ({
      sku,
      productName: sku,
      quantity,
      unitPriceGrossCents,
      vatPercent: 25,
      grossCents,
    });
    // Two of three bought for 100.00 together: the till gave back 66.67, which a rounded unit price (33.34) would miss.
    expect(storeRefundLines({ lines: [row('TEE', -2, 3334, -6667)] })).toEqual([
      { sku: 'TEE', quantity: 1, unitPriceCents: 3333 },
      { sku: 'TEE', quantity: 1, unitPriceCents: 3334 },
    ]);
    // A receipt discount of 20.00 on the sale comes back as a SKU-less row that keeps 20.00 of the refund.
    expect(
      storeRefundLines({ lines: [row('TEE', -1, 19900, -19900), row('CAP', -1, 9900, -9900), row('', 1, 2000, 2000)] }),
    ).toEqual([
      { sku: 'TEE', quantity: 1, unitPriceCents: 18564 },
      { sku: 'CAP', quantity: 1, unitPriceCents: 9236 },
    ]);
    // Mapped without row totals: unit price x quantity, as before.
    expect(storeRefundLines({ lines: [row('BOOK', -1, 24900)] })).toEqual([
      { sku: 'BOOK', quantity: 1, unitPriceCents: 24900 },
    ]);
  });

  it('counts earlier refunds, so repeated returns add up and an over-return is excess', () => {
    const afterOne = order({ L1: 2 });
    expect(planRefund(afterOne, [{ sku: 'TEE', quantity: 1 }]).lines).toEqual([
      { lineItemId: 'L2', sku: 'TEE', quantity: 1, amountCents: 14900 },
    ]);
    expect(planRefund(afterOne, [{ sku: 'TEE', quantity: 2 }]).excess).toEqual([
      { sku: 'TEE', returning: 2, refundable: 1 },
    ]);
    expect(planRefund(order(), [{ sku: 'SOCK', quantity: 1 }]).excess).toEqual([
      { sku: 'SOCK', returning: 1, refundable: 0 },
    ]);
  });

  it('reads returned units from a Sitoo refund order and tells returns from sales', () => {
    const lines = [
      { sku: 'TEE', productName: 'Tee', quantity: -2, unitPriceGrossCents: 19900, vatPercent: 25 },
      { sku: 'TEE', productName: 'Tee', quantity: -1, unitPriceGrossCents: 19900, vatPercent: 25 },
    ];
    expect(returnedLines({ lines })).toEqual([{ sku: 'TEE', quantity: 3 }]);
    expect(isReturn({ creditOrderId: null, lines })).toBe(true);
    expect(isReturn({ creditOrderId: 5, lines: [] })).toBe(true);
    expect(isReturn({ creditOrderId: null, lines: [{ ...lines[0]!, quantity: 1 }] })).toBe(false);
  });

  it('finds the web order behind a Sitoo order, and parses what an operator supplies', () => {
    expect(webOrderIdOf({ externalId: '77', additionalData: { 'web-orderid': '77', weborder: 'true' } })).toBe('77');
    expect(webOrderIdOf({ externalId: '88', additionalData: { weborder: 'true' } })).toBe('88');
    expect(webOrderIdOf({ externalId: 'X', additionalData: {} })).toBeUndefined();
    expect(parseReturnReference('1234')).toEqual({ sitooOrderId: 1234 });
    expect(parseReturnReference('sitoo:99')).toEqual({ sitooOrderId: 99 });
    expect(parseReturnReference('web:5550001')).toEqual({ webOrderId: '5550001' });
    expect(parseReturnReference('receipt 12')).toBeUndefined();
  });
});

describe('click & collect stock rules', () => {
  it('counts only stock nobody has reserved, and names each short line', () => {
    const fo = {
      id: 'F',
      status: 'OPEN' as const,
      methodType: 'PICK_UP',
      locationId: 'W1',
      preparedForPickup: false,
      lines: [
        { id: 'a', lineItemId: 'L1', sku: 'TEE', remainingQuantity: 2 },
        { id: 'b', lineItemId: 'L2', sku: 'TEE', remainingQuantity: 1 },
        { id: 'c', lineItemId: 'L3', sku: 'CAP', remainingQuantity: 1 },
      ],
    };
    const lines = pickupLines(fo);
    expect(lines).toEqual([
      { sku: 'TEE', quantity: 3 },
      { sku: 'CAP', quantity: 1 },
    ]);
    const levels = new Map([
      ['TEE', { onHand: 4, reserved: 2 }],
      ['CAP', { onHand: 1, reserved: 0 }],
    ]);
    expect(shortfalls(lines, levels)).toEqual([{ sku: 'TEE', wanted: 3, free: 2 }]);
  });

  it('suggests only stores of the same region', () => {
    const store = (storeId: string, region?: string) => ({
      storeId,
      name: storeId,
      sitooWarehouseId: 1,
      erpLocationCode: storeId,
      erpCustomerNumber: 'C',
      webLocationId: storeId,
      region,
    });
    const mapping: Mapping = { stores: [store('S1', 'west'), store('S2', 'west'), store('S3', 'east'), store('S4')] };
    expect(regionStores(mapping, mapping.stores[0]!).map((s) => s.storeId)).toEqual(['S2']);
    expect(regionStores(mapping, mapping.stores[3]!)).toEqual([]);
  });

  it('accepts use-store and supply-reference only with what they need', () => {
    const parked: ParkedException = {
      type: 'bopis-stock-short',
      owner: 'ecommerce-ops',
      message: '',
      details: {},
      since: '',
      allowedActions: ['retry', 'use-store', 'cancel-order'],
    };
    expect(validateResolution({ action: 'use-store' }, parked)).toMatch(/storeId is required/);
    expect(validateResolution({ action: 'use-store', storeId: 'S2' }, parked)).toBeUndefined();
    expect(validateResolution({ action: 'retry', storeId: 'S2' }, parked)).toMatch(
      /only accepted with action use-store/,
    );
    const orphan: ParkedException = {
      ...parked,
      type: 'orphaned-return',
      owner: 'finance',
      allowedActions: ['supply-reference', 'skip'],
    };
    expect(validateResolution({ action: 'supply-reference' }, orphan)).toMatch(/reference is required/);
    expect(validateResolution({ action: 'supply-reference', reference: 'sitoo:12' }, orphan)).toBeUndefined();
  });
});
