import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { warehouseTransactionEventDataSchema } from '../../src/connectors/sitoo/events-schema';
import { PermanentError } from '../../src/connectors/http';
import type { SitooSimulator } from '../../src/simulators/sitoo';
import { rejectionOf } from '../support/rejection';
import { OTHER_STORE, sitooFixture, sitooRest, STORE } from '../support/sitoo';

const VIRTUAL = 60;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
const sitooSetup = sitooFixture();
const setup = () =>
  sitooSetup({
    seed: (sim) =>
      sim.pos.seedWarehouse({
        warehouseId: VIRTUAL,
        name: 'ERP central (mirror)',
        virtual: true,
        stock: { 'SKU-A': 100 },
      }),
  });

/** Delivers everything queued so far to a throwaway receiver and returns the events in order. */
async function deliveredEvents(
  sim: SitooSimulator,
): Promise<Array<{ event_id: string; event_type: string; data: Record<string, unknown> }>> {
  const received: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push(...(JSON.parse(body) as unknown[]));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.unshift(() => new Promise<void>((resolve) => server.close(() => resolve())));
  sim.events.setReceiver({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  sim.events.start();
  await sim.events.waitUntilDrained(5_000);
  return received as Awaited<ReturnType<typeof deliveredEvents>>;
}

const line = (sku: string, quantity: number) => ({ sku, quantity, unitPriceGross: '99.00', vatPercent: 25 });
const txIds = (events: Awaited<ReturnType<typeof deliveredEvents>>) =>
  events
    .filter((e) => e.event_type === 'warehouse-transaction')
    .map((e) => warehouseTransactionEventDataSchema.parse(e.data).warehouse_transaction_id);

describe('Sitoo warehouse transactions', () => {
  it('books a till sale as one Sales transaction with levels after, its event following the order add event', async () => {
    const { sim, client } = await setup();
    expect(sim.state.transactions()).toHaveLength(0); // seeding is set-up, not a stock change
    const sale = sim.pos.recordSale({
      warehouseId: STORE,
      lines: [line('SKU-A', 2), line('SKU-B', 1), line('SKU-A', 1)],
    });

    const [wire] = sim.state.transactions();
    expect(wire).toMatchObject({
      warehousetransactionid: 1,
      warehouseid: STORE,
      transactiontype: 30,
      orderdeliveryid: null,
      shipmentid: null,
      externalid: null,
      reasoncode: null,
      datecreated: expect.any(Number),
      items: [
        {
          sku: 'SKU-A',
          decimalquantity: '-3.000',
          decimaltotal: '7.000',
          warehouseitemid: expect.any(Number),
          warehouseitemlogid: 1,
        },
        {
          sku: 'SKU-B',
          decimalquantity: '-1.000',
          decimaltotal: '4.000',
          warehouseitemid: expect.any(Number),
          warehouseitemlogid: 2,
        },
      ],
    });
    expect(await client.listWarehouseTransactions({ ids: [1] })).toEqual([
      {
        transactionId: 1,
        warehouseId: STORE,
        type: 30,
        kind: 'sale',
        createdAt: wire!.datecreated,
        externalId: null,
        items: [
          { sku: 'SKU-A', quantity: -3, levelAfter: 7 },
          { sku: 'SKU-B', quantity: -1, levelAfter: 4 },
        ],
      },
    ]);

    const events = await deliveredEvents(sim);
    expect(events.map((e) => e.event_type)).toEqual(['order', 'warehouse-transaction']);
    expect(events[0]?.data).toMatchObject({ order_id: sale.orderId, order_event_type: 'add' });
    expect(events[1]).toEqual({
      event_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      event_type: 'warehouse-transaction',
      event_date: wire!.datecreated,
      account_id: sim.accountId,
      data: { eshop_id: sim.eshopId, warehouse_id: STORE, warehouse_transaction_id: 1 },
    });
  });

  it('books a refund as a Refund transaction that puts stock back', async () => {
    const { sim, client } = await setup();
    const original = sim.pos.recordSale({ warehouseId: STORE, lines: [line('SKU-A', 2)] });
    sim.pos.recordSale({ warehouseId: STORE, creditOrderId: original.orderId, lines: [line('SKU-A', -1)] });
    expect(sim.pos.getStock(STORE, 'SKU-A')).toBe(9);
    const [, refund] = await client.listWarehouseTransactions({ idFrom: 1 });
    expect(refund).toMatchObject({
      transactionId: 2,
      type: 40,
      kind: 'refund',
      items: [{ sku: 'SKU-A', quantity: 1, levelAfter: 9 }],
    });
  });

  it('books manual adjustments, a stock-taking and a transfer as their own transaction types', async () => {
    const { sim, client } = await setup();
    const manualIn = sim.pos.adjustStock(STORE, [{ sku: 'SKU-A', quantity: 5 }]);
    const manualOut = sim.pos.adjustStock(STORE, [{ sku: 'SKU-B', quantity: -2 }], {
      reason: 'DAMAGED',
      externalId: 'ADJ-1',
    });
    const mixed = sim.pos.adjustStock(
      STORE,
      [
        { sku: 'SKU-A', quantity: 1 },
        { sku: 'SKU-B', quantity: -1 },
      ],
      { type: 10 },
    );
    expect(() =>
      sim.pos.adjustStock(STORE, [
        { sku: 'SKU-A', quantity: 1 },
        { sku: 'SKU-B', quantity: -1 },
      ]),
    ).toThrow(/explicit type/);
    // Now SKU-A 16, SKU-B 2; SKU-B's count matches and gets no item log.
    const count = sim.pos.stockTake(STORE, { 'SKU-A': 12, 'SKU-B': 2 });
    const moved = sim.pos.transfer(STORE, OTHER_STORE, [{ sku: 'SKU-A', quantity: 4 }]);
    expect([manualIn, manualOut, mixed, count, moved.outId, moved.inId]).toEqual([1, 2, 3, 4, 5, 6]);

    const txs = await client.listWarehouseTransactions({ ids: [6, 5, 4, 3, 2, 1] });
    expect(txs.map((t) => [t.transactionId, t.warehouseId, t.type, t.kind, t.items])).toEqual([
      [1, STORE, 60, 'manual-in', [{ sku: 'SKU-A', quantity: 5, levelAfter: 15 }]],
      [2, STORE, 70, 'manual-out', [{ sku: 'SKU-B', quantity: -2, levelAfter: 3 }]],
      [
        3,
        STORE,
        10,
        'move-in',
        [
          { sku: 'SKU-A', quantity: 1, levelAfter: 16 },
          { sku: 'SKU-B', quantity: -1, levelAfter: 2 },
        ],
      ],
      [4, STORE, 50, 'stocktaking', [{ sku: 'SKU-A', quantity: -4, levelAfter: 12 }]],
      [5, STORE, 20, 'move-out', [{ sku: 'SKU-A', quantity: -4, levelAfter: 8 }]],
      [6, OTHER_STORE, 10, 'move-in', [{ sku: 'SKU-A', quantity: 4, levelAfter: 5 }]],
    ]);
    expect(txs[1]?.externalId).toBe('ADJ-1');
    expect(sim.state.transactions()[1]?.reasoncode).toBe('DAMAGED');
    expect([sim.pos.getStock(STORE, 'SKU-A'), sim.pos.getStock(OTHER_STORE, 'SKU-A')]).toEqual([8, 5]);
    expect(txIds(await deliveredEvents(sim))).toEqual([1, 2, 3, 4, 5, 6]);
    // Virtual warehouses keep no transaction log, so they take no transactions at all.
    expect(() => sim.pos.adjustStock(VIRTUAL, [{ sku: 'SKU-A', quantity: 1 }])).toThrow(/Virtual/);
    expect(() => sim.pos.transfer(STORE, VIRTUAL, [{ sku: 'SKU-A', quantity: 1 }])).toThrow(/Virtual/);
    expect(sim.state.transactions()).toHaveLength(6);
  });

  it('lists transactions by id list (chunked, merged ascending) and from a cursor, page by page', async () => {
    const { sim, client } = await setup();
    for (let i = 0; i < 250; i++)
      sim.pos.adjustStock(i % 5 === 0 ? OTHER_STORE : STORE, [{ sku: `SKU-${i % 7}`, quantity: 1 }]);

    const wanted = Array.from({ length: 230 }, (_, i) => 250 - i * 1); // 250 down to 21
    const byIds = await client.listWarehouseTransactions({ ids: [...wanted, 9_999, 250] });
    expect(byIds.map((t) => t.transactionId)).toEqual([...wanted].reverse());
    const idRequests = sim.state.requestLog
      .filter((r) => r.path.endsWith('/warehousetransactions.json'))
      .map((r) => new URLSearchParams(r.query));
    expect(idRequests.map((q) => q.get('warehousetransactionid')!.split(',').length)).toEqual([100, 100, 31]);
    expect(idRequests.every((q) => q.get('sort') === 'warehousetransactionid')).toBe(true);

    const seen: number[] = [];
    const pageSizes: number[] = [];
    for (let cursor = 1; ;) {
      const page = await client.listWarehouseTransactions({ idFrom: cursor, num: 40 });
      if (page.length === 0) break;
      pageSizes.push(page.length);
      seen.push(...page.map((t) => t.transactionId));
      cursor = page.at(-1)!.transactionId + 1;
    }
    expect(pageSizes).toEqual([40, 40, 40, 40, 40, 40, 10]);
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));

    const other = await client.listWarehouseTransactions({ idFrom: 100, warehouseId: OTHER_STORE });
    expect(other.map((t) => t.transactionId)).toEqual(Array.from({ length: 30 }, (_, i) => 101 + i * 5));
    expect((await client.listWarehouseTransactions({ idFrom: 1 })).length).toBe(100); // the default page
  });

  it('answers the REST list, per-warehouse list and single transaction as Sitoo does', async () => {
    const { sim } = await setup();
    sim.pos.adjustStock(STORE, [{ sku: 'SKU-A', quantity: 1 }]);
    sim.pos.adjustStock(OTHER_STORE, [{ sku: 'SKU-A', quantity: -1 }]);
    sim.pos.stockTake(STORE, { 'SKU-B': 0 });

    const all = await sitooRest(
      sim,
      'GET',
      '/warehousetransactions.json?fields=warehousetransactionid,transactiontype',
    );
    // Sitoo's documented default order is newest first.
    expect(all).toEqual({
      status: 200,
      body: {
        totalcount: 3,
        items: [
          { warehousetransactionid: 3, transactiontype: 50 },
          { warehousetransactionid: 2, transactiontype: 70 },
          { warehousetransactionid: 1, transactiontype: 60 },
        ],
      },
    });
    const filtered = await sitooRest(
      sim,
      'GET',
      '/warehousetransactions.json?transactiontype=60,50&warehousetransactionidto=3&sort=warehousetransactionid',
    );
    expect(
      (filtered.body as { items: Array<{ warehousetransactionid: number }> }).items.map(
        (t) => t.warehousetransactionid,
      ),
    ).toEqual([1]);
    const perWarehouse = await sitooRest(
      sim,
      'GET',
      `/warehouses/${STORE}/warehousetransactions.json?sort=warehousetransactionid&start=1&num=1`,
    );
    expect(perWarehouse.body).toMatchObject({
      totalcount: 2,
      items: [
        { warehousetransactionid: 3, items: [{ sku: 'SKU-B', decimalquantity: '-5.000', decimaltotal: '0.000' }] },
      ],
    });
    expect(await sitooRest(sim, 'GET', '/warehousetransactions/2.json')).toMatchObject({
      status: 200,
      body: { warehouseid: OTHER_STORE, items: [{ decimaltotal: '0.000' }] },
    });
    expect(await sitooRest(sim, 'GET', '/warehousetransactions/4.json')).toMatchObject({
      status: 404,
      body: { statuscode: 404 },
    });
    expect(await sitooRest(sim, 'GET', '/warehousetransactions.json?sort=datecreated')).toMatchObject({ status: 400 });
    const items = await sitooRest(sim, 'GET', `/warehouses/${STORE}/warehouseitems.json?sku=SKU-B`);
    expect(items.body).toMatchObject({ items: [{ datelaststocktaking: expect.any(Number), decimaltotal: '0.000' }] });
  });

  it('posts Manual and Move transactions, answering a bare id for one and a batch envelope for several', async () => {
    const { sim } = await setup();
    const one = await sitooRest(sim, 'POST', '/warehousetransactions.json', [
      {
        warehouseid: STORE,
        transactiontype: 60,
        externalid: 'GR-1',
        items: [
          { sku: 'SKU-A', decimalquantity: '2.500' },
          { sku: 'SKU-A', decimalquantity: '0.500' },
        ],
      },
    ]);
    expect(one).toEqual({ status: 200, body: 1 });
    const two = await sitooRest(sim, 'POST', '/warehousetransactions.json', [
      { warehouseid: STORE, transactiontype: 20, items: [{ sku: 'SKU-B', decimalquantity: '-1.000' }] },
      { warehouseid: OTHER_STORE, transactiontype: 10, items: [{ sku: 'SKU-B', decimalquantity: '1.000' }] },
    ]);
    expect(two).toEqual({
      status: 200,
      body: [
        { statuscode: 200, return: 2 },
        { statuscode: 200, return: 3 },
      ],
    });
    expect(sim.state.transactions()[0]?.items).toEqual([
      expect.objectContaining({ sku: 'SKU-A', decimalquantity: '3.000', decimaltotal: '13.000' }),
    ]);
    expect([sim.pos.getStock(STORE, 'SKU-B'), sim.pos.getStock(OTHER_STORE, 'SKU-B')]).toEqual([4, 1]);
    expect(txIds(await deliveredEvents(sim))).toEqual([1, 2, 3]);
  });

  it('refuses to post read-only types, Virtual or unknown warehouses and more than 1000 items, applying nothing', async () => {
    const { sim } = await setup();
    const ok = { warehouseid: STORE, transactiontype: 60, items: [{ sku: 'SKU-A', decimalquantity: '1.000' }] };
    const sales = await sitooRest(sim, 'POST', '/warehousetransactions.json', [ok, { ...ok, transactiontype: 30 }]);
    expect(sales.status).toBe(400);
    expect((sales.body as { errortext: string }).errortext).toMatch(/30 is read-only/);
    for (const type of [40, 50])
      expect(
        (await sitooRest(sim, 'POST', '/warehousetransactions.json', [{ ...ok, transactiontype: type }])).status,
      ).toBe(400);
    const virtual = await sitooRest(sim, 'POST', '/warehousetransactions.json', [{ ...ok, warehouseid: VIRTUAL }]);
    expect(virtual).toMatchObject({ status: 400, body: { errortext: expect.stringMatching(/Virtual/) } });
    const unknown = await sitooRest(sim, 'POST', '/warehousetransactions.json', [{ ...ok, warehouseid: 999 }]);
    expect(unknown).toMatchObject({
      status: 400,
      body: { errortext: expect.stringMatching(/warehouse 999 not found/) },
    });
    const tooMany = Array.from({ length: 1_001 }, (_, i) => ({ sku: `SKU-${i}`, decimalquantity: '1.000' }));
    expect(await sitooRest(sim, 'POST', '/warehousetransactions.json', [{ ...ok, items: tooMany }])).toMatchObject({
      status: 400,
      body: { errortext: expect.stringMatching(/1000/) },
    });
    expect(
      (await sitooRest(sim, 'POST', '/warehousetransactions.json', [{ ...ok, items: tooMany.slice(0, 1_000) }])).status,
    ).toBe(200);
    expect(sim.state.transactions()).toHaveLength(1);
    expect(sim.pos.getStock(STORE, 'SKU-A')).toBe(10);
  });
});

