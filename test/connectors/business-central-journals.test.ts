import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../src/connectors/http';
import type { BusinessCentralClient } from '../../src/connectors/erp/business-central/client';
import type { ErpJournalInput } from '../../src/connectors/erp/port';
import { BC_ACCOUNTS, type BusinessCentralSimulator } from '../../src/simulators/business-central';
import { createJournal } from '../../src/simulators/business-central/journals';
import { businessCentralFixture, rawToken } from '../support/business-central';
import { rejectionOf } from '../support/rejection';
import { waitFor } from '../support/temporal';

const { startSim, clientFor } = businessCentralFixture();
const DAY = '2025-05-01';

/** A store day settled in the ERP: card and cash takings debited, the walk-in customer's receivable credited. */
function zReport(documentNumber = 'Z-STORE01-250501', overrides: Partial<ErpJournalInput> = {}): ErpJournalInput {
  return {
    journalCode: 'pos01',
    documentNumber,
    postingDate: DAY,
    lines: [
      {
        accountNumber: BC_ACCOUNTS.cardClearing,
        amountCents: 2945,
        description: 'Card takings STORE01 2025-05-01',
        externalDocumentNumber: 'Z-4711',
      },
      {
        accountNumber: BC_ACCOUNTS.cash,
        amountCents: 995,
        description: 'Cash takings STORE01 2025-05-01',
        externalDocumentNumber: 'Z-4711',
      },
      {
        accountType: 'Customer',
        accountNumber: 'POS-STORE01',
        amountCents: -3940,
        description: 'Sales STORE01 2025-05-01',
        externalDocumentNumber: 'Z-4711',
      },
    ],
    ...overrides,
  };
}

/** Sells 2 mugs (9.95) and a plate (19.50), all at 25 % VAT, and posts the order: 39.40 gross. */
async function postSale(client: BusinessCentralClient, ext = 'SALE-1', orderDate = DAY): Promise<void> {
  const order = await client.createSalesOrder({
    externalDocumentNumber: ext,
    customerNumber: 'POS-STORE01',
    orderDate,
    lines: [
      { itemNumber: '1000', quantity: 2, unitPriceCents: 995, locationCode: 'STORE01' },
      { itemNumber: '1001', quantity: 1, unitPriceCents: 1950, locationCode: 'STORE01' },
    ],
  });
  await client.shipAndInvoice(order.id);
}

