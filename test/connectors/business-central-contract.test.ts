import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { ErpJournalInput } from '../../src/connectors/erp/port';
import * as schemas from '../../src/connectors/erp/business-central/schemas';
import { BC_ACCOUNTS, type BusinessCentralSimulator } from '../../src/simulators/business-central';
import { PROJECT_ROOT } from '../../src/local/temporal-cli';
import { businessCentralFixture, rawToken } from '../support/business-central';

/**
 * The Business Central contract, offline: the JSON field and part names of the API v2.0 pages,
 * extracted from Microsoft's own page sources (microsoft/BCApps) by test/contracts/bc-api-contract.ts.
 * Every name the connector reads, writes, filters, selects or expands must exist on the entity
 * set it talks to (a misspelt or renamed field is otherwise silently absent in production: BC
 * ignores nothing it is sent, but a zod default or optional hides what it never sends), and the
 * simulator may not serve a field the real page lacks, or the connector could come to depend on it.
 */
interface Contract {
  source: { repository: string; commit: string };
  entitySets: Record<string, { fields: string[]; parts: Record<string, string | null> }>;
}
const contract = JSON.parse(
  readFileSync(join(PROJECT_ROOT, 'test', 'contracts', 'business-central-api-v2.json'), 'utf8'),
) as Contract;

/** A JSON shape by names only: a nested object or array of objects is a subtree, anything else a leaf. */
type Shape = { [name: string]: Shape | null };

/** Problems of `shape` against entity set `set`: names the page lacks, nested objects that are not its parts. */
function mismatches(set: string, shape: Shape, where: string): string[] {
  const real = contract.entitySets[set];
  if (!real) return [`${where}: entity set ${set} is not in the contract`];
  return Object.entries(shape).flatMap(([name, sub]) => {
    if (name.startsWith('@odata.')) return [];
    if (sub === null && real.fields.includes(name)) return [];
    const part = real.parts[name];
    if (sub !== null && part) return mismatches(part, sub, `${where}.${name}`);
    return [`${where}.${name}: not a ${sub === null ? 'field' : 'part'} of ${set}`];
  });
}

/** The names a zod schema reads, through optional/default/transform wrappers and arrays. */
function zodShape(schema: z.ZodType): Shape | null {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(def['shape'] as Record<string, z.ZodType>).map(([k, v]) => [k, zodShape(v)]),
      );
    case 'array':
      return zodShape(def['element'] as z.ZodType);
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
      return zodShape(def['innerType'] as z.ZodType);
    case 'pipe':
      return zodShape(def['in'] as z.ZodType);
    default:
      return null;
  }
}

function jsonShape(value: unknown): Shape | null {
  if (Array.isArray(value)) return value.reduce<Shape | null>((s, v) => ({ ...s, ...jsonShape(v) }), null);
  if (value === null || typeof value !== 'object') return null;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonShape(v)]));
}

/**
 * The entity set each response schema parses; null for what is not an API v2.0 entity (Entra ID,
 * OData errors, and the retailer's own extension, docs/erp-extension.md, which has no public source).
 * A schema added to schemas.ts without an entry here fails the first test.
 */
const SCHEMA_SETS: Record<string, string | null> = {
  salesOrderSchema: 'salesOrders',
  salesInvoiceSchema: 'salesInvoices',
  salesInvoiceTotalSchema: 'salesInvoices',
  salesCreditMemoSchema: 'salesCreditMemos',
  creditMemoLineTotalsSchema: 'salesCreditMemos',
  creditMemoStatusSchema: 'salesCreditMemos',
  locationSchema: 'locations',
  itemSchema: 'items',
  itemCategorySchema: 'items',
  masterItemSchema: 'items',
  itemVariantSchema: 'itemVariants',
  itemVariantChangeSchema: 'itemVariants',
  itemLedgerEntrySchema: 'itemLedgerEntries',
  journalSchema: 'journals',
  journalLineSchema: 'journalLines',
  glEntrySchema: 'generalLedgerEntries',
  odataErrorSchema: null,
  tokenResponseSchema: null,
  tokenErrorSchema: null,
  locationStockSchema: null,
  stockAdjustmentSchema: null,
  // The catalogue API is the retailer's own page on Price List Line (docs/erp-extension.md), not API v2.0.
  priceListLineSchema: null,
};
const responseSchemas = Object.entries(schemas as Record<string, unknown>).filter(
  (entry): entry is [string, z.ZodType] => typeof entry[1] === 'object' && entry[1] !== null && '_zod' in entry[1],
);

/** Every request the client sends, seen on its way out. */
class RecordingAgent extends Agent {
  readonly sent: { method: string; url: URL; body?: string }[] = [];
  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.sent.push({
      method: opts.method,
      url: new URL(opts.path, String(opts.origin)),
      body: typeof opts.body === 'string' ? opts.body : undefined,
    });
    return super.dispatch(opts, handler);
  }
}

