import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type SitooClient } from '../../src/connectors/sitoo/client';
import type { NewSitooOrder } from '../../src/connectors/sitoo/port';
import { PermanentError, TransientError } from '../../src/connectors/http';
import type { SitooSimulator } from '../../src/simulators/sitoo';
import { rejectionOf } from '../support/rejection';
import { OTHER_STORE, sitooFixture, sitooRest, STORE } from '../support/sitoo';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  while (cleanups.length) await cleanups.pop()!();
});

const setup = sitooFixture();

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A paid click & collect web order for STORE: 2 x SKU-A at 399.00 and 1 x SKU-C (never stocked there) at 100.00. */
const webOrder = (externalId: string, overrides: Partial<NewSitooOrder> = {}): NewSitooOrder => ({
  externalId,
  warehouseId: STORE,
  paymentStateId: 20,
  currencyCode: 'SEK',
  lines: [
    { sku: 'SKU-A', productName: 'Shirt', quantity: 2, rowGrossCents: 79800, vatPercent: 25 },
    { sku: 'SKU-C', productName: 'Cap', quantity: 1, rowGrossCents: 10000, vatPercent: 25 },
  ],
  payments: [{ name: 'Web Card', amountCents: 89800, externalId: `psp-${externalId}` }],
  reservedUntil: nowSeconds() + 3600,
  additionalData: { weborder: 'true', 'weborder-bopis': 'true' },
  ...overrides,
});

type Delivered = Array<{ event_id: string; event_type: string; data: Record<string, unknown> }>;

const receivers = new WeakMap<SitooSimulator, Delivered>();

/** Delivers everything queued so far to this sim's receiver and returns the events not returned before, in order. */
async function deliveredEvents(sim: SitooSimulator): Promise<Delivered> {
  let received = receivers.get(sim);
  if (!received) {
    received = await startReceiver(sim);
    receivers.set(sim, received);
  }
  await sim.events.waitUntilDrained(5_000);
  return received.splice(0);
}

