import { generateKeyPairSync } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../src/activities/attempt';
import { bookCreditMemo } from '../../src/activities/erp-credit-memos';
import { findOrCreateErpOrder, postErpOrder } from '../../src/activities/erp-orders';
import { attemptInterceptor } from '../../src/workers/attempt-interceptor';
import type { ErpCreditMemoInput, ErpSalesOrderInput } from '../../src/connectors/erp/port';
import { PermanentError, TransientError } from '../../src/connectors/http';
import { CERTIFICATE_ID, CLIENT_ID, netSuiteFixture, rawNetSuite, TBA } from '../support/netsuite';
import { waitFor } from '../support/temporal';

/** The NetSuite adapter against the NetSuite simulator over real HTTP (reference: shared/reference/erp-netsuite-api.md). */
const { startSim, clientFor } = netSuiteFixture();

const sale = (ext: string, overrides: Partial<ErpSalesOrderInput> = {}): ErpSalesOrderInput => ({
  externalDocumentNumber: ext,
  customerNumber: 'POS-STORE01',
  orderDate: '2026-11-30',
  lines: [
    { itemNumber: '1000', quantity: 3, unitPriceCents: 334, discountCents: 2, locationCode: 'STORE01' },
    { itemNumber: '1001', quantity: 1, unitPriceCents: 1950, locationCode: 'STORE01' },
  ],
  ...overrides,
});

const SALE_CENTS = 3 * 334 - 2 + 1950;

const creditMemo = (ext: string, returnId: number, quantity = 1): ErpCreditMemoInput => ({
  externalDocumentNumber: ext,
  customerNumber: 'POS-STORE01',
  creditMemoDate: '2026-11-30',
  lines: [
    {
      itemNumber: '1000',
      quantity,
      unitPriceCents: 334,
      locationCode: 'STORE01',
      description: `Sitoo return ${returnId}`,
    },
  ],
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail('expected a refusal'),
    (err: unknown) => err,
  );
}