async function raw(sim: BusinessCentralSimulator, method: 'GET' | 'POST', path: string, body?: unknown) {
  const token = await rawToken(sim);
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

const posts = (sim: BusinessCentralSimulator, suffix = '') =>
  sim.state.requestLog.filter((r) => r.method === 'POST' && r.path.endsWith(suffix)).length;
const entriesOf = (sim: BusinessCentralSimulator, documentNumber: string) =>
  sim.state.glEntries().filter((e) => e.documentNumber === documentNumber);
const sum = (values: Iterable<number>): number => [...values].reduce((s, v) => s + v, 0);

describe('Business Central client: daily journals', () => {
  it('posts a balanced journal once; the document number is the key, so posting it again changes nothing', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    expect(await client.findJournalPosting('Z-STORE01-250501')).toBeUndefined();

    await client.postDailyJournal(zReport());
    expect(await client.findJournalPosting('z-store01-250501')).toEqual({ posted: true, lines: 3 });
    expect(
      entriesOf(sim, 'Z-STORE01-250501').map((e) => [
        e.accountNumber,
        e.amountCents,
        e.documentType,
        e.postingDate,
        e.externalDocumentNumber,
      ]),
    ).toEqual([
      ['2920', 2945, ' ', DAY, 'Z-4711'],
      ['2910', 995, ' ', DAY, 'Z-4711'],
      ['2310', -3940, ' ', DAY, 'Z-4711'],
    ]);
    expect(sim.state.journalDrafts()).toEqual([{ code: 'POS01', lines: [] }]); // posted lines leave the batch

    const writes = posts(sim);
    await client.postDailyJournal(zReport());
    await clientFor(sim).postDailyJournal(zReport());
    expect(posts(sim)).toBe(writes);
    expect(entriesOf(sim, 'Z-STORE01-250501')).toHaveLength(3);
  });

  it('refuses an unbalanced journal before sending anything; the simulator refuses one with BC’s own text', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    const unbalanced = zReport('Z-BAD', {
      lines: [
        ...zReport().lines.slice(0, 2),
        { accountNumber: 'POS-STORE01', accountType: 'Customer', amountCents: -3939, description: 'Sales' },
      ],
    });
    const err = await rejectionOf(client.postDailyJournal(unbalanced));
    expect([err instanceof PermanentError, (err as PermanentError).code]).toEqual([true, 'UnbalancedJournal']);
    expect(err.message).toContain('0.01');
    const fraction = await rejectionOf(
      client.postDailyJournal(
        zReport('Z-BAD', { lines: [{ accountNumber: '2910', amountCents: 0.5, description: 'x' }] }),
      ),
    );
    expect((fraction as PermanentError).code).toBe('InvalidJournal');
    expect(posts(sim)).toBe(0);

    // The same journal sent to BC by hand: the post action checks the balance per document.
    const batch = await raw(sim, 'POST', 'journals', { code: 'MANUAL', displayName: 'Manual' });
    expect([batch.status, batch.json.templateDisplayName]).toEqual([201, 'GENERAL']);
    const nothing = await raw(sim, 'POST', `journals(${batch.json.id})/Microsoft.NAV.post`);
    expect([nothing.status, nothing.json.error.message]).toEqual([
      400,
      expect.stringMatching(/^There is nothing to post\./),
    ]);
    for (const amount of [100, -99.5])
      await raw(sim, 'POST', `journals(${batch.json.id})/journalLines`, {
        accountNumber: '2910',
        documentNumber: 'm-1',
        postingDate: DAY,
        amount,
      });
    const outOfBalance = await raw(sim, 'POST', `journals(${batch.json.id})/Microsoft.NAV.post`);
    expect([outOfBalance.status, outOfBalance.json.error.code]).toEqual([400, 'Application_DialogException']);
    expect(outOfBalance.json.error.message).toMatch(
      /^Document No\. M-1 is out of balance by 0\.5\. Please check that Posting Date, Document Type, Document No\. and Amount are correct for each line\./,
    );
    const unknownAccount = await raw(sim, 'POST', `journals(${batch.json.id})/journalLines`, {
      accountNumber: '9999',
      amount: 1,
    });
    expect(unknownAccount.json.error.message).toMatch(/^The "accountNumber" does not match to an Account\./);
    const bare = await raw(sim, 'GET', 'journalLines');
    expect(bare.json.error.message).toMatch(
      /^You must specify a journal batch ID or a journal ID to get a journal line\./,
    );
    expect(sim.state.glEntries()).toEqual([]);
  });

  it('every write response lost: each retry looks first, completes the draft, and the journal posts exactly once', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    sim.faults.set({ lostResponseRate: 1 });
    const seen: unknown[] = [];
    let attempts = 0;
    for (;;) {
      attempts++;
      const err = await client.postDailyJournal(zReport()).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!err) break;
      expect(err).toBeInstanceOf(TransientError);
      seen.push(await client.findJournalPosting('Z-STORE01-250501', { journalCode: 'POS01' }));
      if (attempts > 10) throw new Error('the journal never converged');
    }
    sim.faults.reset();
    // batch, three lines and the post each lost once; the last attempt finds the journal posted.
    expect(attempts).toBe(6);
    expect(seen).toEqual([
      undefined,
      { posted: false, journalId: expect.any(String), lines: 1 },
      { posted: false, journalId: expect.any(String), lines: 2 },
      { posted: false, journalId: expect.any(String), lines: 3 },
      { posted: true, lines: 3 },
    ]);
    expect(posts(sim, '/Microsoft.NAV.post')).toBe(1);
    expect(entriesOf(sim, 'Z-STORE01-250501')).toHaveLength(3);
  });

  it('drafts left by a lost attempt come back with BC’s encoded enum values (G_x002F_L_x0020_Account) and are recognised as ours', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    sim.faults.set({ lostResponseRate: 1 });
    await rejectionOf(client.postDailyJournal(zReport())); // creates the batch
    await rejectionOf(client.postDailyJournal(zReport())); // and the first line, a G/L one
    sim.faults.reset();
    const batch = (
      await raw(sim, 'GET', `journals?$filter=${encodeURIComponent("code eq 'POS01'")}&$expand=journalLines`)
    ).json.value[0];
    expect(
      batch.journalLines.map((l: Record<string, unknown>) => [l.accountNumber, l.accountType, l.balanceAccountType]),
    ).toEqual([[BC_ACCOUNTS.cardClearing, 'G_x002F_L_x0020_Account', 'G_x002F_L_x0020_Account']]);

    await client.postDailyJournal(zReport());
    expect(posts(sim, '/journalLines')).toBe(3);
    expect(posts(sim, '/Microsoft.NAV.post')).toBe(1);
    expect(entriesOf(sim, 'Z-STORE01-250501').map((e) => [e.accountNumber, e.amountCents])).toEqual([
      [BC_ACCOUNTS.cardClearing, 2945],
      [BC_ACCOUNTS.cash, 995],
      [BC_ACCOUNTS.receivables, -3940],
    ]);
    expect(sim.state.journalDrafts().flatMap((j) => j.lines)).toEqual([]);
    // Its entries read back with the decoded document type: the blank option is '_x0020_' on the wire.
    expect(
      (
        await client.listGeneralLedgerEntries({
          postingDateFrom: DAY,
          postingDateTo: DAY,
          documentNumber: 'Z-STORE01-250501',
        })
      ).map((e) => e.documentType),
    ).toEqual([' ', ' ', ' ']);
  });

  it('the simulator takes an enum value by member name or by caption, serves the member name, and refuses anything else', async () => {
    const sim = await startSim();
    const batch = await raw(sim, 'POST', 'journals', { code: 'MANUAL', displayName: 'Manual' });
    const line = (accountType: string) =>
      raw(sim, 'POST', `journals(${batch.json.id})/journalLines`, { accountType, accountNumber: '2910', amount: 1 });
    const byName = await line('G_x002F_L_x0020_Account');
    const byCaption = await line('G/L Account');
    expect([byName.status, byName.json.accountType, byCaption.status, byCaption.json.accountType]).toEqual([
      201,
      'G_x002F_L_x0020_Account',
      201,
      'G_x002F_L_x0020_Account',
    ]);
    const unknown = await line('GL_Account');
    expect([unknown.status, unknown.json.error.code]).toEqual([400, 'Application_EvaluateException']);
    expect(unknown.json.error.message).toMatch(/^The value "GL_Account" is not an option for "accountType"\./);
  });

  it('a line the ERP commits after the journal was posted is swept from the batch, so the next day still posts', async () => {
    const sim = await startSim({ faults: { lateCommitRate: 1, lateCommitDelayMs: 1_500 } });
    createJournal(sim.state, { code: 'POS01' });
    const client = clientFor(sim, { timeoutMs: 300 });
    // The first line's create is held back past the client's patience; the retry completes and posts the journal.
    await rejectionOf(client.postDailyJournal(zReport()));
    sim.faults.set({ lateCommitRate: 0 });
    await client.postDailyJournal(zReport());
    await waitFor('the late line to land', () => sim.faults.counters.lateCommitsApplied === 1);
    expect(sim.state.journalDrafts().flatMap((j) => j.lines)).toHaveLength(1);
    // Left there, it would ride along with tomorrow's journal, or block it.
    const tomorrow = zReport('Z-STORE01-250502', { postingDate: '2025-05-02' });
    expect(((await rejectionOf(client.postDailyJournal(tomorrow))) as PermanentError).code).toBe(
      'JournalBatchNotEmpty',
    );
    expect(await client.sweepJournalDrafts('Z-STORE01-250501', { journalCode: 'POS01' })).toBe(1);
    await client.postDailyJournal(tomorrow);
    expect(entriesOf(sim, 'Z-STORE01-250501')).toHaveLength(3);
    expect(entriesOf(sim, 'Z-STORE01-250502')).toHaveLength(3);
  });

  it('refuses to post a batch that holds other documents’ drafts or a draft that differs from the journal', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    sim.faults.set({ lostResponseRate: 1 });
    await rejectionOf(client.postDailyJournal(zReport('Z-STORE01-250430'))); // creates only the batch
    await rejectionOf(client.postDailyJournal(zReport('Z-STORE01-250430'))); // and one line of yesterday's journal
    sim.faults.reset();

    const other = await rejectionOf(client.postDailyJournal(zReport()));
    expect([(other as PermanentError).code, other.message.includes('Z-STORE01-250430')]).toEqual([
      'JournalBatchNotEmpty',
      true,
    ]);
    const changed = await rejectionOf(
      client.postDailyJournal(
        zReport('Z-STORE01-250430', {
          lines: [
            { accountNumber: '2910', amountCents: 100, description: 'x' },
            { accountNumber: '2920', amountCents: -100, description: 'y' },
          ],
        }),
      ),
    );
    expect((changed as PermanentError).code).toBe('JournalDraftMismatch');
    expect(sim.state.glEntries()).toEqual([]);

    await client.postDailyJournal(zReport('Z-STORE01-250430')); // the same figures complete and post
    await client.postDailyJournal(zReport());
    expect(sim.state.glEntries().map((e) => e.documentNumber)).toEqual([
      ...Array(3).fill('Z-STORE01-250430'),
      ...Array(3).fill('Z-STORE01-250501'),
    ]);
  });

  it('reads G/L entries by posting date range and document number, following next links', async () => {
    const sim = await startSim({ pageSize: 2 });
    const client = clientFor(sim);
    await postSale(client, 'SALE-1');
    await postSale(client, 'SALE-2', '2025-05-02');
    await client.postDailyJournal(zReport());

    const day = await client.listGeneralLedgerEntries({ postingDateFrom: DAY, postingDateTo: DAY });
    expect(day.map((e) => [e.entryNumber, e.documentNumber, e.accountNumber])).toEqual([
      [1, 'PSI1001', '2310'],
      [2, 'PSI1001', '6110'],
      [3, 'PSI1001', '5610'],
      [7, 'Z-STORE01-250501', '2920'],
      [8, 'Z-STORE01-250501', '2910'],
      [9, 'Z-STORE01-250501', '2310'],
    ]);
    expect(
      sim.state.requestLog.filter((r) => r.path.endsWith('/generalLedgerEntries') && r.query.includes('skiptoken')),
    ).toHaveLength(2);
    expect(
      await client.listGeneralLedgerEntries({
        postingDateFrom: '2025-05-02',
        postingDateTo: '2025-05-31',
        documentNumber: 'psi1002',
      }),
    ).toEqual([
      {
        entryNumber: 4,
        postingDate: '2025-05-02',
        documentNumber: 'PSI1002',
        documentType: 'Invoice',
        accountNumber: '2310',
        description: 'Order SO1002',
        debitCents: 3940,
        creditCents: 0,
      },
      {
        entryNumber: 5,
        postingDate: '2025-05-02',
        documentNumber: 'PSI1002',
        documentType: 'Invoice',
        accountNumber: '6110',
        description: 'Order SO1002',
        debitCents: 0,
        creditCents: 3152,
      },
      {
        entryNumber: 6,
        postingDate: '2025-05-02',
        documentNumber: 'PSI1002',
        documentType: 'Invoice',
        accountNumber: '5610',
        description: 'Order SO1002',
        debitCents: 0,
        creditCents: 788,
      },
    ]);
    expect(
      await client.listGeneralLedgerEntries({ postingDateFrom: '2025-04-01', postingDateTo: '2025-04-30' }),
    ).toEqual([]);
    const bad = await rejectionOf(
      client.listGeneralLedgerEntries({ postingDateFrom: '2025-05-02', postingDateTo: DAY }),
    );
    expect((bad as PermanentError).code).toBe('InvalidFilter');
  });

  it('lists one customer’s posted invoice totals by posting date, leaving out open orders and credit memos', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    sim.state.seedCustomer({ number: 'POS-STORE02', displayName: 'Walk-in customer 2' });
    await postSale(client, 'SALE-1');
    await postSale(client, 'SALE-2', '2025-05-02');
    await client.createSalesOrder({
      externalDocumentNumber: 'SALE-OPEN',
      customerNumber: 'POS-STORE01',
      orderDate: DAY,
      lines: [{ itemNumber: '1000', quantity: 1, unitPriceCents: 995, locationCode: 'STORE01' }],
    });
    const other = await client.createSalesOrder({
      externalDocumentNumber: 'SALE-S2',
      customerNumber: 'POS-STORE02',
      orderDate: DAY,
      lines: [{ itemNumber: '1000', quantity: 1, unitPriceCents: 995, locationCode: 'STORE02' }],
    });
    await client.shipAndInvoice(other.id);
    const memo = await client.createSalesCreditMemo({
      externalDocumentNumber: 'SALE-1',
      customerNumber: 'POS-STORE01',
      creditMemoDate: DAY,
      lines: [
        { itemNumber: '1000', quantity: 1, unitPriceCents: 995, locationCode: 'STORE01', description: 'Return R-1' },
      ],
    });
    await client.postSalesCreditMemo(memo.id);

    expect(
      await client.listSalesDocumentTotals({
        customerNumber: 'pos-store01',
        postingDateFrom: '2025-04-30',
        postingDateTo: DAY,
      }),
    ).toEqual([
      {
        id: expect.any(String),
        number: 'PSI1001',
        externalDocumentNumber: 'SALE-1',
        postingDate: DAY,
        totalCents: 3940,
      },
    ]);
    expect(
      (
        await client.listSalesDocumentTotals({
          customerNumber: 'POS-STORE01',
          postingDateFrom: DAY,
          postingDateTo: '2025-05-02',
        })
      ).map((d) => d.externalDocumentNumber),
    ).toEqual(['SALE-1', 'SALE-2']);
  });

  it('a posted sales order debits receivables with the gross and credits revenue and VAT per rate; a credit memo reverses it', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    sim.state.seedItem({ number: '2000', displayName: 'Cookbook', unitPrice: 106, vatPercent: 6 });
    const lines = [
      { itemNumber: '1000', quantity: 2, unitPriceCents: 995, locationCode: 'STORE01' },
      { itemNumber: '1001', quantity: 1, unitPriceCents: 1950, locationCode: 'STORE01' },
      { itemNumber: '2000', quantity: 1, unitPriceCents: 10600, locationCode: 'STORE01' },
    ];
    const order = await client.createSalesOrder({
      externalDocumentNumber: 'SALE-9',
      customerNumber: 'POS-STORE01',
      orderDate: DAY,
      lines,
    });
    await client.shipAndInvoice(order.id);
    const invoice = entriesOf(sim, 'PSI1001');
    expect(invoice.map((e) => [e.accountNumber, e.amountCents, e.documentType, e.postingDate])).toEqual([
      [BC_ACCOUNTS.receivables, 14540, 'Invoice', DAY],
      [BC_ACCOUNTS.revenue, -3152, 'Invoice', DAY],
      [BC_ACCOUNTS.vat[25], -788, 'Invoice', DAY],
      [BC_ACCOUNTS.revenue, -10000, 'Invoice', DAY],
      [BC_ACCOUNTS.vat[6], -600, 'Invoice', DAY],
    ]);
    expect(sum(invoice.map((e) => e.amountCents))).toBe(0);
    // The lines show the same split the ledger carries.
    const [posted] = (
      await raw(
        sim,
        'GET',
        `salesInvoices?$filter=${encodeURIComponent("number eq 'PSI1001'")}&$expand=salesInvoiceLines`,
      )
    ).json.value;
    expect([posted.totalAmountExcludingTax, posted.totalTaxAmount, posted.totalAmountIncludingTax]).toEqual([
      131.52, 13.88, 145.4,
    ]);
    expect(
      posted.salesInvoiceLines.map((l: Record<string, unknown>) => [l.taxCode, l.taxPercent, l.totalTaxAmount]),
    ).toEqual([
      ['VAT25', 25, 3.98],
      ['VAT25', 25, 3.9],
      ['VAT6', 6, 6],
    ]);

    const memo = await client.createSalesCreditMemo({
      externalDocumentNumber: 'SALE-9',
      customerNumber: 'POS-STORE01',
      creditMemoDate: DAY,
      lines: lines.map((l) => ({ ...l, description: `Return R-1: ${l.itemNumber}` })),
    });
    await client.postSalesCreditMemo(memo.id);
    const reversal = entriesOf(sim, 'PSCM1001');
    expect(reversal.map((e) => [e.accountNumber, e.amountCents, e.documentType])).toEqual(
      invoice.map((e) => [e.accountNumber, -e.amountCents, 'Credit Memo']),
    );
    expect([...sim.state.trialBalance(DAY, DAY).values()]).toEqual([0, 0, 0, 0]);
  });

  it('over a store day the trial balance sums to zero and revenue is booked once: by the sales, not again by the journal', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    await postSale(client, 'SALE-1');
    await postSale(client, 'SALE-OTHER-DAY', '2025-05-02');
    await client.postDailyJournal(zReport());

    const day = sim.state.trialBalance(DAY, DAY);
    expect(sum(day.values())).toBe(0);
    expect(Object.fromEntries(day)).toEqual({
      [BC_ACCOUNTS.receivables]: 0, // invoiced and settled by the day's tenders
      [BC_ACCOUNTS.cash]: 995,
      [BC_ACCOUNTS.cardClearing]: 2945,
      [BC_ACCOUNTS.vat[25]]: -788,
      [BC_ACCOUNTS.revenue]: -3152,
    });
    // The same through the API: debits equal credits for the day.
    const entries = await client.listGeneralLedgerEntries({ postingDateFrom: DAY, postingDateTo: DAY });
    expect(sum(entries.map((e) => e.debitCents))).toBe(sum(entries.map((e) => e.creditCents)));
    expect(sum(sim.state.trialBalance('2025-05-01', '2025-05-31').values())).toBe(0);
    expect(sim.state.trialBalance('2025-05-02', '2025-05-02').get(BC_ACCOUNTS.receivables)).toBe(3940); // not yet settled
  });
});
