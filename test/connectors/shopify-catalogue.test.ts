import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogueProduct } from '../../src/domain/catalogue';
import { TransientError } from '../../src/connectors/http';
import { ShopifyClient } from '../../src/connectors/ecommerce/shopify/client';
import { BULK_PRICES_FROM, type ShopifyCatalogue } from '../../src/connectors/ecommerce/shopify/catalogue';
import { parseShopifyProductWebhook, verifyShopifyWebhook } from '../../src/connectors/ecommerce/shopify/webhooks';
import {
  startShopifySimulator,
  type ShopifySimulator,
  type ShopifySimulatorOptions,
} from '../../src/simulators/shopify/index';
import { waitFor } from '../support/temporal';

let sim: ShopifySimulator;
let client: ShopifyClient;
let catalogue: ShopifyCatalogue;

async function boot(opts: ShopifySimulatorOptions = {}): Promise<void> {
  await sim?.close();
  sim = await startShopifySimulator(opts);
  client = new ShopifyClient({
    shopUrl: sim.shopUrl,
    apiVersion: sim.apiVersion,
    accessToken: sim.accessToken,
    timeoutMs: 5_000,
  });
  catalogue = client.catalogue();
}
beforeEach(() => boot());
afterEach(() => sim.close());

const product = (n: number, over: Partial<CatalogueProduct> = {}): CatalogueProduct => ({
  masterId: `item-guid-${n}`,
  sku: `ITEM${n}`,
  version: '2026-05-01T10:00:00.000Z',
  fingerprint: `fp-${n}-a`,
  title: `Shirt ${n}`,
  categoryCode: 'SHIRTS',
  active: true,
  variants: [
    { sku: `ITEM${n}-S`, code: 'S', title: 'Small', priceCents: 19_900 },
    { sku: `ITEM${n}-M`, code: 'M', title: 'Medium', priceCents: 19_900 },
  ],
  ...over,
});

/** Products in the shop holding this master id: more than one would be a twin. */
const productsWithMasterId = (masterId: string) =>
  sim.state.products.all().filter((p) => p.metafields.some((m) => m.key === 'master_id' && m.value === masterId));

/** What a Temporal activity retry does: call again after a transient failure. */
async function retried<T>(call: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof TransientError) || i >= attempts) throw err;
    }
  }
}