describe('NetSuite sales as cash sales', () => {
  it('creates a sale as one posted cash sale at the store, finds it by its key, and moves stock out', async () => {
    const { sim, store1 } = await startSim();
    const erp = clientFor(sim, { STORE01: store1.id });
    expect(await erp.findSalesDocuments('SITOO-1-100')).toEqual([]);

    const created = await erp.createSalesOrder(sale('SITOO-1-100'));
    expect(created).toMatchObject({
      kind: 'invoice',
      externalDocumentNumber: 'SITOO-1-100',
      customerNumber: 'POS-STORE01',
      totalCents: SALE_CENTS,
    });
    const found = await erp.findSalesDocuments('SITOO-1-100', { customerNumber: 'POS-STORE01' });
    expect(found).toEqual([created]);
    expect(await erp.findSalesDocuments('SITOO-1-100', { customerNumber: 'SOMEONE-ELSE' })).toEqual([]);

    const [saved] = sim.state.transactionsByExternalId(erp.saleExternalId('SITOO-1-100', 'POS-STORE01'));
    expect(saved).toMatchObject({ type: 'cashSale', tranDate: '2026-11-30', location: store1.id });
    expect(saved!.lines.map((l) => [l.quantity, l.amountCents, l.location])).toEqual([
      [3, 1000, store1.id],
      [1, 1950, store1.id],
    ]);
    expect(sim.state.onHand('1000', store1.id)).toBe(17);
    expect(sim.state.onHand('1001', store1.id)).toBe(4);
    // Posted when saved: "ship and invoice" has nothing left to do, and says so without writing.
    await erp.shipAndInvoice(created.id);
    expect(sim.state.onHand('1000', store1.id)).toBe(17);
  });

  it('a retry after a lost response updates the one cash sale: no twin, no doubled lines', async () => {
    const { sim, store1 } = await startSim({ faults: { lostResponseRate: 1 } });
    const erp = clientFor(sim, { STORE01: store1.id });
    await expect(erp.createSalesOrder(sale('SITOO-1-101'))).rejects.toBeInstanceOf(TransientError);
    expect(sim.faults.counters.lostResponses).toBe(1);
    sim.faults.reset();

    const again = await erp.createSalesOrder(sale('SITOO-1-101'));
    const saved = sim.state.transactionsByExternalId(erp.saleExternalId('SITOO-1-101', 'POS-STORE01'));
    expect(saved).toHaveLength(1);
    expect(saved[0]!.lines).toHaveLength(2);
    expect(again.totalCents).toBe(SALE_CENTS);
    expect(sim.state.onHand('1000', store1.id)).toBe(17);
  });

  it('a create that commits after the client gave up lands on the retry’s cash sale: no twin, no doubled lines', async () => {
    const { sim, store1 } = await startSim({ faults: { lateCommitRate: 1, lateCommitDelayMs: 1_500 } });
    const erp = clientFor(sim, { STORE01: store1.id }, { timeoutMs: 700 });
    await expect(erp.createSalesOrder(sale('SITOO-1-102'))).rejects.toBeInstanceOf(TransientError);
    sim.faults.set({ lateCommitRate: 0 });
    // The retry finds nothing yet (the first write is still queued) and writes again.
    expect(await erp.findSalesDocuments('SITOO-1-102')).toEqual([]);
    await erp.createSalesOrder(sale('SITOO-1-102'));
    await waitFor('the late write to commit', () => sim.faults.counters.lateCommitsApplied === 1, 10_000);

    const saved = sim.state.transactionsByExternalId(erp.saleExternalId('SITOO-1-102', 'POS-STORE01'));
    expect(saved).toHaveLength(1);
    expect(saved[0]!.lines).toHaveLength(2);
    expect(await erp.findSalesDocuments('SITOO-1-102')).toMatchObject([{ totalCents: SALE_CENTS }]);
    expect(sim.state.onHand('1000', store1.id)).toBe(17);
  });

  it('the simulator appends an upsert’s lines without replace=item, which is why the adapter sends it', async () => {
    const { sim, store1, customer } = await startSim();
    const body = {
      entity: { id: customer.id },
      tranDate: '2026-11-30',
      location: { id: store1.id },
      item: { items: [{ item: { id: [...sim.state.items.values()][0]!.id }, quantity: 1, grossAmt: 3.34 }] },
    };
    expect((await rawNetSuite(sim, 'PUT', '/services/rest/record/v1/cashSale/eid:RAW-1', body)).status).toBe(204);
    expect((await rawNetSuite(sim, 'PUT', '/services/rest/record/v1/cashSale/eid:raw-1', body)).status).toBe(204);
    const [merged] = sim.state.transactionsByExternalId('RAW-1');
    expect(merged!.lines).toHaveLength(2);
    expect(
      (await rawNetSuite(sim, 'PUT', '/services/rest/record/v1/cashSale/eid:RAW-1?replace=item', body)).status,
    ).toBe(204);
    expect(sim.state.transactionsByExternalId('RAW-1')[0]!.lines).toHaveLength(1);
    const bad = await rawNetSuite(sim, 'PUT', '/services/rest/record/v1/cashSale/eid:RAW.1', body);
    expect(bad.status).toBe(400);
  });

  it('an external id another transaction type holds is refused with NetSuite’s detail; a sale and its return keep apart by prefix', async () => {
    const { sim, store1, customer } = await startSim();
    const erp = clientFor(sim, { STORE01: store1.id });
    const item = [...sim.state.items.values()][0]!.id;
    // Another writer put a credit memo under the id our sale would use.
    const foreign = await rawNetSuite(
      sim,
      'PUT',
      `/services/rest/record/v1/creditMemo/eid:${erp.saleExternalId('SITOO-1-103', 'POS-STORE01')}`,
      {
        entity: { id: customer.id },
        tranDate: '2026-11-30',
        location: { id: store1.id },
        item: { items: [{ item: { id: item }, quantity: 1, grossAmt: 1 }] },
      },
    );
    expect(foreign.status).toBe(204);
    const err = await rejection(erp.createSalesOrder(sale('SITOO-1-103')));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe('USER_ERROR');
    expect((err as PermanentError).message).toMatch(/already exists.*creditMemo.*\(at externalId\)/);

    // Our own sale and return under one business key: different prefixes, both written.
    await erp.createSalesOrder(sale('WEB-77'));
    await erp.createSalesCreditMemo(creditMemo('WEB-77', 5));
    expect(sim.state.transactionsByExternalId(erp.saleExternalId('WEB-77', 'POS-STORE01'))).toHaveLength(1);
    expect(await erp.findSalesCreditMemos('WEB-77')).toHaveLength(1);
  });

  it('a business refusal (closed period) is a PermanentError carrying NetSuite’s detail and field; "Record has been changed" is sent again', async () => {
    const { sim, store1 } = await startSim();
    const erp = clientFor(sim, { STORE01: store1.id });
    sim.state.flags.closedBefore = '2026-12-01';
    const err = await rejection(erp.createSalesOrder(sale('SITOO-1-104')));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe('USER_ERROR');
    expect((err as PermanentError).message).toContain('within a closed period. (at tranDate)');
    expect(sim.state.transactions.size).toBe(0);

    sim.state.flags.closedBefore = undefined;
    sim.state.flags.recordChangedWrites = 2;
    await erp.createSalesOrder(sale('SITOO-1-104'));
    expect(sim.state.flags.recordChangedWrites).toBe(0);
    expect(sim.state.transactionsByExternalId(erp.saleExternalId('SITOO-1-104', 'POS-STORE01'))).toHaveLength(1);
  });

  it('an unknown item, an unmapped store and an unknown customer are refused before anything is written', async () => {
    const { sim, store1 } = await startSim();
    const erp = clientFor(sim, { STORE01: store1.id });
    expect(await erp.findUnknownItems(['1000', '9999', '1001', '9999'])).toEqual(['9999']);
    expect(await erp.findLocationId('store01')).toBe(store1.id);
    expect(await erp.findLocationId('STORE02')).toBe(
      [...sim.state.locations.values()].find((l) => l.externalId === 'STORE02')!.id,
    );
    expect(await erp.findLocationId('NOWHERE')).toBeUndefined();
    await expect(
      erp.createSalesOrder(
        sale('S-1', { lines: [{ itemNumber: '9999', quantity: 1, unitPriceCents: 1, locationCode: 'STORE01' }] }),
      ),
    ).rejects.toMatchObject({ code: 'ItemNotFound' });
    await expect(
      erp.createSalesOrder(
        sale('S-1', { lines: [{ itemNumber: '1000', quantity: 1, unitPriceCents: 1, locationCode: 'STORE02' }] }),
      ),
    ).rejects.toMatchObject({ code: 'LocationNotMapped' });
    await expect(erp.createSalesOrder(sale('S-1', { customerNumber: 'NOBODY' }))).rejects.toMatchObject({
      code: 'CustomerNotFound',
    });
    expect(sim.state.transactions.size).toBe(0);
  });
});

