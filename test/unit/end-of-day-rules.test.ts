import { describe, expect, it } from 'vitest';
import { businessDayWindow, localDate } from '../../src/domain/business-day';
import {
  addTransaction,
  emptyDay,
  JournalError,
  mergeDays,
  settlementJournal,
  vatBreakdown,
  type JournalAccounts,
} from '../../src/domain/day-journal';
import type { DayTransaction, ZReport } from '../../src/domain/end-of-day';
import type { SettlementLine } from '../../src/domain/payout';
import {
  indexSettlementLines,
  matchCardPayments,
  returnsByOrder,
  saleGap,
  zReportDifferences,
} from '../../src/domain/reconciliation';

const tx = (orderId: number, over: Partial<DayTransaction> = {}): DayTransaction => ({
  orderId,
  warehouseId: 101,
  registerId: 'R1',
  orderDate: 1_796_000_000,
  currencyCode: 'SEK',
  creditOrderId: null,
  roundingCents: 0,
  lines: [{ sku: 'TEE', quantity: 1, grossCents: 12500, vatPercent: 25 }],
  payments: [{ tender: 'card', name: 'Card', amountCents: 12500, reference: `ch_${orderId}` }],
  ...over,
});

const accounts: JournalAccounts = {
  receivables: '2310',
  tenders: { card: '2920', cash: '2910', 'gift-card': '5790', voucher: '5791', other: '2999' },
  rounding: '8530',
  cashDifference: '8540',
};

describe('business day', () => {
  it("buckets by the store's local date, not UTC", () => {
    // 2026-11-29 23:30 UTC is already 00:30 on the 30th in Stockholm.
    const t = Date.UTC(2026, 10, 29, 23, 30) / 1000;
    expect(localDate(t, 'Europe/Stockholm')).toBe('2026-11-30');
    expect(localDate(t, 'UTC')).toBe('2026-11-29');
    expect(localDate(t, 'America/New_York')).toBe('2026-11-29');
  });

  it('spans local midnight to local midnight, 23 or 25 hours across a DST change', () => {
    const w = businessDayWindow('2026-11-30', 'Europe/Stockholm');
    expect(new Date(w.from * 1000).toISOString()).toBe('2026-11-29T23:00:00.000Z');
    expect(w.to - w.from).toBe(24 * 3600);
    const spring = businessDayWindow('2026-03-29', 'Europe/Stockholm');
    expect(spring.to - spring.from).toBe(23 * 3600);
    const autumn = businessDayWindow('2026-10-25', 'Europe/Stockholm');
    expect(autumn.to - autumn.from).toBe(25 * 3600);
    expect(localDate(w.from, 'Europe/Stockholm')).toBe('2026-11-30');
    expect(localDate(w.to - 1, 'Europe/Stockholm')).toBe('2026-11-30');
  });
});

describe('settlement journal', () => {
  it('sums sales net of returns per VAT rate and payments per tender, page by page', () => {
    const page1 = [
      tx(1),
      tx(2, {
        lines: [{ sku: 'BOOK', quantity: 2, grossCents: 21200, vatPercent: 6 }],
        payments: [{ tender: 'cash', name: 'Cash', amountCents: 21200 }],
      }),
    ];
    const page2 = [
      tx(3, {
        creditOrderId: 1,
        lines: [{ sku: 'TEE', quantity: -1, grossCents: -12500, vatPercent: 25 }],
        payments: [{ tender: 'card', name: 'Card', amountCents: -12500 }],
      }),
    ];
    const day = mergeDays(page1.reduce(addTransaction, emptyDay()), page2.reduce(addTransaction, emptyDay()));
    expect(day).toMatchObject({
      transactions: 3,
      sales: 2,
      refunds: 1,
      grossByVat: { '25': 0, '6': 21200 },
      paymentsByTender: { card: 0, cash: 21200 },
    });
    expect(vatBreakdown(day)).toEqual([
      { vatPercent: 25, grossCents: 0, netCents: 0, vatCents: 0 },
      { vatPercent: 6, grossCents: 21200, netCents: 20000, vatCents: 1200 },
    ]);
  });

  it("balances, with the till's rounding and the counted cash difference on their own accounts", () => {
    const day = [
      tx(1, {
        roundingCents: 25,
        lines: [{ sku: 'X', quantity: 1, grossCents: 9975, vatPercent: 25 }],
        payments: [{ tender: 'cash', name: 'Cash', amountCents: 10000 }],
      }),
      tx(2),
    ].reduce(addTransaction, emptyDay());
    const lines = settlementJournal(day, accounts, { storeId: 'S01', date: '2026-11-30' }, -300);
    expect(lines.reduce((n, l) => n + l.amountCents, 0)).toBe(0);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ accountNumber: '2920', amountCents: 12500 }),
        expect.objectContaining({ accountNumber: '2910', amountCents: 10000 }),
        expect.objectContaining({ accountNumber: '2310', amountCents: -22475 }),
        expect.objectContaining({ accountNumber: '8530', amountCents: -25 }),
        expect.objectContaining({ accountNumber: '8540', amountCents: 300 }),
      ]),
    );
    expect(lines.every((l) => l.description.startsWith('S01 2026-11-30'))).toBe(true);
  });

  it("refuses a second currency in one store's day with a clear error", () => {
    const day = addTransaction(emptyDay(), tx(1));
    expect(() => addTransaction(day, tx(2, { currencyCode: 'EUR' }))).toThrow(JournalError);
    expect(() => addTransaction(day, tx(2, { currencyCode: 'EUR' }))).toThrow(
      /order 2 is in EUR but the day is in SEK/,
    );
  });
});

