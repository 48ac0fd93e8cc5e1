import { describe, expect, it } from 'vitest';
import { type SitooClient, type SitooClientConfig } from '../../src/connectors/sitoo/client';
import { basicAuth, PermanentError, TransientError } from '../../src/connectors/http';
import type { DayTransaction, Tender } from '../../src/domain/end-of-day';
import type { PosSale, SitooSimulator } from '../../src/simulators/sitoo';
import { rejectionOf } from '../support/rejection';
import { OTHER_STORE, SITOO_API, sitooFixture, STORE } from '../support/sitoo';

const sitooSetup = sitooFixture({ store: { 'SKU-A': 1000, 'SKU-B': 1000 }, other: { 'SKU-A': 1000 } });
const setup = (config: Partial<SitooClientConfig> = {}) => sitooSetup({ config });

const nowSeconds = () => Math.floor(Date.now() / 1000);

const sell = (sim: SitooSimulator, orderDate: number, overrides: Partial<PosSale> = {}) =>
  sim.pos.recordSale({
    warehouseId: STORE,
    orderDate,
    lines: [{ sku: 'SKU-A', quantity: 1, unitPriceGross: '99.00', vatPercent: 25 }],
    ...overrides,
  }).orderId;

/** Every page of the day, the way an activity would walk it. */
async function readDay(
  client: SitooClient,
  q: { warehouseId: number; from: number; to: number; pageSize?: number },
): Promise<{ all: DayTransaction[]; pages: number }> {
  const all: DayTransaction[] = [];
  let cursor: number | undefined;
  let pages = 0;
  do {
    const page = await client.listDayTransactions({ ...q, cursor });
    pages++;
    all.push(...page.transactions);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return { all, pages };
}

describe('SitooClient: a store business day', () => {
  it('pages through a day: every closed sale of the warehouse once, ascending, in [from, to)', async () => {
    const { sim, client } = await setup();
    const from = 1_780_000_000;
    const to = from + 86_400;
    const inside: number[] = [];
    inside.push(sell(sim, from));
    for (let i = 0; i < 20; i++) inside.push(sell(sim, from + 600 + i * 60));
    sell(sim, from - 1);
    sell(sim, to); // the first second of the next day
    sell(sim, from + 900, { warehouseId: OTHER_STORE });
    sell(sim, from + 950, { paymentStateId: 10 }); // unpaid: still open, not takings
    const cancelled = sell(sim, from + 960, { paymentStateId: 10 });
    sim.pos.setOrderState(cancelled, 20);
    inside.push(sell(sim, to - 1));
    inside.push(sell(sim, from + 30)); // an offline till syncing late: highest orderid, early orderdate

    const { all, pages } = await readDay(client, { warehouseId: STORE, from, to, pageSize: 5 });
    expect(all.map((t) => t.orderId)).toEqual(inside);
    // 24 matches on Sitoo's side (it reads orderdateto inclusively), 23 kept: five pages.
    expect(pages).toBe(5);
    expect(all.every((t) => t.warehouseId === STORE && t.orderDate >= from && t.orderDate < to)).toBe(true);
    expect(all[0]).toMatchObject({
      currencyCode: 'SEK',
      creditOrderId: null,
      roundingCents: 0,
      lines: [{ sku: 'SKU-A', quantity: 1, grossCents: 9900, vatPercent: 25 }],
    });

    // Keyset paging: the cursor moves by orderid, never by offset, and the window goes to Sitoo.
    const queries = sim.state.requestLog
      .filter((r) => r.path.endsWith('/orders.json'))
      .map((r) => new URLSearchParams(r.query));
    expect(
      queries.every(
        (q) =>
          q.get('start') === '0' &&
          q.get('sort') === 'orderid' &&
          q.get('orderstate') === '10' &&
          q.get('orderdatefrom') === String(from),
      ),
    ).toBe(true);
    expect(queries.slice(1).every((q) => Number(q.get('orderidfrom')) > inside[0]!)).toBe(true);
  });

  it('treats the window as [from, to) even though the simulator reads orderdateto inclusively', async () => {
    const { sim, client } = await setup();
    const from = 1_780_000_000;
    const atEnd = sell(sim, from + 10);
    const page = await client.listDayTransactions({ warehouseId: STORE, from, to: from + 10 });
    expect(page).toEqual({ transactions: [] });
    const next = await client.listDayTransactions({ warehouseId: STORE, from: from + 10, to: from + 11 });
    expect(next.transactions.map((t) => t.orderId)).toEqual([atEnd]);
    expect(await rejectionOf(client.listDayTransactions({ warehouseId: STORE, from, to: from }))).toMatchObject({
      name: 'PermanentError',
      code: 'InvalidInput',
    });
    expect(
      await rejectionOf(client.listDayTransactions({ warehouseId: STORE, from, to: from + 1, pageSize: 501 })),
    ).toBeInstanceOf(PermanentError);
  });

  it('returns refunds with negative lines and payments, linked to the sale', async () => {
    const { sim, client } = await setup();
    const original = sim.pos.recordSale({
      warehouseId: STORE,
      lines: [{ sku: 'SKU-A', quantity: 2, unitPriceGross: '150.00', vatPercent: 25 }],
      payments: [{ name: 'Card', amount: '300.00', reference: 'psp-777' }],
    }).orderId;
    const refund = sim.pos.returnItems({
      originalOrderId: original,
      warehouseId: STORE,
      lines: [{ sku: 'SKU-A', quantity: 1 }],
    });
    const { all } = await readDay(client, { warehouseId: STORE, from: nowSeconds() - 3600, to: nowSeconds() + 3600 });
    expect(all.map((t) => t.orderId)).toEqual([original, refund]);
    expect(all[1]).toMatchObject({
      creditOrderId: original,
      lines: [{ sku: 'SKU-A', quantity: -1, grossCents: -15000, vatPercent: 25 }],
      payments: [{ tender: 'card', name: 'Card', amountCents: -15000 }],
    });
    expect(all[0]!.payments).toEqual([{ tender: 'card', name: 'Card', amountCents: 30000, reference: 'psp-777' }]);
  });

  it('maps payments to tenders through the site payment types, with fallbacks for unknown names', async () => {
    const { sim, client } = await setup();
    const t = nowSeconds();
    const split = sell(sim, t, {
      lines: [{ sku: 'SKU-A', quantity: 1, unitPriceGross: '500.00', vatPercent: 25 }],
      payments: [
        { name: 'Cash', amount: '100.00' },
        { name: 'Card', amount: '200.00', reference: 'psp-1' },
        { name: 'Gift Card', amount: '50.00', giftCardNumber: '6000123' },
        { name: 'Credit Note', amount: '50.00' },
        { name: 'Swish', amount: '40.00' },
        { name: 'Terminal 2', amount: '30.00', reference: 'ext-9' }, // not a payment type, but carries a card reference
        { name: 'Web Card', amount: '30.00' },
      ],
    });
    const rounded = sell(sim, t + 1, {
      lines: [{ sku: 'SKU-B', quantity: 1, unitPriceGross: '99.75', vatPercent: 12 }],
      payments: [{ name: 'Cash', amount: '100.00' }],
      roundOff: '0.25',
    });
    const { all } = await readDay(client, { warehouseId: STORE, from: t, to: t + 2 });
    const byId = new Map(all.map((x) => [x.orderId, x]));
    expect(byId.get(split)!.payments.map((p) => [p.name, p.tender, p.reference])).toEqual([
      ['Cash', 'cash', undefined],
      ['Card', 'card', 'psp-1'],
      ['Gift Card', 'gift-card', undefined],
      ['Credit Note', 'voucher', undefined],
      ['Swish', 'other', undefined],
      ['Terminal 2', 'card', 'ext-9'],
      ['Web Card', 'card', undefined],
    ]);
    expect(byId.get(rounded)).toMatchObject({
      roundingCents: 25,
      lines: [{ grossCents: 9975, vatPercent: 12 }],
      payments: [{ tender: 'cash', amountCents: 10000 }],
    });
    // Payment types are looked up once, not per page.
    expect(sim.state.requestLog.filter((r) => r.path.endsWith('/pospaymenttypes.json'))).toHaveLength(1);
    expect(() => sell(sim, t, { payments: [{ name: 'Cash', amount: '1.00' }] })).toThrow(
      /add up to 1.00 but 99.00 is due/,
    );
  });

  it('reads Z-reports whose totals equal the sum of the day, and finds an injected gap', async () => {
    const { sim, client } = await setup();
    const now = nowSeconds();
    const base = now - 7200;
    const sale = (i: number, overrides: Partial<PosSale>) => sell(sim, base + i * 60, overrides);
    const first = sale(0, {
      lines: [{ sku: 'SKU-A', quantity: 2, unitPriceGross: '125.00', vatPercent: 25 }],
      payments: [{ name: 'Card', amount: '250.00', reference: 'p-1' }],
    });
    sale(1, {
      lines: [
        { sku: 'SKU-B', quantity: 1, unitPriceGross: '59.90', vatPercent: 12 },
        { sku: 'SKU-A', quantity: 1, unitPriceGross: '99.00', vatPercent: 25 },
      ],
      payments: [{ name: 'Cash', amount: '158.90' }],
    });
    sale(2, {
      lines: [{ sku: 'SKU-B', quantity: 3, unitPriceGross: '33.25', vatPercent: 12 }],
      payments: [
        { name: 'Gift Card', amount: '50.00', giftCardNumber: 'g-1' },
        { name: 'Cash', amount: '50.00' },
      ],
      roundOff: '0.25',
    });
    for (let i = 3; i < 12; i++) sale(i, { payments: [{ name: i % 2 ? 'Card' : 'Cash', amount: '99.00' }] });
    sim.pos.returnItems({ originalOrderId: first, warehouseId: STORE, lines: [{ sku: 'SKU-A', quantity: 1 }] });
    sell(sim, base + 100, { warehouseId: OTHER_STORE });
    sim.pos.closeRegister({ warehouseId: STORE, at: new Date((now + 5) * 1000), cashDifferenceCents: -300 });
    sim.pos.closeRegister({ warehouseId: OTHER_STORE, at: new Date((now + 5) * 1000) });

    const from = base - 60;
    const to = now + 60;
    const { all } = await readDay(client, { warehouseId: STORE, from, to, pageSize: 4 });
    const reports = await client.listZReports({ from, to, warehouseId: STORE });
    expect(reports).toHaveLength(1);
    const z = reports[0]!;
    expect(z).toMatchObject({
      zReportId: 1,
      warehouseId: STORE,
      eshopId: sim.eshopId,
      storeId: '7',
      dateTo: now + 5,
      dateFrom: base,
      currencyCode: 'SEK',
      registerId: all[0]!.registerId,
    });
    const { vatByRate, ...totals } = z.totals;
    const expected = expectedTotals(all, -300);
    expect(totals).toEqual(expected.totals);
    expect(vatByRate.map((g) => [g.vatPercent, g.netCents + g.vatCents])).toEqual(expected.grossByRate);
    expect(vatByRate.map((g) => g.vatPercent)).toEqual([12, 25]);
    expect(z.totals.transactionCount).toBe(13);
    expect(z.totals.refundsGrossCents).toBe(-12500);

    // The next closing covers only what came after, plus a receipt the backend never got.
    const late = sell(sim, now + 10, { payments: [{ name: 'Card', amount: '99.00' }] });
    const zId = sim.pos.closeRegister({ warehouseId: STORE, at: new Date((now + 20) * 1000), skewCents: 1000 });
    expect(zId).toBe(2);
    const [second] = await client.listZReports({ from: now + 6, to, warehouseId: STORE });
    const lateDay = (await readDay(client, { warehouseId: STORE, from: now + 6, to })).all;
    expect(lateDay.map((t) => t.orderId)).toEqual([late]);
    expect(second!.totals.paymentsByTender.card - expectedTotals(lateDay).totals.paymentsByTender.card).toBe(1000);
    expect(second!.totals.salesGrossCents).toBe(9900 + 1000);
    expect(second!.totals.transactionCount).toBe(2);
    expect(second!.totals.cashDifferenceCents).toBeUndefined();
  });

  it('pages Z-reports past 500 on dateadded, drops boundary repeats, and keeps late arrivals', async () => {
    const { sim, client } = await setup({ zReportsPath: '/pos-z-reports.json' });
    const from = 1_780_000_000;
    const to = from + 86_400;
    for (let i = 0; i < 620; i++)
      sim.pos.closeRegister({ warehouseId: STORE, registerId: `{REG-${i}}`, at: new Date((from + 60 + i) * 1000) });
    // Closed in the day but delivered two days later (an offline till); and yesterday's, delivered today.
    sim.pos.closeRegister({
      warehouseId: OTHER_STORE,
      at: new Date((to - 5) * 1000),
      addedAt: new Date((to + 2 * 86_400) * 1000),
    });
    sim.pos.closeRegister({
      warehouseId: OTHER_STORE,
      registerId: '{REG-OLD}',
      at: new Date((from - 5) * 1000),
      addedAt: new Date((from + 10) * 1000),
    });

    const reports = await client.listZReports({ from, to });
    expect(reports).toHaveLength(621);
    expect(new Set(reports.map((r) => r.registerId)).size).toBe(621);
    expect(reports.find((r) => r.warehouseId === OTHER_STORE)).toMatchObject({ dateTo: to - 5 });
    expect(reports.every((r) => r.totals.transactionCount === 0)).toBe(true);
    const zCalls = sim.state.requestLog.filter((r) => r.path.includes('/pos-z-reports'));
    expect(zCalls.length).toBe(2);
    expect(zCalls.every((r) => r.path.endsWith('/pos-z-reports.json'))).toBe(true);
    expect(await client.listZReports({ from, to, warehouseId: 999 })).toEqual([]);
  });

  it('serves the Z-report list as a bare array with and without .json', async () => {
    const { sim } = await setup();
    sim.pos.closeRegister({ warehouseId: STORE, at: new Date() });
    for (const path of ['/pos-z-reports', '/pos-z-reports.json']) {
      const res = await fetch(`${sim.url}/v2/accounts/${sim.accountId}${path}?eshopid=${sim.eshopId}`, {
        headers: { authorization: basicAuth(SITOO_API.apiId, SITOO_API.apiPassword) },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as unknown[];
      expect(Array.isArray(body) && body.length).toBe(1);
    }
  });

  it('reads the site time zone from its settings', async () => {
    const { sim, client } = await setup();
    expect(await client.getSiteTimeZone()).toBe('Europe/Stockholm');
    sim.pos.setTimeZone('America/New_York');
    expect(await client.getSiteTimeZone(sim.eshopId)).toBe('America/New_York');
    expect(sim.state.day.settings.timezone).toBe('America/New_York');
    expect(() => sim.pos.setTimeZone('Mars/Olympus_Mons')).toThrow(/IANA/);
    expect(await rejectionOf(client.getSiteTimeZone(99))).toMatchObject({ name: 'PermanentError', status: 404 });
  });

  it('keeps at most maxConcurrentRequests in flight when every store reads at once', async () => {
    const { sim, client } = await setup({ maxConcurrentRequests: 4 });
    sim.faults.set({ latencyMs: 100 });
    const zones = await Promise.all(Array.from({ length: 12 }, () => client.getSiteTimeZone()));
    expect(new Set(zones)).toEqual(new Set(['Europe/Stockholm']));
    expect([sim.load.peakInFlight, sim.load.inFlight]).toEqual([4, 0]);
  });

  it('turns throttling and server errors into TransientErrors', async () => {
    const { sim, client } = await setup();
    sim.faults.set({ throttleRate: 1, retryAfterSeconds: 3 });
    const throttled = await rejectionOf(client.listDayTransactions({ warehouseId: STORE, from: 0, to: 10 }));
    expect(throttled).toBeInstanceOf(TransientError);
    expect(throttled).toMatchObject({ status: 429, retryAfterMs: 3_000 });
    expect(await rejectionOf(client.listZReports({ from: 0, to: 10 }))).toMatchObject({
      name: 'TransientError',
      status: 429,
    });
    sim.faults.set({ throttleRate: 0, errorRate: 1 });
    expect(await rejectionOf(client.getSiteTimeZone())).toMatchObject({ name: 'TransientError', status: 500 });
    sim.faults.reset();
    // A failed payment-type look-up is not remembered: the next read succeeds.
    expect(await client.listDayTransactions({ warehouseId: STORE, from: 0, to: 10 })).toEqual({ transactions: [] });
  });
});

/** What a Z-report should say for these transactions, computed from the transactions alone. */
function expectedTotals(day: DayTransaction[], cashDifferenceCents?: number) {
  const tenders: Record<Tender, number> = { card: 0, cash: 0, 'gift-card': 0, voucher: 0, other: 0 };
  const grossByRate = new Map<number, number>();
  let sales = 0;
  let refunds = 0;
  let rounding = 0;
  for (const t of day) {
    for (const l of t.lines) {
      sales += l.grossCents;
      if (l.grossCents < 0) refunds += l.grossCents;
      grossByRate.set(l.vatPercent, (grossByRate.get(l.vatPercent) ?? 0) + l.grossCents);
    }
    for (const p of t.payments) tenders[p.tender] += p.amountCents;
    rounding += t.roundingCents;
  }
  expect(Object.values(tenders).reduce((a, b) => a + b, 0)).toBe(sales + rounding);
  return {
    // Net and VAT are split per line, so the lines only tell their sum per rate.
    grossByRate: [...grossByRate].sort(([a], [b]) => a - b),
    totals: {
      salesGrossCents: sales,
      refundsGrossCents: refunds,
      paymentsByTender: tenders,
      roundingCents: rounding,
      totalCents: sales + rounding,
      ...(cashDifferenceCents !== undefined ? { cashDifferenceCents } : {}),
      transactionCount: day.length,
    },
  };
}