describe('NetSuite returns as credit memos', () => {
  it('books each return once as a posted credit memo, found by the order’s number, stock back in', async () => {
    const { sim, store1 } = await startSim({ faults: { lostResponseRate: 1 } });
    const erp = clientFor(sim, { STORE01: store1.id });
    await expect(erp.createSalesCreditMemo(creditMemo('WEB-1', 11, 2))).rejects.toBeInstanceOf(TransientError);
    sim.faults.reset();
    const memo = await erp.createSalesCreditMemo(creditMemo('WEB-1', 11, 2));
    await erp.createSalesCreditMemo(creditMemo('WEB-1', 12, 1));
    expect(memo).toMatchObject({
      posted: true,
      totalCents: 668,
      externalDocumentNumber: 'WEB-1',
      pricesIncludeTax: true,
    });
    expect(memo.lines).toEqual([
      { itemNumber: '1000', quantity: 2, locationCode: 'STORE01', description: 'Sitoo return 11' },
    ]);

    const found = await erp.findSalesCreditMemos('WEB-1', { customerNumber: 'POS-STORE01' });
    expect(found.map((m) => m.lines[0]!.description).sort()).toEqual(['Sitoo return 11', 'Sitoo return 12']);
    expect(found.find((m) => m.id === memo.id)).toEqual(memo);
    expect(sim.state.onHand('1000', store1.id)).toBe(23);
    await erp.postSalesCreditMemo(memo.id);

    expect(
      await erp.listCreditMemoLineTotals({
        customerNumber: 'POS-STORE01',
        postingDateFrom: '2026-11-30',
        postingDateTo: '2026-11-30',
      }),
    ).toHaveLength(2);
    await erp.deleteSalesCreditMemo(memo.id);
    await erp.deleteSalesCreditMemo(memo.id);
    expect(await erp.findSalesCreditMemos('WEB-1')).toHaveLength(1);
    expect(sim.state.onHand('1000', store1.id)).toBe(21);
  });
});

