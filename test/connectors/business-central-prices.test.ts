import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../src/connectors/http';
import type { BusinessCentralClient } from '../../src/connectors/erp/business-central/client';
import type { MasterPriceLine, MasterStreamCursor } from '../../src/connectors/master/port';
import { CATALOGUE_API_PATH, type BusinessCentralSimulator } from '../../src/simulators/business-central';
import { businessCentralFixture } from '../support/business-central';
import { rejectionOf, untilThrough } from '../support/rejection';

const { startSim, clientFor } = businessCentralFixture();

/** The simulator's clock, moved by the tests: lastModifiedDateTime is what the incremental read is about. */
function clock(start = Date.parse('2026-03-01T10:00:00.000Z')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const pricesClient = (sim: BusinessCentralSimulator, o: { pageSize?: number } = {}) =>
  clientFor(sim, { priceListApi: CATALOGUE_API_PATH, ...o });
const ids = (lines: MasterPriceLine[]): string[] => lines.map((l) => l.id).sort();

/** Every batch until the master says there is no more, with the cursor to continue from. */
async function readAll(
  client: BusinessCentralClient,
  cursor: MasterStreamCursor | undefined,
  opts: { maxLines?: number } = {},
): Promise<{ lines: MasterPriceLine[]; cursor: MasterStreamCursor; calls: number }> {
  const lines: MasterPriceLine[] = [];
  for (let calls = 1; ; calls++) {
    if (calls > 100) throw new Error('the master kept reporting more changes');
    const page = await client.readChangedPriceLines(cursor, opts);
    lines.push(...page.lines);
    cursor = page.cursor;
    if (!page.more) return { lines, cursor, calls };
  }
}

describe('Business Central price list lines (the catalogue API page)', () => {
  it('a first read returns every item line mapped to the port; a second read returns nothing', async () => {
    const sim = await startSim({ now: clock().now });
    sim.state.seedVariant('1000', { code: 'red', description: 'Mug, red' });
    const campaign = sim.state.seedPriceLine({
      priceListCode: 'campaign',
      itemNumber: '1000',
      variantCode: 'red',
      unitOfMeasureCode: 'pcs',
      unitPrice: 7.495,
      startingDate: '2026-03-29',
      startingTime: '10:30',
      endingDate: '2026-04-05',
      status: 'Active',
    });
    const plain = sim.state.seedPriceLine({ priceListCode: 'STORES', itemNumber: '1001', unitPrice: 18 });
    const excl = sim.state.seedPriceLine({
      priceListCode: 'WEB',
      itemNumber: '1001',
      unitPrice: 14.4,
      priceIncludesTax: false,
      startingDate: '2026-04-01',
      status: 'Inactive',
    });
    // A discount-group line may sit on the same page: nothing a subscriber sells.
    sim.state.seedPriceLine({
      priceListCode: 'STORES',
      itemNumber: 'MUGS',
      assetType: 'Item Discount Group',
      unitPrice: 1,
    });
    const client = pricesClient(sim);

    const first = await readAll(client, undefined);
    expect(ids(first.lines)).toEqual([campaign.id, plain.id, excl.id].sort());
    const byId = new Map(first.lines.map((l) => [l.id, l]));
    expect(byId.get(campaign.id)).toEqual({
      id: campaign.id,
      priceListCode: 'CAMPAIGN',
      sku: '1000',
      variantCode: 'RED',
      unitOfMeasureCode: 'PCS',
      unitPriceCents: 750,
      priceIncludesTax: true,
      startingDate: '2026-03-29',
      startingTime: '10:30',
      endingDate: '2026-04-05',
      active: true,
      lastModified: '2026-03-01T10:00:00.000Z',
    });
    // BC's blank dates (0001-01-01) and blank time (00:00:00) are absent; a draft is not active.
    expect(byId.get(plain.id)).toEqual({
      id: plain.id,
      priceListCode: 'STORES',
      sku: '1001',
      unitPriceCents: 1800,
      priceIncludesTax: true,
      active: false,
      lastModified: '2026-03-01T10:00:00.000Z',
    });
    expect(byId.get(excl.id)).toMatchObject({ unitPriceCents: 1440, priceIncludesTax: false, active: false });
    expect(byId.get(excl.id)!.startingTime).toBeUndefined();

    expect((await readAll(client, first.cursor)).lines).toEqual([]);
  });

  it('after changes only the changed lines come back, in their state now', async () => {
    const c = clock();
    const sim = await startSim({ now: c.now });
    const a = sim.state.seedPriceLine({ priceListCode: 'STORES', itemNumber: '1000', unitPrice: 9 });
    sim.state.seedPriceLine({ priceListCode: 'STORES', itemNumber: '1001', unitPrice: 18, status: 'Active' });
    const client = pricesClient(sim);
    const first = await readAll(client, undefined);

    c.advance(1_000);
    sim.state.changePriceLine(a.id, { status: 'Active', startingDate: '2026-03-02' });
    c.advance(1_000);
    const added = sim.state.seedPriceLine({ priceListCode: 'WEB', itemNumber: '1001', unitPrice: 17.5 });
    const next = await readAll(client, first.cursor);
    expect(ids(next.lines)).toEqual([a.id, added.id].sort());
    expect(next.lines.find((l) => l.id === a.id)).toMatchObject({
      active: true,
      startingDate: '2026-03-02',
      lastModified: '2026-03-01T10:00:01.000Z',
    });
    expect((await readAll(client, next.cursor)).lines).toEqual([]);
  });

  it('a change that becomes visible after a later-stamped one is read once, within the overlap, and nothing twice', async () => {
    const c = clock();
    const sim = await startSim({ now: c.now });
    const early = sim.state.seedPriceLine({ priceListCode: 'STORES', itemNumber: '1000', unitPrice: 9 });
    const other = sim.state.seedPriceLine({ priceListCode: 'STORES', itemNumber: '1001', unitPrice: 18 });
    const client = pricesClient(sim);
    const first = await readAll(client, undefined);

    c.advance(100);
    sim.state.changePriceLine(other.id, { unitPrice: 17 });
    const seen = await readAll(client, first.cursor);
    expect(ids(seen.lines)).toEqual([other.id]);

    // Stamped 30 ms before the change already read, committed after that read: BC's SystemModifiedAt race.
    sim.state.commitLagMs = 30;
    c.advance(10);
    sim.state.changePriceLine(early.id, { unitPrice: 8, status: 'Active' });
    sim.state.commitLagMs = 0;
    expect(new Date(sim.state.priceListLines.get(early.id)!.lastModified).toISOString() < seen.cursor.after).toBe(true);
    // Without the overlap the late change is lost: the cursor is already past its timestamp.
    expect((await client.readChangedPriceLines(seen.cursor, { overlapMs: 0 })).lines).toEqual([]);

    const late = await readAll(client, seen.cursor);
    expect(ids(late.lines)).toEqual([early.id]);
    expect(late.lines[0]).toMatchObject({ unitPriceCents: 800, active: true });
    expect((await readAll(client, late.cursor)).lines).toEqual([]);
  });

  it('pages through many lines stamped in the same millisecond in batches, each read exactly once', async () => {
    const c = clock();
    const sim = await startSim({ now: c.now, pageSize: 50 });
    const seeded = [];
    for (let n = 0; n < 230; n++)
      seeded.push(
        sim.state.seedPriceLine({ priceListCode: 'STORES', itemNumber: n % 2 ? '1000' : '1001', unitPrice: n + 1 }),
      );
    const client = pricesClient(sim, { pageSize: 40 });

    const full = await readAll(client, undefined, { maxLines: 60 });
    expect(full.calls).toBeGreaterThan(3);
    expect(full.lines).toHaveLength(230);
    expect(new Set(full.lines.map((l) => l.id)).size).toBe(230);

    c.advance(5);
    const changed = [seeded[7]!, seeded[100]!, seeded[229]!];
    for (const l of changed) sim.state.changePriceLine(l.id, { unitPrice: 1.99 });
    const next = await readAll(client, full.cursor, { maxLines: 60 });
    expect(ids(next.lines)).toEqual(changed.map((l) => l.id).sort());
    expect(next.lines.every((l) => l.unitPriceCents === 199)).toBe(true);
  });

  it('readPriceLines returns every line of the items asked for, whatever its status or dates', async () => {
    const sim = await startSim({ now: clock().now });
    for (let n = 0; n < 25; n++)
      sim.state.seedItem({ number: `B${String(n).padStart(2, '0')}`, displayName: `Bulk ${n}` });
    const mine = [
      sim.state.seedPriceLine({ priceListCode: 'STORES', itemNumber: '1000', unitPrice: 9, status: 'Active' }),
      sim.state.seedPriceLine({ priceListCode: 'WEB', itemNumber: '1000', unitPrice: 8, endingDate: '2020-01-01' }),
      sim.state.seedPriceLine({ priceListCode: 'STORES', itemNumber: 'B24', unitPrice: 3, status: 'Inactive' }),
    ];
    sim.state.seedPriceLine({ priceListCode: 'STORES', itemNumber: '1001', unitPrice: 18, status: 'Active' });
    sim.state.seedPriceLine({ priceListCode: 'STORES', itemNumber: 'B03', unitPrice: 3, status: 'Active' });
    const client = pricesClient(sim);

    // More SKUs than one `or` filter holds, in any case, one of them unknown.
    const asked = ['1000', ...Array.from({ length: 22 }, (_, n) => `b${String(n + 4).padStart(2, '0')}`), 'NOPE'];
    expect(ids(await client.readPriceLines(asked))).toEqual(mine.map((l) => l.id).sort());
    const filters = sim.state.requestLog
      .filter((r) => r.path.endsWith('/priceListLines'))
      .map((r) => new URLSearchParams(r.query).get('$filter'));
    expect(filters).toHaveLength(2);
    expect(await client.readPriceLines([])).toEqual([]);
  });

  it('readProducts returns the items by SKU with their variants, unknown SKUs absent', async () => {
    const sim = await startSim({ now: clock().now });
    sim.state.seedVariant('1000', { code: 'red', description: 'Mug, red' });
    const client = clientFor(sim);
    const products = await client.readProducts([' 1000', '1000', 'nope']);
    expect(products).toHaveLength(1);
    expect(products[0]).toMatchObject({
      sku: '1000',
      masterId: sim.state.itemByNumber('1000')!.id,
      unitPriceCents: 995,
      variants: [{ code: 'RED', description: 'Mug, red' }],
    });
    // The same product as the incremental read makes of it.
    const { products: all } = await client.readChangedProducts(undefined);
    expect(products[0]).toEqual(all.find((p) => p.sku === '1000'));
    expect(await client.readProducts([])).toEqual([]);
  });

  it('a master without the catalogue API has no dated prices; a malformed API path is refused at start', async () => {
    const sim = await startSim({ now: clock().now });
    sim.state.seedPriceLine({ priceListCode: 'STORES', itemNumber: '1000', unitPrice: 9, status: 'Active' });
    const client = clientFor(sim);
    const cursor = { after: '2026-03-01T09:00:00.000Z', seen: [] };
    expect(await client.readChangedPriceLines(cursor)).toEqual({ lines: [], cursor, more: false });
    expect((await client.readChangedPriceLines(undefined)).lines).toEqual([]);
    expect(await client.readPriceLines(['1000'])).toEqual([]);
    expect(sim.state.requestLog.some((r) => r.path.includes('priceListLines'))).toBe(false);

    let refused: unknown;
    try {
      clientFor(sim, { priceListApi: 'retail/catalogue' });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(PermanentError);
    expect((refused as PermanentError).code).toBe('InvalidConfiguration');
  });

  it('429, 5xx and outages fail the read with TransientError, and the same cursor read again loses nothing', async () => {
    const c = clock();
    const sim = await startSim({ now: c.now });
    const lines = ['1000', '1001', '1000'].map((n, i) =>
      sim.state.seedPriceLine({ priceListCode: 'STORES', itemNumber: n, unitPrice: 10 + i }),
    );
    const client = pricesClient(sim, { pageSize: 1 });
    const first = await readAll(client, undefined);
    c.advance(50);
    sim.state.changePriceLine(lines[0]!.id, { status: 'Active' });
    sim.state.changePriceLine(lines[2]!.id, { unitPrice: 7 });

    sim.faults.set({ throttleRate: 1, retryAfterSeconds: 3 });
    const throttled = await rejectionOf(client.readChangedPriceLines(first.cursor));
    sim.faults.set({ throttleRate: 0, errorRate: 1 });
    const failed = await rejectionOf(client.readChangedPriceLines(first.cursor));
    sim.faults.set({ errorRate: 0, outage: { from: 0, until: Number.MAX_SAFE_INTEGER } });
    const down = await rejectionOf(client.readPriceLines(['1000']));
    sim.faults.reset();
    expect([throttled, failed, down].map((e) => e instanceof TransientError && e.status)).toEqual([429, 500, 503]);
    expect((throttled as TransientError).retryAfterMs).toBe(3_000);

    // Failures part-way through the pages (a response lost on the way is the same to a read): each
    // attempt starts again from the caller's cursor.
    sim.faults.set({ errorRate: 0.3 });
    const { result, failures } = await untilThrough(() => readAll(client, first.cursor), TransientError);
    sim.faults.reset();
    expect(failures).toBeGreaterThan(0);
    expect(ids(result.lines)).toEqual([lines[0]!.id, lines[2]!.id].sort());
    expect(result.lines.find((l) => l.id === lines[2]!.id)!.unitPriceCents).toBe(700);
    expect((await readAll(client, result.cursor)).lines).toEqual([]);
  });
});
