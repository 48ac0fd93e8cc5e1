import { describe, expect, it } from 'vitest';
import type { CatalogueProduct, CatalogueVariant } from '../../src/domain/catalogue';
import type { PriceTarget, ProductWriteOutcome } from '../../src/connectors/catalogue/port';
import { TransientError } from '../../src/connectors/http';
import { SitooCatalogue } from '../../src/connectors/sitoo/catalogue';
import type { SitooSimulator } from '../../src/simulators/sitoo';
import { rejectionOf } from '../support/rejection';
import { sitooFixture } from '../support/sitoo';

const setupSitoo = sitooFixture();
async function setup(): Promise<{ sim: SitooSimulator; catalogue: SitooCatalogue }> {
  const { sim, client } = await setupSitoo();
  return { sim, catalogue: new SitooCatalogue(client) };
}

function product(
  sku: string,
  over: Partial<CatalogueProduct> = {},
  variants: CatalogueVariant[] = [{ sku, title: 'Default', priceCents: 19900, barcode: `735${sku.length}${sku}` }],
): CatalogueProduct {
  return {
    masterId: `item-${sku}`,
    sku,
    version: '2026-03-01T10:00:00.000Z',
    fingerprint: `fp-${sku}-1`,
    title: `Title ${sku}`,
    vatKey: '2',
    categoryCode: 'SHOES',
    active: true,
    variants,
    ...over,
  };
}

const shirt = (version: string, fingerprint: string, variants: Array<[code: string, cents: number]>) =>
  product(
    'SHIRT',
    { version, fingerprint, title: 'Oxford shirt' },
    variants.map(([code, cents]) => ({ sku: `SHIRT-${code}`, code, title: code, priceCents: cents })),
  );

const results = (outcomes: ProductWriteOutcome[]) => outcomes.map((o) => `${o.sku}:${o.result}`);

/**
 * Calls until an attempt gets through, as the activity's retry policy would: a TransientError is
 * retried after the delay the server asked for (Retry-After), anything else fails the test.
 */
async function retried<T>(attempt: () => Promise<T>, maxAttempts = 20): Promise<{ value: T; failures: number }> {
  for (let failures = 0; failures < maxAttempts; failures++) {
    try {
      return { value: await attempt(), failures };
    } catch (err) {
      if (!(err instanceof TransientError)) throw err;
      if (err.retryAfterMs) await new Promise((r) => setTimeout(r, err.retryAfterMs));
    }
  }
  throw new Error(`still failing after ${maxAttempts} attempts`);
}