describe('NetSuite stock adjustments, categories and the day journal', () => {
  it('an inventory adjustment upsert appends its lines without replace=inventory, which is why the adapter sends it', async () => {
    const { sim, store1 } = await startSim();
    const mug = [...sim.state.items.values()][0]!;
    const body = {
      tranDate: '2026-11-30',
      account: { id: '213' },
      inventory: { items: [{ item: { id: mug.id }, location: { id: store1.id }, adjustQtyBy: 4 }] },
    };
    const path = '/services/rest/record/v1/inventoryAdjustment/eid:RAW-IA-1';
    expect((await rawNetSuite(sim, 'PUT', path, body)).status).toBe(204);
    expect((await rawNetSuite(sim, 'PUT', path, body)).status).toBe(204);
    expect(sim.state.onHand('1000', store1.id)).toBe(20 + 8);
    expect((await rawNetSuite(sim, 'PUT', `${path}?replace=inventory`, body)).status).toBe(204);
    expect(sim.state.onHand('1000', store1.id)).toBe(20 + 4);
    // A line without a location is refused, as with per-line locations mandatory.
    const noLocation = { ...body, inventory: { items: [{ item: { id: mug.id }, adjustQtyBy: 1 }] } };
    const refused = await rawNetSuite(
      sim,
      'PUT',
      '/services/rest/record/v1/inventoryAdjustment/eid:RAW-IA-2',
      noLocation,
    );
    expect(refused.status).toBe(400);
  });

  it('the adapter books a stock change once at the mapped location and account, and refuses without an account mapped', async () => {
    const { sim, store1 } = await startSim();
    const erp = clientFor(
      sim,
      { STORE01: store1.id },
      { mapping: { locations: { STORE01: store1.id }, adjustmentAccountId: '213' } },
    );
    const input = {
      externalDocumentNumber: 'WT-5',
      locationCode: 'STORE01',
      postingDate: '2026-11-30',
      lines: [{ itemNumber: '1001', quantity: -2 }],
    };
    const first = await erp.createStockAdjustment(input);
    expect(await erp.createStockAdjustment(input)).toEqual(first);
    const [saved, ...more] = sim.state.transactionsByExternalId(erp.adjustmentExternalId('WT-5'));
    expect(more).toEqual([]);
    expect([saved!.type, saved!.account, saved!.lines.map((l) => [l.location, l.quantity])]).toEqual([
      'inventoryAdjustment',
      '213',
      [[store1.id, -2]],
    ]);
    expect(sim.state.onHand('1001', store1.id)).toBe(3);
    const unmapped = clientFor(sim, { STORE01: store1.id });
    await expect(unmapped.createStockAdjustment({ ...input, externalDocumentNumber: 'WT-6' })).rejects.toMatchObject({
      code: 'AccountNotMapped',
    });
  });

  it('reads an item category from a custom item field when the mapping names one, and refuses a malformed field id', async () => {
    const { sim, store1 } = await startSim();
    sim.state.seedItem({
      itemId: '2000',
      className: 'Department stores',
      custom: { custitem_sitoo_category: 'KITCHEN' },
    });
    const byClass = clientFor(sim, { STORE01: store1.id });
    expect(await byClass.getItemCategories(['2000', '1000'])).toEqual(new Map([['2000', 'Department stores']]));
    const byField = clientFor(
      sim,
      { STORE01: store1.id },
      {
        mapping: { locations: { STORE01: store1.id }, itemCategoryField: 'custitem_sitoo_category' },
      },
    );
    expect(await byField.getItemCategories(['2000', '1000'])).toEqual(new Map([['2000', 'KITCHEN']]));
    expect(() =>
      clientFor(
        sim,
        { STORE01: store1.id },
        {
          mapping: { locations: {}, itemCategoryField: 'custitem_x; DROP' as `custitem_${string}` },
        },
      ),
    ).toThrow(/itemCategoryField/);
  });

  it('posts the day journal as one balanced journal entry with the store location on its lines; the simulator refuses an unbalanced one', async () => {
    const { sim, store1 } = await startSim();
    const erp = clientFor(
      sim,
      { STORE01: store1.id },
      {
        mapping: {
          locations: { STORE01: store1.id },
          receivablesAccountId: '119',
          journals: { POS01: { locationId: store1.id, departmentId: '7' } },
        },
      },
    );
    const journal = {
      journalCode: 'POS01',
      documentNumber: 'Z-STORE01-261130',
      postingDate: '2026-11-30',
      lines: [
        { accountNumber: '125', amountCents: 1000, description: 'Card' },
        { accountNumber: 'POS-STORE01', accountType: 'Customer' as const, amountCents: -1000, description: 'Sales' },
      ],
    };
    await erp.postDailyJournal(journal);
    const [je] = sim.state.transactionsByExternalId(erp.journalExternalId('Z-STORE01-261130'));
    expect([je!.type, je!.tranId]).toEqual(['journalEntry', 'Z-STORE01-261130']);
    expect(je!.journalLines!.map((l) => [l.account, l.debitCents, l.creditCents, l.location, l.department])).toEqual([
      ['125', 1000, 0, store1.id, '7'],
      ['119', 0, 1000, store1.id, '7'],
    ]);
    expect(je!.journalLines![1]!.entity).toBe([...sim.state.customers.values()][0]!.id);
    expect(await erp.sweepJournalDrafts('Z-STORE01-261130', { journalCode: 'POS01' })).toBe(0);

    const unbalanced = await rawNetSuite(sim, 'PUT', '/services/rest/record/v1/journalEntry/eid:RAW-JE-1', {
      tranDate: '2026-11-30',
      line: {
        items: [
          { account: { id: '125' }, debit: 10 },
          { account: { id: '119' }, credit: 9.99 },
        ],
      },
    });
    expect(unbalanced.status).toBe(400);
    expect(JSON.stringify(unbalanced.json)).toContain('debit entries must equal the total of credit entries');
  });
});

