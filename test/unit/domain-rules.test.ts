import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/env';
import { parseDuration } from '../../src/domain/duration';
import { allocateCents, formatCents, parseCents, unitPrices, unitsShare } from '../../src/domain/money';
import {
  exampleResolution,
  exceptionStoreId,
  resolutionInputProblem,
  validateResolution,
  type ParkedException,
  type ResolutionAction,
} from '../../src/domain/exceptions';
import {
  endOfDayDocumentNumber,
  endOfDayJournalCode,
  legacySitooOrderErpDocumentNumber,
  saleWorkflowId,
  sitooOrderErpDocumentNumber,
  sitooOrderIdOfErpDocumentNumber,
} from '../../src/domain/ids';
import { erpSaleLines, paymentVerdict, PaymentState, quantitiesBySku, type SaleLine } from '../../src/domain/sale';

const parked = (allowedActions: ParkedException['allowedActions']): ParkedException => ({
  type: 'unmapped-warehouse',
  owner: 'integration-ops',
  message: 'm',
  details: {},
  since: '',
  allowedActions,
});

describe('payment verdict', () => {
  it('confirms only a successful payment; cancelled and failed are final refusals', () => {
    expect(paymentVerdict({ paymentStateId: PaymentState.Successful })).toBe('confirmed');
    for (const s of [PaymentState.None, PaymentState.Pending, PaymentState.Reserved])
      expect(paymentVerdict({ paymentStateId: s })).toBe('pending');
    for (const s of [PaymentState.Cancelled, PaymentState.Failed])
      expect(paymentVerdict({ paymentStateId: s })).toBe('refused');
  });
});

