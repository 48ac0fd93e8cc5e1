import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../src/connectors/http';
import { webLevelKey, type SetWebOnHandManyInput } from '../../src/connectors/ecommerce/port';
import { ShopifyClient } from '../../src/connectors/ecommerce/shopify/client';
import {
  startShopifySimulator,
  type ShopifySimulator,
  type ShopifySimulatorOptions,
} from '../../src/simulators/shopify/index';
import { rejectionOf } from '../support/rejection';

let sim: ShopifySimulator;
let client: ShopifyClient;
let storeA: string;
let storeB: string;
/** ITEM-0..n, stocked at store A with on_hand = available = 10 + index (no orders yet). */
let items: string[];

async function boot(opts: ShopifySimulatorOptions = {}, itemCount = 5): Promise<void> {
  await sim?.close();
  sim = await startShopifySimulator(opts);
  client = new ShopifyClient({
    shopUrl: sim.shopUrl,
    apiVersion: sim.apiVersion,
    accessToken: sim.accessToken,
    timeoutMs: 5_000,
  });
  storeA = sim.state.seedLocation({ name: 'Store A' });
  storeB = sim.state.seedLocation({ name: 'Store B' });
  items = [];
  for (let i = 0; i < itemCount; i++) {
    items.push(sim.state.seedItem({ sku: `ITEM-${i}` }));
    sim.state.setAvailable(items[i]!, storeA, 10 + i);
  }
}

beforeEach(() => boot());
/** An item's on_hand at store A, as the simulator holds it. */
const onHand = (id: string, location = storeA) => sim.state.quantities(id, location)?.on_hand;
afterEach(() => sim.close());

/** Sets item i's on_hand at store A from its seeded value (10 + i) to `to(i)`. */
const writeOf = (indexes: number[], key: string, to = (i: number) => 100 + i): SetWebOnHandManyInput => ({
  idempotencyKey: key,
  referenceDocumentUri: 'gid://retail-integration/StockSync/1',
  quantities: indexes.map((i) => ({
    inventoryItemId: items[i]!,
    locationId: storeA,
    quantity: to(i),
    changeFromQuantity: 10 + i,
  })),
});

async function raw(body: unknown) {
  const res = await request(sim.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-access-token': sim.accessToken },
    body: JSON.stringify(body),
  });
  return (await res.body.json()) as any;
}