describe('NetSuite SuiteQL paging and rules', () => {
  it('pages by limit and offset until hasMore is false', async () => {
    const { sim, store1 } = await startSim();
    const erp = clientFor(sim, { STORE01: store1.id }, { pageSize: 2 });
    for (let i = 0; i < 5; i++) await erp.createSalesOrder(sale(`SITOO-1-2${i}`));
    await erp.createSalesOrder(sale('SITOO-1-OTHERDAY', { orderDate: '2026-12-01' }));
    sim.state.requestLog.length = 0;
    const totals = await erp.listSalesDocumentTotals({
      customerNumber: 'POS-STORE01',
      postingDateFrom: '2026-11-30',
      postingDateTo: '2026-11-30',
    });
    expect(totals.map((t) => t.externalDocumentNumber)).toEqual([
      'SITOO-1-20',
      'SITOO-1-21',
      'SITOO-1-22',
      'SITOO-1-23',
      'SITOO-1-24',
    ]);
    expect(totals.every((t) => t.totalCents === SALE_CENTS && t.postingDate === '2026-11-30')).toBe(true);
    expect(sim.state.requestLog.map((r) => r.query)).toEqual([
      'limit=2&offset=0',
      'limit=2&offset=2',
      'limit=2&offset=4',
    ]);
  });

  it('refuses a query without Prefer: transient, a limit over 1000, an offset off the limit, and a statement it does not know', async () => {
    const { sim } = await startSim();
    const q = { q: 'SELECT id, entityid FROM customer WHERE entityid = ?', params: ['POS-STORE01'] };
    const path = '/services/rest/query/v1/suiteql';
    expect((await rawNetSuite(sim, 'POST', `${path}?limit=10&offset=0`, q, { prefer: 'transient' })).status).toBe(200);
    expect((await rawNetSuite(sim, 'POST', `${path}?limit=10&offset=0`, q)).status).toBe(400);
    expect((await rawNetSuite(sim, 'POST', `${path}?limit=1001&offset=0`, q, { prefer: 'transient' })).status).toBe(
      400,
    );
    expect((await rawNetSuite(sim, 'POST', `${path}?limit=10&offset=5`, q, { prefer: 'transient' })).status).toBe(400);
    const unknown = await rawNetSuite(sim, 'POST', path, { q: 'SELECT * FROM employee' }, { prefer: 'transient' });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.json)).toContain('does not know this statement');
  });
});