describe('Sitoo catalogue: products', () => {
  it('creates, updates, skips an unchanged document and refuses an older version', async () => {
    const { sim, catalogue } = await setup();
    const v1 = product('SKU-1');
    const [created] = await catalogue.upsertProducts([v1]);
    const stored = sim.catalogue.product('SKU-1')!;
    expect(created).toEqual({
      masterId: 'item-SKU-1',
      sku: 'SKU-1',
      result: 'created',
      ref: { productId: String(stored.productid), variantIds: { 'SKU-1': String(stored.productid) } },
    });
    expect(stored).toMatchObject({
      title: 'Title SKU-1',
      moneyprice: '199.00',
      barcode: '7355SKU-1',
      vatid: 2,
      custom1: 'item-SKU-1',
      custom2: '2026-03-01T10:00:00.000Z|fp-SKU-1-1',
      custom3: 'SHOES',
      variantparentid: null,
    });

    const v2 = product('SKU-1', {
      version: '2026-03-02T10:00:00.000Z',
      fingerprint: 'fp-SKU-1-2',
      title: 'Renamed',
      variants: [{ sku: 'SKU-1', title: 'Default', priceCents: 24950 }],
    });
    expect(results(await catalogue.upsertProducts([v2]))).toEqual(['SKU-1:updated']);
    expect(sim.catalogue.product('SKU-1')).toMatchObject({
      productid: stored.productid,
      title: 'Renamed',
      moneyprice: '249.50',
    });

    const writes = sim.catalogue.counters.adds + sim.catalogue.counters.updates;
    expect(results(await catalogue.upsertProducts([v2]))).toEqual(['SKU-1:unchanged']);
    const [stale] = await catalogue.upsertProducts([v1]);
    expect(stale).toMatchObject({ result: 'stale', heldVersion: '2026-03-02T10:00:00.000Z' });
    expect(sim.catalogue.counters.adds + sim.catalogue.counters.updates).toBe(writes);
    expect(sim.catalogue.product('SKU-1')!.title).toBe('Renamed');
  });

  it('writes back a document whose fingerprint is stored but whose copy was edited in Sitoo', async () => {
    const { sim, catalogue } = await setup();
    await catalogue.upsertProducts([product('SKU-1')]);
    sim.catalogue.backofficeEdit('SKU-1', { title: 'Edited in store', priceCents: 100 });
    expect(results(await catalogue.upsertProducts([product('SKU-1')]))).toEqual(['SKU-1:updated']);
    expect(sim.catalogue.product('SKU-1')).toMatchObject({ title: 'Title SKU-1', moneyprice: '199.00' });
  });

  it('creates a main product with its variants, then replaces the variant set', async () => {
    const { sim, catalogue } = await setup();
    const first = shirt('2026-03-01T00:00:00Z', 'a', [
      ['S', 29900],
      ['M', 29900],
      ['L', 31900],
    ]);
    const [created] = await catalogue.upsertProducts([first]);
    const main = sim.catalogue.product('SHIRT')!;
    expect(main).toMatchObject({ variantparentid: main.productid, moneyprice: '299.00', title: 'Oxford shirt' });
    const ids = Object.fromEntries(
      ['SHIRT-S', 'SHIRT-M', 'SHIRT-L'].map((sku) => [sku, String(sim.catalogue.product(sku)!.productid)]),
    );
    expect(created).toMatchObject({ result: 'created', ref: { productId: String(main.productid), variantIds: ids } });
    expect(sim.catalogue.variantsOf(main.productid).map((v) => [v.sku, v.moneyprice, v.attributes])).toEqual([
      ['SHIRT-S', '299.00', ['S']],
      ['SHIRT-M', '299.00', ['M']],
      ['SHIRT-L', '319.00', ['L']],
    ]);

    const second = shirt('2026-03-02T00:00:00Z', 'b', [
      ['S', 29900],
      ['M', 27900],
      ['XL', 33900],
    ]);
    const [replaced] = await catalogue.upsertProducts([second]);
    expect(replaced!.result).toBe('updated');
    expect(sim.catalogue.countSku('SHIRT-L')).toBe(0);
    expect(sim.catalogue.variantsOf(main.productid).map((v) => [v.sku, v.moneyprice])).toEqual([
      ['SHIRT-S', '299.00'],
      ['SHIRT-M', '279.00'],
      ['SHIRT-XL', '339.00'],
    ]);
    // Kept variants keep their ids: Sitoo's sales history hangs on them.
    expect(replaced!.ref!.variantIds['SHIRT-S']).toBe(ids['SHIRT-S']);
    expect(replaced!.ref!.variantIds['SHIRT-XL']).toBe(String(sim.catalogue.product('SHIRT-XL')!.productid));
    expect(Object.keys(replaced!.ref!.variantIds).sort()).toEqual(['SHIRT-M', 'SHIRT-S', 'SHIRT-XL']);

    const [copy] = await catalogue.readProducts(['SHIRT']);
    expect(copy).toMatchObject({
      sku: 'SHIRT',
      masterId: 'item-SHIRT',
      version: '2026-03-02T00:00:00Z',
      title: 'Oxford shirt',
      variants: [
        { sku: 'SHIRT-S', priceCents: 29900 },
        { sku: 'SHIRT-M', priceCents: 27900 },
        { sku: 'SHIRT-XL', priceCents: 33900 },
      ],
    });
  });

  it('rejects an invalid SKU, a barcode taken and a negative price with Sitoo’s reason, and writes the rest', async () => {
    const { sim, catalogue } = await setup();
    await catalogue.upsertProducts([
      product('HOLDER', { variants: [{ sku: 'HOLDER', title: 'x', barcode: '7350000000017' }] }),
    ]);
    const outcomes = await catalogue.upsertProducts([
      product('OK-1'),
      product('BAD SKU!'),
      product('TAKEN', { variants: [{ sku: 'TAKEN', title: 'x', priceCents: 100, barcode: '7350000000017' }] }),
      product('NEGATIVE', { variants: [{ sku: 'NEGATIVE', title: 'x', priceCents: -100 }] }),
      product('OK-2'),
    ]);
    expect(results(outcomes)).toEqual([
      'OK-1:created',
      'BAD SKU!:rejected',
      'TAKEN:rejected',
      'NEGATIVE:rejected',
      'OK-2:created',
    ]);
    const holder = sim.catalogue.product('HOLDER')!.productid;
    expect(outcomes[1]!.reason).toMatch(/sku: "BAD SKU!" contains characters other than/);
    expect(outcomes[2]!.reason).toContain(`barcode: 7350000000017 is already used by product ${holder}`);
    expect(outcomes[3]!.reason).toMatch(/moneyprice: -1\.00 is negative/);
    for (const o of outcomes.filter((x) => x.result === 'rejected')) expect(o.ref).toBeUndefined();
    expect(['OK-1', 'OK-2'].map((s) => sim.catalogue.countSku(s))).toEqual([1, 1]);
    expect(['BAD SKU!', 'TAKEN', 'NEGATIVE'].map((s) => sim.catalogue.countSku(s))).toEqual([0, 0, 0]);
  });

  it('rejects a product whose SKU another master id holds', async () => {
    const { catalogue } = await setup();
    await catalogue.upsertProducts([product('SKU-1')]);
    const [outcome] = await catalogue.upsertProducts([product('SKU-1', { masterId: 'other-item' })]);
    expect(outcome).toMatchObject({ result: 'rejected', reason: expect.stringContaining('master id item-SKU-1') });
  });

  it('makes no twin when every write’s response is lost, for adds, variant sets and updates', async () => {
    const { sim, catalogue } = await setup();
    sim.faults.set({ lostResponseRate: 1 });
    const docs = [
      product('SKU-1'),
      product('SKU-2'),
      shirt('2026-03-01T00:00:00Z', 'a', [
        ['S', 100],
        ['M', 200],
      ]),
    ];
    const first = await retried(() => catalogue.upsertProducts(docs));
    // Each attempt got one write through before losing its answer: adds, then the variant set.
    expect(first.failures).toBe(2);
    expect(results(first.value)).toEqual(['SKU-1:unchanged', 'SKU-2:unchanged', 'SHIRT:unchanged']);
    const changed = docs.map((d) => ({
      ...d,
      version: '2026-04-01T00:00:00Z',
      fingerprint: `${d.fingerprint}-2`,
      title: 'New',
    }));
    const second = await retried(() => catalogue.upsertProducts(changed));
    // The products PUT, then the variant set (its variants carry the new title).
    expect(second.failures).toBe(2);
    expect(sim.faults.counters.lostResponses).toBe(4);
    for (const sku of ['SKU-1', 'SKU-2', 'SHIRT', 'SHIRT-S', 'SHIRT-M']) expect(sim.catalogue.countSku(sku)).toBe(1);
    expect(sim.catalogue.byId.size).toBe(5);
    expect(sim.catalogue.counters.adds).toBe(5);
    expect(sim.catalogue.product('SHIRT')!.title).toBe('New');
    sim.faults.set({ lostResponseRate: 0 });
    expect(results(await catalogue.upsertProducts(changed))).toEqual([
      'SKU-1:unchanged',
      'SKU-2:unchanged',
      'SHIRT:unchanged',
    ]);
  });

  it('makes no twin when an add commits after the client gave up and the retry adds again', async () => {
    const { sim, client } = await setupSitoo({ config: { timeoutMs: 300 } });
    const catalogue = new SitooCatalogue(client);
    sim.faults.set({ lateCommitRate: 1, lateCommitDelayMs: 600 });
    const doc = product('SKU-1');
    const err = await rejectionOf(catalogue.upsertProducts([doc]));
    expect(err).toBeInstanceOf(TransientError);
    sim.faults.set({ lateCommitRate: 0 });
    // The retry looks, finds nothing yet and adds; the first add lands afterwards and is refused by SKU.
    const [outcome] = await catalogue.upsertProducts([doc]);
    expect(outcome!.result).toBe('created');
    await expect.poll(() => sim.faults.counters.lateCommitsApplied, { timeout: 5_000 }).toBe(1);
    expect(sim.catalogue.countSku('SKU-1')).toBe(1);
    expect(results(await catalogue.upsertProducts([doc]))).toEqual(['SKU-1:unchanged']);
  });

  it('takes an add refused because its own late commit holds the SKU as the product it is', async () => {
    const { sim, client } = await setupSitoo({ config: { timeoutMs: 1_000 } });
    const catalogue = new SitooCatalogue(client);
    const doc = product('SKU-1');
    // The first add is held 2.35 s; the client gives up after 1 s. Each request of the retry is
    // then slowed by 0.9 s, so its look-up (at ~1.9 s) lands before that commit and its add
    // (at ~2.8 s) after it: Sitoo refuses the add because the SKU is taken, by our own first add.
    sim.faults.set({ lateCommitRate: 1, lateCommitDelayMs: 2_350 });
    expect(await rejectionOf(catalogue.upsertProducts([doc]))).toBeInstanceOf(TransientError);
    sim.faults.set({ lateCommitRate: 0, latencyMs: 900 });
    const before = sim.state.requestLog.length;
    const [outcome] = await catalogue.upsertProducts([doc]);
    sim.faults.set({ latencyMs: 0 });
    expect(sim.state.requestLog.slice(before).map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
    expect(sim.faults.counters.lateCommitsApplied).toBe(1);
    expect(outcome).toMatchObject({
      result: 'unchanged',
      ref: { productId: String(sim.catalogue.product('SKU-1')!.productid) },
    });
    expect(sim.catalogue.countSku('SKU-1')).toBe(1);
  });

  it('surfaces 429 with its Retry-After, and a call retried after it writes once', async () => {
    const { sim, catalogue } = await setup();
    sim.faults.set({ throttleRate: 1, retryAfterSeconds: 2 });
    const err = await rejectionOf(catalogue.upsertProducts([product('SKU-1')]));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ status: 429, retryAfterMs: 2_000 });
    expect(sim.catalogue.byId.size).toBe(0);

    sim.faults.set({ throttleRate: 0.5, retryAfterSeconds: 0.05 });
    const docs = ['A', 'B', 'C'].map((s) => product(`SKU-${s}`));
    const { value, failures } = await retried(() => catalogue.upsertProducts(docs), 50);
    expect(failures).toBeGreaterThan(0);
    expect(value.every((o) => o.result === 'created' || o.result === 'unchanged')).toBe(true);
    for (const d of docs) expect(sim.catalogue.countSku(d.sku)).toBe(1);
  });
});