describe('ShopifyClient bulk stock against the simulator', () => {
  it('applies many quantities in one mutation request, each recorded with its time', async () => {
    const before = Date.now();
    expect(
      await client.setOnHandMany({ ...writeOf([0, 1, 2, 3, 4], 'bulk-1'), reason: 'cycle_count_available' }),
    ).toEqual({ outcome: 'applied' });
    expect(sim.operations.get('SetOnHand')).toBe(1);
    expect(items.map((id) => onHand(id))).toEqual([100, 101, 102, 103, 104]);
    expect(sim.state.history).toHaveLength(5);
    for (const h of sim.state.history) {
      expect(h).toMatchObject({
        name: 'on_hand',
        idempotencyKey: 'bulk-1',
        reason: 'cycle_count_available',
        delta: 90,
      });
      expect(h.atMs).toBeGreaterThanOrEqual(before);
    }
    expect(client.callStats).toMatchObject({ requests: 1, throttledResponses: 0 });
  });

  it('splits more than 250 quantities into keyed chunks, one request each', async () => {
    await boot({}, 300);
    const indexes = items.map((_, i) => i);
    expect(await client.setOnHandMany(writeOf(indexes, 'big'))).toEqual({ outcome: 'applied' });
    expect(sim.operations.get('SetOnHand')).toBe(2);
    expect(new Set(sim.state.history.map((h) => h.idempotencyKey))).toEqual(new Set(['big:0', 'big:1']));
    expect(onHand(items[299]!)).toBe(399);
  });

  it('leaves every quantity unapplied when one is stale, and names the stale level', async () => {
    const write = writeOf([0, 1, 2, 3], 'stale-1');
    write.quantities[2]!.changeFromQuantity = 99;
    const result = await client.setOnHandMany(write);
    expect(result).toMatchObject({ outcome: 'stale' });
    // The simulator points at quantities[2]; the client turns that index back into the level.
    expect(result.outcome === 'stale' && result.message).toContain(
      webLevelKey({ inventoryItemId: items[2]!, locationId: storeA }),
    );
    expect(items.map((id) => onHand(id))).toEqual([10, 11, 12, 13, 14]);
    expect(sim.state.history).toHaveLength(0);
    expect(sim.state.writes).toMatchObject({ applied: 0, stale: 1 });
  });

  it('does not double-apply when the response was lost and the call is retried with the same key', async () => {
    sim.faults.set({ lostResponseRate: 1 });
    expect(await rejectionOf(client.setOnHandMany(writeOf([0, 1, 2], 'lost-1')))).toBeInstanceOf(TransientError);
    expect(onHand(items[1]!)).toBe(101); // applied, though the caller never heard
    sim.faults.set({ lostResponseRate: 0 });
    expect(await client.setOnHandMany(writeOf([0, 1, 2], 'lost-1'))).toEqual({ outcome: 'applied' });
    expect(sim.state.writes).toMatchObject({ applied: 1, replays: 1 });
    expect(sim.state.history).toHaveLength(3);
    expect(sim.faults.counters.lostResponses).toBe(1);
  });

  it('writes on_hand under open web orders: their committed units stay out of available; the compare-and-set is on on_hand', async () => {
    // Two web orders commit 3 units of ITEM-0 (on_hand 10) at store A.
    sim.state.createOrder({ lines: [{ sku: 'ITEM-0', quantity: 2, price: '10.00' }], shippingLocationId: storeA });
    sim.state.createOrder({ lines: [{ sku: 'ITEM-0', quantity: 1, price: '10.00' }], shippingLocationId: storeA });
    expect(sim.state.quantities(items[0]!, storeA)).toEqual({ available: 7, committed: 3, reserved: 0, on_hand: 10 });
    const level = { inventoryItemId: items[0]!, locationId: storeA };
    expect(await client.getOnHandMany([level])).toEqual(new Map([[webLevelKey(level), 10]]));
    expect(await client.listLocationLevels(storeA)).toContainEqual({
      inventoryItemId: items[0],
      sku: 'ITEM-0',
      onHand: 10,
    });
    // Comparing against available would be stale: the shop compares the named quantity, on_hand.
    const againstAvailable = await client.setOnHandMany({
      ...writeOf([0], 'cas-1', () => 12),
      quantities: [{ ...level, quantity: 12, changeFromQuantity: 7 }],
    });
    expect(againstAvailable).toMatchObject({ outcome: 'stale' });
    expect(await client.setOnHandMany(writeOf([0], 'cas-2', () => 12))).toEqual({ outcome: 'applied' });
    expect(sim.state.quantities(items[0]!, storeA)).toEqual({ available: 9, committed: 3, reserved: 0, on_hand: 12 });
    expect(sim.state.history.at(-1)).toMatchObject({
      name: 'on_hand',
      delta: 2,
      quantityAfterChange: 12,
      idempotencyKey: 'cas-2',
    });
  });

  it('replays an on_hand write under its key once, also when a web order moved available in between', async () => {
    sim.faults.set({ lostResponseRate: 1 });
    expect(await rejectionOf(client.setOnHandMany(writeOf([0], 'replay-1', () => 4)))).toBeInstanceOf(TransientError);
    sim.faults.set({ lostResponseRate: 0 });
    sim.state.createOrder({ lines: [{ sku: 'ITEM-0', quantity: 1, price: '10.00' }], shippingLocationId: storeA });
    // The retry (same key, same input) is answered from the first attempt: applied once, the order's commitment intact.
    expect(await client.setOnHandMany(writeOf([0], 'replay-1', () => 4))).toEqual({ outcome: 'applied' });
    expect(await client.setOnHandMany(writeOf([0], 'replay-1', () => 4))).toEqual({ outcome: 'applied' });
    expect(sim.state.quantities(items[0]!, storeA)).toEqual({ available: 3, committed: 1, reserved: 0, on_hand: 4 });
    expect(sim.state.writes).toMatchObject({ applied: 1, replays: 2 });
    expect(sim.state.history).toHaveLength(1);
  });

  it('reads many levels across two locations, one query per location; not stocked and unknown are undefined', async () => {
    sim.state.setAvailable(items[0]!, storeB, 70);
    sim.state.setAvailable(items[1]!, storeB, 0);
    const unknown = 'gid://shopify/InventoryItem/999999';
    const levels = [
      { inventoryItemId: items[0]!, locationId: storeA },
      { inventoryItemId: items[3]!, locationId: storeA },
      { inventoryItemId: unknown, locationId: storeA },
      { inventoryItemId: items[0]!, locationId: storeB },
      { inventoryItemId: items[1]!, locationId: storeB },
      { inventoryItemId: items[2]!, locationId: storeB }, // not stocked at B
    ];
    const got = await client.getOnHandMany(levels);
    expect(Object.fromEntries(got)).toEqual({
      [webLevelKey(levels[0]!)]: 10,
      [webLevelKey(levels[1]!)]: 13,
      [webLevelKey(levels[2]!)]: undefined,
      [webLevelKey(levels[3]!)]: 70,
      [webLevelKey(levels[4]!)]: 0,
      [webLevelKey(levels[5]!)]: undefined,
    });
    expect(got.has(webLevelKey(levels[5]!))).toBe(true);
    expect(sim.operations.get('OnHandMany')).toBe(2);
  });

  it('lists every level at a location across several pages', async () => {
    await boot({}, 250);
    sim.state.setAvailable(items[0]!, storeB, 5); // another location's level must not leak in
    const levels = await client.listLocationLevels(storeA);
    expect(levels).toHaveLength(250);
    expect(levels[0]).toEqual({ inventoryItemId: items[0], sku: 'ITEM-0', onHand: 10 });
    expect(levels[249]).toEqual({ inventoryItemId: items[249], sku: 'ITEM-249', onHand: 259 });
    expect(new Set(levels.map((l) => l.inventoryItemId)).size).toBe(250);
    expect(sim.operations.get('LocationLevels')).toBe(3);
    expect(await client.listLocationLevels(storeB)).toEqual([{ inventoryItemId: items[0], sku: 'ITEM-0', onHand: 5 }]);
    expect(await rejectionOf(client.listLocationLevels('gid://shopify/Location/404'))).toMatchObject({
      name: 'PermanentError',
      code: 'NOT_FOUND',
    });
  });

  it('paces a burst against a tiny bucket: every call succeeds, few are throttled', async () => {
    await boot({ bucket: { maximumAvailable: 60, restoreRate: 20 } }, 60);
    const calls = Array.from({ length: 20 }, (_, c) =>
      client.setOnHandMany(writeOf([3 * c, 3 * c + 1, 3 * c + 2], `burst-${c}`)),
    );
    const results = await Promise.all(calls);
    expect(results.every((r) => r.outcome === 'applied')).toBe(true);
    expect(items.every((id, i) => onHand(id) === 100 + i)).toBe(true);
    // 20 mutations x 10 points = 200 against a 60-point bucket: most calls had to wait their turn.
    const stats = client.callStats;
    expect(stats.throttleWaitMs).toBeGreaterThan(0);
    expect(stats.throttledResponses).toBeLessThanOrEqual(3);
    expect(sim.throttled.get('SetOnHand') ?? 0).toBeLessThanOrEqual(3);
    expect(stats.requests).toBe(20 + stats.throttledResponses);
  });

  it('simulator: refuses duplicate levels and oversized inputs, and costs nodes(ids:) per id', async () => {
    const mutation =
      'mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) @idempotent(key: "k") { userErrors { field code } } }';
    const q = (i: number) => ({
      inventoryItemId: items[i]!,
      locationId: storeA,
      quantity: 1,
      changeFromQuantity: 10 + i,
    });
    const dup = await raw({
      query: mutation,
      variables: { input: { name: 'available', reason: 'correction', quantities: [q(0), q(1), q(0)] } },
    });
    expect(dup.data.inventorySetQuantities.userErrors).toEqual([
      { field: ['input', 'quantities', '2', 'inventoryItemId'], code: 'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR' },
    ]);
    const many = Array.from({ length: 251 }, () => q(0));
    const big = await raw({
      query: mutation.replace('"k"', '"k2"'),
      variables: { input: { name: 'available', reason: 'correction', quantities: many } },
    });
    expect(big.errors[0].extensions.code).toBe('MAX_INPUT_SIZE_EXCEEDED');
    expect(sim.state.getAvailable(items[0]!, storeA)).toBe(10);
    const nodes = await raw({
      query: `{ nodes(ids: ["${items[0]}", "${items[1]}", "gid://shopify/InventoryItem/1", "${storeA}"]) { id ... on InventoryItem { sku inventoryLevel(locationId: "${storeA}") { quantities(names: ["available"]) { quantity } } } } }`,
    });
    expect(nodes.data.nodes).toEqual([
      { id: items[0], sku: 'ITEM-0', inventoryLevel: { quantities: [{ quantity: 10 }] } },
      { id: items[1], sku: 'ITEM-1', inventoryLevel: { quantities: [{ quantity: 11 }] } },
      null,
      { id: storeA },
    ]);
    expect(nodes.extensions.cost.requestedQueryCost).toBe(12);
    expect(await rejectionOf(client.setOnHandMany({ ...writeOf([0], 'd'), quantities: [q(0), q(0)] }))).toBeInstanceOf(
      PermanentError,
    );
  });
});