async function startReceiver(sim: SitooSimulator): Promise<Delivered> {
  const received: Delivered = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push(...(JSON.parse(body) as Delivered));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.unshift(() => new Promise<void>((resolve) => server.close(() => resolve())));
  sim.events.setReceiver({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  sim.events.start();
  return received;
}

const orderEvents = (events: Delivered) => events.filter((e) => e.event_type === 'order').map((e) => e.data);
const reserved = async (client: SitooClient, warehouseId: number, sku: string) =>
  (await client.getWarehouseLevels(warehouseId, [sku])).get(sku)?.reserved;
const requests = (sim: SitooSimulator, method: string, path: RegExp) =>
  sim.state.requestLog.filter((r) => r.method === method && path.test(r.path)).length;

describe('Sitoo web orders (click & collect)', () => {
  it('creates a pickup order found again by its external id, with no delivery address and no stock moved', async () => {
    const { sim, client } = await setup();
    const input = webOrder('WEB-1001');
    const orderId = await client.createOrder(input);

    const wire = sim.state.getOrder(orderId)!;
    expect(wire).toMatchObject({
      ordertypeid: 10,
      orderstateid: 0,
      paymentstateid: 20,
      warehouseid: STORE,
      externalid: 'WEB-1001',
      datereserved: input.reservedUntil,
      currencycode: 'SEK',
    });
    expect(Object.keys(wire).filter((k) => k.startsWith('delivery_'))).toEqual([]);
    expect(wire.orderitems.map((i) => [i.sku, i.quantity, i.moneyitemtotal_net, i.moneyitemtotal_vat])).toEqual([
      ['SKU-A', 2, '638.40', '159.60'],
      ['SKU-C', 1, '80.00', '20.00'],
    ]);
    expect(wire.payments).toEqual([
      { name: 'Web Card', moneyamount: '898.00', externalid: 'psp-WEB-1001', additionaldata: {} },
    ]);

    expect(await client.findOrderByExternalId('WEB-1001')).toEqual({
      orderId,
      eshopId: sim.eshopId,
      warehouseId: STORE,
      orderStateId: 0,
      paymentStateId: 20,
      orderDate: wire.orderdate,
      currencyCode: 'SEK',
      externalId: 'WEB-1001',
      creditOrderId: null,
      reservedUntil: input.reservedUntil,
      additionalData: { weborder: 'true', 'weborder-bopis': 'true' },
      lines: [
        {
          sku: 'SKU-A',
          productName: 'Shirt',
          quantity: 2,
          unitPriceGrossCents: 39900,
          vatPercent: 25,
          grossCents: 79800,
        },
        {
          sku: 'SKU-C',
          productName: 'Cap',
          quantity: 1,
          unitPriceGrossCents: 10000,
          vatPercent: 25,
          grossCents: 10000,
        },
      ],
      payments: [{ name: 'Web Card', amountCents: 89800 }],
    });
    expect(await client.findOrderByExternalId('WEB-NOPE')).toBeUndefined();
    expect((await client.getOrder(orderId))?.additionalData).toEqual({ weborder: 'true', 'weborder-bopis': 'true' });

    // A reservation is not a stock movement: no transaction, only the order's own add event.
    expect(sim.state.transactions()).toHaveLength(0);
    expect(sim.pos.getStock(STORE, 'SKU-A')).toBe(10);
    const events = await deliveredEvents(sim);
    expect(events.map((e) => e.event_type)).toEqual(['order']);
    expect(events[0]?.data).toEqual({
      eshop_id: sim.eshopId,
      order_id: orderId,
      warehouse_id: STORE,
      order_event_type: 'add',
    });
  });

  it('refuses a duplicate external id with a PermanentError naming the order that holds it', async () => {
    const { sim, client } = await setup();
    const first = await client.createOrder(webOrder('WEB-DUP'));
    const err = await rejectionOf(client.createOrder(webOrder('WEB-DUP', { warehouseId: OTHER_STORE })));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ status: 400, code: 'DuplicateExternalId' });
    expect(err.message).toContain('WEB-DUP');
    expect(err.message).toContain(String(first));
    expect([...sim.state.orders.values()].filter((o) => o.externalid === 'WEB-DUP')).toHaveLength(1);

    const raw = await sitooRest(sim, 'POST', '/orders.json', {
      ordertypeid: 10,
      externalid: 'WEB-DUP',
      orderitems: [],
    });
    expect(raw).toEqual({
      status: 400,
      body: { statuscode: 400, errortext: `externalid WEB-DUP is already used by order ${first}` },
    });
  });

  it('refuses an invalid order before sending it', async () => {
    const { sim, client } = await setup();
    const before = sim.state.requestLog.length;
    const badId = await rejectionOf(client.createOrder(webOrder('WEB 1001')));
    expect(badId).toMatchObject({ name: 'PermanentError', code: 'InvalidInput' });
    expect(badId.message).toContain('externalid');
    const badPrice = await rejectionOf(
      client.createOrder(
        webOrder('WEB-1', {
          lines: [{ sku: 'SKU-A', productName: 'Shirt', quantity: 1, rowGrossCents: 3.5, vatPercent: 25 }],
        }),
      ),
    );
    expect(badPrice.message).toContain('lines.0.rowGrossCents');
    const noLines = await rejectionOf(client.createOrder(webOrder('WEB-2', { lines: [] })));
    expect(noLines.message).toContain('orderitems');
    expect(await rejectionOf(client.findOrderByExternalId('A,B'))).toMatchObject({ code: 'InvalidInput' });
    expect(sim.state.requestLog.length).toBe(before);
  });
});

