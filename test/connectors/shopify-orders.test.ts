import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../src/connectors/http';
import { ShopifyClient, ShopifyJobTimeoutError } from '../../src/connectors/ecommerce/shopify/client';
import {
  shopifyOrderWebhookSchema,
  shopifyWebhookHeaders,
  verifyShopifyWebhook,
} from '../../src/connectors/ecommerce/shopify/webhooks';
import { planRefund, type ReturnLine } from '../../src/domain/returns';
import { pickupOf } from '../../src/domain/web-order';
import { startShopifySimulator, type ShopifySimulator } from '../../src/simulators/shopify/index';
import { rejectionOf } from '../support/rejection';

const SECRET = 'shpss_test_secret';

let sim: ShopifySimulator;
let client: ShopifyClient;
let store: string;
let warehouse: string;

beforeEach(async () => {
  sim = await startShopifySimulator({ cancelJobDelayMs: 30, webhooks: { retryBaseMs: 10 } });
  client = new ShopifyClient({
    shopUrl: sim.shopUrl,
    apiVersion: sim.apiVersion,
    accessToken: sim.accessToken,
    timeoutMs: 5_000,
    jobPollMs: 10,
    jobTimeoutMs: 5_000,
  });
  warehouse = sim.state.seedLocation({ name: 'Web warehouse' });
  store = sim.state.seedLocation({ name: 'Store 1', fulfillsOnlineOrders: false });
  for (const sku of ['SKU-A', 'SKU-B']) {
    sim.state.seedItem({ sku });
    sim.state.setAvailable(sku, store, 10);
    sim.state.setAvailable(sku, warehouse, 50);
  }
});
afterEach(() => sim.close());

const pickupOrder = () =>
  sim.state.createOrder({
    lines: [
      { sku: 'SKU-A', quantity: 2, price: '99.00' },
      { sku: 'SKU-B', quantity: 1, price: '49.5' },
    ],
    pickupLocationId: store,
  });

async function collected() {
  const placed = pickupOrder();
  const order = (await client.getOrder(placed.id))!;
  await client.fulfilPickup(pickupOf(order)!.id);
  return { placed, order, lineA: order.lines[0]!.lineItemId, lineB: order.lines[1]!.lineItemId };
}

/** The money for these lines as the return flow plans it: what they were paid, back to the payments they came from. */
async function paidFor(orderId: string, lines: Array<{ lineItemId: string; quantity: number }>) {
  const order = (await client.getOrder(orderId))!;
  return planRefund(
    order,
    lines.map((l) => ({ sku: order.lines.find((o) => o.lineItemId === l.lineItemId)!.sku, quantity: l.quantity })),
  ).transactions;
}

/** A return as the return flow makes it: read the order, plan lines and money, refund them. */
async function returnUnits(orderId: string, returned: ReturnLine[], idempotencyKey: string) {
  const plan = planRefund((await client.getOrder(orderId))!, returned);
  return client.refundLines({
    orderId,
    lines: plan.lines,
    transactions: plan.transactions,
    restockType: 'NO_RESTOCK',
    note: 'returned in store',
    idempotencyKey,
  });
}

