import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SitooClient } from '../../src/connectors/sitoo/client';
import { basicAuth, PermanentError, TransientError } from '../../src/connectors/http';
import { startSitooSimulator, type SitooSimulator, type SitooSimulatorOptions } from '../../src/simulators/sitoo';
import { rejectionOf } from '../support/rejection';

const API = { apiId: '10020-140', apiPassword: 'pw-Very$ecret-42' };
const WAREHOUSE = 43;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(opts: Partial<SitooSimulatorOptions> = {}): Promise<{ sim: SitooSimulator; client: SitooClient }> {
  const sim = await startSitooSimulator({ ...API, ...opts });
  cleanups.push(() => sim.close());
  sim.pos.seedWarehouse({
    warehouseId: WAREHOUSE,
    name: 'Stockholm Drottninggatan',
    storeId: 7,
    stock: { 'SKU-A': 10, 'SKU-B': 5 },
  });
  const client = new SitooClient({
    baseUrl: sim.url,
    accountId: sim.accountId,
    eshopId: sim.eshopId,
    ...API,
    timeoutMs: 2_000,
  });
  return { sim, client };
}

/** Retries an assertion until it holds or the deadline passes (the deadline failure is the last assertion error). */
async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const sale = (sim: SitooSimulator, quantity = 1, paymentStateId?: number) =>
  sim.pos.recordSale({
    warehouseId: WAREHOUSE,
    paymentStateId,
    lines: [{ sku: 'SKU-A', productName: 'Shirt', quantity, unitPriceGross: '99.00', vatPercent: 25 }],
  });

