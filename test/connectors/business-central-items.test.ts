import { describe, expect, it } from 'vitest';
import { TransientError } from '../../src/connectors/http';
import type { BusinessCentralClient } from '../../src/connectors/erp/business-central/client';
import type { MasterProduct, ProductCursor } from '../../src/connectors/master/port';
import type { BusinessCentralSimulator } from '../../src/simulators/business-central';
import { businessCentralFixture } from '../support/business-central';
import { rejectionOf, untilThrough } from '../support/rejection';

const { startSim, clientFor } = businessCentralFixture();

/** The simulator's clock, moved by the tests: lastModifiedDateTime is what these tests are about. */
function clock(start = Date.parse('2026-03-01T10:00:00.000Z')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const skus = (products: MasterProduct[]): string[] => products.map((p) => p.sku).sort();

/** Every batch until the master says there is no more, with the cursor to continue from. */
async function readAll(
  client: BusinessCentralClient,
  cursor: ProductCursor | undefined,
  opts: { maxProducts?: number } = {},
): Promise<{ products: MasterProduct[]; cursor: ProductCursor; calls: number }> {
  const products: MasterProduct[] = [];
  for (let calls = 1; ; calls++) {
    if (calls > 100) throw new Error('the master kept reporting more changes');
    const page = await client.readChangedProducts(cursor, opts);
    products.push(...page.products);
    cursor = page.cursor;
    if (!page.more) return { products, cursor, calls };
  }
}

async function startWithVariants(c = clock()): Promise<BusinessCentralSimulator> {
  const sim = await startSim({ now: c.now });
  sim.state.seedVariant('1000', { code: 'red', description: 'Mug, red' });
  sim.state.seedVariant('1000', { code: 'blue', description: 'Mug, blue' });
  sim.state.seedVariant('1001', { code: 'white', description: 'Plate, white' });
  return sim;
}

describe('Business Central items as the product master', () => {
  it('a first read returns every item with its variants, the price in cents; a second read returns nothing', async () => {
    const sim = await startWithVariants();
    sim.state.changeItem('1001', { gtin: '7310000000017' });
    const client = clientFor(sim);

    const first = await readAll(client, undefined);
    expect(skus(first.products)).toEqual(['1000', '1001']);
    const mug = first.products.find((p) => p.sku === '1000')!;
    expect(mug).toMatchObject({
      masterId: sim.state.itemByNumber('1000')!.id,
      title: 'Mug',
      categoryCode: 'KITCHEN',
      baseUnit: 'PCS',
      blocked: false,
      unitPriceCents: 995,
      priceIncludesTax: true,
      variants: [
        { code: 'BLUE', description: 'Mug, blue' },
        { code: 'RED', description: 'Mug, red' },
      ],
      lastModified: '2026-03-01T10:00:00.000Z',
      version: '2026-03-01T10:00:00.000Z',
    });
    expect(mug.gtin).toBeUndefined();
    expect(first.products.find((p) => p.sku === '1001')).toMatchObject({ gtin: '7310000000017', unitPriceCents: 1950 });

    const again = await readAll(client, first.cursor);
    expect(again.products).toEqual([]);
  });

  it('after changes only the changed items come back, including one whose only change is a variant', async () => {
    const c = clock();
    const sim = await startWithVariants(c);
    sim.state.seedItem({ number: '1002', displayName: 'Bowl', unitPrice: 7 });
    const client = clientFor(sim);
    const first = await readAll(client, undefined);
    const before = new Map(first.products.map((p) => [p.sku, p]));

    c.advance(1_000);
    sim.state.changeItem('1000', { unitPrice: 12.5, displayName: 'Mug, large', blocked: true });
    c.advance(1_000);
    sim.state.changeVariant('1001', 'WHITE', { description: 'Plate, bone white' });
    // BC leaves the item alone when a variant changes: only the variant stream can tell.
    expect(new Date(sim.state.itemByNumber('1001')!.lastModified).toISOString()).toBe(before.get('1001')!.lastModified);

    const next = await readAll(client, first.cursor);
    expect(skus(next.products)).toEqual(['1000', '1001']);
    const [mug, plate] = [next.products.find((p) => p.sku === '1000')!, next.products.find((p) => p.sku === '1001')!];
    expect(mug).toMatchObject({ title: 'Mug, large', blocked: true, unitPriceCents: 1250 });
    expect(mug.fingerprint).not.toBe(before.get('1000')!.fingerprint);
    expect(plate.variants).toEqual([{ code: 'WHITE', description: 'Plate, bone white' }]);
    expect(plate.version > before.get('1001')!.version).toBe(true);
    expect(plate.version).toBe('2026-03-01T10:00:02.000Z');

    expect((await readAll(client, next.cursor)).products).toEqual([]);
  });

  it('a change that becomes visible after a later-stamped one is read once, within the overlap, and nothing twice', async () => {
    const c = clock();
    const sim = await startWithVariants(c);
    const client = clientFor(sim);
    const first = await readAll(client, undefined);

    c.advance(100);
    sim.state.changeItem('1000', { unitPrice: 11 });
    const seen = await readAll(client, first.cursor);
    expect(skus(seen.products)).toEqual(['1000']);

    // Stamped 30 ms before the change already read, committed after that read: BC's SystemModifiedAt race.
    sim.state.commitLagMs = 30;
    c.advance(10);
    sim.state.changeItem('1001', { unitPrice: 21 });
    sim.state.changeVariant('1000', 'RED', { description: 'Mug, crimson' });
    sim.state.commitLagMs = 0;
    expect(new Date(sim.state.itemByNumber('1001')!.lastModified).toISOString() < seen.cursor['items']!.after).toBe(
      true,
    );
    // Without the overlap the late item change is lost: the item cursor is already past its
    // timestamp (the variant's is not, the variant stream has not moved since the first read).
    const blind = await client.readChangedProducts(seen.cursor, { overlapMs: 0 });
    expect(skus(blind.products)).toEqual(['1000']);

    const late = await readAll(client, seen.cursor);
    expect(skus(late.products)).toEqual(['1000', '1001']);
    expect(late.products.find((p) => p.sku === '1001')!.unitPriceCents).toBe(2100);
    expect(late.products.find((p) => p.sku === '1000')!.variants).toContainEqual({
      code: 'RED',
      description: 'Mug, crimson',
    });
    expect((await readAll(client, late.cursor)).products).toEqual([]);
  });

  it('pages through many items stamped in the same millisecond in batches, each read exactly once', async () => {
    const c = clock();
    const sim = await startSim({ now: c.now, pageSize: 50 });
    for (let n = 0; n < 230; n++)
      sim.state.seedItem({ number: `B${String(n).padStart(4, '0')}`, displayName: `Bulk ${n}` });
    const client = clientFor(sim, { pageSize: 40 });

    const full = await readAll(client, undefined, { maxProducts: 60 });
    expect(full.calls).toBeGreaterThan(3);
    expect(full.products).toHaveLength(232);
    expect(new Set(full.products.map((p) => p.masterId)).size).toBe(232);

    c.advance(5);
    for (const n of ['B0007', 'B0100', 'B0229']) sim.state.changeItem(n, { unitPrice: 1.99 });
    const changed = await readAll(client, full.cursor, { maxProducts: 60 });
    expect(skus(changed.products)).toEqual(['B0007', 'B0100', 'B0229']);
    expect(changed.products.every((p) => p.unitPriceCents === 199)).toBe(true);
  });

  it('429, 5xx and outages fail the read with TransientError, and the same cursor read again loses nothing', async () => {
    const c = clock();
    const sim = await startWithVariants(c);
    const client = clientFor(sim, { pageSize: 1 });
    const first = await readAll(client, undefined);
    c.advance(50);
    sim.state.changeItem('1000', { unitPrice: 8 });
    sim.state.changeVariant('1001', 'WHITE', { description: 'Plate, snow' });

    sim.faults.set({ throttleRate: 1, retryAfterSeconds: 3 });
    const throttled = await rejectionOf(client.readChangedProducts(first.cursor));
    sim.faults.set({ throttleRate: 0, errorRate: 1 });
    const failed = await rejectionOf(client.readChangedProducts(first.cursor));
    sim.faults.set({ errorRate: 0, outage: { from: 0, until: Number.MAX_SAFE_INTEGER } });
    const down = await rejectionOf(client.readChangedProducts(first.cursor));
    sim.faults.reset();
    expect([throttled, failed, down].map((e) => e instanceof TransientError && e.status)).toEqual([429, 500, 503]);
    expect((throttled as TransientError).retryAfterMs).toBe(3_000);

    // Failures part-way through the pages: each attempt starts again from the caller's cursor.
    sim.faults.set({ errorRate: 0.3 });
    const { result, failures } = await untilThrough(() => readAll(client, first.cursor), TransientError);
    sim.faults.reset();
    expect(failures).toBeGreaterThan(0);
    expect(skus(result.products)).toEqual(['1000', '1001']);
    expect(result.products.find((p) => p.sku === '1000')!.unitPriceCents).toBe(800);
    expect((await readAll(client, result.cursor)).products).toEqual([]);
  });
});