describe('NetSuite governance', () => {
  it('requests refused over the account’s concurrency cap are sent again, and give up as TransientError', async () => {
    const { sim, store1 } = await startSim({ concurrencyLimit: 1, faults: { latencyMs: 80 } });
    const erp = clientFor(sim, { STORE01: store1.id }, { maxConcurrentRequests: 3, concurrencyRetries: 20 });
    await erp.findUnknownItems(['1000']); // the token first, alone
    const results = await Promise.all([1, 2, 3].map(() => erp.findUnknownItems(['1000', '9999'])));
    expect(results).toEqual([['9999'], ['9999'], ['9999']]);
    expect(sim.load.refusedOverloaded).toBeGreaterThan(0);

    const impatient = clientFor(sim, { STORE01: store1.id }, { maxConcurrentRequests: 3, concurrencyRetries: 0 });
    const settled = await Promise.allSettled([1, 2, 3].map(() => impatient.findUnknownItems(['1000'])));
    const refused = settled
      .filter((s) => s.status === 'rejected')
      .map((s) => (s as PromiseRejectedResult).reason as unknown);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r).toMatchObject({ name: 'TransientError', status: 429 });
  });
});

describe('NetSuite authentication', () => {
  it('OAuth 2.0 M2M: a token from a signed JWT, a new one signed when it runs out', async () => {
    let now = Date.now();
    const { sim, store1 } = await startSim({ now: () => now });
    const erp = clientFor(sim, { STORE01: store1.id }, { now: () => now });
    await erp.findUnknownItems(['1000']);
    await erp.findUnknownItems(['1001']);
    expect(sim.auth.counters.tokensIssued).toBe(1);
    now += 3_600_000;
    await erp.findUnknownItems(['1000']);
    expect(sim.auth.counters.tokensIssued).toBe(2);
    // A token the server dropped (revoked) is replaced once, transparently.
    sim.auth.revokeAll();
    await erp.findUnknownItems(['1000']);
    expect(sim.auth.counters.tokensIssued).toBe(3);
  });

  it('OAuth 2.0 M2M: an assertion signed with another key is refused as INVALID_LOGIN', async () => {
    const { sim, store1 } = await startSim();
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const erp = clientFor(
      sim,
      { STORE01: store1.id },
      {
        auth: { kind: 'oauth2-m2m', clientId: CLIENT_ID, certificateId: CERTIFICATE_ID, privateKeyPem: other },
      },
    );
    const err = await rejection(erp.findUnknownItems(['1000']));
    expect(err).toMatchObject({ name: 'PermanentError', status: 401, code: 'INVALID_LOGIN' });
    expect((err as Error).message).not.toContain('PRIVATE KEY');
    expect(sim.auth.auditTrail).toContain('token: InvalidSignature');
    expect(sim.auth.counters.tokensIssued).toBe(0);
  });

  it('OAuth 2.0 M2M: an RSA certificate signs PS256 and is accepted', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const { sim, store1 } = await startSim({
      m2m: { clientId: CLIENT_ID, certificateId: CERTIFICATE_ID, publicKey: rsa.publicKey },
    });
    const erp = clientFor(
      sim,
      { STORE01: store1.id },
      {
        auth: {
          kind: 'oauth2-m2m',
          clientId: CLIENT_ID,
          certificateId: CERTIFICATE_ID,
          privateKeyPem: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        },
      },
    );
    expect(await erp.findUnknownItems(['1000'])).toEqual([]);
  });

  it('TBA: HMAC-SHA256 signed requests are accepted, a wrong token secret is refused, and TBA switched off refuses all', async () => {
    const { sim, store1 } = await startSim();
    const erp = clientFor(sim, { STORE01: store1.id }, { auth: { kind: 'tba', ...TBA } });
    await erp.createSalesOrder(sale('SITOO-1-300'));
    expect(await erp.findSalesDocuments('SITOO-1-300')).toHaveLength(1);
    expect(sim.auth.counters.tokensIssued).toBe(0);

    const wrong = clientFor(sim, { STORE01: store1.id }, { auth: { kind: 'tba', ...TBA, tokenSecret: 'not-it' } });
    await expect(wrong.findUnknownItems(['1000'])).rejects.toMatchObject({ status: 401, code: 'INVALID_LOGIN' });
    expect(sim.auth.auditTrail).toContain('InvalidSignature (TBA)');

    sim.auth.allowTba = false;
    await expect(erp.findUnknownItems(['1000'])).rejects.toMatchObject({ status: 401 });
  });
});

