import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../src/connectors/http';
import type {
  ErpCreditMemoInput,
  ErpJournalInput,
  ErpPort,
  ErpSalesOrderInput,
  ErpStockAdjustmentInput,
} from '../../src/connectors/erp/port';
import { erpFixtures, type ErpFixture, type ErpFixtureOptions, type RunningErp } from '../support/erp-conformance';
import { rejectionOf } from '../support/rejection';
import { waitFor } from '../support/temporal';

/**
 * The ERP conformance suite: every ErpPort operation, run against each ERP adapter over real
 * HTTP to its simulator, with the same adapter-neutral assertions. Adding a third ERP = adding
 * one fixture to `erpFixtures` (test/support/erp-conformance.ts): seed, faults and inspect for
 * its simulator. Nothing here may name an ERP; what only one ERP does stays in its own test files
 * (test/connectors/business-central*.test.ts).
 */

const DAY = '2025-05-01';

/** Two mugs at STORE01 and a plate at STORE02, VAT-inclusive: 39.40. */
function order(ext: string, overrides: Partial<ErpSalesOrderInput> = {}): ErpSalesOrderInput {
  return {
    externalDocumentNumber: ext,
    customerNumber: 'POS-STORE01',
    orderDate: DAY,
    lines: [
      { itemNumber: '1000', quantity: 2, unitPriceCents: 995, locationCode: 'STORE01' },
      { itemNumber: '1001', quantity: 1, unitPriceCents: 1950, locationCode: 'STORE02' },
    ],
    ...overrides,
  };
}

/** A return against sale `ext`: a mug back into STORE01 and two plates into STORE02, 48.95. */
function creditMemo(ext: string, returnId: string, overrides: Partial<ErpCreditMemoInput> = {}): ErpCreditMemoInput {
  return {
    externalDocumentNumber: ext,
    customerNumber: 'POS-STORE01',
    creditMemoDate: DAY,
    lines: [
      { itemNumber: '1000', quantity: 1, unitPriceCents: 995, locationCode: 'STORE01', description: `${returnId} Mug` },
      {
        itemNumber: '1001',
        quantity: 2,
        unitPriceCents: 1950,
        locationCode: 'STORE02',
        description: `${returnId} Plate`,
      },
    ],
    ...overrides,
  };
}

function adjustment(ext: string, overrides: Partial<ErpStockAdjustmentInput> = {}): ErpStockAdjustmentInput {
  return {
    externalDocumentNumber: ext,
    locationCode: 'STORE01',
    postingDate: DAY,
    description: 'Sitoo manual stock change',
    lines: [
      { itemNumber: '1000', quantity: 5 },
      { itemNumber: '1001', quantity: -2 },
    ],
    ...overrides,
  };
}

/** A store day settled: card and cash takings debited, the walk-in customer's receivable credited. */
function zReport(erp: RunningErp, documentNumber = 'Z-STORE01-250501', postingDate = DAY): ErpJournalInput {
  return {
    journalCode: 'POS01',
    documentNumber,
    postingDate,
    lines: [
      { accountNumber: erp.accounts.cardClearing, amountCents: 2945, description: `Card takings ${postingDate}` },
      { accountNumber: erp.accounts.cash, amountCents: 995, description: `Cash takings ${postingDate}` },
      {
        accountType: 'Customer',
        accountNumber: 'POS-STORE01',
        amountCents: -3940,
        description: `Sales ${postingDate}`,
      },
    ],
  };
}

async function sell(port: ErpPort, ext: string, overrides: Partial<ErpSalesOrderInput> = {}) {
  const created = await port.createSalesOrder(order(ext, overrides));
  await port.shipAndInvoice(created.id);
  return created;
}

const sum = (values: number[]): number => values.reduce((s, v) => s + v, 0);