/** `salesOrders(id)/salesOrderLines` -> salesOrderLines, each step checked to be a part of the one before. */
function entitySetOf(path: string[]): { set: string; problems: string[] } {
  const [first, ...rest] = path.map((s) => s.replace(/\(.*\)$/, ''));
  let set = first!;
  const problems: string[] = [];
  for (const step of rest) {
    if (step.startsWith('Microsoft.NAV.')) break;
    const part = contract.entitySets[set]?.parts[step];
    if (!part) problems.push(`${set}/${step}: not a part of ${set}`);
    set = part ?? step;
  }
  return { set, problems };
}

/** The field names a `$filter` or `$orderby` refers to: identifiers before a comparison, or alone in a sort. */
function namesIn(filter: string): string[] {
  const bare = filter.replace(/'(?:[^']|'')*'/g, "''");
  return [...bare.matchAll(/\b([A-Za-z_]\w*)\s+(?:eq|ne|gt|ge|lt|le)\b/g)].map((m) => m[1]!);
}

const { startSim, clientFor } = businessCentralFixture();
const DAY = '2025-05-01';

async function rawGet(sim: BusinessCentralSimulator, token: string, path: string): Promise<Record<string, unknown>> {
  const res = await request(`${sim.apiBaseUrl}/companies(${sim.companyId})/${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.statusCode, path).toBe(200);
  return (await res.body.json()) as Record<string, unknown>;
}

/** Drives every API v2.0 call of the client against the simulator. */
async function exerciseClient(sim: BusinessCentralSimulator, dispatcher: Dispatcher): Promise<void> {
  const client = clientFor(sim, { dispatcher });
  const sale = {
    customerNumber: 'POS-STORE01',
    orderDate: DAY,
    currencyCode: 'SEK',
    lines: [
      { itemNumber: '1000', quantity: 2, unitPriceCents: 995, discountCents: 100, locationCode: 'STORE01' },
      { itemNumber: '1001', quantity: 1, unitPriceCents: 1950, locationCode: 'STORE02' },
    ],
  };
  const order = await client.createSalesOrder({ ...sale, externalDocumentNumber: 'SALE-1' });
  await client.shipAndInvoice(order.id);
  const draft = await client.createSalesOrder({ ...sale, externalDocumentNumber: 'SALE-2' });
  await client.findSalesDocuments('SALE-1', { customerNumber: 'POS-STORE01' });
  await client.deleteSalesOrder(draft.id);
  const period = { customerNumber: 'POS-STORE01', postingDateFrom: DAY, postingDateTo: DAY };
  await client.listSalesDocumentTotals(period);
  const memo = await client.createSalesCreditMemo({
    externalDocumentNumber: 'RET-1',
    customerNumber: 'POS-STORE01',
    creditMemoDate: DAY,
    lines: [{ itemNumber: '1000', quantity: 1, unitPriceCents: 995, locationCode: 'STORE01', description: 'Return' }],
  });
  await client.postSalesCreditMemo(memo.id);
  // Posting again meets BC's refusal, which the client answers by reading the memo's status.
  await client.postSalesCreditMemo(memo.id);
  await client.findSalesCreditMemos('RET-1');
  await client.listCreditMemoLineTotals(period);
  await client.findUnknownItems(['1000', 'NOPE']);
  await client.getItemCategories(['1000', '1001']);
  await client.listItemLedgerEntries(0, 10);
  // The product master's reads: in full, then by cursor, with an item found only through its variant.
  if (!sim.state.variantOf('1000', 'RED')) {
    sim.state.seedVariant('1000', { code: 'RED', description: 'Mug, red' });
    sim.state.seedVariant('1001', { code: 'WHITE', description: 'Plate, white' });
  }
  const { cursor } = await client.readChangedProducts(undefined);
  sim.state.changeVariant('1000', 'RED', { description: 'Mug, crimson' });
  sim.state.changeItem('1001', { unitPrice: 21 });
  await client.readChangedProducts(cursor, { overlapMs: 0 });
  await client.readProducts(['1000', 'NOPE']);
  const journal: ErpJournalInput = {
    journalCode: 'POS01',
    documentNumber: 'Z-STORE01-250501',
    postingDate: DAY,
    lines: [
      { accountNumber: BC_ACCOUNTS.cash, amountCents: 995, description: 'Cash', externalDocumentNumber: 'Z-1' },
      { accountType: 'Customer', accountNumber: 'POS-STORE01', amountCents: -995, description: 'Sales' },
    ],
  };
  await client.findJournalPosting(journal.documentNumber);
  await client.postDailyJournal(journal);
  await client.sweepJournalDrafts(journal.documentNumber, { journalCode: journal.journalCode });
  await client.listGeneralLedgerEntries({
    postingDateFrom: DAY,
    postingDateTo: DAY,
    documentNumber: 'Z-STORE01-250501',
  });
}

describe(`Business Central API v2.0 contract (${contract.source.repository}@${contract.source.commit.slice(0, 12)})`, () => {
  it('knows which entity set every response schema of the connector parses', () => {
    expect(responseSchemas.map(([name]) => name).sort()).toEqual(Object.keys(SCHEMA_SETS).sort());
  });

  it.each(responseSchemas.filter(([name]) => SCHEMA_SETS[name]))(
    '%s reads only names the real page has',
    (name, schema) => {
      const shape = zodShape(schema);
      expect(shape).not.toBeNull();
      expect(mismatches(SCHEMA_SETS[name]!, shape!, name)).toEqual([]);
    },
  );

  it('every request the client sends names only fields and parts the real pages have', async () => {
    const sim = await startSim();
    const agent = new RecordingAgent();
    try {
      await exerciseClient(sim, agent);
    } finally {
      await agent.close();
    }
    const prefix = `${new URL(sim.apiBaseUrl).pathname}/companies(${sim.companyId})/`;
    const calls = agent.sent.filter((s) => s.url.pathname.startsWith(prefix));
    const problems: string[] = [];
    const used = new Set<string>();
    for (const { method, url, body } of calls) {
      const { set, problems: path } = entitySetOf(url.pathname.slice(prefix.length).split('/'));
      const where = `${method} ${set}`;
      used.add(`${method} ${set}${body ? ' body' : ''}`);
      problems.push(...path);
      const q = url.searchParams;
      const names: Shape = {};
      for (const n of [...namesIn(q.get('$filter') ?? ''), ...(q.get('$orderby') ?? '').split(/\s*,\s*/)])
        if (n) names[n.split(' ')[0]!] = null;
      for (const n of (q.get('$select') ?? '').split(',')) if (n) names[n] = null;
      problems.push(...mismatches(set, names, `${where} query`));
      for (const part of (q.get('$expand') ?? '').split(',').filter(Boolean))
        if (!contract.entitySets[set]?.parts[part]) problems.push(`${where} $expand=${part}: not a part of ${set}`);
      if (body) problems.push(...mismatches(set, jsonShape(JSON.parse(body)) ?? {}, `${where} body`));
    }
    // Not vacuous: every set the connector uses was called, and every write carried its body.
    expect([...used].sort()).toEqual(
      expect.arrayContaining([
        'GET generalLedgerEntries',
        'GET itemLedgerEntries',
        'GET itemVariants',
        'GET items',
        'GET journalLines',
        'GET journals',
        'GET locations',
        'GET salesCreditMemos',
        'GET salesInvoices',
        'GET salesOrders',
        'POST journalLines body',
        'POST journals body',
        'POST salesCreditMemos body',
        'POST salesOrders body',
      ]),
    );
    expect(problems).toEqual([]);
  });

  it('the simulator serves no field or part the real pages lack', async () => {
    const sim = await startSim();
    await exerciseClient(sim, new Agent());
    const client = clientFor(sim);
    await client.createSalesOrder({
      externalDocumentNumber: 'OPEN-1',
      customerNumber: 'POS-STORE01',
      orderDate: DAY,
      lines: [{ itemNumber: '1000', quantity: 1, unitPriceCents: 995, locationCode: 'STORE01' }],
    });
    await client.createSalesCreditMemo({
      externalDocumentNumber: 'RET-OPEN',
      customerNumber: 'POS-STORE01',
      creditMemoDate: DAY,
      lines: [{ itemNumber: '1000', quantity: 1, unitPriceCents: 995, locationCode: 'STORE01', description: 'Draft' }],
    });
    const token = await rawToken(sim);
    const journalId = ((await rawGet(sim, token, 'journals')).value as { id: string }[])[0]!.id;
    const line = await request(`${sim.apiBaseUrl}/companies(${sim.companyId})/journals(${journalId})/journalLines`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ accountNumber: BC_ACCOUNTS.cash, postingDate: DAY, documentNumber: 'DRAFT', amount: 1 }),
    });
    expect(line.statusCode).toBe(201);
    await line.body.dump();

    const reads: [string, string][] = [
      ['locations', 'locations'],
      ['items', 'items?$expand=itemVariants'],
      ['itemVariants', 'itemVariants'],
      ['customers', 'customers'],
      ['salesOrders', 'salesOrders?$expand=salesOrderLines'],
      ['salesInvoices', 'salesInvoices?$expand=salesInvoiceLines'],
      ['salesCreditMemos', 'salesCreditMemos?$expand=salesCreditMemoLines'],
      ['itemLedgerEntries', 'itemLedgerEntries'],
      ['journals', 'journals?$expand=journalLines'],
      ['journalLines', `journals(${journalId})/journalLines`],
      ['generalLedgerEntries', 'generalLedgerEntries'],
      ['accounts', 'accounts'],
    ];
    const problems: string[] = [];
    for (const [set, path] of reads) {
      const rows = (await rawGet(sim, token, path)).value as Record<string, unknown>[];
      expect(rows.length, path).toBeGreaterThan(0);
      const expanded = new URLSearchParams(path.split('?')[1]).get('$expand');
      if (expanded)
        expect(
          rows.some((r) => Array.isArray(r[expanded]) && r[expanded].length > 0),
          path,
        ).toBe(true);
      for (const row of rows) problems.push(...mismatches(set, jsonShape(row) ?? {}, `GET ${path}`));
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});