describe('three-way check and payout matching', () => {
  it('names each sale that never reached the ERP, reached it twice, or with another amount', () => {
    const erp = {
      invoices: new Map([
        ['1', [12500]],
        ['2', [12500, 12500]],
        ['3', [12000]],
      ]),
      returns: new Map(),
    };
    expect(saleGap(tx(1), erp)).toBeUndefined();
    expect(saleGap(tx(2), erp)).toMatchObject({ orderId: 2, kind: 'posted-twice', erpDocuments: 2 });
    expect(saleGap(tx(3), erp)).toMatchObject({ orderId: 3, kind: 'amount-differs', posCents: 12500, erpCents: 12000 });
    expect(saleGap(tx(4), erp)).toMatchObject({ orderId: 4, kind: 'never-posted' });
  });

  it("finds each refund's credit memo by the return on its lines, whatever the memo's document number", () => {
    const refund = (id: number, cents: number) =>
      tx(id, { creditOrderId: 1, lines: [{ sku: 'TEE', quantity: -1, grossCents: -cents, vatPercent: 25 }] });
    const returns = returnsByOrder([
      { creditMemoId: 'm1', description: 'Sitoo return 5', grossCents: 12500 }, // a store refund, under its own number
      { creditMemoId: 'm2', description: 'Sitoo return 6', grossCents: 7000 }, // a web return: two lines of one memo
      { creditMemoId: 'm2', description: 'Sitoo return 6', grossCents: 5500 },
      { creditMemoId: 'm3', description: 'Sitoo return 7', grossCents: 12500 },
      { creditMemoId: 'm4', description: 'Sitoo return 7', grossCents: 12500 },
      { creditMemoId: 'm5', description: 'Sitoo return 8', grossCents: 10000 },
      { creditMemoId: 'm6', description: 'Freight', grossCents: 100 },
    ]);
    const erp = { invoices: new Map<string, number[]>(), returns };
    expect(saleGap(refund(5, 12500), erp)).toBeUndefined();
    expect(saleGap(refund(6, 12500), erp)).toBeUndefined();
    expect(saleGap(refund(7, 12500), erp)).toMatchObject({
      kind: 'posted-twice',
      erpDocuments: 2,
      posCents: -12500,
      erpCents: -25000,
    });
    expect(saleGap(refund(8, 12500), erp)).toMatchObject({
      kind: 'amount-differs',
      posCents: -12500,
      erpCents: -10000,
    });
    expect(saleGap(refund(9, 12500), erp)).toMatchObject({ orderId: 9, kind: 'never-posted', posCents: -12500 });
  });

  it('compares the Z-reports with the journal per VAT rate, tender and count', () => {
    const day = [tx(1), tx(2)].reduce(addTransaction, emptyDay());
    const z = (gross: number, card: number, count: number): ZReport => ({
      zReportId: 1,
      registerId: 'R1',
      eshopId: 1,
      dateFrom: null,
      dateTo: 0,
      dateAdded: 0,
      currencyCode: 'SEK',
      totals: {
        salesGrossCents: gross,
        refundsGrossCents: 0,
        vatByRate: [{ vatPercent: 25, netCents: gross - gross / 5, vatCents: gross / 5 }],
        paymentsByTender: { card, cash: 0, 'gift-card': 0, voucher: 0, other: 0 },
        roundingCents: 0,
        totalCents: gross,
        transactionCount: count,
      },
    });
    expect(zReportDifferences(day, [z(25000, 25000, 2)])).toEqual([]);
    const diffs = zReportDifferences(day, [z(26000, 26000, 3)]).map((d) => d.what);
    expect(diffs).toEqual([
      'sales net of returns, gross',
      'gross at 25 % VAT',
      'card payments',
      'transactions (count, not cents)',
    ]);
  });

  it('matches card payments by reference across payouts, with fees, and lists what no payout carries', () => {
    const line = (id: string, payoutId: string, ref: string, gross: number, fee: number): SettlementLine => ({
      id,
      payoutId,
      type: gross < 0 ? 'refund' : 'charge',
      processorType: 'charge',
      grossCents: gross,
      feeCents: fee,
      netCents: gross - fee,
      currency: 'SEK',
      createdAt: '',
      reference: ref,
    });
    const m = matchCardPayments(
      [
        { orderId: 1, reference: 'T-1', amountCents: 12500 },
        { orderId: 2, reference: 't-2 ', amountCents: 5000 },
        { orderId: 3, reference: 'T-1', amountCents: -12500 },
        { orderId: 4, reference: 'T-4', amountCents: 100 },
      ],
      [
        indexSettlementLines([line('a', 'po_1', 't-1', 12500, 200), line('b', 'po_1', 'T-2', 5000, 95)]),
        indexSettlementLines([line('c', 'po_2', 'T-1', -12500, 0)]),
      ],
    );
    expect(m).toMatchObject({ matched: 3, matchedCents: 5000, feesCents: 295, payoutIds: ['po_1', 'po_2'] });
    expect(m.unmatchedPos).toEqual([{ orderId: 4, reference: 'T-4', amountCents: 100 }]);
  });
});
