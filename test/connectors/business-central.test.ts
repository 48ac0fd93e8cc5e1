import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../src/connectors/http';
import type { ErpSalesOrderInput } from '../../src/connectors/erp/port';
import type { BusinessCentralSimulator } from '../../src/simulators/business-central';
import { businessCentralFixture, rawToken } from '../support/business-central';
import { rejectionOf } from '../support/rejection';

const { startSim, clientFor } = businessCentralFixture();

function order(ext: string, overrides: Partial<ErpSalesOrderInput> = {}): ErpSalesOrderInput {
  return {
    externalDocumentNumber: ext,
    customerNumber: 'POS-STORE01',
    orderDate: '2025-05-01',
    lines: [
      { itemNumber: '1000', quantity: 2, unitPriceCents: 995, locationCode: 'STORE01' },
      { itemNumber: '1001', quantity: 1, unitPriceCents: 1950, locationCode: 'store02' },
    ],
    ...overrides,
  };
}

async function raw(
  sim: BusinessCentralSimulator,
  method: 'GET' | 'POST',
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = {
    ...opts.headers,
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
  };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(`${sim.apiBaseUrl}/companies(${sim.companyId})/${path}`, {
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

const apiGets = (sim: BusinessCentralSimulator, entitySet: string) =>
  sim.state.requestLog.filter((r) => r.method === 'GET' && r.path.endsWith(`/${entitySet}`));

describe('Business Central client: authentication', () => {
  it('fetches a token once, caches it, and refreshes it before it expires', async () => {
    let now = Date.parse('2025-05-01T08:00:00Z');
    const sim = await startSim({ now: () => now, tokenLifetimeSeconds: 3600 });
    const client = clientFor(sim, { now: () => now });

    expect(await client.findLocationId('STORE01')).toBeDefined();
    expect(await client.findUnknownItems(['1000'])).toEqual([]);
    expect(sim.auth.counters.issued).toBe(1);

    // Inside the refresh margin but before expiry: the client renews without ever being refused.
    now += 3_500_000;
    await client.findUnknownItems(['1001']);
    expect(sim.auth.counters).toEqual({ issued: 2, rejected: 0 });
  });

  it('refreshes once when the API refuses a token the client still believes valid', async () => {
    let serverNow = Date.now();
    const sim = await startSim({ now: () => serverNow });
    const client = clientFor(sim);
    await client.findUnknownItems(['1000']);

    serverNow += 3_601_000; // the server's clock says the token expired; the client's does not
    expect(await client.findUnknownItems(['1000', 'NOPE'])).toEqual(['NOPE']);
    expect(sim.auth.counters).toEqual({ issued: 2, rejected: 1 });

    sim.auth.revokeAll();
    expect(await client.findLocationId('STORE02')).toBeDefined();
    expect(sim.auth.counters).toEqual({ issued: 3, rejected: 2 });
  });

  it('reports a wrong client secret as a permanent auth failure without leaking the secret', async () => {
    const sim = await startSim();
    const secret = 'wrong-secret-7f3a9c';
    const err = await rejectionOf(clientFor(sim, { clientSecret: secret }).findLocationId('STORE01'));
    expect(err).toBeInstanceOf(PermanentError);
    const perm = err as PermanentError;
    expect([perm.status, perm.code]).toEqual([401, 'invalid_client']);
    expect(perm.message).toMatch(/authentication failed/i);
    expect(`${perm.message} ${perm.stack} ${JSON.stringify(perm)}`).not.toContain(secret);
    expect(sim.state.requestLog).toHaveLength(0);
  });

  it('unknown bearer token and unknown company are refused in OData shape', async () => {
    const sim = await startSim();
    const res = await raw(sim, 'GET', 'items', { token: 'not-a-token' });
    expect([res.status, res.json.error.code]).toEqual([401, 'Authentication_InvalidCredentials']);
    expect(res.json.error.message).toMatch(/CorrelationId: [0-9a-f-]{36}\.$/);
    const err = await rejectionOf(
      clientFor(sim, { companyId: '11111111-2222-4333-8444-555555555555' }).findLocationId('STORE01'),
    );
    expect([err instanceof PermanentError, (err as PermanentError).code]).toEqual([true, 'Internal_CompanyNotFound']);
  });
});

describe('Business Central client: sales documents', () => {
  it('creates an order with deep-inserted lines and finds it by a normalised externalDocumentNumber', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    const created = await client.createSalesOrder(order('  pos-s01-000123 '));
    expect(created).toMatchObject({
      kind: 'order',
      number: 'SO1001',
      externalDocumentNumber: 'POS-S01-000123',
      status: 'Open',
    });

    expect(await client.findSalesDocuments('Pos-S01-000123')).toEqual([created]);
    expect(sim.state.salesDocuments()[0]!.lines).toEqual([
      { itemNumber: '1000', quantity: 2, unitPrice: 9.95, locationCode: 'STORE01' },
      { itemNumber: '1001', quantity: 1, unitPrice: 19.5, locationCode: 'STORE02' },
    ]);

    const quoted = await client.createSalesOrder(order("O'BRIEN-1"));
    expect(await client.findSalesDocuments("o'brien-1")).toEqual([quoted]);
  });

  it('caches location ids and reports unknown locations as undefined', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    const id = await client.findLocationId('store01');
    expect(await client.findLocationId('STORE01')).toBe(id);
    expect(apiGets(sim, 'locations')).toHaveLength(1);
    expect(await client.findLocationId('NOWHERE')).toBeUndefined();
  });

  it('follows @odata.nextLink across pages, whether the server or the client sets the page size', async () => {
    const sim = await startSim({ pageSize: 2 });
    const client = clientFor(sim);
    for (let i = 0; i < 5; i++) await client.createSalesOrder(order('PAGED-1'));

    const found = await client.findSalesDocuments('paged-1');
    expect(found).toHaveLength(5);
    expect(new Set(found.map((d) => d.number)).size).toBe(5);
    expect(apiGets(sim, 'salesOrders').filter((r) => r.query.includes('skiptoken'))).toHaveLength(2);

    const sim2 = await startSim();
    const small = clientFor(sim2, { pageSize: 2 });
    for (let i = 0; i < 3; i++) await small.createSalesOrder(order('PAGED-2'));
    expect(await small.findSalesDocuments('PAGED-2')).toHaveLength(3);
    expect(apiGets(sim2, 'salesOrders')).toHaveLength(2);
  });

  it('the server accepts duplicate externalDocumentNumbers, so the adapter must look before it creates', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    await client.createSalesOrder(order('DUP-1'));
    await client.createSalesOrder(order('dup-1'));
    expect(sim.state.countByExternalDocumentNumber('DUP-1')).toBe(2);
    // A fresh client's two parallel look-ups (orders + invoices) share one token fetch.
    expect(await clientFor(sim).findSalesDocuments('DUP-1')).toHaveLength(2);
    expect(sim.auth.counters.issued).toBe(2);
  });

  it('shipAndInvoice turns the order into a posted invoice and writes item ledger entries per location', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    const created = await client.createSalesOrder(order('SHIP-1'));
    await client.shipAndInvoice(created.id);

    const docs = await client.findSalesDocuments('ship-1');
    expect(docs).toEqual([
      {
        kind: 'invoice',
        id: expect.any(String),
        number: 'PSI1001',
        externalDocumentNumber: 'SHIP-1',
        customerNumber: 'POS-STORE01',
        status: 'Open',
        totalCents: created.totalCents,
      },
    ]);
    expect(sim.state.salesDocuments()).toMatchObject([{ kind: 'invoice', orderNumber: created.number }]);

    const ledger = sim.state.ledgerEntries();
    expect(ledger.map((e) => [e.entryNumber, e.itemNumber, e.quantity, e.locationCode])).toEqual([
      [1, '1000', -2, 'STORE01'],
      [2, '1001', -1, 'STORE02'],
    ]);
    const token = await rawToken(sim);
    const publicLedger = await raw(sim, 'GET', 'itemLedgerEntries', { token });
    expect(publicLedger.json.value).toHaveLength(2);
    expect(publicLedger.json.value[0]).not.toHaveProperty('locationCode');
    const byOrder = await raw(sim, 'GET', `salesInvoices?$filter=orderNumber eq '${created.number}'`, { token });
    expect(byOrder.json.value.map((i: { number: string }) => i.number)).toEqual(['PSI1001']);

    const again = await rejectionOf(client.shipAndInvoice(created.id));
    expect([again instanceof PermanentError, (again as PermanentError).status]).toEqual([true, 404]);
  });

  it('refuses unknown items, customers and locations permanently with the OData code', async () => {
    const sim = await startSim();
    const client = clientFor(sim);

    const item = await rejectionOf(
      client.createSalesOrder(
        order('BAD-1', { lines: [{ itemNumber: 'NOPE', quantity: 1, unitPriceCents: 100, locationCode: 'STORE01' }] }),
      ),
    );
    expect([item instanceof PermanentError, (item as PermanentError).code, (item as PermanentError).status]).toEqual([
      true,
      'Internal_RecordNotFound',
      400,
    ]);
    expect(item.message).toContain("No.='NOPE'");

    const customer = await rejectionOf(client.createSalesOrder(order('BAD-2', { customerNumber: 'NOBODY' })));
    expect((customer as PermanentError).code).toBe('Application_DialogException');

    const posts = () => sim.state.requestLog.filter((r) => r.method === 'POST').length;
    const before = posts();
    const location = await rejectionOf(
      client.createSalesOrder(
        order('BAD-3', { lines: [{ itemNumber: '1000', quantity: 1, unitPriceCents: 100, locationCode: 'NOWHERE' }] }),
      ),
    );
    expect([location instanceof PermanentError, (location as PermanentError).code]).toEqual([true, 'LocationNotFound']);
    expect(location.message).toContain('NOWHERE');
    expect(posts()).toBe(before);
    expect(sim.state.salesDocuments()).toHaveLength(0);

    expect(await client.findUnknownItems(['1000', 'nope', '1001', 'NOPE2'])).toEqual(['nope', 'NOPE2']);
  });

  it('the simulator validates like BC: locationId, missing customer, Code[35] length', async () => {
    const sim = await startSim();
    const token = await rawToken(sim);
    const line = {
      lineType: 'Item',
      lineObjectNumber: '1000',
      quantity: 1,
      unitPrice: 1,
      locationId: '99999999-9999-4999-8999-999999999999',
    };
    const badLocation = await raw(sim, 'POST', 'salesOrders', {
      token,
      body: { customerNumber: 'POS-STORE01', salesOrderLines: [line] },
    });
    expect([badLocation.status, badLocation.json.error.code]).toEqual([400, 'Application_DialogException']);
    expect(badLocation.json.error.message).toContain('"locationId"');

    const noCustomer = await raw(sim, 'POST', 'salesOrders', { token, body: { externalDocumentNumber: 'X' } });
    expect(noCustomer.json.error.message).toMatch(/^A "customerNumber" or a "customerId" must be provided\./);

    const tooLong = await raw(sim, 'POST', 'salesOrders', {
      token,
      body: { customerNumber: 'POS-STORE01', externalDocumentNumber: 'X'.repeat(36) },
    });
    expect([tooLong.status, tooLong.json.error.code]).toEqual([400, 'Application_StringExceededLength']);

    const ok = await raw(sim, 'POST', 'salesOrders?$expand=salesOrderLines', {
      token,
      body: {
        customerNumber: 'pos-store01',
        externalDocumentNumber: ' ab ',
        salesOrderLines: [{ ...line, locationId: sim.state.locationByCode('STORE01')!.id }],
      },
    });
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({
      '@odata.etag': expect.stringMatching(/^W\/"/),
      externalDocumentNumber: 'AB',
      status: 'Open',
      salesOrderLines: [{ lineObjectNumber: '1000' }],
    });
    const byKey = await raw(sim, 'GET', `salesOrders(${ok.json.id})?$expand=salesOrderLines`, { token });
    expect(byKey.json.salesOrderLines).toHaveLength(1);
    expect(sim.state.salesDocuments()).toHaveLength(1);
  });

  it("the simulator refuses 'or' across different fields with 400 and allows it on one field", async () => {
    const sim = await startSim();
    const token = await rawToken(sim);
    const across = await raw(
      sim,
      'GET',
      `salesOrders?$filter=${encodeURIComponent("externalDocumentNumber eq 'A' or customerNumber eq 'B'")}`,
      { token },
    );
    expect(across.status).toBe(400);
    expect(across.json.error.message).toContain("'or'");
    const same = await raw(sim, 'GET', `items?$filter=${encodeURIComponent("number eq '1000' or number eq '1001'")}`, {
      token,
    });
    expect(same.status).toBe(200);
    expect(same.json.value).toHaveLength(2);
  });
});