describe('NetSuite under the flows’ ERP activities', () => {
  const attempt = (n: number) => {
    const env = new MockActivityEnvironment(
      { attempt: n, startToCloseTimeoutMs: 30_000, heartbeatTimeoutMs: undefined },
      { interceptors: [attemptInterceptor] },
    );
    return <T>(fn: () => Promise<T>): Promise<T> => env.run(fn) as Promise<T>;
  };

  it('the sale activities book one posted cash sale across a lost response, and the return activity one credit memo', async () => {
    const { sim, store1 } = await startSim({ faults: { lostResponseRate: 1 } });
    const erp = clientFor(sim, { STORE01: store1.id });
    await expect(
      attempt(1)(() => findOrCreateErpOrder(erp, sale('SITOO-1-400'), new KeyedLock())),
    ).rejects.toBeInstanceOf(TransientError);
    sim.faults.reset();
    const ref = await attempt(2)(() => findOrCreateErpOrder(erp, sale('SITOO-1-400'), new KeyedLock()));
    expect(ref).toMatchObject({ posted: true, twinsRemoved: 0 });
    const posted = await attempt(1)(() =>
      postErpOrder(erp, { externalDocumentNumber: 'SITOO-1-400', customerNumber: 'POS-STORE01' }),
    );
    expect(posted.id).toBe(ref.id);
    expect(sim.state.transactionsByExternalId(erp.saleExternalId('SITOO-1-400', 'POS-STORE01'))).toHaveLength(1);
    expect(sim.state.onHand('1000', store1.id)).toBe(17);

    const key = {
      externalDocumentNumber: 'SITOO-1-400',
      customerNumber: 'POS-STORE01',
      description: 'Sitoo return 41',
    };
    const booked = await attempt(1)(() => bookCreditMemo(erp, key, creditMemo('SITOO-1-400', 41), new KeyedLock()));
    const again = await attempt(2)(() => bookCreditMemo(erp, key, creditMemo('SITOO-1-400', 41), new KeyedLock()));
    expect(again.number).toBe(booked.number);
    expect(await erp.findSalesCreditMemos('SITOO-1-400')).toHaveLength(1);
    expect(sim.state.onHand('1000', store1.id)).toBe(18);
  });
});
