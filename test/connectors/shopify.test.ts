import { inspect } from 'node:util';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../src/connectors/http';
import { ShopifyClient } from '../../src/connectors/ecommerce/shopify/client';
import {
  startShopifySimulator,
  type ShopifySimulator,
  type ShopifySimulatorOptions,
} from '../../src/simulators/shopify/index';
import { rejectionOf } from '../support/rejection';

let sim: ShopifySimulator;
let client: ShopifyClient;
let store: string;
let item: string;

async function boot(opts: ShopifySimulatorOptions = {}): Promise<void> {
  await sim?.close();
  sim = await startShopifySimulator(opts);
  client = new ShopifyClient({
    shopUrl: sim.shopUrl,
    apiVersion: sim.apiVersion,
    accessToken: sim.accessToken,
    timeoutMs: 5_000,
  });
  store = sim.state.seedLocation({ name: 'Store 1' });
  item = sim.state.seedItem({ sku: 'SKU-1' });
  sim.state.setAvailable('SKU-1', store, 10);
}

beforeEach(() => boot());
afterEach(() => sim.close());

/** Polls until `fn` returns a value or throws no more, within a deadline; no fixed sleeps. */
async function eventually<T>(fn: () => Promise<T>, deadlineMs = 10_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

async function raw(body: unknown, token = sim.accessToken) {
  const res = await request(sim.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-access-token': token },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, json: (await res.body.json()) as any };
}

const set = (over: Partial<Parameters<ShopifyClient['setAvailable']>[0]> = {}) =>
  client.setAvailable({
    inventoryItemId: item,
    locationId: store,
    quantity: 7,
    changeFromQuantity: 10,
    idempotencyKey: 'key-1',
    referenceDocumentUri: 'gid://retail-integration/SitooOrder/1',
    ...over,
  });

describe('ShopifyClient against the simulator', () => {
  it('lists locations across pages, inactive ones included', async () => {
    for (let i = 2; i <= 60; i++) sim.state.seedLocation({ name: `Store ${i}`, isActive: i !== 60 });
    const locations = await client.listLocations();
    expect(locations).toHaveLength(60);
    expect(locations[0]).toEqual({ id: 'gid://shopify/Location/1', name: 'Store 1', isActive: true });
    expect(locations.find((l) => l.name === 'Store 60')?.isActive).toBe(false);
    expect(sim.operations.get('Locations')).toBe(2);
  });

  it('finds inventory items by exact SKU in chunks of 50, paging duplicates; unknown SKUs are absent', async () => {
    const skus = ['SKU-1', 'with space', 'quote"d'];
    sim.state.seedItem({ sku: 'with space' });
    sim.state.seedItem({ sku: 'quote"d' });
    sim.state.seedItem({ sku: 'SKU-10' }); // a prefix match must not leak in
    for (let i = 0; i < 100; i++) {
      skus.push(`BULK-${i}`);
      sim.state.seedItem({ sku: `BULK-${i}` });
    }
    const firstDup = sim.state.seedItem({ sku: 'BULK-0' }); // second variant with the same SKU
    const found = await client.findInventoryItems([...skus, 'NOPE', 'SKU-1']);
    expect(found.size).toBe(103);
    expect(found.get('SKU-1')).toBe(item);
    expect(found.has('NOPE')).toBe(false);
    expect(found.has('SKU-10')).toBe(false);
    expect(found.get('quote"d')).toBe(sim.state.itemBySku('quote"d')?.id);
    expect(found.get('BULK-0')).not.toBe(firstDup);
    expect(sim.operations.get('FindVariantsBySku')).toBe(4); // 104 SKUs = 3 chunks, the first needs 2 pages
    expect(await client.findInventoryItems([])).toEqual(new Map());
  });

  it('reads and sets available with compare-and-set', async () => {
    expect(await client.getAvailable(item, store)).toEqual({ inventoryItemId: item, locationId: store, available: 10 });
    expect(await set()).toEqual({ outcome: 'applied' });
    expect((await client.getAvailable(item, store)).available).toBe(7);
    expect(sim.state.history).toMatchObject([
      { itemId: item, locationId: store, delta: -3, quantityAfterChange: 7, idempotencyKey: 'key-1' },
    ]);
    const other = sim.state.seedLocation({ name: 'Warehouse' });
    expect((await client.getAvailable(item, other)).available).toBeUndefined();
    const missing = await rejectionOf(client.getAvailable('gid://shopify/InventoryItem/999', store));
    expect(missing).toBeInstanceOf(PermanentError);
  });

  it('reports a stale changeFromQuantity without changing stock, and a retry under the failed key as stale too', async () => {
    expect(await set({ changeFromQuantity: 9 })).toMatchObject({ outcome: 'stale' });
    expect(sim.state.getAvailable(item, store)).toBe(10);
    expect(sim.state.writes).toMatchObject({ applied: 0, stale: 1 });
    // What a retry sees when the stale answer was lost: nothing was written, so re-read and use a new key.
    expect(await set({ changeFromQuantity: 9 })).toMatchObject({
      outcome: 'stale',
      message: expect.stringMatching(/previous|failed/i),
    });
    expect(sim.state.getAvailable(item, store)).toBe(10);
    expect(sim.state.writes).toMatchObject({ applied: 0 });
  });

  it('applies the same key + same input once', async () => {
    expect(await set()).toEqual({ outcome: 'applied' });
    expect(await set()).toEqual({ outcome: 'applied' });
    expect(sim.state.getAvailable(item, store)).toBe(7);
    expect(sim.state.writes).toMatchObject({ applied: 1, replays: 1 });
    expect(sim.state.history).toHaveLength(1);
  });

  it('applies once when the first response was lost and the write is retried with the same key', async () => {
    const admin = await request(`${sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ lostResponseRate: 1 }),
    });
    expect(admin.statusCode).toBe(200);
    await admin.body.dump();
    const lost = await rejectionOf(set({ quantity: 9 }));
    expect(lost).toBeInstanceOf(TransientError);
    expect(sim.state.getAvailable(item, store)).toBe(9); // applied, though the caller never heard
    sim.faults.set({ lostResponseRate: 0 });
    expect(await set({ quantity: 9 })).toEqual({ outcome: 'applied' });
    expect(sim.state.getAvailable(item, store)).toBe(9);
    expect(sim.state.writes).toMatchObject({ applied: 1, replays: 1 });
    expect(sim.state.history).toHaveLength(1);
    expect(sim.faults.counters.lostResponses).toBe(1);
  });

  it('refuses a reused key with different input', async () => {
    await set();
    const err = await rejectionOf(set({ quantity: 5, changeFromQuantity: 7 }));
    expect(err).toMatchObject({ name: 'PermanentError', code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH' });
    expect(sim.state.getAvailable(item, store)).toBe(7);
  });

  it('maps business refusals to PermanentError with Shopify codes', async () => {
    const other = sim.state.seedLocation({ name: 'Warehouse' });
    expect(await rejectionOf(set({ locationId: other, idempotencyKey: 'k-a' }))).toMatchObject({
      code: 'ITEM_NOT_STOCKED_AT_LOCATION',
    });
    expect(await rejectionOf(set({ locationId: 'gid://shopify/Location/404', idempotencyKey: 'k-b' }))).toMatchObject({
      code: 'INVALID_LOCATION',
    });
    expect(
      await rejectionOf(set({ inventoryItemId: 'gid://shopify/InventoryItem/1', idempotencyKey: 'k-c' })),
    ).toMatchObject({ code: 'INVALID_INVENTORY_ITEM' });
    expect(await rejectionOf(set({ quantity: -1, idempotencyKey: 'k-d' }))).toMatchObject({
      code: 'INVALID_QUANTITY_NEGATIVE',
    });
    expect(sim.state.getAvailable(item, store)).toBe(10);
  });

  it('throttles from an exhausted bucket with a computed retryAfterMs when it may not wait; the default client waits', async () => {
    await boot({ bucket: { maximumAvailable: 120, restoreRate: 100 } });
    // Unused page capacity is refunded, so only full pages drain the bucket.
    for (let i = 2; i <= 60; i++) sim.state.seedLocation({ name: `Store ${i}` });
    // With no wait budget the throttle gate never holds a call back, so the exhausted bucket shows through.
    const impatient = new ShopifyClient({
      shopUrl: sim.shopUrl,
      apiVersion: sim.apiVersion,
      accessToken: sim.accessToken,
      maxThrottleWaitMs: 0,
    });
    let throttled: Error | undefined;
    for (let i = 0; i < 20 && !throttled; i++)
      throttled = await impatient.listLocations().then(
        () => undefined,
        (e: Error) => e,
      );
    expect(throttled).toBeInstanceOf(TransientError);
    const t = throttled as TransientError;
    expect(t.status).toBe(200);
    expect(t.retryAfterMs).toBeGreaterThan(0);
    expect(t.message).not.toContain(sim.accessToken);
    expect(impatient.lastThrottleStatus).toMatchObject({ maximumAvailable: 120, restoreRate: 100 });
    expect(impatient.lastThrottleStatus!.currentlyAvailable).toBeLessThan(53);
    expect(impatient.callStats).toMatchObject({ throttledResponses: 1, throttleWaitMs: 0 });
    expect(await client.listLocations()).toHaveLength(60);
  });

  it('waits out a throttled later page instead of discarding the pages already read', async () => {
    await boot({ bucket: { maximumAvailable: 60, restoreRate: 100 } });
    for (let i = 2; i <= 60; i++) sim.state.seedLocation({ name: `Store ${i}` });
    // Page one (53 points) leaves too little for page two, which the client then waits for.
    expect(await client.listLocations()).toHaveLength(60);
    expect(sim.operations.get('Locations')).toBe(2);
    expect(client.callStats.throttleWaitMs).toBeGreaterThan(0);
    const tight = new ShopifyClient({
      shopUrl: sim.shopUrl,
      apiVersion: sim.apiVersion,
      accessToken: sim.accessToken,
      maxThrottleWaitMs: 0,
    });
    await eventually(async () => expect(sim.bucket().status().currentlyAvailable).toBe(60));
    expect(await rejectionOf(tight.listLocations())).toBeInstanceOf(TransientError);
  });

  it('throttles with 429 when configured, and on the throttle fault', async () => {
    // A slow restore keeps the bucket short of the 3 points a read costs until the 429 has been seen.
    await boot({ throttleHttpStatus: 429, bucket: { restoreRate: 5 } });
    const impatient = new ShopifyClient({
      shopUrl: sim.shopUrl,
      apiVersion: sim.apiVersion,
      accessToken: sim.accessToken,
      maxThrottleWaitMs: 0,
    });
    sim.bucket().setAvailable(0);
    const t = await rejectionOf(impatient.getAvailable(item, store));
    expect(t).toMatchObject({ name: 'TransientError', status: 429 });
    expect((t as TransientError).retryAfterMs).toBeGreaterThan(0);
    sim.bucket().setAvailable(0);
    // The default client waits the 429 out and resends.
    expect((await client.getAvailable(item, store)).available).toBe(10);
    expect(client.callStats).toMatchObject({ requests: 2, throttledResponses: 1 });
    sim.bucket().setAvailable(1000);
    sim.faults.set({ throttleRate: 1, retryAfterSeconds: 2 });
    const f = await rejectionOf(impatient.getAvailable(item, store));
    expect(f).toBeInstanceOf(TransientError);
    expect((f as TransientError).retryAfterMs).toBeGreaterThanOrEqual(2000);
  });

  it('reports extensions.cost on every response', async () => {
    const ok = await raw({ query: '{ locations(first: 5) { nodes { id } } }' });
    expect(ok.json.extensions.cost).toMatchObject({
      requestedQueryCost: 7,
      actualQueryCost: 3,
      throttleStatus: { maximumAvailable: 1000, restoreRate: 50 },
    });
    expect(ok.headers['x-shopify-api-version']).toBe('2026-04');
    await client.getAvailable(item, store);
    expect(client.lastThrottleStatus?.maximumAvailable).toBe(1000);
    const big = await raw({
      query:
        '{ productVariants(first: 250) { nodes { inventoryItem { inventoryLevel(locationId: "x") { quantities(names: ["available"]) { name } } } } } }',
    });
    expect(big.json.errors[0].extensions.code).toBe('MAX_COST_EXCEEDED');
  });

  it('refuses a wrong token with 401 and keeps tokens out of the error', async () => {
    const wrong = new ShopifyClient({
      shopUrl: sim.shopUrl,
      apiVersion: sim.apiVersion,
      accessToken: 'shpat_wrong_secret_123',
    });
    const err = await rejectionOf(wrong.listLocations());
    expect(err).toMatchObject({ name: 'PermanentError', status: 401 });
    for (const text of [err.message, err.stack ?? '', JSON.stringify(err), inspect(wrong), inspect(client)]) {
      expect(text).not.toContain('shpat_wrong_secret_123');
      expect(text).not.toContain(sim.accessToken);
    }
  });

  it('answers malformed documents with GraphQL errors', async () => {
    const invalid = await raw({ query: '{ locations(first: 5) { nodez { id } } }' });
    expect(invalid.status).toBe(200);
    expect(invalid.json.errors[0].message).toMatch(/Cannot query field "nodez"/);
    const syntax = await raw({ query: '{ locations(first: 5) {' });
    expect(syntax.json.errors[0].message).toMatch(/Syntax Error/);
  });

  it('enforces the 2026-04 rules: @idempotent and changeFromQuantity required, explicit null opts out', async () => {
    const q = (directive: string) =>
      `mutation($input: InventorySetQuantitiesInput!${directive.includes('$key') ? ', $key: String!' : ''}) { inventorySetQuantities(input: $input) ${directive} { userErrors { code } } }`;
    const input = (extra: object) => ({
      name: 'available',
      reason: 'correction',
      quantities: [{ inventoryItemId: item, locationId: store, quantity: 4, ...extra }],
    });
    const noKey = await raw({ query: q(''), variables: { input: input({ changeFromQuantity: 10 }) } });
    expect(noKey.json.errors[0].message).toMatch(/@idempotent/);
    const noCas = await raw({ query: q('@idempotent(key: $key)'), variables: { key: 'a', input: input({}) } });
    expect(noCas.json.errors[0].message).toMatch(/changeFromQuantity/);
    expect(sim.state.getAvailable(item, store)).toBe(10);
    const optOut = await raw({
      query: q('@idempotent(key: "literal-key")'),
      variables: { input: input({ changeFromQuantity: null }) },
    });
    expect(optOut.json.data.inventorySetQuantities.userErrors).toEqual([]);
    expect(sim.state.history.at(-1)?.idempotencyKey).toBe('literal-key');
    expect(sim.state.getAvailable(item, store)).toBe(4);
  });

  it('turns 5xx faults and outages into TransientError', async () => {
    sim.faults.set({ errorRate: 1 });
    expect(await rejectionOf(client.listLocations())).toBeInstanceOf(TransientError);
    sim.faults.set({ errorRate: 0, outage: { from: Date.now() - 1, until: Date.now() + 60_000 } });
    expect(await rejectionOf(client.listLocations())).toMatchObject({ name: 'TransientError', status: 503 });
    sim.faults.set({ outage: null });
    expect(await client.listLocations()).toHaveLength(1);
  });
});