describe('Sitoo stock levels, reservations and Virtual warehouses', () => {
  it('reads on hand and reserved per SKU; a reservation is neither a transaction nor an event', async () => {
    const { sim, client } = await setup();
    sim.pos.setReserved(STORE, 'SKU-A', 3);
    expect(sim.pos.getReserved(STORE, 'SKU-A')).toBe(3);
    expect(sim.state.getReserved(STORE, 'SKU-A')).toBe(3);
    expect(await client.getWarehouseLevels(STORE, ['SKU-A', 'SKU-B', 'SKU-NOPE'])).toEqual(
      new Map([
        ['SKU-A', { onHand: 10, reserved: 3 }],
        ['SKU-B', { onHand: 5, reserved: 0 }],
      ]),
    );
    expect((await client.getWarehouseLevels(STORE)).size).toBe(2);
    const items = await sitooRest(sim, 'GET', `/warehouses/${STORE}/warehouseitems.json?sku=SKU-A`);
    expect(items.body).toMatchObject({
      totalcount: 1,
      items: [{ decimaltotal: '10.000', decimalreserved: '3.000', decimalavailable: '7.000' }],
    });
    expect(sim.state.transactions()).toHaveLength(0);
    expect(sim.events.stats.enqueued).toBe(0);
  });

  it('writes absolute levels on a Virtual warehouse, and refuses decimaltotal on a FIFO one', async () => {
    const { sim } = await setup();
    const warehouses = await sitooRest(sim, 'GET', '/warehouses.json?fields=warehouseid,warehousetype');
    expect((warehouses.body as { items: unknown[] }).items).toEqual([
      { warehouseid: STORE, warehousetype: 10 },
      { warehouseid: OTHER_STORE, warehousetype: 10 },
      { warehouseid: VIRTUAL, warehousetype: 20 },
    ]);

    const put = await sitooRest(sim, 'PUT', `/warehouses/${VIRTUAL}/warehouseitems.json`, [
      { sku: 'SKU-A', decimaltotal: '42.000' },
      { sku: 'SKU-NEW', decimaltotal: '7.500', binlocation: 'A-1' },
    ]);
    expect(put).toEqual({
      status: 200,
      body: [
        { statuscode: 200, return: true },
        { statuscode: 200, return: true },
      ],
    });
    expect([sim.state.getStock(VIRTUAL, 'SKU-A'), sim.state.getStock(VIRTUAL, 'SKU-NEW')]).toEqual([42, 7.5]);

    const fifo = await sitooRest(sim, 'PUT', `/warehouses/${STORE}/warehouseitems.json`, [
      { sku: 'SKU-A', decimaltotal: '1.000' },
    ]);
    expect(fifo).toMatchObject({
      status: 400,
      body: { errortext: expect.stringMatching(/decimaltotal is only writable on Virtual warehouses/) },
    });
    expect(sim.state.getStock(STORE, 'SKU-A')).toBe(10);
    expect(
      await sitooRest(sim, 'PUT', `/warehouses/${STORE}/warehouseitems.json`, [
        { sku: 'SKU-A', binlocation: 'B-2', decimalthreshold: '3.000' },
      ]),
    ).toMatchObject({ status: 200 });
    expect(
      await sitooRest(sim, 'PUT', `/warehouses/999/warehouseitems.json`, [{ sku: 'SKU-A', binlocation: 'B-2' }]),
    ).toMatchObject({ status: 404 });
    // Sitoo keeps no transaction log for Virtual writes.
    expect(sim.state.transactions()).toHaveLength(0);
    expect(sim.events.stats.enqueued).toBe(0);
  });

  it('round-trips setVirtualWarehouseStock in chunks, and names the SKU of a refused row', async () => {
    const { sim, client } = await setup();
    const levels = Array.from({ length: 1_200 }, (_, i) => ({ sku: `V-${i}`, onHand: i / 2 }));
    await client.setVirtualWarehouseStock(VIRTUAL, levels);
    const read = await client.getWarehouseLevels(VIRTUAL);
    expect(read.size).toBe(1_201); // the seeded SKU-A too
    expect(read.get('V-1199')).toEqual({ onHand: 599.5, reserved: 0 });
    expect(levels.every((l) => read.get(l.sku)?.onHand === l.onHand)).toBe(true);
    expect(sim.state.requestLog.filter((r) => r.method === 'PUT')).toHaveLength(3); // 500 + 500 + 200

    // toFixed(3) of a number this large is exponent notation, which Sitoo's decimal type refuses per row.
    const err = await rejectionOf(
      client.setVirtualWarehouseStock(VIRTUAL, [
        { sku: 'FINE', onHand: 1 },
        { sku: 'HUGE-1', onHand: 1e21 },
      ]),
    );
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ status: 400, code: 'BatchItemRejected' });
    expect(err.message).toContain('HUGE-1');
    expect(sim.state.getStock(VIRTUAL, 'FINE')).toBe(1);

    expect(await rejectionOf(client.setVirtualWarehouseStock(STORE, [{ sku: 'SKU-A', onHand: 1 }]))).toMatchObject({
      name: 'PermanentError',
      status: 400,
    });
    expect(sim.state.transactions()).toHaveLength(0);
  });
});