describe('Sitoo catalogue: prices', () => {
  const campaign: PriceTarget = { list: 'named', key: 'SPRING-26', name: 'Spring campaign', storeTags: ['stockholm'] };

  it('writes the default price and a named list, and reads both back', async () => {
    const { sim, catalogue } = await setup();
    await catalogue.upsertProducts([product('SKU-1'), product('SKU-2')]);
    const applied = await catalogue.setPrices({ list: 'default' }, [
      { sku: 'SKU-1', priceCents: 17900 },
      { sku: 'SKU-2', priceCents: -5 },
      { sku: 'NOPE', priceCents: 100 },
    ]);
    expect(applied).toEqual([
      { sku: 'SKU-1', result: 'applied' },
      { sku: 'SKU-2', result: 'rejected', reason: expect.stringContaining('moneyprice: -0.05 is negative') },
      { sku: 'NOPE', result: 'rejected', reason: 'SKU NOPE is not in Sitoo' },
    ]);
    expect(await catalogue.readPrices({ list: 'default' }, ['SKU-1', 'SKU-2', 'NOPE'])).toEqual({
      'SKU-1': 17900,
      'SKU-2': 19900,
    });

    expect(await catalogue.readPrices(campaign, ['SKU-1'])).toEqual({});
    const named = await catalogue.setPrices(campaign, [
      { sku: 'SKU-1', priceCents: 14900 },
      { sku: 'NOPE', priceCents: 100 },
    ]);
    expect(named.map((o) => o.result)).toEqual(['applied', 'rejected']);
    expect(named[1]!.reason).toContain('product with sku NOPE not found');
    const list = [...sim.catalogue.priceLists.values()].find((l) => l.externalid === 'SPRING-26');
    expect(list).toMatchObject({ pricelistname: 'Spring campaign', tags: ['stockholm'], active: true });
    expect(sim.catalogue.priceIn('SPRING-26', 'SKU-1')).toBe(14900);
    expect(await catalogue.readPrices(campaign, ['SKU-1', 'SKU-2'])).toEqual({ 'SKU-1': 14900 });
    await catalogue.setPrices(campaign, [{ sku: 'SKU-2', priceCents: 15900 }]);
    expect(sim.catalogue.counters.priceListsCreated).toBe(1);
  });

  it('prices a till by the lowest active list that applies to its store', async () => {
    const { sim, catalogue } = await setup();
    await catalogue.upsertProducts([product('SKU-1')]);
    await catalogue.setPrices(campaign, [{ sku: 'SKU-1', priceCents: 14900 }]);
    await catalogue.setPrices({ list: 'named', key: 'EVERYWHERE', name: 'Outlet', storeTags: [] }, [
      { sku: 'SKU-1', priceCents: 18900 },
    ]);
    expect(sim.catalogue.posPrice('SKU-1', 'stockholm')).toBe(14900);
    expect(sim.catalogue.posPrice('SKU-1', 'goteborg')).toBe(18900);
    // A higher price in a list never raises the till price: the lowest still wins.
    await catalogue.setPrices(campaign, [{ sku: 'SKU-1', priceCents: 25900 }]);
    expect(sim.catalogue.posPrice('SKU-1', 'stockholm')).toBe(18900);
  });

  it('creates one named list although its creation’s response was lost', async () => {
    const { sim, catalogue } = await setup();
    await catalogue.upsertProducts([product('SKU-1')]);
    sim.faults.set({ lostResponseRate: 1 });
    expect(await rejectionOf(catalogue.setPrices(campaign, [{ sku: 'SKU-1', priceCents: 14900 }]))).toBeInstanceOf(
      TransientError,
    );
    expect(await rejectionOf(catalogue.setPrices(campaign, [{ sku: 'SKU-1', priceCents: 14900 }]))).toBeInstanceOf(
      TransientError,
    );
    sim.faults.set({ lostResponseRate: 0 });
    expect(await catalogue.setPrices(campaign, [{ sku: 'SKU-1', priceCents: 14900 }])).toEqual([
      { sku: 'SKU-1', result: 'applied' },
    ]);
    expect([...sim.catalogue.priceLists.values()].filter((l) => l.externalid === 'SPRING-26')).toHaveLength(1);
    expect(sim.catalogue.counters.priceListsCreated).toBe(1);
  });
});