describe('SitooClient against the simulator', () => {
  it('maps an order to the domain, gross unit prices computed in integer cents', async () => {
    const { sim, client } = await setup();
    const recorded = sim.pos.recordSale({
      warehouseId: WAREHOUSE,
      lines: [
        { sku: 'SKU-A', productName: 'Shirt', quantity: 3, unitPriceGross: '99.00', vatPercent: 25 },
        { sku: 'SKU-B', quantity: 7, unitPriceGross: '0.10', vatPercent: 12 },
        { sku: 'SKU-C', productName: 'Socks', quantity: 1, unitPriceGross: '19.99', vatPercent: 6 },
      ],
    });
    const wire = sim.state.getOrder(recorded.orderId)!;
    expect(wire.orderitems[0]).toMatchObject({
      moneyitemtotal_net: '237.60',
      moneyitemtotal_vat: '59.40',
      moneynetpriceperunit: '79.20',
      vatvalue: 25,
    });
    expect(wire.orderitems[1]).toMatchObject({ moneyitemtotal_net: '0.63', moneyitemtotal_vat: '0.07' });

    const order = await client.getOrder(recorded.orderId);
    expect(order).toEqual(recorded);
    expect(order?.lines.map((l) => l.unitPriceGrossCents)).toEqual([9900, 10, 1999]);
    expect(order?.payments).toEqual([{ name: 'Card', amountCents: 31769 }]);
    expect(order).toMatchObject({
      warehouseId: WAREHOUSE,
      paymentStateId: 20,
      orderStateId: 10,
      currencyCode: 'SEK',
      externalId: null,
      creditOrderId: null,
    });
  });

  it('rounds a row total that does not divide evenly, and maps refunds with positive unit prices', async () => {
    const { sim, client } = await setup();
    const id = await client.createOrder({
      ordertypeid: 10,
      paymentstateid: 20,
      externalid: 'WEB-1001',
      warehouseid: WAREHOUSE,
      orderitems: [{ productname: 'Bundle', sku: 'SKU-A', quantity: 3, moneyrowprice: '100.00', vatvalue: 25 }],
      payments: [{ name: 'Web Card', moneyamount: '100.00' }],
    });
    const web = await client.getOrder(id);
    expect(web?.lines[0]?.unitPriceGrossCents).toBe(3333);
    expect(web?.externalId).toBe('WEB-1001');

    const original = sale(sim, 2);
    const refund = sim.pos.recordSale({
      warehouseId: WAREHOUSE,
      creditOrderId: original.orderId,
      lines: [{ sku: 'SKU-A', quantity: -1, unitPriceGross: '99.00', vatPercent: 25 }],
    });
    const mapped = await client.getOrder(refund.orderId);
    expect(mapped?.creditOrderId).toBe(original.orderId);
    expect(mapped?.lines[0]).toMatchObject({ quantity: -1, unitPriceGrossCents: 9900 });
    expect(mapped?.payments[0]?.amountCents).toBe(-9900);
    expect(sim.pos.getStock(WAREHOUSE, 'SKU-A')).toBe(10 - 2 + 1);
  });

  it('answers undefined for a missing order', async () => {
    const { client } = await setup();
    expect(await client.getOrder(999_999)).toBeUndefined();
  });

  it('refuses a wrong password with a PermanentError 401 that does not leak the password', async () => {
    const { sim } = await setup();
    const wrong = 'Wrong-Pa55-guess';
    const bad = new SitooClient({
      baseUrl: sim.url,
      accountId: sim.accountId,
      eshopId: sim.eshopId,
      apiId: API.apiId,
      apiPassword: wrong,
    });
    const err = await rejectionOf(bad.getOrder(1001));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).status).toBe(401);
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain(basicAuth(API.apiId, wrong).slice(6));

    const otherAccount = new SitooClient({ baseUrl: sim.url, accountId: 4242, eshopId: sim.eshopId, ...API });
    expect(await rejectionOf(otherAccount.listOrdersFrom(0, 10))).toMatchObject({
      name: 'PermanentError',
      status: 404,
    });
  });

  it('pages through orders with an ascending orderid cursor', async () => {
    const { sim, client } = await setup();
    const ids = Array.from({ length: 25 }, () => sale(sim).orderId);
    const seen: number[] = [];
    const pageSizes: number[] = [];
    let cursor = 0;
    for (;;) {
      const page = await client.listOrdersFrom(cursor, 10);
      if (seen.length === 0) expect(page.totalCount).toBe(25);
      if (page.orders.length === 0) break;
      pageSizes.push(page.orders.length);
      seen.push(...page.orders.map((o) => o.orderId));
      cursor = page.orders.at(-1)!.orderId + 1;
    }
    expect(pageSizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(ids);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('reads warehouse stock, moved by till sales, for some or all SKUs', async () => {
    const { sim, client } = await setup();
    sale(sim, 3);
    expect(await client.getWarehouseStock(WAREHOUSE, ['SKU-A', 'SKU-NOPE'])).toEqual(new Map([['SKU-A', 7]]));
    expect(await client.getWarehouseStock(WAREHOUSE)).toEqual(
      new Map([
        ['SKU-A', 7],
        ['SKU-B', 5],
      ]),
    );

    const big = Object.fromEntries(Array.from({ length: 1_234 }, (_, i) => [`BULK-${i}`, i]));
    sim.pos.seedWarehouse({ warehouseId: 50, name: 'Central', stock: big });
    const all = await client.getWarehouseStock(50);
    expect(all.size).toBe(1_234);
    expect(all.get('BULK-1233')).toBe(1_233);
    expect(sim.state.getStock(50, 'BULK-7')).toBe(7);
  });

  it('turns a 429 into a TransientError carrying Retry-After', async () => {
    const { sim, client } = await setup();
    sim.faults.set({ throttleRate: 1, retryAfterSeconds: 2 });
    const err = await rejectionOf(client.getOrder(1001));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ status: 429, retryAfterMs: 2_000 });
  });

  it('turns a 500 into a TransientError', async () => {
    const { sim, client } = await setup();
    sim.faults.set({ errorRate: 1 });
    const err = await rejectionOf(client.listOrdersFrom(0, 10));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ status: 500 });
    expect(err.message).toContain('Internal Server Error');
  });

  it('fails with 503 during an outage window and recovers after it', async () => {
    const { sim, client } = await setup();
    const { orderId } = sale(sim);
    sim.faults.set({ outage: { from: Date.now(), until: Date.now() + 300 } });
    expect(await rejectionOf(client.getOrder(orderId))).toMatchObject({ name: 'TransientError', status: 503 });
    const order = await eventually(() => client.getOrder(orderId), 3_000);
    expect(order?.orderId).toBe(orderId);
    expect(sim.faults.counters.outages).toBeGreaterThanOrEqual(1);
  });

  it('applies a PUT whose response is lost, while the client sees a TransientError', async () => {
    const { sim, client } = await setup();
    const { orderId } = sale(sim, 1, 10);
    sim.faults.set({ lostResponseRate: 1 });
    // First lost response is a dropped socket, the second a 502 from the "gateway".
    expect(await rejectionOf(client.updateOrder(orderId, { paymentstateid: 20 }))).toBeInstanceOf(TransientError);
    expect(sim.state.getOrder(orderId)?.paymentstateid).toBe(20);
    expect(await rejectionOf(client.updateOrder(orderId, { orderstateid: 10 }))).toMatchObject({
      name: 'TransientError',
      status: 502,
    });
    expect(sim.state.getOrder(orderId)?.orderstateid).toBe(10);

    // A lost create is found again by its externalid, and a blind retry is refused as a duplicate.
    const body = {
      ordertypeid: 10,
      externalid: 'WEB-LOST-1',
      orderitems: [{ productname: 'Shirt', sku: 'SKU-A', quantity: 1, moneyrowprice: '99.00', vatvalue: 25 }],
    };
    expect(await rejectionOf(client.createOrder(body))).toBeInstanceOf(TransientError);
    sim.faults.reset();
    const found = await client.findOrderByExternalId('WEB-LOST-1');
    expect(found?.lines[0]?.unitPriceGrossCents).toBe(9900);
    expect(await rejectionOf(client.createOrder(body))).toMatchObject({ name: 'PermanentError', status: 400 });
    expect(await client.getOrder(orderId)).toMatchObject({ paymentStateId: 20, orderStateId: 10 });
  });

  it('refuses writes to read-only order fields with a 400', async () => {
    const { sim, client } = await setup();
    const { orderId } = sale(sim);
    const err = await rejectionOf(client.updateOrder(orderId, { moneytotal_net: '1.00' }));
    expect(err).toMatchObject({ name: 'PermanentError', status: 400 });
    expect(await rejectionOf(client.updateOrder(1, { comment: 'x' }))).toMatchObject({ status: 404 });
  });
});