describe('Sitoo reservations', () => {
  it('raises reserved while the order is open, on top of a hand-set reservation, and collecting releases it and books a Sales transaction', async () => {
    const { sim, client } = await setup();
    sim.pos.setReserved(STORE, 'SKU-A', 1);
    const orderId = await client.createOrder(webOrder('WEB-COLLECT'));

    expect(await client.getWarehouseLevels(STORE, ['SKU-A', 'SKU-B', 'SKU-C'])).toEqual(
      new Map([
        ['SKU-A', { onHand: 10, reserved: 3 }],
        ['SKU-B', { onHand: 5, reserved: 0 }],
        // Never stocked in this store, yet listed, so the shortfall shows.
        ['SKU-C', { onHand: 0, reserved: 1 }],
      ]),
    );
    const { items } = (await sitooRest(sim, 'GET', `/warehouses/${STORE}/warehouseitems.json?sku=SKU-A`)).body as {
      items: Array<Record<string, string>>;
    };
    expect(items[0]).toMatchObject({ decimaltotal: '10.000', decimalreserved: '3.000', decimalavailable: '7.000' });
    expect(await reserved(client, OTHER_STORE, 'SKU-A')).toBe(0);
    await deliveredEvents(sim);

    sim.pos.collect(orderId);
    expect(sim.state.getOrder(orderId)?.orderstateid).toBe(10);
    expect(await client.getWarehouseLevels(STORE, ['SKU-A', 'SKU-C'])).toEqual(
      new Map([
        ['SKU-A', { onHand: 8, reserved: 1 }],
        ['SKU-C', { onHand: -1, reserved: 0 }],
      ]),
    );
    const [tx] = await client.listWarehouseTransactions({ idFrom: 1 });
    expect(tx).toMatchObject({
      warehouseId: STORE,
      type: 30,
      kind: 'sale',
      items: [
        { sku: 'SKU-A', quantity: -2, levelAfter: 8 },
        { sku: 'SKU-C', quantity: -1, levelAfter: -1 },
      ],
    });
    const events = await deliveredEvents(sim);
    expect(events.map((e) => e.event_type)).toEqual(['order', 'warehouse-transaction']);
    expect(events[0]?.data).toEqual({
      eshop_id: sim.eshopId,
      order_id: orderId,
      warehouse_id: STORE,
      order_event_type: 'update',
      order_state_changed: 'closed',
    });
    expect(events[1]?.data).toEqual({
      eshop_id: sim.eshopId,
      warehouse_id: STORE,
      warehouse_transaction_id: tx!.transactionId,
    });
    expect(() => sim.pos.collect(orderId)).toThrow(/not open/);
  });

  it('releases the reservation on cancel (REST or store) and when datereserved passes', async () => {
    const { sim, client } = await setup();
    const viaRest = await client.createOrder(webOrder('WEB-C1'));
    const inStore = await client.createOrder(webOrder('WEB-C2'));
    const expiring = await client.createOrder(webOrder('WEB-C3'));
    expect(await reserved(client, STORE, 'SKU-A')).toBe(6);

    await client.cancelOrder(viaRest);
    sim.pos.cancelFromStore(inStore);
    expect(sim.state.getOrder(inStore)?.orderstateid).toBe(20);
    expect(await reserved(client, STORE, 'SKU-A')).toBe(2);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 3601_000);
    expect(await reserved(client, STORE, 'SKU-A')).toBe(0);
    expect(sim.state.getOrder(expiring)?.orderstateid).toBe(0); // Sitoo releases the stock but leaves the order to us
    vi.useRealTimers();
    expect(await reserved(client, STORE, 'SKU-A')).toBe(2);

    // An order reserving until a time already past, or a paid order created closed, holds nothing.
    await client.createOrder(webOrder('WEB-PAST', { reservedUntil: nowSeconds() - 1 }));
    await client.createOrder(webOrder('WEB-CLOSED', { orderStateId: 10 }));
    await client.createOrder(webOrder('WEB-NORES', { reservedUntil: undefined }));
    expect(await reserved(client, STORE, 'SKU-A')).toBe(2);
    expect(sim.state.transactions()).toHaveLength(0);

    const cancelled = orderEvents(await deliveredEvents(sim)).filter((d) => d.order_event_type === 'update');
    expect(cancelled).toEqual([
      {
        eshop_id: sim.eshopId,
        order_id: viaRest,
        warehouse_id: STORE,
        order_event_type: 'update',
        order_state_changed: 'cancelled',
      },
      {
        eshop_id: sim.eshopId,
        order_id: inStore,
        warehouse_id: STORE,
        order_event_type: 'update',
        order_state_changed: 'cancelled',
      },
    ]);
  });
});