describe('ShopifyClient orders and pickup against the simulator', () => {
  it('reads a pickup order: one PICK_UP fulfilment order at the store, by GID or numeric id', async () => {
    const placed = pickupOrder();
    const order = await client.getOrder(placed.id);
    expect(order).toMatchObject({
      id: placed.id,
      legacyId: placed.legacyId,
      name: placed.name,
      cancelledAt: null,
      currencyCode: 'SEK',
      financialStatus: 'PAID',
      lines: [
        {
          lineItemId: expect.stringMatching(/^gid:\/\/shopify\/LineItem\//),
          sku: 'SKU-A',
          quantity: 2,
          unitPriceCents: 9900,
        },
        { sku: 'SKU-B', quantity: 1, unitPriceCents: 4950 },
      ],
      refundedQuantities: {},
      totalRefundedCents: 0,
    });
    const pickup = pickupOf(order!);
    expect(order!.fulfillmentOrders).toHaveLength(1);
    expect(pickup).toMatchObject({
      status: 'OPEN',
      methodType: 'PICK_UP',
      locationId: store,
      preparedForPickup: false,
    });
    expect(pickup!.lines.map((l) => [l.sku, l.remainingQuantity, l.lineItemId])).toEqual(
      order!.lines.map((l) => [l.sku, l.quantity, l.lineItemId]),
    );
    expect(await client.getOrder(placed.legacyId)).toEqual(order);
    expect(await client.getOrder('gid://shopify/Order/999999')).toBeUndefined();
    expect(await rejectionOf(client.getOrder('#1001'))).toMatchObject({
      name: 'PermanentError',
      code: 'INVALID_ORDER_ID',
    });
    const shipped = sim.state.createOrder({ lines: [{ sku: 'SKU-A', quantity: 1, price: '10.00' }] });
    const shipping = await client.getOrder(shipped.id);
    expect(shipping!.fulfillmentOrders).toMatchObject([{ methodType: 'SHIPPING', locationId: warehouse }]);
    expect(pickupOf(shipping!)).toBeUndefined();
    // As in Shopify, each order commits its units at its fulfilment order's location.
    expect(sim.state.quantities('SKU-A', store)).toEqual({ available: 8, committed: 2, reserved: 0, on_hand: 10 });
    expect(sim.state.quantities('SKU-A', warehouse)).toEqual({ available: 49, committed: 1, reserved: 0, on_hand: 50 });
  });

  it('marks a pickup ready, then collected; both are idempotent, across a lost response too', async () => {
    const placed = pickupOrder();
    const fo = pickupOf((await client.getOrder(placed.id))!)!;
    sim.faults.set({ lostResponseRate: 1 });
    expect(await rejectionOf(client.markPreparedForPickup(fo.id))).toBeInstanceOf(TransientError);
    sim.faults.set({ lostResponseRate: 0 });
    await client.markPreparedForPickup(fo.id); // the retry sees it applied
    await client.markPreparedForPickup(fo.id);
    expect(sim.operations.get('PreparedForPickup')).toBe(1);
    expect(pickupOf((await client.getOrder(placed.id))!)).toMatchObject({
      status: 'IN_PROGRESS',
      preparedForPickup: true,
    });

    await client.fulfilPickup(fo.id);
    await client.fulfilPickup(fo.id);
    await client.markPreparedForPickup(fo.id); // a late "ready" after collection is no error
    expect(sim.operations.get('FulfilPickup')).toBe(1);
    expect(sim.operations.get('PreparedForPickup')).toBe(1);
    expect(sim.state.orders.fulfillmentOrder(fo.id)).toMatchObject({
      status: 'CLOSED',
      lines: [{ remainingQuantity: 0 }, { remainingQuantity: 0 }],
    });
    expect(sim.state.orders.get(placed.id)!.fulfillments).toHaveLength(1);
    // Handed over: out of committed and on_hand, once, although fulfilPickup was called twice.
    expect(sim.state.quantities('SKU-A', store)).toEqual({ available: 8, committed: 0, reserved: 0, on_hand: 8 });

    const shipped = sim.state.createOrder({ lines: [{ sku: 'SKU-A', quantity: 1, price: '10.00' }] });
    const shippingFo = (await client.getOrder(shipped.id))!.fulfillmentOrders[0]!.id;
    expect(await rejectionOf(client.fulfilPickup(shippingFo))).toMatchObject({
      name: 'PermanentError',
      code: 'NOT_A_PICKUP',
    });
    expect(await rejectionOf(client.fulfilPickup('gid://shopify/FulfillmentOrder/1'))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('cancels by waiting for the job; a second cancel is a no-op; a job that never ends times out clearly', async () => {
    const placed = pickupOrder();
    await client.cancelOrder({
      orderId: placed.legacyId,
      reason: 'CUSTOMER',
      refund: true,
      restock: false,
      staffNote: 'not collected',
    });
    const cancelled = sim.state.orders.get(placed.id)!;
    expect(cancelled.cancelledAt).not.toBeNull();
    expect(cancelled.cancelReason).toBe('CUSTOMER');
    expect(cancelled.fulfillmentOrders.map((f) => f.status)).toEqual(['CANCELLED']);
    expect(sim.operations.get('Job')).toBeGreaterThanOrEqual(1);
    const order = await client.getOrder(placed.id);
    expect(order).toMatchObject({ financialStatus: 'REFUNDED', totalRefundedCents: 24750 });
    expect(pickupOf(order!)).toBeUndefined();
    await client.cancelOrder({ orderId: placed.id, reason: 'CUSTOMER', refund: true, restock: false });
    expect(sim.operations.get('CancelOrder')).toBe(1);
    // restock: false releases the committed units out of on_hand, not back to available.
    expect(sim.state.quantities('SKU-A', store)).toEqual({ available: 8, committed: 0, reserved: 0, on_hand: 8 });

    sim.state.orders.cancelJobDelayMs = Infinity;
    const stuck = pickupOrder();
    const impatient = new ShopifyClient({
      shopUrl: sim.shopUrl,
      apiVersion: sim.apiVersion,
      accessToken: sim.accessToken,
      jobPollMs: 10,
      jobTimeoutMs: 100,
    });
    const err = await rejectionOf(
      impatient.cancelOrder({ orderId: stuck.id, reason: 'STAFF', refund: false, restock: false }),
    );
    expect(err).toBeInstanceOf(ShopifyJobTimeoutError);
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toMatch(/not done after 100 ms/);
  });

  it('refunds exactly the given lines: NO_RESTOCK leaves stock, RETURN restocks the store', async () => {
    const { placed, lineA, lineB } = await collected();
    const one = [{ lineItemId: lineA, quantity: 1 }];
    const money = await client.refundLines({
      orderId: placed.id,
      lines: one,
      transactions: await paidFor(placed.id, one),
      restockType: 'NO_RESTOCK',
      note: 'damaged',
      idempotencyKey: 'r-1',
    });
    expect(money).toEqual({ refundId: expect.stringMatching(/^gid:\/\/shopify\/Refund\//), amountCents: 9900 });
    expect(sim.state.getAvailable('SKU-A', store)).toBe(8); // 10 - 2 collected; money only

    const two = [
      { lineItemId: lineA, quantity: 1 },
      { lineItemId: lineB, quantity: 1 },
    ];
    const back = await client.refundLines({
      orderId: placed.id,
      lines: two,
      transactions: await paidFor(placed.id, two),
      restockType: 'RETURN',
      locationId: store,
      note: 'returned in store',
      idempotencyKey: 'r-2',
    });
    expect(back.amountCents).toBe(14850);
    expect(sim.state.quantities('SKU-A', store)).toEqual({ available: 9, committed: 0, reserved: 0, on_hand: 9 });
    expect(sim.state.getAvailable('SKU-B', store)).toBe(10);
    expect(sim.state.getAvailable('SKU-A', warehouse)).toBe(50);

    const refunds = sim.state.orders.refundsOf(placed.id);
    expect(refunds.map((r) => r.lines.map((l) => [l.lineItemId, l.quantity, l.restockType]))).toEqual([
      [[lineA, 1, 'NO_RESTOCK']],
      [
        [lineA, 1, 'RETURN'],
        [lineB, 1, 'RETURN'],
      ],
    ]);
    const sale = sim.state.orders.get(placed.id)!.transactions.find((t) => t.kind === 'SALE')!;
    expect(refunds.flatMap((r) => r.transactions)).toMatchObject([
      { kind: 'REFUND', parentId: sale.id, gateway: 'shopify_payments', amountCents: 9900 },
      { kind: 'REFUND', parentId: sale.id, gateway: 'shopify_payments', amountCents: 14850 },
    ]);
    expect(await client.getOrder(placed.id)).toMatchObject({
      financialStatus: 'REFUNDED',
      refundedQuantities: { [lineA]: 2, [lineB]: 1 },
      totalRefundedCents: 24750,
    });
    expect(sim.state.orders.summary(placed.id)).toMatchObject({
      financialStatus: 'REFUNDED',
      fulfillmentStatus: 'FULFILLED',
      totalPrice: '247.50',
      totalRefunded: '247.50',
    });
  });

  it('requires @idempotent on refundCreate from 2026-04, as Shopify does', async () => {
    const { placed, lineA } = await collected();
    const res = await fetch(sim.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': sim.accessToken },
      body: JSON.stringify({
        query:
          'mutation($input: RefundInput!) { refundCreate(input: $input) { refund { id } userErrors { field message } } }',
        variables: {
          input: {
            orderId: placed.id,
            refundLineItems: [{ lineItemId: lineA, quantity: 1, restockType: 'NO_RESTOCK' }],
          },
        },
      }),
    });
    const json = (await res.json()) as { errors?: Array<{ message: string }> };
    expect(json.errors?.[0]?.message).toMatch(/@idempotent/);
    expect(sim.state.orders.refundsOf(placed.id)).toHaveLength(0);
  });

  it('returns the first refund for a repeated key, also when the first answer was lost', async () => {
    const { placed, lineA } = await collected();
    const lines = [{ lineItemId: lineA, quantity: 1 }];
    const input = {
      orderId: placed.id,
      lines,
      transactions: await paidFor(placed.id, lines),
      restockType: 'RETURN' as const,
      locationId: store,
      note: 'return',
      idempotencyKey: 'same-key',
    };
    sim.faults.set({ lostResponseRate: 1 });
    expect(await rejectionOf(client.refundLines(input))).toBeInstanceOf(TransientError);
    sim.faults.set({ lostResponseRate: 0 });
    const first = await client.refundLines(input);
    const again = await client.refundLines(input);
    expect(again).toEqual(first);
    expect(sim.state.orders.refundsOf(placed.id)).toHaveLength(1);
    expect(sim.state.getAvailable('SKU-A', store)).toBe(9); // 10 - 2 collected + 1 returned, once
    expect(sim.state.orders.restocks).toHaveLength(1);
    const reused = await rejectionOf(client.refundLines({ ...input, lines: [{ lineItemId: lineA, quantity: 2 }] }));
    expect(reused).toMatchObject({ name: 'PermanentError', code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH' });
  });

  it('refuses to refund more than is left on a line, naming it', async () => {
    const { placed, lineA } = await collected();
    const over = await rejectionOf(
      client.refundLines({
        orderId: placed.id,
        lines: [{ lineItemId: lineA, quantity: 3 }],
        transactions: [],
        restockType: 'NO_RESTOCK',
        note: 'x',
        idempotencyKey: 'o-1',
      }),
    );
    expect(over).toBeInstanceOf(PermanentError);
    expect(over).toMatchObject({ code: 'REFUND_QUANTITY_EXCEEDED' });
    expect(over.message).toContain(lineA);
    await client.refundLines({
      orderId: placed.id,
      lines: [{ lineItemId: lineA, quantity: 2 }],
      transactions: [],
      restockType: 'NO_RESTOCK',
      note: 'x',
      idempotencyKey: 'o-2',
    });
    const again = await rejectionOf(
      client.refundLines({
        orderId: placed.id,
        lines: [{ lineItemId: lineA, quantity: 1 }],
        transactions: [],
        restockType: 'NO_RESTOCK',
        note: 'x',
        idempotencyKey: 'o-3',
      }),
    );
    expect(again).toMatchObject({ code: 'REFUND_QUANTITY_EXCEEDED' });
    expect(sim.state.orders.refundsOf(placed.id)).toHaveLength(1);
    expect(
      await rejectionOf(
        client.refundLines({
          orderId: placed.id,
          lines: [{ lineItemId: 'gid://shopify/LineItem/1', quantity: 1 }],
          transactions: [],
          restockType: 'NO_RESTOCK',
          note: 'x',
          idempotencyKey: 'o-4',
        }),
      ),
    ).toMatchObject({ code: 'UNKNOWN_LINE_ITEM' });
  });

  it('reads what each line was paid, discounts off, and refunds a discounted line at that, not its list price', async () => {
    const placed = sim.state.createOrder({
      lines: [
        { sku: 'SKU-A', quantity: 2, price: '199.00' },
        { sku: 'SKU-B', quantity: 1, price: '149.00' },
      ],
      lineDiscounts: ['20.00'],
      orderDiscount: '30.00',
    });
    const order = (await client.getOrder(placed.id))!;
    // 398.00 - 20.00 - 21.52 (its share of the order's 30.00) for two; 149.00 - 8.48 for one.
    expect(order.lines.map((l) => [l.sku, l.unitPriceCents, l.paidCents])).toEqual([
      ['SKU-A', 17824, 35648],
      ['SKU-B', 14052, 14052],
    ]);
    expect(order.payments).toEqual([
      {
        transactionId: expect.stringMatching(/OrderTransaction/),
        gateway: 'shopify_payments',
        amountCents: 49700,
        refundedCents: 0,
      },
    ]);
    expect(await returnUnits(placed.id, [{ sku: 'SKU-A', quantity: 1 }], 'd-1')).toMatchObject({ amountCents: 17824 });
    expect(sim.state.orders.refundsOf(placed.id)[0]!.lines).toMatchObject([{ quantity: 1, subtotalCents: 17824 }]);
  });

  it('refunds price plus tax in a shop whose prices leave tax out', async () => {
    const placed = sim.state.createOrder({
      lines: [{ sku: 'SKU-B', quantity: 2, price: '80.00' }],
      taxesIncluded: false,
    });
    expect((await client.getOrder(placed.id))!.lines).toMatchObject([{ unitPriceCents: 10000, paidCents: 20000 }]);
    expect(await returnUnits(placed.id, [{ sku: 'SKU-B', quantity: 1 }], 't-1')).toMatchObject({ amountCents: 10000 });
  });

  it('refunds an order paid by gift card and card across both, never beyond what each still holds', async () => {
    const placed = sim.state.createOrder({
      lines: [{ sku: 'SKU-A', quantity: 3, price: '100.00' }],
      payments: [{ gateway: 'gift_card', amount: '100.00' }, { gateway: 'shopify_payments' }],
    });
    const [gift, card] = sim.state.orders.get(placed.id)!.transactions;
    expect(await returnUnits(placed.id, [{ sku: 'SKU-A', quantity: 2 }], 'g-1')).toMatchObject({ amountCents: 20000 });
    expect(await returnUnits(placed.id, [{ sku: 'SKU-A', quantity: 1 }], 'g-2')).toMatchObject({ amountCents: 10000 });
    expect(
      sim.state.orders
        .refundsOf(placed.id)
        .map((r) => r.transactions.map((t) => [t.parentId, t.gateway, t.amountCents])),
    ).toEqual([
      [
        [gift!.id, 'gift_card', 10000],
        [card!.id, 'shopify_payments', 10000],
      ],
      [[card!.id, 'shopify_payments', 10000]],
    ]);
    expect((await client.getOrder(placed.id))!).toMatchObject({
      financialStatus: 'REFUNDED',
      payments: [
        { gateway: 'gift_card', refundedCents: 10000 },
        { gateway: 'shopify_payments', refundedCents: 20000 },
      ],
    });
  });

  it('refunds repeated partial returns of a line that does not divide evenly to exactly the line total', async () => {
    // 3 x 40.00 less 20.00: 100.00 for three units.
    const placed = sim.state.createOrder({
      lines: [{ sku: 'SKU-A', quantity: 3, price: '40.00' }],
      orderDiscount: '20.00',
    });
    const amounts: number[] = [];
    for (const key of ['u-1', 'u-2', 'u-3'])
      amounts.push((await returnUnits(placed.id, [{ sku: 'SKU-A', quantity: 1 }], key)).amountCents);
    expect(amounts).toEqual([3333, 3334, 3333]);
    expect(sim.state.orders.summary(placed.id)).toMatchObject({
      financialStatus: 'REFUNDED',
      totalPrice: '100.00',
      totalRefunded: '100.00',
    });
  });

  it('names a payment that would be over-refunded, and an amount that is no money', async () => {
    const placed = sim.state.createOrder({
      lines: [{ sku: 'SKU-A', quantity: 1, price: '100.00' }],
      payments: [{ gateway: 'gift_card', amount: '40.00' }, { gateway: 'shopify_payments' }],
    });
    const order = (await client.getOrder(placed.id))!;
    const lines = [{ lineItemId: order.lines[0]!.lineItemId, quantity: 1 }];
    const gift = order.payments![0]!;
    const over = await rejectionOf(
      client.refundLines({
        orderId: placed.id,
        lines,
        transactions: [{ ...gift, amountCents: 10000 }],
        restockType: 'NO_RESTOCK',
        note: 'x',
        idempotencyKey: 'x-1',
      }),
    );
    expect(over).toMatchObject({
      name: 'PermanentError',
      code: 'REFUND_REFUSED',
      message: expect.stringMatching(/exceeds the 40\.00 left/),
    });
    expect(
      await rejectionOf(
        client.refundLines({
          orderId: placed.id,
          lines,
          transactions: [{ ...gift, amountCents: 12.5 }],
          restockType: 'NO_RESTOCK',
          note: 'x',
          idempotencyKey: 'x-2',
        }),
      ),
    ).toMatchObject({ code: 'INVALID_AMOUNT' });
    expect(sim.state.orders.refundsOf(placed.id)).toHaveLength(0);
  });
});

/** Raw Admin GraphQL against the simulator, for what the client does not read itself. */
async function gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(sim.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-access-token': sim.accessToken },
    body: JSON.stringify({ query, variables }),
  });
  const json = (await res.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (json.errors?.length) throw new Error(json.errors.map((e) => e.message).join('; '));
  return json.data!;
}

const MONEY_READ = `query($id: ID!) { order(id: $id) {
  taxesIncluded totalPriceSet { shopMoney { amount } } totalDiscountsSet { shopMoney { amount } } totalTaxSet { shopMoney { amount } }
  lineItems(first: 5) { nodes { sku originalTotalSet { shopMoney { amount } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } } discountApplication { allocationMethod targetSelection } }
    taxLines(first: 3) { rate priceSet { shopMoney { amount } } } } }
  transactions(first: 10) { id kind status gateway amountSet { shopMoney { amount } } parentTransaction { id } } } }`;
const REFUND = `mutation($input: RefundInput!, $key: String!) { refundCreate(input: $input) @idempotent(key: $key) { refund { id totalRefundedSet { shopMoney { amount } } } userErrors { field message } } }`;
const refundMoney = (
  orderId: string,
  key: string,
  transactions: Array<{ parentId: string; gateway: string; amount: string }>,
) =>
  gql(REFUND, {
    key,
    input: { orderId, transactions: transactions.map((t) => ({ ...t, orderId, kind: 'REFUND' })) },
  }).then((d) => d.refundCreate);

describe("the simulated shop's money: discounts, taxes, several payments", () => {
  it('allocates line and order discounts to lines, adds tax lines, and takes a gift card then a card', async () => {
    const placed = sim.state.createOrder({
      lines: [
        { sku: 'SKU-A', quantity: 2, price: '199.00' },
        { sku: 'SKU-B', quantity: 1, price: '149.00' },
      ],
      lineDiscounts: ['20.00'],
      orderDiscount: '30.00',
      payments: [{ gateway: 'gift_card', amount: '100.00' }, { gateway: 'shopify_payments' }],
    });
    const { order } = await gql(MONEY_READ, { id: placed.id });
    const amounts = (xs: Array<{ allocatedAmountSet?: any; priceSet?: any }>) =>
      xs.map((x) => (x.allocatedAmountSet ?? x.priceSet).shopMoney.amount);
    expect(order).toMatchObject({
      taxesIncluded: true,
      totalPriceSet: { shopMoney: { amount: '497.00' } },
      totalDiscountsSet: { shopMoney: { amount: '50.00' } },
      totalTaxSet: { shopMoney: { amount: '99.40' } },
    });
    // 30.00 across 378.00 and 149.00: 21.52 and 8.48, the leftover cent to the larger remainder.
    expect(
      order.lineItems.nodes.map((l: any) => [
        l.originalTotalSet.shopMoney.amount,
        amounts(l.discountAllocations),
        amounts(l.taxLines),
      ]),
    ).toEqual([
      ['398.00', ['20.00', '21.52'], ['71.30']],
      ['149.00', ['8.48'], ['28.10']],
    ]);
    expect(order.lineItems.nodes[0].discountAllocations.map((d: any) => d.discountApplication)).toEqual([
      { allocationMethod: 'ONE', targetSelection: 'EXPLICIT' },
      { allocationMethod: 'ACROSS', targetSelection: 'ALL' },
    ]);
    expect(order.transactions.map((t: any) => [t.kind, t.gateway, t.amountSet.shopMoney.amount])).toEqual([
      ['SALE', 'gift_card', '100.00'],
      ['SALE', 'shopify_payments', '397.00'],
    ]);
  });

  it('adds tax on top in a tax-exclusive shop, and captures an authorisation when asked', async () => {
    const placed = sim.state.createOrder({
      lines: [{ sku: 'SKU-A', quantity: 1, price: '100.00' }],
      taxesIncluded: false,
      payments: [{ gateway: 'shopify_payments', capture: true }],
    });
    const { order } = await gql(MONEY_READ, { id: placed.id });
    expect(order).toMatchObject({
      taxesIncluded: false,
      totalPriceSet: { shopMoney: { amount: '125.00' } },
      totalTaxSet: { shopMoney: { amount: '25.00' } },
    });
    const [auth, capture] = order.transactions;
    expect([auth.kind, capture.kind, capture.parentTransaction.id, capture.amountSet.shopMoney.amount]).toEqual([
      'AUTHORIZATION',
      'CAPTURE',
      auth.id,
      '125.00',
    ]);
    expect(
      (await refundMoney(placed.id, 'k-auth', [{ parentId: auth.id, gateway: 'shopify_payments', amount: '1.00' }]))
        .userErrors,
    ).toMatchObject([{ field: ['input', 'transactions', '0', 'parentId'] }]);
    expect(
      (
        await refundMoney(placed.id, 'k-capture', [
          { parentId: capture.id, gateway: 'shopify_payments', amount: '125.00' },
        ])
      ).refund.totalRefundedSet.shopMoney.amount,
    ).toBe('125.00');
    expect(sim.state.orders.summary(placed.id)).toMatchObject({ financialStatus: 'REFUNDED', totalPrice: '125.00' });
  });

  it('refuses a refund that takes more than a payment still holds, however the order total looks', async () => {
    const placed = sim.state.createOrder({
      lines: [{ sku: 'SKU-A', quantity: 1, price: '300.00' }],
      payments: [{ gateway: 'gift_card', amount: '100.00' }, { gateway: 'shopify_payments' }],
    });
    const [gift, card] = sim.state.orders.get(placed.id)!.transactions;
    const over = await refundMoney(placed.id, 'k-1', [{ parentId: gift!.id, gateway: 'gift_card', amount: '150.00' }]);
    expect(over.refund).toBeNull();
    expect(over.userErrors).toMatchObject([
      { field: ['input', 'transactions', '0', 'amount'], message: expect.stringMatching(/exceeds the 100\.00 left/) },
    ]);
    expect(
      (
        await refundMoney(placed.id, 'k-2', [
          { parentId: gift!.id, gateway: 'gift_card', amount: '100.00' },
          { parentId: card!.id, gateway: 'shopify_payments', amount: '50.00' },
        ])
      ).userErrors,
    ).toEqual([]);
    expect(
      (await refundMoney(placed.id, 'k-3', [{ parentId: gift!.id, gateway: 'gift_card', amount: '0.01' }])).userErrors,
    ).toMatchObject([{ message: expect.stringMatching(/0\.00 left/) }]);
    expect(
      (await refundMoney(placed.id, 'k-4', [{ parentId: card!.id, gateway: 'shopify_payments', amount: '150.01' }]))
        .userErrors[0],
    ).toMatchObject({ field: ['input', 'transactions', '0', 'amount'] });
    expect(sim.state.orders.summary(placed.id)).toMatchObject({
      financialStatus: 'PARTIALLY_REFUNDED',
      totalRefunded: '150.00',
    });
    // Cancelling refunds the rest back to where it is still held: the card only.
    sim.state.cancelOrderAsCustomer(placed.id);
    expect(
      sim.state.orders
        .refundsOf(placed.id)
        .at(-1)!
        .transactions.map((t) => [t.parentId, t.amountCents]),
    ).toEqual([[card!.id, 15000]]);
  });
});

describe('the simulator moves inventory with orders, as Shopify does', () => {
  const levelA = () => sim.state.quantities('SKU-A', store);
  const lineOf = (orderId: string) => sim.state.orders.get(orderId)!.lines[0]!.id;

  it('commits ordered units at the assigned location and lets available go below zero when oversold', () => {
    sim.state.createOrder({ lines: [{ sku: 'SKU-A', quantity: 12, price: '10.00' }], shippingLocationId: store });
    expect(levelA()).toEqual({ available: -2, committed: 12, reserved: 0, on_hand: 10 });
    expect(sim.state.quantities('SKU-A', warehouse)).toEqual({ available: 50, committed: 0, reserved: 0, on_hand: 50 });
  });

  it('a cancel with restock puts committed units back to available; without, takes them out of on_hand', () => {
    const kept = sim.state.createOrder({
      lines: [{ sku: 'SKU-A', quantity: 3, price: '10.00' }],
      pickupLocationId: store,
    });
    sim.state.cancelOrderAsCustomer(kept.id, { restock: true });
    expect(levelA()).toEqual({ available: 10, committed: 0, reserved: 0, on_hand: 10 });
    expect(sim.state.orders.restocks).toMatchObject([{ orderId: kept.id, locationId: store, quantity: 3 }]);
    const lost = sim.state.createOrder({
      lines: [{ sku: 'SKU-A', quantity: 3, price: '10.00' }],
      pickupLocationId: store,
    });
    sim.state.cancelOrderAsCustomer(lost.id, { refund: false, restock: false });
    expect(levelA()).toEqual({ available: 7, committed: 0, reserved: 0, on_hand: 7 });
  });

  it('refunds: CANCEL returns unfulfilled units, NO_RESTOCK of unfulfilled units releases them out of on_hand, RETURN adds to available', () => {
    const placed = sim.state.createOrder({
      lines: [{ sku: 'SKU-A', quantity: 4, price: '10.00' }],
      pickupLocationId: store,
    });
    const line = lineOf(placed.id);
    expect(
      sim.state.orders.refund(
        { orderId: placed.id, refundLineItems: [{ lineItemId: line, quantity: 1, restockType: 'CANCEL' }] },
        'c-1',
      ).userErrors,
    ).toEqual([]);
    expect(levelA()).toEqual({ available: 7, committed: 3, reserved: 0, on_hand: 10 });
    sim.state.orders.refund(
      { orderId: placed.id, refundLineItems: [{ lineItemId: line, quantity: 1, restockType: 'NO_RESTOCK' }] },
      'c-2',
    );
    expect(levelA()).toEqual({ available: 7, committed: 2, reserved: 0, on_hand: 9 });
    sim.state.orders.fulfil([{ fulfillmentOrderId: sim.state.orders.get(placed.id)!.fulfillmentOrders[0]!.id }]);
    expect(levelA()).toEqual({ available: 7, committed: 0, reserved: 0, on_hand: 7 });
    // Goods already handed over: money only changes nothing; a return comes back where it is returned.
    sim.state.orders.refund(
      { orderId: placed.id, refundLineItems: [{ lineItemId: line, quantity: 1, restockType: 'NO_RESTOCK' }] },
      'c-3',
    );
    expect(levelA()).toEqual({ available: 7, committed: 0, reserved: 0, on_hand: 7 });
    sim.state.orders.refund(
      {
        orderId: placed.id,
        refundLineItems: [{ lineItemId: line, quantity: 1, restockType: 'RETURN', locationId: warehouse }],
      },
      'c-4',
    );
    expect(levelA()).toEqual({ available: 7, committed: 0, reserved: 0, on_hand: 7 });
    expect(sim.state.quantities('SKU-A', warehouse)).toEqual({ available: 51, committed: 0, reserved: 0, on_hand: 51 });
  });

  it('setting on_hand or available moves the other by the same amount; reserved counts in on_hand', async () => {
    sim.state.createOrder({ lines: [{ sku: 'SKU-A', quantity: 2, price: '10.00' }], pickupLocationId: store });
    sim.state.reserve('SKU-A', store, 1);
    expect(levelA()).toEqual({ available: 7, committed: 2, reserved: 1, on_hand: 10 });
    sim.state.setOnHand('SKU-A', store, 4);
    expect(levelA()).toEqual({ available: 1, committed: 2, reserved: 1, on_hand: 4 });
    sim.state.setAvailable('SKU-A', store, 5);
    expect(levelA()).toEqual({ available: 5, committed: 2, reserved: 1, on_hand: 8 });
    // The same figures over GraphQL, as a client reads them.
    const res = await fetch(sim.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': sim.accessToken },
      body: JSON.stringify({
        query: `{ inventoryItem(id: "${sim.state.itemBySku('SKU-A')!.id}") { inventoryLevel(locationId: "${store}") { quantities(names: ["available", "on_hand", "committed", "reserved"]) { name quantity } } } }`,
      }),
    });
    const json = (await res.json()) as {
      data: { inventoryItem: { inventoryLevel: { quantities: Array<{ name: string; quantity: number }> } } };
    };
    expect(json.data.inventoryItem.inventoryLevel.quantities).toEqual([
      { name: 'available', quantity: 5 },
      { name: 'on_hand', quantity: 8 },
      { name: 'committed', quantity: 2 },
      { name: 'reserved', quantity: 1 },
    ]);
  });

  it('switched off, orders leave inventory alone', () => {
    sim.state.ordersMoveInventory = false;
    const placed = sim.state.createOrder({
      lines: [{ sku: 'SKU-A', quantity: 2, price: '10.00' }],
      pickupLocationId: store,
    });
    sim.state.orders.fulfil([{ fulfillmentOrderId: sim.state.orders.get(placed.id)!.fulfillmentOrders[0]!.id }]);
    expect(levelA()).toEqual({ available: 10, committed: 0, reserved: 0, on_hand: 10 });
  });
});

interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

/** A receiver that records every POST and answers with `status(n)` for the n-th one (0-based). */
async function receiver(
  status: (n: number) => number = () => 200,
): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(status(got.length - 1)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/shopify`;
  return {
    url,
    got,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('Shopify webhooks from the simulator', () => {
  it('delivers orders/create signed with the app secret, retrying failures under one webhook id', async () => {
    const rx = await receiver((n) => (n < 2 ? 500 : 200));
    try {
      sim.webhooks.subscribe({ topic: 'orders/create', url: rx.url, secret: SECRET });
      const placed = pickupOrder();
      await sim.webhooks.idle();
      expect(rx.got).toHaveLength(3);
      expect(new Set(rx.got.map((r) => r.headers['x-shopify-webhook-id'])).size).toBe(1);
      expect(sim.webhooks.stats).toMatchObject({
        events: 1,
        enqueued: 1,
        delivered: 1,
        attempts: 3,
        failedAttempts: 2,
        dropped: 0,
      });
      for (const r of rx.got) {
        expect(
          verifyShopifyWebhook(r.raw, r.headers['x-shopify-hmac-sha256'] as string, ['old-rotated-secret', SECRET]),
        ).toBe(true);
        expect(r.raw.equals(rx.got[0]!.raw)).toBe(true);
      }
      const headers = shopifyWebhookHeaders(rx.got[0]!.headers);
      expect(headers).toMatchObject({
        topic: 'orders/create',
        shopDomain: 'retail-sim.myshopify.com',
        apiVersion: sim.apiVersion,
        eventId: expect.any(String),
      });
      expect('field' in headers).toBe(false);
      const body = shopifyOrderWebhookSchema.parse(JSON.parse(rx.got[0]!.raw.toString('utf8')));
      expect(body).toMatchObject({
        id: placed.legacyId,
        admin_graphql_api_id: placed.id,
        name: placed.name,
        cancelled_at: null,
      });
      expect(body.line_items.map((l) => [l.sku, l.quantity, l.price])).toEqual([
        ['SKU-A', 2, '99.00'],
        ['SKU-B', 1, '49.50'],
      ]);
      expect(body['financial_status']).toBe('paid'); // the rest passes through

      const tampered = Buffer.from(rx.got[0]!.raw.toString('utf8').replace('"quantity":2', '"quantity":9'));
      expect(verifyShopifyWebhook(tampered, rx.got[0]!.headers['x-shopify-hmac-sha256'] as string, [SECRET])).toBe(
        false,
      );
      expect(
        verifyShopifyWebhook(rx.got[0]!.raw, rx.got[0]!.headers['x-shopify-hmac-sha256'] as string, ['wrong']),
      ).toBe(false);
      expect(verifyShopifyWebhook(rx.got[0]!.raw, undefined, [SECRET])).toBe(false);
      expect(verifyShopifyWebhook(rx.got[0]!.raw, 'not-base64-of-a-digest', [SECRET])).toBe(false);
      const { 'x-shopify-webhook-id': _dropped, ...withoutId } = rx.got[0]!.headers;
      expect(shopifyWebhookHeaders(withoutId)).toMatchObject({ field: 'X-Shopify-Webhook-Id' });
    } finally {
      await rx.close();
    }
  });

  it('sends orders/cancelled for a customer cancel, and injects duplicates, reordering and drops', async () => {
    const rx = await receiver();
    try {
      const subscription = sim.webhooks.subscribe({
        topics: ['orders/create', 'orders/cancelled'],
        url: rx.url,
        secret: SECRET,
      });
      sim.webhooks.configure({ duplicateRate: 1 });
      const placed = pickupOrder();
      sim.state.cancelOrderAsCustomer(placed.id);
      await sim.webhooks.idle();
      const cancelled = rx.got.filter((r) => r.headers['x-shopify-topic'] === 'orders/cancelled');
      expect(cancelled).toHaveLength(2); // the duplicate carries the same webhook id
      expect(cancelled[0]!.headers['x-shopify-webhook-id']).toBe(cancelled[1]!.headers['x-shopify-webhook-id']);
      expect(
        shopifyOrderWebhookSchema.parse(JSON.parse(cancelled[0]!.raw.toString('utf8'))).cancelled_at,
      ).not.toBeNull();
      expect(sim.webhooks.stats).toMatchObject({ delivered: 2, duplicatesSent: 2 });

      rx.got.length = 0;
      sim.webhooks.configure({ duplicateRate: 0, reorder: 'reverse', concurrency: 1 });
      await sim.webhooks.stop();
      const first = pickupOrder();
      const second = pickupOrder();
      sim.webhooks.start();
      await sim.webhooks.idle();
      expect(rx.got.map((r) => JSON.parse(r.raw.toString('utf8')).admin_graphql_api_id)).toEqual([second.id, first.id]);
      sim.webhooks.unsubscribe(subscription);
    } finally {
      await rx.close();
    }
    const down = await receiver(() => 503);
    try {
      sim.webhooks.configure({ retries: 2, reorder: 'none' });
      sim.webhooks.subscribe({ topic: 'orders/cancelled', url: down.url, secret: SECRET });
      sim.state.cancelOrderAsCustomer(pickupOrder().id);
      await sim.webhooks.idle();
      expect(down.got).toHaveLength(3);
      expect(sim.webhooks.stats.dropped).toBe(1);
      expect(sim.webhooks.droppedDeliveries[0]).toMatchObject({
        topic: 'orders/cancelled',
        reason: expect.stringMatching(/gave up after 3 attempts/),
      });
    } finally {
      await down.close();
    }
  });
});