describe('Business Central client: transient failures', () => {
  it('maps 429 with Retry-After to TransientError.retryAfterMs', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    await client.findLocationId('STORE01'); // token cached before the throttle starts
    const set = await request(`${sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ throttleRate: 1, retryAfterSeconds: 7 }),
    });
    expect(set.statusCode).toBe(200);
    await set.body.dump();

    const err = await rejectionOf(client.findSalesDocuments('ANY-1'));
    expect(err).toBeInstanceOf(TransientError);
    expect([(err as TransientError).status, (err as TransientError).retryAfterMs]).toEqual([429, 7000]);

    sim.faults.reset();
    expect(await client.findSalesDocuments('ANY-1')).toEqual([]);
  });

  it('keeps at most maxConcurrentRequests in flight, so a burst waits in the client instead of in BC', async () => {
    const sim = await startSim();
    const client = clientFor(sim, { maxConcurrentRequests: 3 });
    await client.findLocationId('STORE01');
    sim.faults.set({ latencyMs: 100 });
    const burst = await Promise.all(Array.from({ length: 5 }, (_, i) => client.findSalesDocuments(`BURST-${i}`))); // two requests each
    expect(burst.flat()).toEqual([]);
    expect(sim.load.peakInFlight).toBe(3);
    expect(sim.load.inFlight).toBe(0);
  });

  it('the simulator refuses requests over 100 in flight with 429, as BC online does', async () => {
    const sim = await startSim();
    const client = clientFor(sim, { maxConcurrentRequests: 100 });
    await client.findLocationId('STORE01');
    sim.faults.set({ latencyMs: 300 });
    const raw = () =>
      request(`${sim.apiBaseUrl}/companies(${sim.companyId})/locations`).then(async (r) => {
        await r.body.dump();
        return r.statusCode;
      });
    const [results, extra] = await Promise.all([
      Promise.allSettled(Array.from({ length: 100 }, () => client.findLocationId('STORE02'))),
      // Sent once the client's 100 are in: the 101st at once.
      (async () => {
        const deadline = Date.now() + 5_000;
        while (sim.load.inFlight < 100 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
        return raw();
      })(),
    ]);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect([extra, sim.load.refusedOverloaded, sim.load.peakInFlight]).toEqual([429, 1, 100]);
  });

  it('maps a 503 outage and a 500 to TransientError', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    await client.findLocationId('STORE01');

    sim.faults.set({ outage: { from: Date.now() - 1_000, until: Date.now() + 60_000 }, retryAfterSeconds: 5 });
    const outage = await rejectionOf(client.createSalesOrder(order('OUT-1')));
    expect(outage).toBeInstanceOf(TransientError);
    expect([(outage as TransientError).status, (outage as TransientError).retryAfterMs]).toEqual([503, 5000]);
    expect(sim.state.salesDocuments()).toHaveLength(0);

    sim.faults.set({ outage: null, errorRate: 1 });
    const error = await rejectionOf(client.findSalesDocuments('OUT-1'));
    expect([error instanceof TransientError, (error as TransientError).status]).toEqual([true, 500]);
  });

  it('a lost create response: the order exists although the client saw an error, and a look-up finds exactly one', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    await client.findLocationId('STORE01');
    await client.findLocationId('STORE02');

    // The simulator alternates how a response is lost: first a dropped socket, then a 502.
    sim.faults.set({ lostResponseRate: 1 });
    const dropped = await rejectionOf(client.createSalesOrder(order('LOST-1')));
    const gateway = await rejectionOf(client.createSalesOrder(order('LOST-2')));
    sim.faults.reset();

    expect([dropped, gateway].every((e) => e instanceof TransientError)).toBe(true);
    expect([(gateway as TransientError).status, (gateway as TransientError).retryAfterMs]).toEqual([502, 1000]);
    for (const ext of ['LOST-1', 'LOST-2']) {
      expect(sim.state.countByExternalDocumentNumber(ext)).toBe(1);
      expect(await client.findSalesDocuments(ext)).toMatchObject([{ kind: 'order', externalDocumentNumber: ext }]);
    }
  });
});