describe('Sitoo catalogue: changes made in Sitoo', () => {
  it('finds a Backoffice edit made in the boundary second, and a variant edit as its item', async () => {
    const { sim, catalogue } = await setup();
    const t = 1_780_000_000;
    sim.catalogue.pinClock(t);
    await catalogue.upsertProducts([
      product('SKU-1'),
      product('SKU-2'),
      shirt('2026-03-01T00:00:00Z', 'a', [
        ['S', 100],
        ['M', 200],
      ]),
    ]);
    const all = await catalogue.readChangedSince(t - 1);
    expect(all.newestSeconds).toBe(t);
    expect(all.products.map((p) => p.sku).sort()).toEqual(['SHIRT', 'SKU-1', 'SKU-2']);

    // Same second as the watermark: Sitoo's filter is strictly after, so only watermark - 1 sees it.
    sim.catalogue.backofficeEdit('SKU-2', { priceCents: 9900, title: 'Store title' });
    expect((await catalogue.readChangedSince(t)).products).toEqual([]);
    const again = await catalogue.readChangedSince(all.newestSeconds - 1);
    expect(again.products.find((p) => p.sku === 'SKU-2')).toMatchObject({
      masterId: 'item-SKU-2',
      title: 'Store title',
      variants: [{ sku: 'SKU-2', priceCents: 9900 }],
      modifiedAt: new Date(t * 1000).toISOString(),
    });

    sim.catalogue.pinClock(t + 5);
    sim.catalogue.backofficeEdit('SHIRT-M', { priceCents: 150 });
    const later = await catalogue.readChangedSince(t);
    expect(later.newestSeconds).toBe(t + 5);
    expect(later.products).toHaveLength(1);
    expect(later.products[0]).toMatchObject({
      sku: 'SHIRT',
      masterId: 'item-SHIRT',
      variants: [
        { sku: 'SHIRT-S', priceCents: 100 },
        { sku: 'SHIRT-M', priceCents: 150 },
      ],
      modifiedAt: new Date((t + 5) * 1000).toISOString(),
    });
    expect(later.products[0]!.ref.variantIds['SHIRT-M']).toBe(String(sim.catalogue.product('SHIRT-M')!.productid));
  });

  it('pages through more changes than one page holds', async () => {
    const { sim, catalogue } = await setup();
    await catalogue.upsertProducts(Array.from({ length: 130 }, (_, i) => product(`P-${i}`)));
    const { products } = await catalogue.readChangedSince(0);
    expect(products).toHaveLength(130);
    expect(sim.state.requestLog.filter((r) => r.method === 'POST')).toHaveLength(2);
  });
});