// ---- Events SPI -------------------------------------------------------------------------------

interface Delivery {
  path: string;
  auth: string | undefined;
  events: Array<Record<string, unknown>>;
}

/** A webhook receiver; `respond` decides per request (1-based) what to answer, 'hang' = never answer. */
async function startReceiver(respond: (n: number) => number | 'hang' = () => 200) {
  const received: Delivery[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        auth: req.headers.authorization,
        events: JSON.parse(body) as Delivery['events'],
      });
      const answer = respond(received.length);
      if (answer === 'hang') return;
      res.writeHead(answer);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.unshift(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url, received };
}

const seqs = (d: Delivery | undefined) => d?.events.map((e) => e.seq);
const raw = (sim: SitooSimulator, n: number) => {
  for (let seq = 0; seq < n; seq++) sim.events.enqueueRaw({ event_type: 'test', seq });
};

describe('Sitoo Events SPI delivery', () => {
  it('posts order events in batches of at most 10, in order, with our Basic auth', async () => {
    const { sim } = await setup({ events: { username: 'hook', password: 'hook-pw' } });
    const receiver = await startReceiver();
    const ids = Array.from({ length: 23 }, () => sale(sim).orderId);
    sim.events.setReceiver({ url: receiver.url, username: 'hook', password: 'hook-pw' });
    sim.events.start();
    await sim.events.waitUntilDrained(5_000);

    // Each sale is an order event and then its warehouse-transaction event: 46 in all.
    expect(receiver.received.map((d) => d.events.length)).toEqual([10, 10, 10, 10, 6]);
    expect(receiver.received.every((d) => d.path === '/events' && d.auth === basicAuth('hook', 'hook-pw'))).toBe(true);
    const events = receiver.received.flatMap((d) => d.events);
    expect(
      events.filter((e) => e.event_type === 'order').map((e) => (e.data as { order_id: number }).order_id),
    ).toEqual(ids);
    expect(events[0]).toEqual({
      event_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      event_type: 'order',
      event_date: expect.any(Number),
      account_id: 10020,
      data: { eshop_id: 1, order_id: ids[0], warehouse_id: WAREHOUSE, order_event_type: 'add' },
    });
    expect(sim.events.stats).toMatchObject({
      enqueued: 46,
      delivered: 46,
      batchesSent: 5,
      attempts: 5,
      failedAttempts: 0,
      dropped: 0,
    });
  });

  it('emits update events on payment and order state changes, not on other edits', async () => {
    const { sim, client } = await setup();
    const receiver = await startReceiver();
    const { orderId } = sale(sim, 1, 10);
    sim.pos.setPaymentState(orderId, 20);
    await client.updateOrder(orderId, { comment: 'no event for this' });
    await client.updateOrder(orderId, { orderstateid: 20 });
    sim.events.setReceiver({ url: receiver.url });
    sim.events.start();
    await sim.events.waitUntilDrained(5_000);
    const data = receiver.received
      .flatMap((d) => d.events)
      .filter((e) => e.event_type === 'order')
      .map((e) => e.data);
    expect(data).toEqual([
      { eshop_id: 1, order_id: orderId, warehouse_id: WAREHOUSE, order_event_type: 'add' },
      { eshop_id: 1, order_id: orderId, warehouse_id: WAREHOUSE, order_event_type: 'update' },
      {
        eshop_id: 1,
        order_id: orderId,
        warehouse_id: WAREHOUSE,
        order_event_type: 'update',
        order_state_changed: 'cancelled',
      },
    ]);
    expect(receiver.received[0]?.auth).toBeUndefined();
  });

  it('sends nothing until started with a receiver; waitUntilDrained rejects at its deadline', async () => {
    const { sim } = await setup();
    const receiver = await startReceiver();
    sim.events.enqueueRaw({ event_type: 'z-report', anything: ['goes'] });
    await expect(sim.events.waitUntilDrained(100)).rejects.toThrow(/not drained within 100 ms/);
    sim.events.start();
    await expect(sim.events.waitUntilDrained(100)).rejects.toThrow(/1 pending/);
    expect(receiver.received).toHaveLength(0);
    sim.events.setReceiver({ url: receiver.url });
    await sim.events.waitUntilDrained(5_000);
    expect(receiver.received[0]?.events).toEqual([{ event_type: 'z-report', anything: ['goes'] }]);
  });

  it('retries the same batch on 503 and 429, holding back later events (head-of-line)', async () => {
    const { sim } = await setup({ events: { retryDelaysMs: [30, 60] } });
    const receiver = await startReceiver((n) => (n === 1 ? 503 : n === 2 ? 429 : 200));
    raw(sim, 12);
    sim.events.setReceiver({ url: receiver.url });
    sim.events.start();
    await sim.events.waitUntilDrained(5_000);
    const first = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(receiver.received.map(seqs)).toEqual([first, first, first, [10, 11]]);
    expect(sim.events.stats).toMatchObject({
      delivered: 12,
      batchesSent: 2,
      attempts: 4,
      failedAttempts: 2,
      dropped: 0,
    });
  });

  it('treats a receiver that does not answer within timeoutMs as a failure and re-sends', async () => {
    const { sim } = await setup({ events: { timeoutMs: 200, retryDelaysMs: [10] } });
    const receiver = await startReceiver((n) => (n === 1 ? 'hang' : 200));
    raw(sim, 2);
    sim.events.setReceiver({ url: receiver.url });
    sim.events.start();
    await sim.events.waitUntilDrained(5_000);
    expect(receiver.received.map(seqs)).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(sim.events.stats).toMatchObject({ delivered: 2, failedAttempts: 1 });
  });

  it('drops a batch the receiver refuses with 400 and carries on', async () => {
    const { sim } = await setup();
    const receiver = await startReceiver((n) => (n === 1 ? 400 : 200));
    raw(sim, 12);
    sim.events.setReceiver({ url: receiver.url });
    sim.events.start();
    await sim.events.waitUntilDrained(5_000);
    expect(receiver.received.map(seqs)).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11],
    ]);
    expect(sim.events.stats).toMatchObject({ delivered: 2, dropped: 10, attempts: 2 });
    expect(sim.events.droppedBatches[0]?.reason).toMatch(/400/);
  });

  it('drops a batch after maxAttempts of transient failures', async () => {
    const { sim } = await setup({ events: { maxAttempts: 3, retryDelaysMs: [10] } });
    let healthy = false;
    const receiver = await startReceiver(() => (healthy ? 200 : 500));
    raw(sim, 3);
    sim.events.setReceiver({ url: receiver.url });
    sim.events.start();
    await sim.events.waitUntilDrained(5_000);
    expect(receiver.received).toHaveLength(3);
    expect(sim.events.stats).toMatchObject({ delivered: 0, dropped: 3, attempts: 3, failedAttempts: 3 });
    expect(sim.events.droppedBatches[0]?.reason).toMatch(/gave up after 3 attempts/);
    healthy = true;
    sim.events.enqueueRaw({ seq: 99 });
    await sim.events.waitUntilDrained(5_000);
    expect(seqs(receiver.received.at(-1))).toEqual([99]);
  });

  it('delivers each acknowledged batch twice with duplicateRate=1 (at-least-once)', async () => {
    const { sim } = await setup({ events: { duplicateRate: 1 } });
    const receiver = await startReceiver();
    raw(sim, 15);
    sim.events.setReceiver({ url: receiver.url });
    sim.events.start();
    await sim.events.waitUntilDrained(5_000);
    const first = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(receiver.received.map(seqs)).toEqual([first, first, [10, 11, 12, 13, 14], [10, 11, 12, 13, 14]]);
    expect(sim.events.stats).toMatchObject({ delivered: 15, batchesSent: 2, duplicatesSent: 2, attempts: 4 });
  });
});