describe('Sitoo order cancel', () => {
  it('is idempotent: an already cancelled order is success, with no second write and no second event', async () => {
    const { sim, client } = await setup();
    const orderId = await client.createOrder(webOrder('WEB-IDEM'));
    await client.cancelOrder(orderId);
    const puts = requests(sim, 'PUT', /\/orders\/\d+\.json$/);
    await client.cancelOrder(orderId);
    expect(requests(sim, 'PUT', /\/orders\/\d+\.json$/)).toBe(puts);
    expect(orderEvents(await deliveredEvents(sim)).filter((d) => d.order_event_type === 'update')).toHaveLength(1);

    // A lost response: applied, the client sees a TransientError, and the retry succeeds.
    const lost = await client.createOrder(webOrder('WEB-LOST'));
    sim.faults.set({ lostResponseRate: 1 });
    expect(await rejectionOf(client.cancelOrder(lost))).toBeInstanceOf(TransientError);
    sim.faults.reset();
    expect(sim.state.getOrder(lost)?.orderstateid).toBe(20);
    await client.cancelOrder(lost);
  });

  it('refuses to cancel a closed (collected) order, in the simulator and in the connector', async () => {
    const { sim, client } = await setup();
    const orderId = await client.createOrder(webOrder('WEB-CLOSED'));
    sim.pos.collect(orderId);

    const raw = await sitooRest(sim, 'PUT', `/orders/${orderId}.json`, { orderstateid: 20 });
    expect(raw).toEqual({
      status: 400,
      body: {
        statuscode: 400,
        errortext: `order ${orderId} is closed (collected) and cannot be cancelled; refund it instead`,
      },
    });
    const err = await rejectionOf(client.cancelOrder(orderId));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code: 'OrderClosed' });
    expect(err.message).toContain(`cannot cancel Sitoo order ${orderId}: it is closed`);
    expect(sim.state.getOrder(orderId)?.orderstateid).toBe(10);
    expect(() => sim.pos.cancelFromStore(orderId)).toThrow(/not open/);

    expect(await rejectionOf(client.cancelOrder(999_999))).toMatchObject({
      name: 'PermanentError',
      status: 404,
      code: 'OrderNotFound',
    });
    const cancelled = await client.createOrder(webOrder('WEB-CANCELLED'));
    await client.cancelOrder(cancelled);
    expect(await sitooRest(sim, 'PUT', `/orders/${cancelled}.json`, { orderstateid: 0 })).toMatchObject({
      status: 400,
    });
  });
});