describe('Shopify catalogue: productSet upserts', () => {
  it('creates, then finds the product unchanged, updates a newer version and skips an older one', async () => {
    const [created] = await catalogue.upsertProducts([product(1)]);
    expect(created).toMatchObject({ result: 'created', masterId: 'item-guid-1' });
    expect(Object.keys(created!.ref!.variantIds).sort()).toEqual(['ITEM1-M', 'ITEM1-S']);
    const p = sim.state.products.get(created!.ref!.productId)!;
    expect(p.title).toBe('Shirt 1');
    expect(p.productType).toBe('SHIRTS');
    expect(p.variants.map((v) => [v.sku, v.price])).toEqual([
      ['ITEM1-S', '199.00'],
      ['ITEM1-M', '199.00'],
    ]);
    // The stock flows find the new SKUs.
    expect((await client.findInventoryItems(['ITEM1-S', 'ITEM1-M'])).size).toBe(2);

    const writesBefore = sim.operations.get('ProductSet');
    expect(await catalogue.upsertProducts([product(1)])).toMatchObject([{ result: 'unchanged' }]);
    expect(sim.operations.get('ProductSet')).toBe(writesBefore);

    const newer = product(1, { version: '2026-05-02T10:00:00.000Z', fingerprint: 'fp-1-b', title: 'Shirt 1 v2' });
    expect(await catalogue.upsertProducts([newer])).toMatchObject([{ result: 'updated' }]);
    expect(sim.state.products.get(created!.ref!.productId)!.title).toBe('Shirt 1 v2');

    const older = product(1, { version: '2026-04-30T10:00:00.000Z', fingerprint: 'fp-1-c', title: 'Old title' });
    expect(await catalogue.upsertProducts([older])).toMatchObject([
      { result: 'stale', heldVersion: '2026-05-02T10:00:00.000Z' },
    ]);
    expect(sim.state.products.get(created!.ref!.productId)!.title).toBe('Shirt 1 v2');
  });

  it('removes a variant the master dropped and keeps the ids of the others', async () => {
    const three = product(2, {
      variants: [
        { sku: 'ITEM2-S', code: 'S', title: 'Small', priceCents: 100 },
        { sku: 'ITEM2-M', code: 'M', title: 'Medium', priceCents: 100 },
        { sku: 'ITEM2-L', code: 'L', title: 'Large', priceCents: 100 },
      ],
    });
    const [first] = await catalogue.upsertProducts([three]);
    const ids = first!.ref!.variantIds;
    const two = {
      ...three,
      version: '2026-05-03T00:00:00.000Z',
      fingerprint: 'fp-2-b',
      variants: three.variants.slice(0, 2),
    };
    const [second] = await catalogue.upsertProducts([two]);
    expect(second!.result).toBe('updated');
    expect(second!.ref!.variantIds).toEqual({ 'ITEM2-S': ids['ITEM2-S'], 'ITEM2-M': ids['ITEM2-M'] });
    const held = sim.state.products.get(first!.ref!.productId)!;
    expect(held.variants.map((v) => v.sku)).toEqual(['ITEM2-S', 'ITEM2-M']);
    expect(sim.state.itemBySku('ITEM2-L')).toBeUndefined();
  });

  it('puts back a title edited in the admin even though the stored fingerprint still matches', async () => {
    await catalogue.upsertProducts([product(3)]);
    sim.state.adminEditProduct('item-guid-3', { title: 'Edited by a merchant' });
    expect(await catalogue.upsertProducts([product(3)])).toMatchObject([{ result: 'updated' }]);
    expect(productsWithMasterId('item-guid-3')[0]!.title).toBe('Shirt 3');
  });

  it('makes no twin when every write response is lost', async () => {
    await boot({ faults: { lostResponseRate: 1 } });
    const products = [product(10), product(11), product(12)];
    const outcomes = await retried(() => catalogue.upsertProducts(products));
    expect(sim.faults.counters.lostResponses).toBeGreaterThanOrEqual(3);
    expect(outcomes.map((o) => o.result)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    for (const p of products) expect(productsWithMasterId(p.masterId)).toHaveLength(1);
    expect(sim.state.products.all()).toHaveLength(3);
    // An update after lost answers lands on the same product too.
    const newer = products.map((p) => ({
      ...p,
      version: '2026-06-01T00:00:00.000Z',
      fingerprint: `${p.fingerprint}-2`,
      title: 'New',
    }));
    await retried(() => catalogue.upsertProducts(newer));
    expect(sim.state.products.all().map((p) => p.title)).toEqual(['New', 'New', 'New']);
  });

  it('makes no twin when a write commits after the client gave up', async () => {
    await boot({ faults: { lateCommitRate: 1, lateCommitDelayMs: 1_500 } });
    const shortClient = new ShopifyClient({
      shopUrl: sim.shopUrl,
      apiVersion: sim.apiVersion,
      accessToken: sim.accessToken,
      timeoutMs: 300,
    }).catalogue();
    await expect(shortClient.upsertProducts([product(20)])).rejects.toBeInstanceOf(TransientError);
    sim.faults.set({ lateCommitRate: 0 });
    await retried(() => catalogue.upsertProducts([product(20)]));
    await waitFor('the late write to land', () => sim.faults.counters.lateCommitsApplied === 1, 10_000);
    expect(productsWithMasterId('item-guid-20')).toHaveLength(1);
  });

  it("rejects a negative price with Shopify's words and goes on with the rest", async () => {
    const bad = product(31, {
      variants: [{ sku: 'ITEM31-S', code: 'S', title: 'Small', priceCents: -500 }],
    });
    const outcomes = await catalogue.upsertProducts([product(30), bad, product(32)]);
    expect(outcomes.map((o) => o.result)).toEqual(['created', 'rejected', 'created']);
    expect(outcomes[1]!.reason).toMatch(/ITEM31-S price: Price must be greater than or equal to 0.*INVALID_VARIANT/);
    expect(productsWithMasterId('item-guid-31')).toHaveLength(0);
  });

  it('survives THROTTLED answers (HTTP 200 and 429)', async () => {
    for (const throttleHttpStatus of [200, 429] as const) {
      await boot({ throttleHttpStatus, bucket: { maximumAvailable: 1000, restoreRate: 1000 } });
      sim.bucket().setAvailable(0);
      const outcomes = await catalogue.upsertProducts([product(40), product(41)]);
      expect(outcomes.map((o) => o.result)).toEqual(['created', 'created']);
      expect(client.callStats.throttledResponses + client.callStats.throttleWaitMs).toBeGreaterThan(0);
    }
  });
});

describe('Shopify catalogue: prices and read-back', () => {
  it('sets prices by SKU, refuses a negative one and an unknown SKU, and reads them back', async () => {
    await catalogue.upsertProducts([product(50), product(51)]);
    const outcomes = await catalogue.setPrices({ list: 'default' }, [
      { sku: 'ITEM50-S', priceCents: 14_900 },
      { sku: 'ITEM50-M', priceCents: -1 },
      { sku: 'ITEM51-M', priceCents: 17_500 },
      { sku: 'NOPE', priceCents: 100 },
    ]);
    expect(outcomes.map((o) => [o.sku, o.result])).toEqual([
      ['ITEM50-S', 'applied'],
      ['ITEM50-M', 'rejected'],
      ['ITEM51-M', 'applied'],
      ['NOPE', 'rejected'],
    ]);
    expect(outcomes[1]!.reason).toMatch(/NEGATIVE_PRICE_VALUE/);
    expect(await catalogue.readPrices({ list: 'default' }, ['ITEM50-S', 'ITEM50-M', 'ITEM51-M', 'NOPE'])).toEqual({
      'ITEM50-S': 14_900,
      'ITEM50-M': 19_900,
      'ITEM51-M': 17_500,
    });
  });

  it('writes the prices of many products as one bulk operation, joining each line back, a refused one included', async () => {
    const many = Array.from({ length: BULK_PRICES_FROM }, (_, i) => product(300 + i));
    const bulk = await catalogue.startBulkUpsert(many);
    await waitFor(
      'the load done',
      async () => (await catalogue.bulkStatus(bulk.operationId, many)).status === 'COMPLETED',
    );
    const oneByOne = sim.operations.get('VariantsBulkUpdate') ?? 0;
    const runs = sim.operations.get('BulkOperationRunMutation') ?? 0;
    const prices = many.map((p, i) => ({ sku: `${p.sku}-S`, priceCents: i === 7 ? -5 : 10_000 + i }));
    const outcomes = await catalogue.setPrices({ list: 'default' }, prices);
    expect(sim.operations.get('VariantsBulkUpdate') ?? 0).toBe(oneByOne);
    expect(sim.operations.get('BulkOperationRunMutation')).toBe(runs + 1);
    expect(outcomes.filter((o) => o.result === 'applied')).toHaveLength(BULK_PRICES_FROM - 1);
    expect(outcomes[7]).toMatchObject({
      sku: 'ITEM307-S',
      result: 'rejected',
      reason: expect.stringMatching(/NEGATIVE_PRICE_VALUE/),
    });
    const shown = await catalogue.readPrices(
      { list: 'default' },
      prices.map((p) => p.sku),
    );
    expect(shown['ITEM300-S']).toBe(10_000);
    expect(shown[`ITEM${300 + BULK_PRICES_FROM - 1}-S`]).toBe(10_000 + BULK_PRICES_FROM - 1);
    expect(shown['ITEM307-S']).not.toBe(-5);
  });

  it('reads back what Shopify holds for item SKUs, an admin edit included', async () => {
    await catalogue.upsertProducts([
      product(60, { variants: [{ sku: 'ITEM60', title: 'Default', priceCents: 500 }], barcode: '7310000000601' }),
    ]);
    sim.state.adminEditProduct('ITEM60', { price: '4.00' });
    const [copy] = await catalogue.readProducts(['ITEM60', 'MISSING']);
    expect(copy).toMatchObject({
      sku: 'ITEM60',
      masterId: 'item-guid-60',
      version: '2026-05-01T10:00:00.000Z',
      title: 'Shirt 60',
      barcode: '7310000000601',
      categoryCode: 'SHIRTS',
      active: true,
      variants: [{ sku: 'ITEM60', priceCents: 400, barcode: '7310000000601' }],
    });
    expect(await catalogue.readProducts(['MISSING'])).toEqual([]);
  });
});

describe('Shopify catalogue: bulk load', () => {
  it('loads 500 products through a staged upload and joins the shuffled results by line number', async () => {
    const products = Array.from({ length: 500 }, (_, i) => product(1000 + i));
    products[137] = product(1137, { variants: [{ sku: 'ITEM1137-S', title: 'Small', priceCents: -1 }] });
    const { operationId } = await catalogue.startBulkUpsert(products);
    const done = await waitFor(
      'the bulk operation to complete',
      async () => {
        const s = await catalogue.bulkStatus(operationId, products);
        return s.status === 'COMPLETED' ? s : undefined;
      },
      30_000,
      200,
    );
    expect(done.objectCount).toBe(500);
    const outcomes = done.outcomes!;
    expect(outcomes).toHaveLength(500);
    expect(outcomes.filter((o) => o.result === 'created')).toHaveLength(499);
    expect(outcomes[137]).toMatchObject({ sku: 'ITEM1137', result: 'rejected' });
    expect(outcomes[137]!.reason).toMatch(/INVALID_VARIANT/);
    // Joined to the right product: each outcome's ref holds that product's own SKUs.
    outcomes.forEach((o, i) => {
      if (i !== 137) expect(Object.keys(o.ref!.variantIds).sort()).toEqual([`ITEM${1000 + i}-M`, `ITEM${1000 + i}-S`]);
    });
    // The result file really was out of order.
    const file = await (await fetch(sim.bulk.get(operationId)!.url!)).text();
    const lines = file
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { __lineNumber: number }).__lineNumber);
    expect(lines).not.toEqual([...lines].sort((a, b) => a - b));
    expect(sim.state.products.all()).toHaveLength(499);
  });

  it('refuses a sixth concurrent bulk mutation with LIMIT_REACHED', async () => {
    await boot({ bulk: { linesPerSecond: 1 } });
    const products = [product(2000), product(2001)];
    for (let i = 0; i < 5; i++) await catalogue.startBulkUpsert(products);
    await expect(catalogue.startBulkUpsert(products)).rejects.toMatchObject({ code: 'LIMIT_REACHED' });
  });
});

interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

async function receiver(): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/shopify`,
    got,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('Shopify products/update webhooks', () => {
  it('an admin edit and our own write each fire a signed products/update', async () => {
    const SECRET = 'app-secret';
    const rx = await receiver();
    try {
      sim.webhooks.subscribe({ topic: 'products/update', url: rx.url, secret: SECRET });
      await catalogue.upsertProducts([product(70)]);
      await sim.webhooks.idle();
      expect(rx.got).toHaveLength(1); // our own write echoes
      sim.state.adminEditProduct('ITEM70-S', { price: '1.00', title: 'Cheap shirt' });
      await sim.webhooks.idle();
      expect(rx.got).toHaveLength(2);
      const edit = rx.got[1]!;
      expect(edit.headers['x-shopify-topic']).toBe('products/update');
      expect(verifyShopifyWebhook(edit.raw, edit.headers['x-shopify-hmac-sha256'] as string, [SECRET])).toBe(true);
      expect(verifyShopifyWebhook(edit.raw, edit.headers['x-shopify-hmac-sha256'] as string, ['other'])).toBe(false);
      const parsed = parseShopifyProductWebhook(edit.raw);
      if (!('product' in parsed)) throw new Error(parsed.error);
      expect(parsed.product.title).toBe('Cheap shirt');
      expect(parsed.product.admin_graphql_api_id).toMatch(/^gid:\/\/shopify\/Product\//);
      expect(parsed.product.variants.map((v) => [v.sku, v.price])).toEqual([
        ['ITEM70-S', '1.00'],
        ['ITEM70-M', '199.00'],
      ]);
      expect(parseShopifyProductWebhook('{"id": 1}')).toHaveProperty('error');
    } finally {
      await rx.close();
    }
  });
});