describe.each(erpFixtures)('ERP conformance: $name', (fixture: ErpFixture) => {
  const running: RunningErp[] = [];
  /** The ERP creates sales as open orders and returns as draft credit memos, posted by their own calls (fixture.documents). */
  const drafts = fixture.documents === 'drafts';
  /** What a sale is right after it is created. */
  const createdKind = drafts ? 'order' : 'invoice';
  afterEach(async () => {
    await Promise.all(running.splice(0).map((erp) => erp.close()));
  });

  /** The ERP with the master data every case uses; its adapter has seen both locations (no faults then). */
  async function start(opts: ErpFixtureOptions = {}): Promise<RunningErp> {
    const erp = await fixture.start(opts);
    running.push(erp);
    for (const code of ['STORE01', 'STORE02']) erp.seed.location(code);
    erp.seed.customer('POS-STORE01');
    erp.seed.customer('POS-STORE02');
    erp.seed.customer('BLOCKED-1', { blocked: true });
    erp.seed.customer('POS-NET', { netPrices: true });
    erp.seed.item('1000', { unitPriceCents: 995, vatPercent: 25, category: 'KITCHEN' });
    erp.seed.item('1001', { unitPriceCents: 1950, vatPercent: 25 });
    erp.seed.item('2000', { unitPriceCents: 10600, vatPercent: 6 });
    expect(await erp.port.findLocationId('STORE01')).toBeDefined();
    expect(await erp.port.findLocationId('STORE02')).toBeDefined();
    return erp;
  }

  describe('master data', () => {
    it('finds locations by code, names unknown items, and reads item categories', async () => {
      const { port } = await start();
      expect(await port.findLocationId('NOWHERE')).toBeUndefined();
      expect(await port.findLocationId('STORE01')).not.toBe(await port.findLocationId('STORE02'));
      expect(await port.findUnknownItems(['1000', 'NOPE', '1001', 'NOPE2'])).toEqual(['NOPE', 'NOPE2']);
      expect(await port.findUnknownItems([])).toEqual([]);
      expect(await port.getItemCategories(['1000', '1001', 'NOPE'])).toEqual(new Map([['1000', 'KITCHEN']]));
    });
  });

  describe('sales documents', () => {
    it('creates an order, finds it by business key (per customer), posts it once and deletes an open one', async () => {
      const erp = await start();
      const { port, inspect } = erp;
      const created = await port.createSalesOrder(order('POS-S01-000123'));
      expect(created).toMatchObject({
        kind: createdKind,
        externalDocumentNumber: 'POS-S01-000123',
        customerNumber: 'POS-STORE01',
        totalCents: 3940,
      });
      expect(await port.findSalesDocuments('POS-S01-000123')).toEqual([created]);
      expect(await port.findSalesDocuments('POS-S01-000124')).toEqual([]);
      expect(inspect.salesDocuments('POS-S01-000123')).toMatchObject([
        {
          kind: createdKind,
          lines: [
            { itemNumber: '1000', quantity: 2, locationCode: 'STORE01' },
            { itemNumber: '1001', quantity: 1, locationCode: 'STORE02' },
          ],
        },
      ]);

      // The same key for another customer is another customer's document, not this sale.
      const theirs = await port.createSalesOrder(order('POS-S01-000123', { customerNumber: 'POS-STORE02' }));
      expect(await port.findSalesDocuments('POS-S01-000123', { customerNumber: 'POS-STORE01' })).toEqual([created]);
      expect(await port.findSalesDocuments('POS-S01-000123', { customerNumber: 'POS-STORE02' })).toEqual([theirs]);
      expect(await port.findSalesDocuments('POS-S01-000123')).toHaveLength(2);

      await port.shipAndInvoice(created.id);
      const [invoice, ...more] = await port.findSalesDocuments('POS-S01-000123', { customerNumber: 'POS-STORE01' });
      expect(more).toEqual([]);
      expect(invoice).toMatchObject({ kind: 'invoice', externalDocumentNumber: 'POS-S01-000123', totalCents: 3940 });
      // Posted on save, the other customer's sale took its goods out too.
      const out = drafts ? [-2, -1] : [-4, -2];
      expect([inspect.stockAt('STORE01', '1000'), inspect.stockAt('STORE02', '1001')]).toEqual(out);
      // Posting it again is refused for good or does nothing; it never books twice.
      await port.shipAndInvoice(created.id).catch((e: unknown) => expect(e).toBeInstanceOf(PermanentError));
      expect(inspect.stockAt('STORE01', '1000')).toBe(out[0]);
      expect(
        inspect
          .salesDocuments('POS-S01-000123')
          .filter((d) => d.kind === 'invoice' && d.customerNumber === 'POS-STORE01'),
      ).toHaveLength(1);

      await port.deleteSalesOrder(theirs.id);
      await port.deleteSalesOrder(theirs.id); // gone already is success
      expect(await port.findSalesDocuments('POS-S01-000123', { customerNumber: 'POS-STORE02' })).toEqual([]);
      expect(inspect.salesDocuments('POS-S01-000123').map((d) => [d.kind, d.customerNumber])).toEqual([
        ['invoice', 'POS-STORE01'],
      ]);
      expect([inspect.stockAt('STORE01', '1000'), inspect.stockAt('STORE02', '1001')]).toEqual([-2, -1]);
    });

    it('a lost create response leaves one order, which the look-up finds, so no twin is made', async () => {
      const { port, faults, inspect } = await start();
      faults.set({ lostResponseRate: 1 });
      const lost = await rejectionOf(port.createSalesOrder(order('LOST-1')));
      faults.reset();
      expect(lost).toBeInstanceOf(TransientError);
      // What a retry does: look first, and create only when nothing is there.
      const found = await port.findSalesDocuments('LOST-1', { customerNumber: 'POS-STORE01' });
      expect(found).toMatchObject([{ kind: createdKind, externalDocumentNumber: 'LOST-1', totalCents: 3940 }]);
      expect(inspect.salesDocuments('LOST-1')).toHaveLength(1);
    });

    it('a create committed after the client gave up is found by the look-up and its twin swept, so one invoice is booked', async () => {
      const { port, faults, inspect } = await start({ clientTimeoutMs: 400 });
      faults.set({ lateCommitRate: 1, lateCommitDelayMs: 2_000 });
      expect(await rejectionOf(port.createSalesOrder(order('LATE-1')))).toBeInstanceOf(TransientError);
      faults.set({ lateCommitRate: 0 });
      // The retry looks before the late commit has landed, finds nothing, and creates.
      expect(await port.findSalesDocuments('LATE-1', { customerNumber: 'POS-STORE01' })).toEqual([]);
      const mine = await port.createSalesOrder(order('LATE-1'));
      await waitFor('the late create to land', () => faults.counters.lateCommitsApplied === 1);

      const both = await port.findSalesDocuments('LATE-1', { customerNumber: 'POS-STORE01' });
      // Drafts: the late create is a twin beside the retry's. Posted on save: it landed on the retry's document.
      if (drafts) expect(both.map((d) => d.kind)).toEqual(['order', 'order']);
      else expect(both).toEqual([mine]);
      // The sweep: every open order under the key but the survivor is taken back before posting.
      for (const twin of both.filter((d) => d.id !== mine.id)) await port.deleteSalesOrder(twin.id);
      await port.shipAndInvoice(mine.id);
      expect(await port.findSalesDocuments('LATE-1', { customerNumber: 'POS-STORE01' })).toMatchObject([
        { kind: 'invoice', totalCents: 3940 },
      ]);
      expect(inspect.salesDocuments('LATE-1').map((d) => [d.kind, d.receivableCents])).toEqual([['invoice', 3940]]);
      expect(inspect.stockAt('STORE01', '1000')).toBe(-2);
    });

    it('refuses a blocked customer, an unknown customer, item or location as a PermanentError, and books nothing', async () => {
      const { port, inspect } = await start();
      const refusals: Array<[ErpSalesOrderInput, string]> = [
        [order('BAD-1', { customerNumber: 'BLOCKED-1' }), 'BLOCKED-1'],
        [order('BAD-2', { customerNumber: 'NOBODY' }), 'customer'],
        [
          order('BAD-3', {
            lines: [{ itemNumber: 'NOPE', quantity: 1, unitPriceCents: 100, locationCode: 'STORE01' }],
          }),
          'NOPE',
        ],
        [
          order('BAD-4', {
            lines: [{ itemNumber: '1000', quantity: 1, unitPriceCents: 100, locationCode: 'NOWHERE' }],
          }),
          'NOWHERE',
        ],
      ];
      for (const [input, named] of refusals) {
        const writes = inspect.writes();
        const err = await rejectionOf(port.createSalesOrder(input));
        expect(err, input.externalDocumentNumber).toBeInstanceOf(PermanentError);
        expect(err.message.toLowerCase()).toContain(named.toLowerCase());
        // Refused on the one request, never sent again (a retry cannot fix it).
        expect(inspect.writes() - writes).toBeLessThanOrEqual(1);
        expect(inspect.salesDocuments(input.externalDocumentNumber)).toEqual([]);
      }
      const memo = await rejectionOf(
        port.createSalesCreditMemo(creditMemo('BAD-5', 'R-1', { customerNumber: 'BLOCKED-1' })),
      );
      expect(memo).toBeInstanceOf(PermanentError);
      expect(inspect.creditMemos('BAD-5')).toEqual([]);
    });
  });

  describe('look-ups beyond one page', () => {
    it('every look-up returns all it matches when the ERP pages its answers', async () => {
      const erp = await start({ pageSize: 2 });
      const { port, inspect } = erp;
      // Drafts: five creates under one key are five orders (twins) for one look-up to page through.
      // Posted on save: a second create lands on the first, so five keys make five documents.
      const keys = [1, 2, 3, 4, 5].map((i) => (drafts ? 'PAGED-1' : `PAGED-${i}`));
      const orders = [];
      for (const key of keys) orders.push(await port.createSalesOrder(order(key)));
      const found = [];
      for (const key of new Set(keys))
        found.push(...(await port.findSalesDocuments(key, { customerNumber: 'POS-STORE01' })));
      expect(new Set(found.map((d) => d.id))).toEqual(new Set(orders.map((o) => o.id)));
      expect(orders).toHaveLength(5);

      const invoiced = drafts ? orders.slice(0, 3) : orders;
      for (const o of invoiced) await port.shipAndInvoice(o.id);
      const totals = await port.listSalesDocumentTotals({
        customerNumber: 'POS-STORE01',
        postingDateFrom: DAY,
        postingDateTo: DAY,
      });
      expect(totals.map((t) => t.totalCents)).toEqual(invoiced.map(() => 3940));
      const gl = await port.listGeneralLedgerEntries({ postingDateFrom: DAY, postingDateTo: DAY });
      expect(gl.length).toBeGreaterThan(2);
      expect(gl.map((e) => e.entryNumber)).toEqual([...gl.map((e) => e.entryNumber)].sort((a, b) => a - b));
      expect(sum(gl.map((e) => e.debitCents))).toBe(invoiced.length * 3940);
      expect(sum(gl.map((e) => e.creditCents))).toBe(invoiced.length * 3940);
      expect(inspect.continuationReads()).toBeGreaterThan(0);

      for (let i = 0; i < 3; i++) await port.createSalesCreditMemo(creditMemo('PAGED-1', `R-${i}`));
      expect(await port.findSalesCreditMemos('PAGED-1', { customerNumber: 'POS-STORE01' })).toHaveLength(3);

      for (const n of ['3000', '3001', '3002', '3003', '3004']) {
        erp.seed.item(n, { unitPriceCents: 100, vatPercent: 25 });
        erp.seed.receive('STORE02', n, 1);
      }
      const stock = await port.getLocationStock('STORE02');
      expect(stock.size).toBe(6); // five received, and the plates the posted sales took out
      expect(stock.get('3004')).toBe(1);
      const ledger = await port.listItemLedgerEntries(0, 100);
      // Two lines per posted sale, five receipts, and two per return where returns post on save.
      expect(ledger).toHaveLength(invoiced.length * 2 + 5 + (drafts ? 0 : 3 * 2));
    });
  });

  describe('money and dates', () => {
    it('books VAT-inclusive prices and discounts to the cent, and reads the same totals back', async () => {
      const { port, inspect } = await start();
      // 3 x 3.34 less 0.02 = 10.00; 2 x 9.95 = 19.90; 1 x 106.00 at 6 %; 1 x 19.50 less 1.50 = 18.00.
      const lines: ErpSalesOrderInput['lines'] = [
        { itemNumber: '1000', quantity: 3, unitPriceCents: 334, discountCents: 2, locationCode: 'STORE01' },
        { itemNumber: '1000', quantity: 2, unitPriceCents: 995, locationCode: 'STORE01' },
        { itemNumber: '2000', quantity: 1, unitPriceCents: 10600, locationCode: 'STORE01' },
        { itemNumber: '1001', quantity: 1, unitPriceCents: 1950, discountCents: 150, locationCode: 'STORE02' },
      ];
      const created = await sell(port, 'CENTS-1', { lines });
      expect(created.totalCents).toBe(15390);
      const [invoice] = await port.findSalesDocuments('CENTS-1');
      expect(invoice).toMatchObject({ kind: 'invoice', totalCents: 15390 });
      expect(inspect.salesDocuments('CENTS-1')).toMatchObject([{ kind: 'invoice', receivableCents: 15390 }]);
      const [total] = await port.listSalesDocumentTotals({
        customerNumber: 'POS-STORE01',
        postingDateFrom: DAY,
        postingDateTo: DAY,
      });
      expect(total).toMatchObject({ externalDocumentNumber: 'CENTS-1', totalCents: 15390, number: invoice!.number });
      const entries = await port.listGeneralLedgerEntries({
        postingDateFrom: DAY,
        postingDateTo: DAY,
        documentNumber: invoice!.number,
      });
      expect(sum(entries.map((e) => e.debitCents))).toBe(15390);
      expect(sum(entries.map((e) => e.creditCents))).toBe(15390);

      // A customer card that prices net of VAT still books the till's gross.
      const net = await sell(port, 'CENTS-2', {
        customerNumber: 'POS-NET',
        lines: [{ itemNumber: '1000', quantity: 3, unitPriceCents: 334, discountCents: 2, locationCode: 'STORE01' }],
      });
      expect(net.totalCents).toBe(1000);
      expect(inspect.salesDocuments('CENTS-2')).toMatchObject([{ kind: 'invoice', receivableCents: 1000 }]);

      const memo = await port.createSalesCreditMemo(
        creditMemo('CENTS-1', 'R-1', {
          lines: [
            { itemNumber: '1000', quantity: 3, unitPriceCents: 334, locationCode: 'STORE01', description: 'R-1' },
          ],
        }),
      );
      expect(memo.totalCents).toBe(1002);
      await port.postSalesCreditMemo(memo.id);
      expect(
        await port.listCreditMemoLineTotals({
          customerNumber: 'POS-STORE01',
          postingDateFrom: DAY,
          postingDateTo: DAY,
        }),
      ).toEqual([{ creditMemoId: memo.id, description: 'R-1', grossCents: 1002 }]);
    });

    // A worker far east and one far west of UTC (a date read as UTC midnight, or a local midnight
    // sent as UTC, moves the day in one of them), and the ERP's clock already on the next day.
    it.each([
      ['Pacific/Kiritimati', -14 * 60],
      ['Pacific/Pago_Pago', 11 * 60],
    ])(
      'dates every document with the store business day in a worker at %s, whatever the ERP clock says',
      async (zone, offsetMinutes) => {
        const tz = process.env['TZ'];
        process.env['TZ'] = zone;
        try {
          expect(new Date(Date.parse('2025-12-31T12:00:00Z')).getTimezoneOffset()).toBe(offsetMinutes); // the zone took effect
          const erp = await start({ now: () => Date.parse('2026-01-01T09:00:00Z') });
          const { port, inspect } = erp;
          const day = '2025-12-31';
          await sell(port, 'DATE-1', { orderDate: day });
          const memo = await port.createSalesCreditMemo(creditMemo('DATE-1', 'R-1', { creditMemoDate: day }));
          await port.postSalesCreditMemo(memo.id);
          await port.createStockAdjustment(adjustment('WT-DATE-1', { postingDate: day }));
          await port.postDailyJournal(zReport(erp, 'Z-STORE01-251231', day));

          expect(inspect.salesDocuments('DATE-1').map((d) => d.postingDate)).toEqual([day]);
          expect(inspect.creditMemos('DATE-1').map((m) => m.postingDate)).toEqual([day]);
          expect(new Set(inspect.journal('Z-STORE01-251231').entries.map((e) => e.postingDate))).toEqual(
            new Set([day]),
          );
          expect(new Set((await port.listItemLedgerEntries(0, 100)).map((e) => e.postingDate))).toEqual(new Set([day]));
          const range = (from: string, to: string) => ({
            customerNumber: 'POS-STORE01',
            postingDateFrom: from,
            postingDateTo: to,
          });
          expect(await port.listSalesDocumentTotals(range(day, day))).toMatchObject([
            { externalDocumentNumber: 'DATE-1', postingDate: day },
          ]);
          expect(await port.listCreditMemoLineTotals(range(day, day))).toHaveLength(2);
          for (const other of ['2025-12-30', '2026-01-01']) {
            expect(await port.listSalesDocumentTotals(range(other, other))).toEqual([]);
            expect(await port.listCreditMemoLineTotals(range(other, other))).toEqual([]);
            expect(await port.listGeneralLedgerEntries({ postingDateFrom: other, postingDateTo: other })).toEqual([]);
          }
          const gl = await port.listGeneralLedgerEntries({ postingDateFrom: day, postingDateTo: day });
          expect(new Set(gl.map((e) => e.postingDate))).toEqual(new Set([day]));
        } finally {
          if (tz === undefined) delete process.env['TZ'];
          else process.env['TZ'] = tz;
        }
      },
    );
  });

  describe('credit memos', () => {
    it('creates a draft, finds every return against the sale, posts it once and brings the goods back in', async () => {
      const { port, inspect, anotherPort } = await start();
      const first = await port.createSalesCreditMemo(creditMemo('SO-77', 'R-1'));
      expect(first).toMatchObject({
        externalDocumentNumber: 'SO-77',
        customerNumber: 'POS-STORE01',
        pricesIncludeTax: true,
        posted: !drafts,
        totalCents: 4895,
        lines: [
          { itemNumber: '1000', quantity: 1, locationCode: 'STORE01', description: 'R-1 Mug' },
          { itemNumber: '1001', quantity: 2, locationCode: 'STORE02', description: 'R-1 Plate' },
        ],
      });
      const second = await port.createSalesCreditMemo(
        creditMemo('SO-77', 'R-2', {
          lines: [
            { itemNumber: '1000', quantity: 1, unitPriceCents: 995, locationCode: 'STORE01', description: 'R-2' },
          ],
        }),
      );
      // Another worker's adapter (nothing cached) reads the same.
      expect(await anotherPort().findSalesCreditMemos('SO-77')).toEqual([first, second]);
      expect(await port.findSalesCreditMemos('SO-78')).toEqual([]);
      // A return is not a sale: the sale's own look-up stays unaffected.
      expect(await port.findSalesDocuments('SO-77')).toEqual([]);
      // A draft moves nothing; posted on save, both returns brought their mugs back.
      expect(inspect.stockAt('STORE01', '1000')).toBe(drafts ? 0 : 2);

      await port.postSalesCreditMemo(first.id);
      await port.postSalesCreditMemo(first.id); // already posted counts as success
      expect([inspect.stockAt('STORE01', '1000'), inspect.stockAt('STORE02', '1001')]).toEqual([drafts ? 1 : 2, 2]);
      expect(inspect.creditMemos('SO-77').map((m) => m.posted)).toEqual([true, !drafts]);
      expect(await port.findSalesCreditMemos('SO-77', { customerNumber: 'POS-STORE01' })).toMatchObject([
        { id: first.id, posted: true, totalCents: 4895 },
        { id: second.id, posted: !drafts },
      ]);

      await port.deleteSalesCreditMemo(second.id);
      await port.deleteSalesCreditMemo(second.id); // gone already is success
      expect(inspect.creditMemos('SO-77')).toHaveLength(1);
    });

    it('a lost create response leaves one draft, found by the return id in its lines; a lost post response posts once', async () => {
      const { port, faults, inspect } = await start();
      faults.set({ lostResponseRate: 1 });
      expect(await rejectionOf(port.createSalesCreditMemo(creditMemo('SO-78', 'R-1')))).toBeInstanceOf(TransientError);
      faults.reset();
      const existing = (await port.findSalesCreditMemos('SO-78')).filter((m) =>
        m.lines.some((l) => l.description.includes('R-1')),
      );
      expect(existing).toMatchObject([{ posted: !drafts, totalCents: 4895 }]);

      if (drafts) {
        // Posting is a write of its own only where there are drafts.
        faults.set({ lostResponseRate: 1 });
        expect(await rejectionOf(port.postSalesCreditMemo(existing[0]!.id))).toBeInstanceOf(TransientError);
        faults.reset();
      }
      await port.postSalesCreditMemo(existing[0]!.id);
      expect(inspect.creditMemos('SO-78')).toMatchObject([{ posted: true }]);
      expect([inspect.stockAt('STORE01', '1000'), inspect.stockAt('STORE02', '1001')]).toEqual([1, 2]);
      expect(inspect.stockMovements('SO-78')).toBe(2);
    });

    it("lists one customer's posted credit memo lines in a date range, with their gross", async () => {
      const { port } = await start();
      const posted = await port.createSalesCreditMemo(creditMemo('SO-79', 'R-1'));
      await port.postSalesCreditMemo(posted.id);
      const unposted = await port.createSalesCreditMemo(creditMemo('SO-79', 'R-2')); // a draft books nothing yet
      const later = await port.createSalesCreditMemo(creditMemo('SO-79', 'R-3', { creditMemoDate: '2025-05-09' }));
      await port.postSalesCreditMemo(later.id);
      const other = await port.createSalesCreditMemo(creditMemo('SO-79', 'R-4', { customerNumber: 'POS-STORE02' }));
      await port.postSalesCreditMemo(other.id);

      const filter = { customerNumber: 'POS-STORE01', postingDateFrom: '2025-04-30', postingDateTo: '2025-05-02' };
      expect(await port.listCreditMemoLineTotals(filter)).toEqual([
        { creditMemoId: posted.id, description: 'R-1 Mug', grossCents: 995 },
        { creditMemoId: posted.id, description: 'R-1 Plate', grossCents: 3900 },
        // Posted on save, the second return is no draft: it is booked.
        ...(drafts
          ? []
          : [
              { creditMemoId: unposted.id, description: 'R-2 Mug', grossCents: 995 },
              { creditMemoId: unposted.id, description: 'R-2 Plate', grossCents: 3900 },
            ]),
      ]);
      const reversed = { ...filter, postingDateFrom: '2025-05-02', postingDateTo: '2025-04-30' };
      expect(await rejectionOf(port.listCreditMemoLineTotals(reversed))).toBeInstanceOf(PermanentError);
    });
  });

  describe('late commits beyond sales orders', () => {
    it('a credit memo committed after the client gave up is found beside the retry and swept; one is posted', async () => {
      const { port, faults, inspect } = await start({ clientTimeoutMs: 400 });
      faults.set({ lateCommitRate: 1, lateCommitDelayMs: 2_000 });
      expect(await rejectionOf(port.createSalesCreditMemo(creditMemo('SO-80', 'R-1')))).toBeInstanceOf(TransientError);
      faults.set({ lateCommitRate: 0 });
      expect(await port.findSalesCreditMemos('SO-80')).toEqual([]);
      const mine = await port.createSalesCreditMemo(creditMemo('SO-80', 'R-1'));
      await waitFor('the late create to land', () => faults.counters.lateCommitsApplied === 1);
      const found = (await port.findSalesCreditMemos('SO-80')).filter((m) =>
        m.lines.some((l) => l.description.startsWith('R-1 ')),
      );
      // Drafts: the late create is a twin beside the retry's. Posted on save: it landed on the retry's memo.
      if (drafts) expect(found.map((m) => m.posted)).toEqual([false, false]);
      else expect(found).toEqual([mine]);
      for (const twin of found.filter((m) => m.id !== mine.id)) await port.deleteSalesCreditMemo(twin.id);
      await port.postSalesCreditMemo(mine.id);
      expect(inspect.creditMemos('SO-80').map((m) => m.posted)).toEqual([true]);
      expect([inspect.stockAt('STORE01', '1000'), inspect.stockAt('STORE02', '1001')]).toEqual([1, 2]);
    });

    it('a stock adjustment committed after the client gave up is not posted twice by the retry', async () => {
      const { port, faults, inspect } = await start({ clientTimeoutMs: 400 });
      faults.set({ lateCommitRate: 1, lateCommitDelayMs: 2_000 });
      expect(await rejectionOf(port.createStockAdjustment(adjustment('WT-LATE-1')))).toBeInstanceOf(TransientError);
      faults.set({ lateCommitRate: 0 });
      expect(await port.findStockAdjustment('WT-LATE-1')).toBeUndefined();
      const retried = await port.createStockAdjustment(adjustment('WT-LATE-1'));
      await waitFor('the late create to be applied', () => faults.counters.lateCommitsApplied === 1);
      expect(await port.findStockAdjustment('WT-LATE-1')).toEqual(retried);
      expect([inspect.stockAdjustments('WT-LATE-1'), inspect.stockMovements('WT-LATE-1')]).toEqual([1, 2]);
      expect(inspect.stockAt('STORE01', '1000')).toBe(5);
    });
  });

  describe('stock', () => {
    it('posts an adjustment at its location once, finds it by key, and reads location stock', async () => {
      const { port, inspect } = await start();
      const created = await port.createStockAdjustment(adjustment('WT-1001'));
      expect(created.externalDocumentNumber).toBe('WT-1001');
      expect(await port.findStockAdjustment('WT-1001')).toEqual(created);
      expect(await port.findStockAdjustment('WT-9999')).toBeUndefined();
      // Created again (a retry that did not look): the ERP keeps the key unique and answers with the first.
      expect((await port.createStockAdjustment(adjustment('WT-1001'))).id).toBe(created.id);
      expect([inspect.stockAdjustments('WT-1001'), inspect.stockMovements('WT-1001')]).toEqual([1, 2]);

      expect(await port.getLocationStock('STORE01')).toEqual(
        new Map([
          ['1000', 5],
          ['1001', -2],
        ]),
      );
      expect(await port.getLocationStock('STORE02')).toEqual(new Map());
      expect(await port.getLocationStock('STORE01', ['1000', '2000'])).toEqual(
        new Map([
          ['1000', 5],
          ['2000', 0],
        ]),
      );
      const err = await rejectionOf(port.getLocationStock('NOWHERE'));
      expect([err instanceof PermanentError, err.message.includes('NOWHERE')]).toEqual([true, true]);
    });

    it('a lost create response: the adjustment is posted once and the look-up finds it', async () => {
      const { port, faults, inspect } = await start();
      faults.set({ lostResponseRate: 1 });
      expect(await rejectionOf(port.createStockAdjustment(adjustment('WT-LOST-1')))).toBeInstanceOf(TransientError);
      faults.reset();
      const existing = await port.findStockAdjustment('WT-LOST-1');
      expect(existing?.externalDocumentNumber).toBe('WT-LOST-1');
      expect([inspect.stockAdjustments('WT-LOST-1'), inspect.stockAt('STORE01', '1000')]).toEqual([1, 5]);
    });

    it('refuses an unknown location or item permanently, naming it, and posts nothing', async () => {
      const { port, inspect } = await start();
      for (const [input, named] of [
        [adjustment('WT-BAD-1', { locationCode: 'NOWHERE' }), 'NOWHERE'],
        [adjustment('WT-BAD-2', { lines: [{ itemNumber: 'NOPE', quantity: 1 }] }), 'NOPE'],
        [adjustment('WT-BAD-3', { lines: [] }), ''],
      ] as const) {
        const err = await rejectionOf(port.createStockAdjustment(input));
        expect(err, input.externalDocumentNumber).toBeInstanceOf(PermanentError);
        expect(err.message).toContain(named);
        expect(inspect.stockAdjustments(input.externalDocumentNumber)).toBe(0);
      }
      expect(inspect.stockAt('STORE01', '1000')).toBe(0);
    });

    it('reads item ledger entries incrementally by entry number, at most max at a time', async () => {
      const erp = await start();
      erp.seed.receive('STORE01', '1000', 10);
      erp.seed.receive('STORE02', '1001', 3);
      await sell(erp.port, 'LEDGER-1');
      const first = await erp.port.listItemLedgerEntries(0, 3);
      expect(first.map((e) => [e.itemNumber, e.quantity])).toEqual([
        ['1000', 10],
        ['1001', 3],
        ['1000', -2],
      ]);
      expect(first[2]).toMatchObject({ entryType: 'Sale', postingDate: DAY });
      const rest = await erp.port.listItemLedgerEntries(first[2]!.entryNumber, 100);
      expect(rest.map((e) => [e.itemNumber, e.quantity])).toEqual([['1001', -1]]);
      expect(await erp.port.listItemLedgerEntries(rest[0]!.entryNumber, 100)).toEqual([]);
    });
  });

  describe('the day journal', () => {
    it('posts a balanced journal once, found by its document number; posting it again changes nothing', async () => {
      const erp = await start();
      const { port, inspect } = erp;
      expect(await port.findJournalPosting('Z-STORE01-250501')).toBeUndefined();
      await port.postDailyJournal(zReport(erp));
      expect(await port.findJournalPosting('Z-STORE01-250501')).toMatchObject({ posted: true });
      const { entries, draftLines } = inspect.journal('Z-STORE01-250501');
      expect(entries.map((e) => e.amountCents).sort((a, b) => a - b)).toEqual([-3940, 995, 2945]);
      expect(entries.find((e) => e.amountCents === -3940)?.accountNumber).toBe(erp.accounts.receivables);
      expect(entries.find((e) => e.amountCents === 995)?.accountNumber).toBe(erp.accounts.cash);
      expect(draftLines).toBe(0);

      const writes = inspect.writes();
      await port.postDailyJournal(zReport(erp));
      await erp.anotherPort().postDailyJournal(zReport(erp));
      expect(inspect.writes()).toBe(writes);
      expect(inspect.journal('Z-STORE01-250501').entries).toHaveLength(3);
    });

    it('refuses an unbalanced journal before sending anything', async () => {
      const erp = await start();
      const journal = zReport(erp, 'Z-BAD');
      journal.lines[2] = { ...journal.lines[2]!, amountCents: -3939 };
      const writes = erp.inspect.writes();
      const err = await rejectionOf(erp.port.postDailyJournal(journal));
      expect(err).toBeInstanceOf(PermanentError);
      expect(err.message).toContain('0.01');
      expect(erp.inspect.writes()).toBe(writes);
      expect(erp.inspect.journal('Z-BAD').entries).toEqual([]);
    });

    it('every write response lost: retries converge and the journal posts exactly once', async () => {
      const erp = await start();
      erp.faults.set({ lostResponseRate: 1 });
      let attempts = 0;
      for (;;) {
        attempts++;
        const err = await erp.port.postDailyJournal(zReport(erp)).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (!err) break;
        expect(err).toBeInstanceOf(TransientError);
        if (attempts > 10) throw new Error('the journal never converged');
      }
      erp.faults.reset();
      expect(attempts).toBeGreaterThan(1);
      expect(erp.inspect.journal('Z-STORE01-250501')).toMatchObject({ draftLines: 0 });
      expect(erp.inspect.journal('Z-STORE01-250501').entries).toHaveLength(3);
    });

    it('two workers posting one journal at once (a slow ERP) post it once', async () => {
      // Before (BC): both looked, both added the lines, and the doubled batch still balanced and posted.
      const erp = await start();
      erp.faults.set({ latencyMs: 120 });
      await Promise.all([
        erp.anotherPort().postDailyJournal(zReport(erp)),
        erp.anotherPort().postDailyJournal(zReport(erp)),
      ]);
      const { entries, draftLines } = erp.inspect.journal('Z-STORE01-250501');
      expect(entries.map((e) => [e.accountNumber, e.amountCents])).toEqual([
        [erp.accounts.cardClearing, 2945],
        [erp.accounts.cash, 995],
        [erp.accounts.receivables, -3940],
      ]);
      expect(draftLines).toBe(0);
    });

    it('a write the ERP commits after the journal was posted is swept, so the next day still posts once', async () => {
      const erp = await start({ clientTimeoutMs: 300 });
      erp.faults.set({ lateCommitRate: 1, lateCommitDelayMs: 1_500 });
      expect(await rejectionOf(erp.port.postDailyJournal(zReport(erp)))).toBeInstanceOf(TransientError);
      erp.faults.set({ lateCommitRate: 0 });
      await erp.port.postDailyJournal(zReport(erp));
      await waitFor('the late write to land', () => erp.faults.counters.lateCommitsApplied === 1);
      await erp.port.sweepJournalDrafts('Z-STORE01-250501', { journalCode: 'POS01' });
      expect(erp.inspect.journal('Z-STORE01-250501')).toMatchObject({ draftLines: 0 });
      await erp.port.postDailyJournal(zReport(erp, 'Z-STORE01-250502', '2025-05-02'));
      expect(erp.inspect.journal('Z-STORE01-250501').entries).toHaveLength(3);
      expect(erp.inspect.journal('Z-STORE01-250502').entries).toHaveLength(3);
    });
  });

  describe('end of day reads', () => {
    it("reads one customer's posted sales, credit memo lines and the day's G/L, leaving out open orders and other days", async () => {
      const erp = await start();
      const { port } = erp;
      await sell(port, 'SALE-1');
      await sell(port, 'SALE-2', { orderDate: '2025-05-02' });
      if (drafts) await port.createSalesOrder(order('SALE-OPEN')); // an open order, which books nothing
      await sell(port, 'SALE-S2', { customerNumber: 'POS-STORE02' });
      const memo = await port.createSalesCreditMemo(creditMemo('SALE-1', 'R-1'));
      await port.postSalesCreditMemo(memo.id);
      await port.postDailyJournal(zReport(erp));

      const totals = await port.listSalesDocumentTotals({
        customerNumber: 'POS-STORE01',
        postingDateFrom: '2025-04-30',
        postingDateTo: DAY,
      });
      expect(totals).toMatchObject([{ externalDocumentNumber: 'SALE-1', postingDate: DAY, totalCents: 3940 }]);

      const day = await port.listGeneralLedgerEntries({ postingDateFrom: DAY, postingDateTo: DAY });
      expect(sum(day.map((e) => e.debitCents))).toBe(sum(day.map((e) => e.creditCents)));
      expect(new Set(day.map((e) => e.postingDate))).toEqual(new Set([DAY]));
      const journal = await port.listGeneralLedgerEntries({
        postingDateFrom: DAY,
        postingDateTo: DAY,
        documentNumber: 'Z-STORE01-250501',
      });
      expect(journal.map((e) => e.debitCents - e.creditCents).sort((a, b) => a - b)).toEqual([-3940, 995, 2945]);
      expect(journal.every((e) => e.documentNumber === 'Z-STORE01-250501')).toBe(true);
      expect(day.filter((e) => e.documentNumber === 'Z-STORE01-250501')).toHaveLength(3);
      expect(
        await port.listGeneralLedgerEntries({ postingDateFrom: '2025-04-01', postingDateTo: '2025-04-30' }),
      ).toEqual([]);
      const reversed = await rejectionOf(
        port.listGeneralLedgerEntries({ postingDateFrom: '2025-05-02', postingDateTo: DAY }),
      );
      expect(reversed).toBeInstanceOf(PermanentError);
    });
  });

  describe('transient failures', () => {
    it('a 429 with Retry-After, a 5xx and an outage are TransientErrors; the outage books nothing', async () => {
      const erp = await start();
      const { port, faults, inspect } = erp;
      faults.set({ throttleRate: 1, retryAfterSeconds: 7 });
      const throttled = await rejectionOf(port.findSalesDocuments('ANY-1'));
      expect(throttled).toBeInstanceOf(TransientError);
      expect([(throttled as TransientError).status, (throttled as TransientError).retryAfterMs]).toEqual([429, 7000]);

      faults.set({ throttleRate: 0, errorRate: 1 });
      expect(await rejectionOf(port.findStockAdjustment('WT-1'))).toBeInstanceOf(TransientError);

      faults.set({ errorRate: 0, outage: { from: Date.now() - 1_000, until: Date.now() + 60_000 } });
      expect(await rejectionOf(port.createSalesOrder(order('OUT-1')))).toBeInstanceOf(TransientError);
      expect(await rejectionOf(port.postDailyJournal(zReport(erp)))).toBeInstanceOf(TransientError);
      faults.reset();
      expect(inspect.salesDocuments('OUT-1')).toEqual([]);
      expect(inspect.journal('Z-STORE01-250501').entries).toEqual([]);
      expect(await port.findSalesDocuments('ANY-1')).toEqual([]);
    });
  });
});