describe('Sitoo pickup steps', () => {
  it('marks ready and rejected from the till as order log items with their events', async () => {
    const { sim, client } = await setup();
    const orderId = await client.createOrder(webOrder('WEB-PICK'));
    await deliveredEvents(sim);

    sim.pos.markReadyForPickup(orderId);
    sim.pos.rejectPickup(orderId);
    expect(sim.state.getOrder(orderId)?.orderlogitems).toEqual([
      { datelog: expect.any(Number), orderid: orderId, orderlogtypeid: 900, strvalue: null, fvalue: null },
      { datelog: expect.any(Number), orderid: orderId, orderlogtypeid: 910, strvalue: null, fvalue: null },
    ]);
    expect((await sitooRest(sim, 'GET', `/orders/${orderId}/orderlogitems.json`)).body).toMatchObject({
      totalcount: 2,
      items: [{ orderlogtypeid: 900 }, { orderlogtypeid: 910 }],
    });
    // Rejected is not cancelled: the order stays open and keeps its stock until the integration decides.
    expect(sim.state.getOrder(orderId)?.orderstateid).toBe(0);
    expect(await reserved(client, STORE, 'SKU-A')).toBe(2);

    sim.pos.cancelFromStore(orderId);
    expect(orderEvents(await deliveredEvents(sim))).toEqual([
      { eshop_id: sim.eshopId, order_id: orderId, warehouse_id: STORE, order_event_type: 'ready-for-pickup' },
      { eshop_id: sim.eshopId, order_id: orderId, warehouse_id: STORE, order_event_type: 'pickup-rejected' },
      {
        eshop_id: sim.eshopId,
        order_id: orderId,
        warehouse_id: STORE,
        order_event_type: 'update',
        order_state_changed: 'cancelled',
      },
    ]);
    expect(() => sim.pos.markReadyForPickup(orderId)).toThrow(/not open/);
  });

  it('adds log items over REST, once per step even when a response is lost, and only 900/910 on open orders', async () => {
    const { sim, client } = await setup();
    const orderId = await client.createOrder(webOrder('WEB-LOG'));
    await deliveredEvents(sim);

    sim.faults.set({ lostResponseRate: 1 });
    expect(await rejectionOf(client.addOrderLog(orderId, 900))).toBeInstanceOf(TransientError);
    sim.faults.reset();
    await client.addOrderLog(orderId, 900);
    expect(sim.state.getOrder(orderId)?.orderlogitems.map((l) => l.orderlogtypeid)).toEqual([900]);
    await client.addOrderLog(orderId, 910);
    await client.addOrderLog(orderId, 900);
    expect(sim.state.getOrder(orderId)?.orderlogitems.map((l) => l.orderlogtypeid)).toEqual([900, 910, 900]);
    expect(orderEvents(await deliveredEvents(sim)).map((d) => d.order_event_type)).toEqual([
      'ready-for-pickup',
      'pickup-rejected',
      'ready-for-pickup',
    ]);

    expect(await sitooRest(sim, 'POST', `/orders/${orderId}/orderlogitems.json`, { orderlogtypeid: 70 })).toEqual({
      status: 400,
      body: {
        statuscode: 400,
        errortext: 'orderlogtypeid 70 is read-only; only 900 (ReadyForPickup) and 910 (PickupRejected) may be added',
      },
    });
    expect(await rejectionOf(client.addOrderLog(orderId, 905 as 900))).toMatchObject({ code: 'InvalidInput' });
    sim.pos.collect(orderId);
    const closed = await rejectionOf(client.addOrderLog(orderId, 910));
    expect(closed).toMatchObject({ name: 'PermanentError', status: 400 });
    expect(closed.message).toContain('only for open orders');
    expect(await rejectionOf(client.addOrderLog(999_999, 900))).toMatchObject({ name: 'PermanentError', status: 404 });
  });
});

