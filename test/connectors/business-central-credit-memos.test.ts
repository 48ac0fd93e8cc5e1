import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../src/connectors/http';
import type { ErpCreditMemoInput } from '../../src/connectors/erp/port';
import type { BusinessCentralSimulator } from '../../src/simulators/business-central';
import { businessCentralFixture, rawToken } from '../support/business-central';
import { rejectionOf } from '../support/rejection';

const { startSim, clientFor } = businessCentralFixture();

/** A return against original order SO-77: the line descriptions carry the return id. */
function creditMemo(returnId: string, overrides: Partial<ErpCreditMemoInput> = {}): ErpCreditMemoInput {
  return {
    externalDocumentNumber: 'so-77',
    customerNumber: 'POS-STORE01',
    creditMemoDate: '2025-05-03',
    lines: [
      {
        itemNumber: '1000',
        quantity: 1,
        unitPriceCents: 995,
        locationCode: 'store01',
        description: `Return ${returnId}: Mug`,
      },
      {
        itemNumber: '1001',
        quantity: 2,
        unitPriceCents: 1950,
        locationCode: 'STORE02',
        description: `Return ${returnId}: Plate`,
      },
    ],
    ...overrides,
  };
}

async function raw(sim: BusinessCentralSimulator, method: 'GET' | 'POST', path: string, token: string, body?: unknown) {
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  };
  const res = await request(`${sim.apiBaseUrl}/companies(${sim.companyId})/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: (text ? JSON.parse(text) : undefined) as Record<string, any> };
}

describe('Business Central client: sales credit memos', () => {
  it('creates a draft with deep-inserted lines and finds every return against the order by externalDocumentNumber', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    const first = await client.createSalesCreditMemo(creditMemo('R-1'));
    expect(first).toEqual({
      id: expect.any(String),
      number: 'SCM1001',
      externalDocumentNumber: 'SO-77',
      customerNumber: 'POS-STORE01',
      pricesIncludeTax: true,
      status: 'Draft',
      posted: false,
      totalCents: 4895,
      lines: [
        { itemNumber: '1000', quantity: 1, locationCode: 'STORE01', description: 'Return R-1: Mug' },
        { itemNumber: '1001', quantity: 2, locationCode: 'STORE02', description: 'Return R-1: Plate' },
      ],
    });
    const second = await client.createSalesCreditMemo(
      creditMemo('R-2', {
        lines: [
          { itemNumber: '1000', quantity: 1, unitPriceCents: 995, locationCode: 'STORE01', description: 'Return R-2' },
        ],
      }),
    );

    // A fresh client resolves the lines' location codes from their ids.
    const found = await clientFor(sim).findSalesCreditMemos(' So-77');
    expect(found).toEqual([first, second]);
    expect(found.some((m) => m.lines.some((l) => l.description.includes('R-2')))).toBe(true);
    expect(await client.findSalesCreditMemos('SO-78')).toEqual([]);
    // A return is not a sales document: the sale flow's own look-up stays unaffected.
    expect(sim.state.countByExternalDocumentNumber('SO-77')).toBe(0);
    expect(sim.state.creditMemos().map((m) => [m.number, m.status, m.lines.length])).toEqual([
      ['SCM1001', 'Draft', 2],
      ['SCM1002', 'Draft', 1],
    ]);
  });

  it('posting moves returned goods in at each line location and keeps the id; posting again is safe', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    sim.state.postPurchaseReceipt('STORE01', '1000', 5);
    const draft = await client.createSalesCreditMemo(creditMemo('R-1'));
    expect(sim.state.ledgerEntries()).toHaveLength(1); // a draft moves nothing

    await client.postSalesCreditMemo(draft.id);
    expect(await client.getLocationStock('STORE01', ['1000', '1001'])).toEqual(
      new Map([
        ['1000', 6],
        ['1001', 0],
      ]),
    );
    expect(await client.getLocationStock('STORE02', ['1001'])).toEqual(new Map([['1001', 2]]));
    expect(
      sim.state
        .ledgerEntries()
        .slice(1)
        .map((e) => [
          e.entryType,
          e.documentType,
          e.documentNumber,
          e.itemNumber,
          e.quantity,
          e.locationCode,
          e.salesAmountActual,
        ]),
    ).toEqual([
      ['Sale', 'Sales Credit Memo', 'PSCM1001', '1000', 1, 'STORE01', -9.95],
      ['Sale', 'Sales Credit Memo', 'PSCM1001', '1001', 2, 'STORE02', -39],
    ]);
    expect(await client.findSalesCreditMemos('SO-77')).toMatchObject([
      { id: draft.id, number: 'PSCM1001', status: 'Open', posted: true },
    ]);

    // BC refuses the second post; the connector re-reads the memo and reports success.
    await client.postSalesCreditMemo(draft.id);
    expect(sim.state.ledgerEntries()).toHaveLength(3);
    const token = await rawToken(sim);
    const again = await raw(sim, 'POST', `salesCreditMemos(${draft.id})/Microsoft.NAV.post`, token);
    expect([again.status, again.json.error.code]).toEqual([400, 'Application_DialogException']);
    expect(again.json.error.message).toMatch(/^The action can be applied to a draft credit memo only\./);
  });

  it('refuses to post a credit memo without lines, and an unknown one, with a clear PermanentError', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    const token = await rawToken(sim);
    // BC accepts an empty draft; only posting it fails.
    const empty = await raw(sim, 'POST', 'salesCreditMemos', token, {
      customerNumber: 'POS-STORE01',
      externalDocumentNumber: 'SO-77',
    });
    expect([empty.status, empty.json.status]).toEqual([201, 'Draft']);

    const err = await rejectionOf(client.postSalesCreditMemo(empty.json.id));
    expect([err instanceof PermanentError, (err as PermanentError).status, (err as PermanentError).code]).toEqual([
      true,
      400,
      'Application_DialogException',
    ]);
    expect(err.message).toContain('Please add at least one line item to the credit memo.');
    expect(sim.state.creditMemos()).toMatchObject([{ status: 'Draft', posted: false }]);

    const unknown = await rejectionOf(client.postSalesCreditMemo('99999999-9999-4999-8999-999999999999'));
    expect([unknown instanceof PermanentError, (unknown as PermanentError).status]).toEqual([true, 404]);

    // The connector never creates an empty or malformed draft in the first place.
    const posts = sim.state.requestLog.filter((r) => r.method === 'POST').length;
    for (const bad of [
      creditMemo('R-9', { lines: [] }),
      creditMemo('R-9', {
        lines: [{ itemNumber: '1000', quantity: -1, unitPriceCents: 100, locationCode: 'STORE01', description: 'R-9' }],
      }),
    ]) {
      const refused = await rejectionOf(client.createSalesCreditMemo(bad));
      expect([refused instanceof PermanentError, (refused as PermanentError).code]).toEqual([
        true,
        'InvalidCreditMemo',
      ]);
    }
    const location = await rejectionOf(
      client.createSalesCreditMemo(
        creditMemo('R-9', {
          lines: [
            { itemNumber: '1000', quantity: 1, unitPriceCents: 100, locationCode: 'NOWHERE', description: 'R-9' },
          ],
        }),
      ),
    );
    expect([(location as PermanentError).code, location.message.includes('NOWHERE')]).toEqual([
      'LocationNotFound',
      true,
    ]);
    expect(sim.state.requestLog.filter((r) => r.method === 'POST').length).toBe(posts);
  });

  it('a lost create response: the memo exists, so callers must look (by return id in the descriptions) before creating', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    await client.findLocationId('STORE01');
    await client.findLocationId('STORE02');

    sim.faults.set({ lostResponseRate: 1 });
    const lost = await rejectionOf(client.createSalesCreditMemo(creditMemo('R-1')));
    sim.faults.reset();
    expect(lost).toBeInstanceOf(TransientError);

    // What the activity does on its retry: look for this return's lines before creating.
    const existing = (await client.findSalesCreditMemos('SO-77')).find((m) =>
      m.lines.some((l) => l.description.includes('R-1')),
    );
    expect(existing).toMatchObject({
      number: 'SCM1001',
      status: 'Draft',
      lines: [{ description: 'Return R-1: Mug' }, { description: 'Return R-1: Plate' }],
    });
    const memo = existing ?? (await client.createSalesCreditMemo(creditMemo('R-1')));
    await client.postSalesCreditMemo(memo.id);
    expect(sim.state.creditMemos()).toMatchObject([{ externalDocumentNumber: 'SO-77', posted: true }]);
  });

  it("lists a customer's posted credit memo lines over posting dates, with their gross, for end of day", async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    sim.state.seedCustomer({ number: 'POS-STORE02', displayName: 'Walk-in customer 2' });
    const posted = await client.createSalesCreditMemo(creditMemo('R-1'));
    await client.postSalesCreditMemo(posted.id);
    await client.createSalesCreditMemo(creditMemo('R-2')); // a draft books nothing yet
    const later = await client.createSalesCreditMemo(creditMemo('R-3', { creditMemoDate: '2025-05-09' }));
    await client.postSalesCreditMemo(later.id);
    const other = await client.createSalesCreditMemo(creditMemo('R-4', { customerNumber: 'POS-STORE02' }));
    await client.postSalesCreditMemo(other.id);

    const lines = await client.listCreditMemoLineTotals({
      customerNumber: 'pos-store01',
      postingDateFrom: '2025-05-02',
      postingDateTo: '2025-05-04',
    });
    expect(lines).toEqual([
      { creditMemoId: posted.id, description: 'Return R-1: Mug', grossCents: 995 },
      { creditMemoId: posted.id, description: 'Return R-1: Plate', grossCents: 3900 },
    ]);
    const refused = await rejectionOf(
      client.listCreditMemoLineTotals({
        customerNumber: 'POS-STORE01',
        postingDateFrom: '2025-05-04',
        postingDateTo: '2025-05-02',
      }),
    );
    expect(refused).toBeInstanceOf(PermanentError);
    expect(refused.message).toMatch(/credit memo posting date range 2025-05-04..2025-05-02/);
  });

  it('the simulator serves credit memos like BC: filters, $expand, per-document lines, validation and faults', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    const draft = await client.createSalesCreditMemo(creditMemo('R-1'));
    const token = await rawToken(sim);

    const byNumber = await raw(
      sim,
      'GET',
      `salesCreditMemos?$filter=${encodeURIComponent("number eq 'SCM1001'")}&$expand=salesCreditMemoLines`,
      token,
    );
    expect(byNumber.json.value).toMatchObject([
      {
        id: draft.id,
        creditMemoDate: '2025-05-03',
        customerNumber: 'POS-STORE01',
        salesCreditMemoLines: [{ lineObjectNumber: '1000' }, { lineObjectNumber: '1001' }],
      },
    ]);
    const nested = await raw(sim, 'GET', `salesCreditMemos(${draft.id})/salesCreditMemoLines`, token);
    expect(nested.json.value.map((l: { quantity: number }) => l.quantity)).toEqual([1, 2]);
    const bare = await raw(sim, 'GET', 'salesCreditMemoLines', token);
    expect(bare.json.error.message).toMatch(/^You must specify an Id or a Document Id to get the lines\./);
    const byDocument = await raw(
      sim,
      'GET',
      `salesCreditMemoLines?$filter=${encodeURIComponent(`documentId eq ${draft.id}`)}`,
      token,
    );
    expect(byDocument.json.value).toHaveLength(2);

    const line = { lineType: 'Item', lineObjectNumber: '1000', quantity: 1 };
    const unknownProp = await raw(sim, 'POST', 'salesCreditMemos', token, {
      customerNumber: 'POS-STORE01',
      orderDate: '2025-05-03',
    });
    expect([unknownProp.status, unknownProp.json.error.code]).toEqual([400, 'BadRequest_NotFound']);
    const longText = await raw(sim, 'POST', 'salesCreditMemos', token, {
      customerNumber: 'POS-STORE01',
      salesCreditMemoLines: [{ ...line, description: 'x'.repeat(101) }],
    });
    expect([longText.status, longText.json.error.code]).toEqual([400, 'Application_StringExceededLength']);
    const zero = await raw(sim, 'POST', 'salesCreditMemos', token, {
      customerNumber: 'POS-STORE01',
      salesCreditMemoLines: [{ ...line, quantity: 0 }],
    });
    const zeroPost = await raw(sim, 'POST', `salesCreditMemos(${zero.json.id})/Microsoft.NAV.post`, token);
    expect(zeroPost.json.error.message).toMatch(/do not have a quantity specified/);

    sim.faults.set({ throttleRate: 1, retryAfterSeconds: 2 });
    const throttled = await rejectionOf(client.findSalesCreditMemos('SO-77'));
    expect([
      throttled instanceof TransientError,
      (throttled as TransientError).status,
      (throttled as TransientError).retryAfterMs,
    ]).toEqual([true, 429, 2000]);
    sim.faults.reset();
  });
});