describe('money at the wire', () => {
  it('parses both wire forms to cents and refuses what is not a whole cent', () => {
    expect([
      parseCents('123.50'),
      parseCents('-0.05'),
      parseCents(123.5),
      parseCents(0.1 + 0.2),
      parseCents(59.97),
      parseCents(-39.4),
    ]).toEqual([12350, -5, 12350, 30, 5997, -3940]);
    expect([parseCents('3,50'), parseCents('1.005'), parseCents(0.005), parseCents(Number.NaN)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect([formatCents(5997), formatCents(-5), Number(formatCents(3940))]).toEqual(['59.97', '-0.05', 39.4]);
  });
});

describe('quantities by SKU', () => {
  it('adds up lines of the same SKU, refund lines counting negative', () => {
    const line = (sku: string, quantity: number) => ({
      sku,
      quantity,
      productName: '',
      unitPriceGrossCents: 100,
      vatPercent: 25,
    });
    expect([...quantitiesBySku([line('A', 2), line('B', 1), line('A', 3), line('B', -1)])]).toEqual([
      ['A', 5],
      ['B', 0],
    ]);
  });
});

describe('sale rows as ERP lines', () => {
  const row = (
    sku: string,
    quantity: number,
    grossCents: number,
    vatPercent = 25,
    productName = sku || 'Discount',
  ): SaleLine => ({
    sku,
    productName,
    quantity,
    unitPriceGrossCents: Math.round(grossCents / quantity),
    vatPercent,
    grossCents,
  });
  const booked = (rows: SaleLine[]) => {
    const r = erpSaleLines(rows);
    if ('refused' in r) throw new Error(r.refused);
    // What the ERP computes with prices including VAT: quantity x unit price - line discount.
    return {
      lines: r.lines,
      erpTotal: r.lines.reduce((n, l) => n + l.quantity * l.unitPriceCents - l.discountCents, 0),
      total: r.totalCents,
    };
  };

  it('books a row that does not divide evenly at its exact total: 3 for 10.00 is 10.00, not 9.99', () => {
    const { lines, erpTotal } = booked([row('TEE', 3, 1000)]);
    expect(lines).toEqual([
      { sku: 'TEE', quantity: 3, unitPriceCents: 334, discountCents: 2, grossCents: 1000, vatPercent: 25 },
    ]);
    expect(erpTotal).toBe(1000);
  });

  it('puts a discount row on the product row before it, and leaves no SKU-less line for the ERP', () => {
    // Before: the discount row became ERP item '' and the sale parked as unknown-sku for good.
    const { lines, erpTotal } = booked([row('TEE', 2, 39800), row('', 1, -5000), row('CAP', 1, 14900)]);
    expect(lines.map((l) => [l.sku, l.grossCents])).toEqual([
      ['TEE', 34800],
      ['CAP', 14900],
    ]);
    expect(erpTotal).toBe(39800 - 5000 + 14900);
  });

  it('spreads a receipt discount that comes first over the rows of its VAT rate, to the cent', () => {
    const { lines, total } = booked([
      row('', 1, -1001, 6),
      row('BOOK', 1, 24900, 6),
      row('MAG', 2, 9800, 6),
      row('TEE', 1, 19900, 25),
    ]);
    expect(total).toBe(24900 + 9800 + 19900 - 1001);
    expect(lines.find((l) => l.sku === 'TEE')!.grossCents).toBe(19900);
    expect(lines.filter((l) => l.vatPercent === 6).reduce((n, l) => n + l.grossCents, 0)).toBe(24900 + 9800 - 1001);
  });

  it('leaves out a comment row and refuses a SKU-less row that charges money, naming it', () => {
    expect(booked([row('TEE', 1, 19900), row('', 1, 0, 25, 'Gift message')]).lines).toHaveLength(1);
    expect(erpSaleLines([row('TEE', 1, 19900), row('', 1, 500, 25, 'Gift wrap')])).toEqual({
      refused: expect.stringMatching(/"Gift wrap" has no SKU and charges 5\.00/),
    });
  });

  it('books a returned item in an exchange with its sign, still to the cent', () => {
    const { erpTotal } = booked([row('TEE', -3, -1000), row('CAP', 1, 14900)]);
    expect(erpTotal).toBe(13900);
  });
});

describe('resolution validation', () => {
  it('refuses when nothing is parked, or an action the exception does not allow', () => {
    expect(validateResolution({ action: 'retry' }, undefined)).toMatch(/nothing is parked/);
    expect(validateResolution({ action: 'retry-with-mapping' }, parked(['retry', 'skip']))).toMatch(/does not apply/);
    expect(validateResolution({ action: 'nuke' }, parked(['retry']))).toMatch(/action must be one of/);
    expect(validateResolution('retry', parked(['retry']))).toMatch(/must be an object/);
  });

  it('requires a complete mapping for retry-with-mapping and accepts it', () => {
    const mapping = {
      storeId: 'S9',
      erpLocationCode: 'STORE09',
      erpCustomerNumber: 'POS-S9',
      webLocationId: 'gid://shopify/Location/9',
    };
    const p = parked(['retry', 'retry-with-mapping', 'skip']);
    expect(
      validateResolution({ action: 'retry-with-mapping', mapping: { ...mapping, webLocationId: ' ' } }, p),
    ).toMatch(/mapping.webLocationId/);
    expect(validateResolution({ action: 'retry', mapping }, p)).toMatch(/only accepted with action retry-with-mapping/);
    expect(
      validateResolution({ action: 'retry-with-mapping', mapping, reason: 'new store', resolvedBy: 'ops' }, p),
    ).toBeUndefined();
  });

  it("the example input a parked workflow's details offer for each action is itself accepted", () => {
    const actions: ResolutionAction[] = [
      'retry',
      'skip',
      'retry-with-mapping',
      'acknowledge',
      'use-store',
      'cancel-order',
      'supply-reference',
      'accept',
    ];
    for (const action of actions)
      expect(validateResolution(exampleResolution(action), parked([action]))).toBeUndefined();
  });

  it('checks the input on its own, before anything is parked or sent, naming the field', () => {
    expect(resolutionInputProblem({ action: 'nuke' })).toMatch(/^action must be one of retry, skip/);
    expect(resolutionInputProblem({ action: 'retry-with-mapping', mapping: { storeId: 'S9' } })).toBe(
      'mapping.erpLocationCode must be a non-empty string',
    );
    expect(resolutionInputProblem({ action: 'accept', reason: ' ' })).toMatch(/^reason is required for accept/);
    expect(resolutionInputProblem({ action: 'use-store' })).toMatch(/^storeId is required for use-store/);
    expect(resolutionInputProblem({ action: 'retry', reference: '1502' })).toMatch(/^reference is only accepted/);
    // Whether the action applies is the parked exception's to say, not the input's.
    expect(resolutionInputProblem({ action: 'acknowledge', reason: 'fixed', resolvedBy: 'ops' })).toBeUndefined();
    expect(validateResolution({ action: 'acknowledge' }, parked(['retry']))).toMatch(/does not apply/);
  });
});

describe('the StoreId an exception is filed under before its flow names a store', () => {
  it('takes the store, the unmapped warehouse or web location, or the location its details name', () => {
    expect(exceptionStoreId({ storeId: 'S02', warehouseId: 102 })).toBe('S02');
    expect(exceptionStoreId({ warehouseId: 199 })).toBe('sitoo-warehouse-199');
    expect(exceptionStoreId({ webLocationId: 'gid://shopify/Location/9' })).toBe('shopify-location-9');
    expect(exceptionStoreId({ locationId: 'CENTRAL' })).toBe('CENTRAL');
  });

  it('says no-store where nothing names one', () => {
    expect(exceptionStoreId({ orderId: 1234 })).toBe('no-store');
    expect(exceptionStoreId({ storeId: '' })).toBe('no-store');
  });
});

describe('durations and ids', () => {
  it('parses the durations config uses and refuses the rest', () => {
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
  });

  it('derives workflow ids and ERP references from business keys', () => {
    expect(saleWorkflowId(10020, 5512)).toBe('sale-10020-5512');
    expect(sitooOrderErpDocumentNumber(10020, 5512)).toBe('SITOO-10020-5512');
    expect(legacySitooOrderErpDocumentNumber(5512)).toBe('5512');
  });

  it('reads the Sitoo order back from either ERP key, and nothing else', () => {
    expect(sitooOrderIdOfErpDocumentNumber('SITOO-10020-5512')).toBe(5512);
    expect(sitooOrderIdOfErpDocumentNumber('5512')).toBe(5512);
    expect(sitooOrderIdOfErpDocumentNumber('WEB-5512')).toBeUndefined();
    expect(sitooOrderIdOfErpDocumentNumber('PO-5512')).toBeUndefined();
  });

  it('builds day journal numbers and batches from the whole store id, never a cut one', () => {
    // Before: 12 characters kept and upper-cased, so STORE-NORTH-1 and STORE-NORTH-2 (or s01 and S01) shared one number.
    expect(endOfDayDocumentNumber('S01', '2026-11-30')).toBe('E261130-S01');
    expect(endOfDayJournalCode('POP-1')).toBe('DPOP-1');
    expect(() => endOfDayDocumentNumber('STORE-NORTH-1', '2026-11-30')).toThrow(/1-9 letters/);
    expect(() => endOfDayJournalCode('S 01')).toThrow(/1-9 letters/);
  });
});

describe('environment', () => {
  it('names every missing or bad variable', () => {
    expect(() =>
      loadEnv('main-worker', { SITOO_BASE_URL: 'not a url', PAYMENT_CONFIRMATION_TIMEOUT: 'later' }),
    ).toThrowError(
      /SITOO_BASE_URL: Invalid URL[\s\S]*BC_CLIENT_SECRET: is not set[\s\S]*PAYMENT_CONFIRMATION_TIMEOUT: must be a duration/,
    );
  });
});

describe('splitting money without losing a cent', () => {
  it('shares a total over units so that any split into returns adds up to it', () => {
    // 100.00 for 3 units: returned one at a time, or two then one, always 100.00 in all.
    expect([0, 1, 2].map((from) => unitsShare(10000, 3, from, 1))).toEqual([3333, 3334, 3333]);
    expect(unitsShare(10000, 3, 0, 2) + unitsShare(10000, 3, 2, 1)).toBe(10000);
    expect(unitsShare(10000, 3, 0, 1) + unitsShare(10000, 3, 1, 2)).toBe(10000);
    expect(unitsShare(35848, 2, 0, 1)).toBe(17924);
  });

  it('allocates in proportion, leftover cents to the largest remainders, signs kept', () => {
    expect(allocateCents(3000, [37800, 14900])).toEqual([2152, 848]);
    expect(allocateCents(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocateCents(-2000, [19900, 9900])).toEqual([-1336, -664]);
    expect(allocateCents(5, [0, 0])).toEqual([3, 2]);
    expect(allocateCents(7, [])).toEqual([]);
  });

  it('prices units at most a cent apart so a line totals exactly', () => {
    expect(unitPrices(10000, 3)).toEqual([
      { quantity: 2, unitCents: 3333 },
      { quantity: 1, unitCents: 3334 },
    ]);
    expect(unitPrices(35848, 2)).toEqual([{ quantity: 2, unitCents: 17924 }]);
    expect(unitPrices(6667, 2)).toEqual([
      { quantity: 1, unitCents: 3333 },
      { quantity: 1, unitCents: 3334 },
    ]);
  });
});