describe('Sitoo returns in store', () => {
  it('returns part of a web order in another store: a refund found by creditorderid, stock back where it was handed in', async () => {
    const { sim, client } = await setup();
    const original = await client.createOrder(webOrder('WEB-RET', { reservedUntil: undefined }));
    sim.pos.collect(original);
    await deliveredEvents(sim);

    const refundId = sim.pos.returnItems({
      originalOrderId: original,
      warehouseId: OTHER_STORE,
      lines: [{ sku: 'SKU-A', quantity: 1 }],
      reason: 'too-small',
    });
    const refunds = await client.listRefundsOf(original);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({
      orderId: refundId,
      warehouseId: OTHER_STORE,
      orderStateId: 10,
      paymentStateId: 20,
      creditOrderId: original,
      externalId: null,
      lines: [{ sku: 'SKU-A', productName: 'Shirt', quantity: -1, unitPriceGrossCents: 39900, vatPercent: 25 }],
      payments: [{ name: 'Web Card', amountCents: -39900 }],
    });
    expect(refunds[0]?.additionalData).toMatchObject({
      'pos-originalsales-orderid': String(original),
      'refundreasoncode-reasoncode': 'too-small',
      'store-externalid': '8',
    });
    expect(sim.state.getOrder(refundId)?.orderitems[0]?.additionaldata).toEqual({
      'pos-originalsales-orderitemid': '0',
      'reasoncode-return': 'too-small',
    });

    expect(sim.pos.getStock(OTHER_STORE, 'SKU-A')).toBe(2);
    expect(sim.pos.getStock(STORE, 'SKU-A')).toBe(8);
    const refundTx = (await client.listWarehouseTransactions({ idFrom: 1, warehouseId: OTHER_STORE }))[0];
    expect(refundTx).toMatchObject({ type: 40, kind: 'refund', items: [{ sku: 'SKU-A', quantity: 1, levelAfter: 2 }] });
    const events = await deliveredEvents(sim);
    expect(events.map((e) => e.event_type)).toEqual(['order', 'warehouse-transaction']);
    expect(events[0]?.data).toEqual({
      eshop_id: sim.eshopId,
      order_id: refundId,
      warehouse_id: OTHER_STORE,
      order_event_type: 'add',
    });
    expect(events[1]?.data).toEqual({
      eshop_id: sim.eshopId,
      warehouse_id: OTHER_STORE,
      warehouse_transaction_id: refundTx!.transactionId,
    });

    // Over-returning is not refused here (Sitoo's POS would): the integration has to catch it.
    sim.pos.returnItems({ originalOrderId: original, warehouseId: STORE, lines: [{ sku: 'SKU-A', quantity: 2 }] });
    const all = await client.listRefundsOf(original);
    expect(all.map((r) => r.lines[0]?.quantity)).toEqual([-1, -2]);
    expect(all[1]?.payments[0]?.amountCents).toBe(-79800);
    expect(await client.listRefundsOf(refundId)).toEqual([]);
  });

  it('prices a return pro rata from the original row, and a manual return with no receipt from the catalogue', async () => {
    const { sim, client } = await setup();
    const bundle = sim.pos.recordSale({
      warehouseId: STORE,
      lines: [{ sku: 'SKU-B', quantity: 3, unitPriceGross: '33.34', vatPercent: 25 }],
    });
    const whole = sim.pos.returnItems({
      originalOrderId: bundle.orderId,
      warehouseId: STORE,
      lines: [{ sku: 'SKU-B', quantity: 3 }],
    });
    expect(sim.state.getOrder(whole)?.payments[0]?.moneyamount).toBe('-100.02');

    expect(() =>
      sim.pos.returnItems({ originalOrderId: null, warehouseId: STORE, lines: [{ sku: 'SKU-Z', quantity: 1 }] }),
    ).toThrow(/not in the catalogue/);
    sim.pos.seedProducts([{ sku: 'SKU-Z', productName: 'Scarf', unitPriceGross: '149.00', vatPercent: 25 }]);
    const manual = sim.pos.returnItems({
      originalOrderId: null,
      warehouseId: STORE,
      lines: [{ sku: 'SKU-Z', quantity: 2 }],
    });
    const order = await client.getOrder(manual);
    expect(order).toMatchObject({
      creditOrderId: null,
      lines: [{ sku: 'SKU-Z', productName: 'Scarf', quantity: -2, unitPriceGrossCents: 14900 }],
      payments: [{ name: 'Card', amountCents: -29800 }],
    });
    expect(order?.additionalData['pos-originalsales-orderid']).toBeUndefined();
    // A manual return credits no order, yet it is still a Refund: the goods came back.
    expect(sim.state.transactions().at(-1)).toMatchObject({
      transactiontype: 40,
      items: [{ sku: 'SKU-Z', decimalquantity: '2.000' }],
    });
    expect(() =>
      sim.pos.returnItems({ originalOrderId: 424242, warehouseId: STORE, lines: [{ sku: 'SKU-A', quantity: 1 }] }),
    ).toThrow(/not found/);
  });
});
