import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../src/connectors/http';
import type { BusinessCentralClient } from '../../src/connectors/erp/business-central/client';
import type { ErpStockAdjustmentInput } from '../../src/connectors/erp/port';
import type { BusinessCentralSimulator } from '../../src/simulators/business-central';
import { businessCentralFixture, rawToken } from '../support/business-central';
import { rejectionOf } from '../support/rejection';

const { startSim, clientFor } = businessCentralFixture();

function adjustment(ext: string, overrides: Partial<ErpStockAdjustmentInput> = {}): ErpStockAdjustmentInput {
  return {
    externalDocumentNumber: ext,
    locationCode: 'store01',
    postingDate: '2025-05-02',
    description: 'Sitoo manual stock change',
    lines: [
      { itemNumber: '1000', quantity: 5 },
      { itemNumber: '1001', quantity: -2 },
    ],
    ...overrides,
  };
}

/** A raw call to the custom stock API, for asserting what the simulator itself answers. */
async function rawStock(
  sim: BusinessCentralSimulator,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = {
    ...opts.headers,
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
  };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(`${sim.stockApiBaseUrl}/companies(${sim.companyId})/${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    json: (text ? JSON.parse(text) : undefined) as Record<string, any>,
  };
}

const filterOf = (query: string) => new URLSearchParams(query).get('$filter');
const gets = (sim: BusinessCentralSimulator, entitySet: string) =>
  sim.state.requestLog.filter((r) => r.method === 'GET' && r.path.endsWith(`/${entitySet}`));

/** One shipped sales order: 2 x 1000 out of STORE01, 1 x 1001 out of STORE02. */
async function shipOrder(client: BusinessCentralClient, ext: string): Promise<void> {
  const order = await client.createSalesOrder({
    externalDocumentNumber: ext,
    customerNumber: 'POS-STORE01',
    orderDate: '2025-05-01',
    lines: [
      { itemNumber: '1000', quantity: 2, unitPriceCents: 995, locationCode: 'STORE01' },
      { itemNumber: '1001', quantity: 1, unitPriceCents: 1950, locationCode: 'STORE02' },
    ],
  });
  await client.shipAndInvoice(order.id);
}

describe('Business Central stock: item ledger entries', () => {
  it('reads incrementally by entry number, across pages, fetching no more pages than needed', async () => {
    const sim = await startSim();
    sim.state.postPurchaseReceipt('STORE01', '1000', 10);
    sim.state.postPurchaseReceipt('store02', '1000', 4);
    sim.state.postPurchaseReceipt('STORE01', '1001', 3);
    await shipOrder(clientFor(sim), 'LEDGER-1');

    const paged = clientFor(sim, { pageSize: 2 });
    const first = await paged.listItemLedgerEntries(0, 3);
    expect(first.map((e) => e.entryNumber)).toEqual([1, 2, 3]);
    expect(first[0]).toEqual({
      entryNumber: 1,
      itemNumber: '1000',
      quantity: 10,
      entryType: 'Purchase',
      documentNumber: 'PPR1001',
      postingDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    // Pages of two: the second page completes the batch although the server has more.
    const ledgerGets = gets(sim, 'itemLedgerEntries');
    expect(ledgerGets).toHaveLength(2);
    expect(filterOf(ledgerGets[0]!.query)).toBe('entryNumber gt 0');
    expect(new URLSearchParams(ledgerGets[0]!.query).get('$orderby')).toBe('entryNumber');

    const rest = await paged.listItemLedgerEntries(3, 100);
    expect(rest.map((e) => [e.entryNumber, e.itemNumber, e.quantity, e.entryType, e.documentNumber])).toEqual([
      [4, '1000', -2, 'Sale', 'PSS1001'],
      [5, '1001', -1, 'Sale', 'PSS1001'],
    ]);
    expect(await paged.listItemLedgerEntries(5, 100)).toEqual([]);

    // Without a configured page size the request asks for exactly the batch: one page, one request.
    const before = gets(sim, 'itemLedgerEntries').length;
    expect((await clientFor(sim).listItemLedgerEntries(1, 2)).map((e) => e.entryNumber)).toEqual([2, 3]);
    expect(gets(sim, 'itemLedgerEntries').length - before).toBe(1);
    expect(await paged.listItemLedgerEntries(0, 5)).toHaveLength(5);
  });

  it('the public shape has no location, and $orderby / gt filters work on the simulator', async () => {
    const sim = await startSim();
    sim.state.postPurchaseReceipt('STORE01', '1000', 1);
    sim.state.postPurchaseReceipt('STORE02', '1001', 2);
    const token = await rawToken(sim);
    const res = await request(
      `${sim.apiBaseUrl}/companies(${sim.companyId})/itemLedgerEntries?$filter=${encodeURIComponent('entryNumber gt 0')}&$orderby=entryNumber desc`,
      { headers: { authorization: `Bearer ${token}`, prefer: 'odata.maxpagesize=1' } },
    );
    const body = (await res.body.json()) as { value: Record<string, unknown>[]; '@odata.nextLink'?: string };
    expect(body.value.map((e) => e['entryNumber'])).toEqual([2]);
    expect(body.value[0]).not.toHaveProperty('locationCode');
    expect(body.value[0]).toMatchObject({
      entryType: 'Purchase',
      sourceType: 'Vendor',
      documentType: 'Purchase_x0020_Receipt',
    }); // enum member names, as API v2.0 serves them
    const next = await request(body['@odata.nextLink']!, {
      headers: { authorization: `Bearer ${token}`, prefer: 'odata.maxpagesize=1' },
    });
    expect(((await next.body.json()) as { value: { entryNumber: number }[] }).value.map((e) => e.entryNumber)).toEqual([
      1,
    ]);
  });
});

describe('Business Central stock: per-location stock (custom API)', () => {
  it('reports stock per location after a purchase receipt and a posted sales order, not company-wide', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    sim.state.postPurchaseReceipt('STORE01', '1000', 10);
    sim.state.postPurchaseReceipt('STORE02', '1000', 4);
    sim.state.postPurchaseReceipt('STORE01', '1001', 3);
    expect(await client.getLocationStock('store01')).toEqual(
      new Map([
        ['1000', 10],
        ['1001', 3],
      ]),
    );

    await shipOrder(client, 'STOCK-1');
    expect(await client.getLocationStock('STORE01')).toEqual(
      new Map([
        ['1000', 8],
        ['1001', 3],
      ]),
    );
    expect(await client.getLocationStock('STORE02')).toEqual(
      new Map([
        ['1000', 4],
        ['1001', -1],
      ]),
    );
    expect(await client.getLocationStock('STORE02', ['1000'])).toEqual(new Map([['1000', 4]]));
    // items.inventory stays the company-wide sum; the custom API is what splits it.
    expect(sim.state.inventory('1000')).toBe(12);
    expect(sim.state.stockAt('store01', '1000')).toBe(8);
    expect(gets(sim, 'locationStocks')[0]!.path).toContain('/api/retailIntegration/stock/v1.0/companies(');
  });

  it('chunks item lists, fills requested items without history with 0, and follows pages', async () => {
    const sim = await startSim();
    const numbers = Array.from({ length: 45 }, (_, i) => `B${String(i).padStart(3, '0')}`);
    for (const n of numbers) {
      sim.state.seedItem({ number: n, displayName: n });
      sim.state.postPurchaseReceipt('STORE01', n, 1);
    }
    sim.state.postPurchaseReceipt('STORE02', 'B000', 7);

    const stock = await clientFor(sim).getLocationStock('STORE01', [...numbers.map((n) => n.toLowerCase()), '1000']);
    expect(stock.size).toBe(46);
    expect([stock.get('B000'), stock.get('B044'), stock.get('1000')]).toEqual([1, 1, 0]);
    expect(gets(sim, 'locationStocks')).toHaveLength(2);
    expect(filterOf(gets(sim, 'locationStocks')[0]!.query)).toMatch(
      /locationCode eq 'STORE01' and \(itemNumber eq 'B000' or /,
    );

    const before = gets(sim, 'locationStocks').length;
    const all = await clientFor(sim, { pageSize: 10 }).getLocationStock('STORE01');
    expect(all.size).toBe(45);
    expect(gets(sim, 'locationStocks').length - before).toBe(5);
  });

  it('refuses an unknown location instead of reporting it as empty', async () => {
    const sim = await startSim();
    const err = await rejectionOf(clientFor(sim).getLocationStock('NOWHERE'));
    expect([err instanceof PermanentError, (err as PermanentError).code]).toEqual([true, 'LocationNotFound']);
    expect(err.message).toContain('NOWHERE');
  });
});

describe('Business Central stock: adjustments (custom API)', () => {
  it('creates and posts an adjustment at its location, then finds it by external number', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    const created = await client.createStockAdjustment(adjustment('  wt-1001 '));
    expect(created).toEqual({ id: expect.any(String), number: 'ADJ-0001', externalDocumentNumber: 'WT-1001' });
    expect(await client.findStockAdjustment('Wt-1001')).toEqual(created);
    expect(await client.findStockAdjustment('WT-9999')).toBeUndefined();

    expect(
      sim.state.ledgerEntries().map((e) => [e.entryType, e.documentType, e.documentNumber, e.locationCode, e.quantity]),
    ).toEqual([
      ['Positive Adjmt.', ' ', 'ADJ-0001', 'STORE01', 5],
      ['Negative Adjmt.', ' ', 'ADJ-0001', 'STORE01', -2],
    ]);
    expect(await client.getLocationStock('STORE01')).toEqual(
      new Map([
        ['1000', 5],
        ['1001', -2],
      ]),
    );
    expect(await client.getLocationStock('STORE02')).toEqual(new Map());
    expect(sim.state.stockAdjustments()).toMatchObject([
      {
        number: 'ADJ-0001',
        externalDocumentNumber: 'WT-1001',
        locationCode: 'STORE01',
        postingDate: '2025-05-02',
        status: 'Posted',
      },
    ]);
  });

  it('a lost create response: the adjustment is posted once, and look-before-create finds it instead of posting again', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    await client.findStockAdjustment('WARM-UP'); // token cached before the fault starts

    // The simulator alternates how a response is lost: first a dropped socket, then a 502.
    sim.faults.set({ lostResponseRate: 1 });
    const dropped = await rejectionOf(client.createStockAdjustment(adjustment('WT-LOST-1')));
    const gateway = await rejectionOf(client.createStockAdjustment(adjustment('WT-LOST-2')));
    sim.faults.reset();
    expect([dropped, gateway].every((e) => e instanceof TransientError)).toBe(true);
    expect((gateway as TransientError).status).toBe(502);

    for (const ext of ['WT-LOST-1', 'WT-LOST-2']) {
      // What the activity does on its retry.
      const existing = await client.findStockAdjustment(ext);
      const result = existing ?? (await client.createStockAdjustment(adjustment(ext)));
      expect(result.externalDocumentNumber).toBe(ext);
      expect(sim.state.stockAdjustments().filter((a) => a.externalDocumentNumber === ext)).toHaveLength(1);
    }
    expect(sim.state.ledgerEntries()).toHaveLength(4);
    expect(sim.state.stockAt('STORE01', '1000')).toBe(10);
  });

  it('refuses an unknown location or item permanently, naming the field and value, and posts nothing', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    const location = await rejectionOf(
      client.createStockAdjustment(adjustment('WT-BAD-1', { locationCode: 'nowhere' })),
    );
    expect([
      location instanceof PermanentError,
      (location as PermanentError).status,
      (location as PermanentError).code,
    ]).toEqual([true, 400, 'Internal_RecordNotFound']);
    expect(location.message).toMatch(/locationCode.*NOWHERE/);

    const item = await rejectionOf(
      client.createStockAdjustment(
        adjustment('WT-BAD-2', {
          lines: [
            { itemNumber: '1000', quantity: 1 },
            { itemNumber: 'nope', quantity: 1 },
          ],
        }),
      ),
    );
    expect([item instanceof PermanentError, (item as PermanentError).code]).toEqual([true, 'Internal_RecordNotFound']);
    expect(item.message).toMatch(/itemNumber.*NOPE/);
    expect([sim.state.stockAdjustments(), sim.state.ledgerEntries()]).toEqual([[], []]);

    // Inputs the extension would refuse anyway are refused before any request.
    const posts = sim.state.requestLog.filter((r) => r.method === 'POST').length;
    for (const bad of [
      adjustment('WT-BAD-3', { lines: [] }),
      adjustment('WT-BAD-4', { lines: [{ itemNumber: '1000', quantity: 0 }] }),
    ]) {
      const err = await rejectionOf(client.createStockAdjustment(bad));
      expect([err instanceof PermanentError, (err as PermanentError).code]).toEqual([true, 'InvalidStockAdjustment']);
    }
    expect(sim.state.requestLog.filter((r) => r.method === 'POST').length).toBe(posts);
  });

  it('the simulator implements the contract: 201 Posted, one adjustment per external document number, BC validation and errors', async () => {
    const sim = await startSim();
    const token = await rawToken(sim);
    const body = {
      externalDocumentNumber: ' wt-7 ',
      postingDate: '2025-05-03',
      locationCode: 'store02',
      stockAdjustmentLines: [{ itemNumber: '1001', quantity: 2.5 }],
    };
    const first = await rawStock(sim, 'POST', 'stockAdjustments?$expand=stockAdjustmentLines', { token, body });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      number: 'ADJ-0001',
      externalDocumentNumber: 'WT-7',
      postingDate: '2025-05-03',
      locationCode: 'STORE02',
      status: 'Posted',
      stockAdjustmentLines: [{ itemNumber: '1001', quantity: 2.5 }],
    });
    expect(first.headers['location']).toContain(`stockAdjustments(${first.json.id})`);
    // The extension keeps the number unique, so a retry or a late commit cannot post the change twice.
    const again = await rawStock(sim, 'POST', 'stockAdjustments', { token, body });
    expect([again.status, again.json.error.code]).toEqual([409, 'Internal_EntityWithSameKeyExists']);
    const found = await rawStock(
      sim,
      'GET',
      `stockAdjustments?$filter=${encodeURIComponent("externalDocumentNumber eq 'WT-7'")}`,
      { token },
    );
    expect(found.json.value).toHaveLength(1);
    expect(sim.state.stockAt('STORE02', '1001')).toBe(2.5);

    const refused = async (b: unknown) => {
      const res = await rawStock(sim, 'POST', 'stockAdjustments', { token, body: b });
      return [res.status, res.json.error.code];
    };
    expect(await refused({ ...body, stockAdjustmentLines: [] })).toEqual([400, 'Application_DialogException']);
    expect(await refused({ ...body, externalDocumentNumber: 'X'.repeat(36) })).toEqual([
      400,
      'Application_StringExceededLength',
    ]);
    expect(await refused({ ...body, stockAdjustmentLines: [{ itemNumber: '1001', quantity: 0 }] })).toEqual([
      400,
      'Application_DialogException',
    ]);
    expect(await refused({ ...body, warehouse: 'X' })).toEqual([400, 'BadRequest_NotFound']);

    const across = await rawStock(
      sim,
      'GET',
      `locationStocks?$filter=${encodeURIComponent("locationCode eq 'A' or itemNumber eq 'B'")}`,
      { token },
    );
    expect(across.status).toBe(400);
    expect((await rawStock(sim, 'DELETE', `stockAdjustments(${first.json.id})`, { token })).status).toBe(405);
    expect((await rawStock(sim, 'GET', 'locationStocks')).status).toBe(401);
    const standard = await request(`${sim.apiBaseUrl}/companies(${sim.companyId})/stockAdjustments`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(standard.statusCode).toBe(404);
    await standard.body.dump();
  });

  it('faults and token refresh apply to the custom API as to the standard one; the root is derived with or without a trailing slash', async () => {
    const sim = await startSim();
    const client = clientFor(sim, { apiBaseUrl: `${sim.apiBaseUrl}/` });
    await client.createStockAdjustment(adjustment('WT-F-1'));

    sim.faults.set({ throttleRate: 1, retryAfterSeconds: 3 });
    const throttled = await rejectionOf(client.findStockAdjustment('WT-F-1'));
    expect([
      throttled instanceof TransientError,
      (throttled as TransientError).status,
      (throttled as TransientError).retryAfterMs,
    ]).toEqual([true, 429, 3000]);
    sim.faults.reset();

    sim.auth.revokeAll();
    expect(await client.findStockAdjustment('WT-F-1')).toMatchObject({ number: 'ADJ-0001' });
    expect(sim.auth.counters).toEqual({ issued: 2, rejected: 1 });

    const misconfigured = clientFor(sim, { apiBaseUrl: sim.url });
    const err = await rejectionOf(misconfigured.findStockAdjustment('WT-F-1'));
    expect([err instanceof PermanentError, (err as PermanentError).code]).toEqual([true, 'InvalidConfiguration']);
  });
});

describe('Business Central stock: item categories', () => {
  it('maps items to their category code, leaving out items without one, in chunks', async () => {
    const sim = await startSim();
    const numbers = Array.from({ length: 25 }, (_, i) => `C${String(i).padStart(3, '0')}`);
    for (const [i, n] of numbers.entries())
      sim.state.seedItem({ number: n, displayName: n, ...(i % 2 === 0 ? { category: 'Decor' } : {}) });

    const categories = await clientFor(sim).getItemCategories([
      '1000',
      '1001',
      'unknown',
      ...numbers.map((n) => n.toLowerCase()),
    ]);
    expect(categories.get('1000')).toBe('KITCHEN');
    expect(categories.has('1001')).toBe(false);
    expect(categories.has('UNKNOWN')).toBe(false);
    expect(categories.get('C000')).toBe('DECOR');
    expect(categories.has('C001')).toBe(false);
    expect(categories.size).toBe(1 + 13);
    expect(gets(sim, 'items')).toHaveLength(2);
  });
});
