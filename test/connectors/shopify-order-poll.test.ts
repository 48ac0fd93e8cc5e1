import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShopifyClient } from '../../src/connectors/ecommerce/shopify/client';
import { startShopifySimulator, type ShopifySimulator } from '../../src/simulators/shopify/index';
import { waitFor } from '../support/temporal';

// The order poll's reads and the webhook subscriptions, against the simulator over HTTP.
let sim: ShopifySimulator;
let client: ShopifyClient;
let store: string;

beforeEach(async () => {
  sim = await startShopifySimulator({ webhooks: { retryBaseMs: 10 } });
  client = new ShopifyClient({
    shopUrl: sim.shopUrl,
    apiVersion: sim.apiVersion,
    accessToken: sim.accessToken,
    timeoutMs: 5_000,
  });
  store = sim.state.seedLocation({ name: 'Store 1' });
  sim.state.seedItem({ sku: 'SKU-A' });
  sim.state.setAvailable('SKU-A', store, 10);
});
afterEach(() => sim.close());

const place = (financialStatus?: 'PAID' | 'PENDING' | 'AUTHORIZED') =>
  sim.state.createOrder({
    lines: [{ sku: 'SKU-A', quantity: 1, price: '10.00' }],
    pickupLocationId: store,
    financialStatus,
  });
const second = (iso: string) => `${iso.slice(0, 19)}Z`;

describe('Shopify orders changed since a time', () => {
  it('pages oldest change first with ties by id; a boundary shared by several orders is read whole, once per page walk', async () => {
    // Shopify's DateTime has whole seconds: five orders placed at once share one.
    const placed = Array.from({ length: 5 }, () => place());
    const from = second(sim.state.orders.get(placed[0]!.id)!.updatedAt);
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; ; pages++) {
      const page = await client.listOrdersChangedSince({ updatedAtFrom: from, first: 2, after });
      seen.push(...page.orders.map((o) => o.legacyId));
      for (const o of page.orders) expect(o.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      if (!page.hasNextPage) break;
      after = page.endCursor!;
      expect(pages).toBeLessThan(5);
    }
    // Orders in the same second as `from` are in (inclusive), and paging through a tie skips and repeats nothing.
    expect(seen).toEqual(placed.map((p) => p.legacyId));
  });

  it('shows a cancellation, sorted by the second of the last change with ties by id', async () => {
    const first = place();
    const later = place();
    const from = second(sim.state.orders.get(first.id)!.updatedAt);
    sim.state.cancelOrderAsCustomer(first.id);
    const page = await client.listOrdersChangedSince({ updatedAtFrom: from, first: 10 });
    const ids = page.orders.map((o) => o.legacyId);
    expect(ids).toContain(later.legacyId);
    expect(page.orders.find((o) => o.legacyId === first.legacyId)).toMatchObject({
      cancelledAt: expect.any(String),
      fulfillmentStatus: 'UNFULFILLED',
    });
    // Ascending by (second of change, id): the cancelled order is not before anything changed earlier.
    const keys = page.orders.map((o) => [o.updatedAt, Number(o.legacyId)] as const);
    expect([...keys].sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1])).toEqual(keys);
  });

  it('does not find an order its search index has not caught up with yet (searchLagMs)', async () => {
    sim.state.orders.searchLagMs = 60_000;
    const placed = place();
    const from = second(sim.state.orders.get(placed.id)!.updatedAt);
    expect((await client.listOrdersChangedSince({ updatedAtFrom: from, first: 10 })).orders).toEqual([]);
    sim.state.orders.searchLagMs = 0;
    expect(
      (await client.listOrdersChangedSince({ updatedAtFrom: from, first: 10 })).orders.map((o) => o.legacyId),
    ).toEqual([placed.legacyId]);
  });

  it('refuses a search it does not understand rather than answering it wrongly', async () => {
    await expect(client.listOrdersChangedSince({ updatedAtFrom: 'yesterday', first: 10 })).rejects.toMatchObject({
      name: 'PermanentError',
      code: 'InvalidInput',
    });
  });

  it('reads how an order was paid at checkout: PAID, PENDING (pay in store) or AUTHORIZED', async () => {
    expect((await client.getOrder(place().id))!.financialStatus).toBe('PAID');
    expect((await client.getOrder(place('PENDING').id))!.financialStatus).toBe('PENDING');
    expect((await client.getOrder(place('AUTHORIZED').id))!.financialStatus).toBe('AUTHORIZED');
  });
});

describe('webhook subscriptions', () => {
  let dead: Server;
  let deadUrl: string;
  beforeEach(async () => {
    // A receiver that is down: every delivery fails.
    dead = createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/webhooks/shopify`;
  });
  afterEach(() => new Promise<void>((r) => dead.close(() => r())));

  it('lists one subscription per topic, and creates one signed with the app secret', async () => {
    sim.webhooks.useAppSecret('shpss_app_secret');
    sim.webhooks.subscribe({ topics: ['orders/create', 'orders/cancelled'], url: deadUrl, secret: 's' });
    expect(
      (await client.listWebhookSubscriptions(['orders/create', 'orders/cancelled'])).map((s) => [s.topic, s.uri]),
    ).toEqual([
      ['orders/create', deadUrl],
      ['orders/cancelled', deadUrl],
    ]);
    expect(await client.listWebhookSubscriptions(['refunds/create'])).toEqual([]);
    const made = await client.createWebhookSubscription('refunds/create', 'https://receiver.example/webhooks/shopify');
    expect(made).toMatchObject({ topic: 'refunds/create', uri: 'https://receiver.example/webhooks/shopify' });
    expect(sim.webhooks.list().find((s) => s.id === made.id)).toMatchObject({ secret: 'shpss_app_secret' });
    await expect(
      client.createWebhookSubscription('refunds/create', 'https://receiver.example/webhooks/shopify'),
    ).rejects.toMatchObject({ name: 'PermanentError', code: 'SUBSCRIPTION_REFUSED' });
  });

  it('removes a subscription after failed deliveries when told to (removeAfterFailures), dropping what it still had queued', async () => {
    sim.webhooks.configure({ retries: 5, removeAfterFailures: 3 });
    const id = sim.webhooks.subscribe({ topics: ['orders/create'], url: deadUrl, secret: 's' });
    place();
    place();
    await waitFor('the subscription removed', () => sim.webhooks.removedSubscriptions.length === 1);
    expect(sim.webhooks.removedSubscriptions).toEqual([{ id, topics: ['orders/create'], url: deadUrl, failures: 3 }]);
    expect(await client.listWebhookSubscriptions(['orders/create'])).toEqual([]);
    await sim.webhooks.idle(5_000);
    expect(sim.webhooks.droppedDeliveries.map((d) => d.reason)).toEqual([
      'subscription removed',
      'subscription removed',
    ]);
    expect(sim.webhooks.stats.delivered).toBe(0);
  });
});
