import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { PermanentError, parseBody, send, throwForStatus, type HttpCall, type HttpResponse } from '../../http';
import type { LedgerEntry } from '../../../domain/stock';
import type {
  ErpCreditMemo,
  ErpCreditMemoInput,
  ErpCreditMemoLineTotal,
  ErpSalesDocumentTotal,
  ErpGlEntry,
  ErpGlEntryFilter,
  ErpJournalInput,
  ErpJournalPosting,
  ErpLookupOptions,
  ErpPort,
  ErpSalesDocument,
  ErpSalesOrderInput,
  ErpStockAdjustment,
  ErpStockAdjustmentInput,
} from '../port';
import type {
  MasterPriceLine,
  MasterProduct,
  MasterStreamCursor,
  PriceLineChanges,
  ProductChanges,
  ProductCursor,
  ProductMasterPort,
} from '../../master/port';
import { readChangedProducts, readProducts, type ItemReadOptions } from './items';
import { readChangedPriceLines, readPriceLines, type PriceLineReadOptions } from './prices';
import {
  findJournalPosting,
  listGeneralLedgerEntries,
  postDailyJournal,
  sweepJournalDrafts,
  type BcTransport,
} from './journals';
import {
  collectionSchema,
  itemCategorySchema,
  itemLedgerEntrySchema,
  itemSchema,
  locationSchema,
  locationStockSchema,
  odataErrorSchema,
  creditMemoLineTotalsSchema,
  creditMemoStatusSchema,
  salesCreditMemoSchema,
  salesInvoiceSchema,
  salesInvoiceTotalSchema,
  salesOrderSchema,
  stockAdjustmentSchema,
  type SalesCreditMemoCreateBody,
  type SalesCreditMemoWire,
  type SalesOrderCreateBody,
} from './schemas';
import { ConcurrencyLimit } from '../../concurrency-limit';
import { ClientCredentialsToken, redact } from './token';
import {
  bcAmount,
  bcCents,
  BUSINESS_CENTRAL,
  checkCreditMemoInput,
  encodeEnum,
  externalDocumentNumberOf,
  isPostedCreditMemoStatus,
  isPostedInvoiceStatus,
  normaliseCode,
  odataString,
  stockAdjustmentBody,
} from './wire';

export { BUSINESS_CENTRAL, normaliseCode, odataString } from './wire';

export const DEFAULT_SCOPE = 'https://api.businesscentral.dynamics.com/.default';
/** Item numbers per `or` filter: keeps URLs short; BC accepts `or` on one field. */
const ITEM_BATCH = 20;
/** Item numbers per locationStocks filter (on top of the location condition). */
const STOCK_BATCH = 40;
const MAX_PAGES = 10_000;
/** BC online's page cap. */
const MAX_PAGE_SIZE = 20_000;
/** The retailer's AL extension (docs/erp-extension.md), served beside `/api/v2.0` on the same host, tenant and environment. */
export const STOCK_API_ROUTE = '/api/retailIntegration/stock/v1.0';
const STANDARD_ROUTE = /\/api\/v2\.0$/;
/** `{publisher}/{group}/{version}` of a custom API, as BC routes it beside `/api/v2.0`. */
const CUSTOM_API = /^[A-Za-z][A-Za-z0-9]*\/[A-Za-z][A-Za-z0-9]*\/v\d+\.\d+$/;

export interface BusinessCentralClientOptions {
  /** Up to and including `/api/v2.0`, e.g. `https://api.businesscentral.dynamics.com/v2.0/{tenant}/{env}/api/v2.0`. */
  apiBaseUrl: string;
  tokenUrl: string;
  companyId: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  timeoutMs?: number;
  /** Sent as `Prefer: odata.maxpagesize`; without it the server's cap applies. */
  pageSize?: number;
  /**
   * Requests in flight at once from this client (default 5, what BC online processes per client).
   * Further calls wait here rather than in BC's queue, where a burst would time out and retry.
   */
  maxConcurrentRequests?: number;
  /** Clock for token expiry; tests move it instead of sleeping. */
  now?: () => number;
  dispatcher?: Dispatcher;
  /**
   * `{publisher}/{group}/{version}` of the retailer's catalogue API, whose `priceListLines` page
   * carries the dated prices (docs/erp-extension.md), e.g. `retail/catalogue/v1.0`. Absent: the
   * master has no dated prices, and the price-line reads return none (every channel sells at the
   * item's unit price).
   */
  priceListApi?: string;
}

type Opts = { signal?: AbortSignal };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

/** A business key, narrowed to one customer when given (BC's duplicate check is per customer too). */
function keyFilter(externalDocumentNumber: string, customerNumber?: string): string {
  const ext = `externalDocumentNumber eq ${odataString(externalDocumentNumberOf(externalDocumentNumber))}`;
  return customerNumber === undefined
    ? ext
    : `${ext} and customerNumber eq ${odataString(normaliseCode(customerNumber))}`;
}

/** One customer's documents over posting dates, both ends inclusive. */
function customerDaysFilter(
  filter: { customerNumber: string; postingDateFrom: string; postingDateTo: string },
  what: string,
): string {
  const { postingDateFrom: from, postingDateTo: to } = filter;
  if (![from, to].every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)) || from > to) {
    throw new PermanentError(
      `${what} posting date range ${from}..${to} must be two YYYY-MM-DD dates, from <= to`,
      BUSINESS_CENTRAL,
      0,
      'InvalidFilter',
    );
  }
  return `customerNumber eq ${odataString(normaliseCode(filter.customerNumber))} and postingDate ge ${from} and postingDate le ${to}`;
}

export class BusinessCentralClient implements ErpPort, ProductMasterPort {
  readonly system = BUSINESS_CENTRAL;
  private readonly companyUrl: string;
  /** Undefined when apiBaseUrl does not end in `/api/v2.0`; only the stock calls need it. */
  private readonly stockCompanyUrl?: string;
  /** Undefined without `priceListApi`: no dated prices. */
  private readonly priceCompanyUrl?: string;
  private readonly origin: string;
  private readonly token: ClientCredentialsToken;
  private readonly locationIds = new Map<string, string>();
  /** Requests and paging for the journal calls, which live in journals.ts. */
  private readonly transport: BcTransport;
  private readonly inFlight: ConcurrencyLimit;

  constructor(private readonly opts: BusinessCentralClientOptions) {
    this.inFlight = new ConcurrencyLimit(opts.maxConcurrentRequests ?? 5);
    if (!GUID.test(opts.companyId))
      throw new PermanentError(
        `Business Central companyId must be a GUID, got '${opts.companyId}'`,
        BUSINESS_CENTRAL,
        0,
        'InvalidConfiguration',
      );
    const base = opts.apiBaseUrl.replace(/\/+$/, '');
    this.companyUrl = `${base}/companies(${opts.companyId})`;
    if (STANDARD_ROUTE.test(base))
      this.stockCompanyUrl = `${base.replace(STANDARD_ROUTE, STOCK_API_ROUTE)}/companies(${opts.companyId})`;
    if (opts.priceListApi !== undefined) {
      // Refused here rather than on the first read: a product sync must not start without its prices.
      const api = opts.priceListApi.replace(/^\/+|\/+$/g, '');
      if (!CUSTOM_API.test(api) || !STANDARD_ROUTE.test(base))
        throw new PermanentError(
          `Business Central priceListApi '${opts.priceListApi}' must be {publisher}/{group}/{version} (e.g. retail/catalogue/v1.0), beside an apiBaseUrl ending in /api/v2.0`,
          BUSINESS_CENTRAL,
          0,
          'InvalidConfiguration',
        );
      this.priceCompanyUrl = `${base.replace(STANDARD_ROUTE, `/api/${api}`)}/companies(${opts.companyId})`;
    }
    this.origin = new URL(base).origin;
    this.token = new ClientCredentialsToken({
      system: BUSINESS_CENTRAL,
      tokenUrl: opts.tokenUrl,
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      scope: opts.scope ?? DEFAULT_SCOPE,
      timeoutMs: opts.timeoutMs,
      now: opts.now,
      dispatcher: opts.dispatcher,
    });
    this.transport = {
      companyUrl: this.companyUrl,
      getAll: (entitySet, filter, item, signal, o) => this.getAll(entitySet, filter, item, signal, o),
      getPages: (entitySet, first, item, signal, o) => this.getPages(entitySet, first, item, signal, o),
      request: (method, url, o) => this.request(method, url, o),
    };
  }

  /** Items (with variants) changed since the cursor: the product master's incremental read (items.ts). */
  readChangedProducts(cursor: ProductCursor | undefined, opts: ItemReadOptions = {}): Promise<ProductChanges> {
    return readChangedProducts(this.transport, cursor, opts);
  }

  /** Items by number (the SKU), with variants (items.ts). */
  readProducts(skus: string[], opts: Opts = {}): Promise<MasterProduct[]> {
    return readProducts(this.transport, skus, opts.signal);
  }

  /** Price list lines changed since the cursor, from the catalogue API (prices.ts). */
  readChangedPriceLines(
    cursor: MasterStreamCursor | undefined,
    opts: PriceLineReadOptions = {},
  ): Promise<PriceLineChanges> {
    return readChangedPriceLines(this.transport, this.priceCompanyUrl, cursor, opts);
  }

  readPriceLines(skus: string[], opts: Opts = {}): Promise<MasterPriceLine[]> {
    return readPriceLines(this.transport, this.priceCompanyUrl, skus, opts.signal);
  }

  findJournalPosting(
    documentNumber: string,
    opts: Opts & { journalCode?: string } = {},
  ): Promise<ErpJournalPosting | undefined> {
    return findJournalPosting(this.transport, documentNumber, opts);
  }

  postDailyJournal(input: ErpJournalInput, opts: Opts = {}): Promise<void> {
    return postDailyJournal(this.transport, input, opts.signal);
  }

  sweepJournalDrafts(documentNumber: string, opts: Opts & { journalCode: string }): Promise<number> {
    return sweepJournalDrafts(this.transport, documentNumber, opts);
  }

  listGeneralLedgerEntries(filter: ErpGlEntryFilter, opts: Opts = {}): Promise<ErpGlEntry[]> {
    return listGeneralLedgerEntries(this.transport, filter, opts.signal);
  }

  async findSalesDocuments(externalDocumentNumber: string, opts: ErpLookupOptions = {}): Promise<ErpSalesDocument[]> {
    const filter = keyFilter(externalDocumentNumber, opts.customerNumber);
    const [orders, invoices] = await Promise.all([
      this.getAll('salesOrders', filter, salesOrderSchema, opts.signal),
      this.getAll('salesInvoices', filter, salesInvoiceSchema, opts.signal),
    ]);
    const doc = (kind: 'order' | 'invoice', d: (typeof orders)[number]): ErpSalesDocument => ({
      kind,
      id: d.id,
      number: d.number,
      externalDocumentNumber: d.externalDocumentNumber,
      customerNumber: d.customerNumber,
      status: d.status,
      totalCents: bcCents(d.totalAmountIncludingTax, 'a document total'),
    });
    return [...orders.map((o) => doc('order', o)), ...invoices.map((i) => doc('invoice', i))];
  }

  async deleteSalesOrder(orderId: string, opts: Opts = {}): Promise<void> {
    await this.deleteDocument('salesOrders', 'order', orderId, opts);
  }

  async deleteSalesCreditMemo(creditMemoId: string, opts: Opts = {}): Promise<void> {
    await this.deleteDocument('salesCreditMemos', 'credit memo', creditMemoId, opts);
  }

  async listSalesDocumentTotals(
    filter: { customerNumber: string; postingDateFrom: string; postingDateTo: string },
    opts: Opts = {},
  ): Promise<ErpSalesDocumentTotal[]> {
    const select = 'id,number,externalDocumentNumber,status,postingDate,totalAmountIncludingTax';
    const invoices = await this.getAll(
      'salesInvoices',
      customerDaysFilter(filter, 'sales invoice'),
      salesInvoiceTotalSchema,
      opts.signal,
      { select },
    );
    return invoices
      .filter((i) => isPostedInvoiceStatus(i.status))
      .map((i) => ({
        id: i.id,
        number: i.number,
        externalDocumentNumber: i.externalDocumentNumber,
        postingDate: i.postingDate,
        totalCents: bcCents(i.totalAmountIncludingTax, 'an invoice total'),
      }));
  }

  async listCreditMemoLineTotals(
    filter: { customerNumber: string; postingDateFrom: string; postingDateTo: string },
    opts: Opts = {},
  ): Promise<ErpCreditMemoLineTotal[]> {
    const memos = await this.getAll(
      'salesCreditMemos',
      customerDaysFilter(filter, 'sales credit memo'),
      creditMemoLineTotalsSchema,
      opts.signal,
      { select: 'id,status', expand: 'salesCreditMemoLines' },
    );
    return memos
      .filter((m) => isPostedCreditMemoStatus(m.status))
      .flatMap((m) =>
        m.salesCreditMemoLines
          .filter((l) => l.lineType === 'Item')
          .map((l) => ({
            creditMemoId: m.id,
            description: l.description,
            grossCents: bcCents(l.amountIncludingTax, 'a credit memo line amount'),
          })),
      );
  }

  async createSalesOrder(input: ErpSalesOrderInput, opts: Opts = {}): Promise<ErpSalesDocument> {
    const ext = externalDocumentNumberOf(input.externalDocumentNumber);
    const ids = await this.locationIdsFor(
      input.lines.map((l) => l.locationCode),
      `order ${ext}`,
      opts,
    );
    const body: SalesOrderCreateBody = {
      externalDocumentNumber: ext,
      customerNumber: normaliseCode(input.customerNumber),
      orderDate: input.orderDate,
      postingDate: input.orderDate,
      ...(input.currencyCode !== undefined ? { currencyCode: input.currencyCode } : {}),
      pricesIncludeTax: true,
      salesOrderLines: input.lines.map((l) => ({
        lineType: encodeEnum('Item'),
        lineObjectNumber: normaliseCode(l.itemNumber),
        quantity: l.quantity,
        unitPrice: bcAmount(l.unitPriceCents),
        ...(l.discountCents ? { discountAmount: bcAmount(l.discountCents) } : {}),
        locationId: ids.get(normaliseCode(l.locationCode))!,
      })),
    };
    const res = await this.request('POST', `${this.companyUrl}/salesOrders`, { body, signal: opts.signal });
    const order = parseBody(BUSINESS_CENTRAL, res.text, salesOrderSchema);
    return {
      kind: 'order',
      id: order.id,
      number: order.number,
      externalDocumentNumber: order.externalDocumentNumber,
      customerNumber: order.customerNumber,
      status: order.status,
      totalCents: bcCents(order.totalAmountIncludingTax, 'an order total'),
    };
  }

  async shipAndInvoice(orderId: string, opts: Opts = {}): Promise<void> {
    if (!GUID.test(orderId))
      throw new PermanentError(
        `Business Central order id must be a GUID, got '${orderId}'`,
        BUSINESS_CENTRAL,
        0,
        'InvalidId',
      );
    await this.request('POST', `${this.companyUrl}/salesOrders(${orderId})/Microsoft.NAV.shipAndInvoice`, {
      signal: opts.signal,
    });
  }

  async findSalesCreditMemos(externalDocumentNumber: string, opts: ErpLookupOptions = {}): Promise<ErpCreditMemo[]> {
    const filter = keyFilter(externalDocumentNumber, opts.customerNumber);
    const found = await this.getAll('salesCreditMemos', filter, salesCreditMemoSchema, opts.signal, {
      expand: 'salesCreditMemoLines',
    });
    const memos: ErpCreditMemo[] = [];
    // One after another: the first memo's lines fill the location cache the others then hit.
    for (const m of found) memos.push(await this.creditMemoOf(m, opts));
    return memos;
  }

  async createSalesCreditMemo(input: ErpCreditMemoInput, opts: Opts = {}): Promise<ErpCreditMemo> {
    const ext = checkCreditMemoInput(input);
    const ids = await this.locationIdsFor(
      input.lines.map((l) => l.locationCode),
      `credit memo ${ext}`,
      opts,
    );
    const body: SalesCreditMemoCreateBody = {
      externalDocumentNumber: ext,
      customerNumber: normaliseCode(input.customerNumber),
      creditMemoDate: input.creditMemoDate,
      postingDate: input.creditMemoDate,
      salesCreditMemoLines: input.lines.map((l) => ({
        lineType: encodeEnum('Item'),
        lineObjectNumber: normaliseCode(l.itemNumber),
        description: l.description,
        quantity: l.quantity,
        unitPrice: bcAmount(l.unitPriceCents),
        locationId: ids.get(normaliseCode(l.locationCode))!,
      })),
    };
    const res = await this.request('POST', `${this.companyUrl}/salesCreditMemos?$expand=salesCreditMemoLines`, {
      body,
      signal: opts.signal,
    });
    return this.creditMemoOf(parseBody(BUSINESS_CENTRAL, res.text, salesCreditMemoSchema), opts);
  }

  async postSalesCreditMemo(creditMemoId: string, opts: Opts = {}): Promise<void> {
    if (!GUID.test(creditMemoId))
      throw new PermanentError(
        `Business Central credit memo id must be a GUID, got '${creditMemoId}'`,
        BUSINESS_CENTRAL,
        0,
        'InvalidId',
      );
    const url = `${this.companyUrl}/salesCreditMemos(${creditMemoId})`;
    try {
      await this.request('POST', `${url}/Microsoft.NAV.post`, { signal: opts.signal });
    } catch (err) {
      // A retry after a lost response meets BC's "draft credit memo only" refusal. The memo keeps
      // its id when posted, so re-reading it tells "already posted" apart from a real refusal
      // without matching a message that changes with Accept-Language.
      if (!(err instanceof PermanentError) || err.status !== 400) throw err;
      const res = await this.request('GET', `${url}?$select=id,status`, { signal: opts.signal });
      if (!isPostedCreditMemoStatus(parseBody(BUSINESS_CENTRAL, res.text, creditMemoStatusSchema).status)) throw err;
    }
  }

  async findLocationId(code: string, opts: Opts = {}): Promise<string | undefined> {
    const normalised = normaliseCode(code);
    const cached = this.locationIds.get(normalised);
    if (cached) return cached;
    const found = await this.getAll('locations', `code eq ${odataString(normalised)}`, locationSchema, opts.signal);
    const id = found.find((l) => l.code === normalised)?.id;
    // Misses are not cached: the location may be created in BC while we keep running.
    if (id) this.locationIds.set(normalised, id);
    return id;
  }

  async findUnknownItems(itemNumbers: string[], opts: Opts = {}): Promise<string[]> {
    const wanted = [...new Set(itemNumbers.map(normaliseCode))];
    const known = new Set<string>();
    for (let i = 0; i < wanted.length; i += ITEM_BATCH) {
      const batch = wanted.slice(i, i + ITEM_BATCH);
      const filter = batch.map((n) => `number eq ${odataString(n)}`).join(' or ');
      for (const item of await this.getAll('items', filter, itemSchema, opts.signal)) known.add(item.number);
    }
    return [...new Set(itemNumbers.filter((n) => !known.has(normaliseCode(n))))];
  }

  async listItemLedgerEntries(afterEntryNumber: number, max: number, opts: Opts = {}): Promise<LedgerEntry[]> {
    if (!Number.isInteger(afterEntryNumber) || afterEntryNumber < 0) {
      throw new PermanentError(
        `item ledger cursor must be a non-negative integer, got ${afterEntryNumber}`,
        BUSINESS_CENTRAL,
        0,
        'InvalidCursor',
      );
    }
    if (!Number.isInteger(max) || max < 1) return [];
    const url = `${this.companyUrl}/itemLedgerEntries?$filter=${encodeURIComponent(`entryNumber gt ${afterEntryNumber}`)}&$orderby=entryNumber`;
    // Pages no larger than what is still wanted, so a small batch never pulls a large page.
    const pageSize = Math.min(max, this.opts.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
    const rows = await this.getPages('itemLedgerEntries', url, itemLedgerEntrySchema, opts.signal, {
      limit: max,
      pageSize,
    });
    return rows.slice(0, max).map((e) => ({
      entryNumber: e.entryNumber,
      itemNumber: e.itemNumber,
      quantity: e.quantity,
      entryType: e.entryType,
      documentNumber: e.documentNumber,
      postingDate: e.postingDate,
    }));
  }

  /**
   * Keyed by BC item number (upper-cased). Requested items without ledger history at the location
   * are present with 0. An unknown location is refused rather than read as "no stock anywhere",
   * which would zero a store's web stock on a mapping typo.
   */
  async getLocationStock(locationCode: string, itemNumbers?: string[], opts: Opts = {}): Promise<Map<string, number>> {
    const code = normaliseCode(locationCode);
    if (!(await this.findLocationId(code, opts))) {
      throw new PermanentError(
        `Business Central has no location with code '${code}'; map the store to an existing location`,
        BUSINESS_CENTRAL,
        0,
        'LocationNotFound',
      );
    }
    const stockUrl = this.stockApiUrl();
    const atLocation = `locationCode eq ${odataString(code)}`;
    const stock = new Map<string, number>();
    const add = (rows: Array<{ itemNumber: string; inventory: number }>) => {
      for (const r of rows) stock.set(r.itemNumber, (stock.get(r.itemNumber) ?? 0) + r.inventory);
    };
    if (itemNumbers === undefined) {
      add(await this.getAll('locationStocks', atLocation, locationStockSchema, opts.signal, { root: stockUrl }));
      return stock;
    }
    const wanted = [...new Set(itemNumbers.map(normaliseCode))];
    for (let i = 0; i < wanted.length; i += STOCK_BATCH) {
      const batch = wanted.slice(i, i + STOCK_BATCH);
      const filter = `${atLocation} and (${batch.map((n) => `itemNumber eq ${odataString(n)}`).join(' or ')})`;
      add(await this.getAll('locationStocks', filter, locationStockSchema, opts.signal, { root: stockUrl }));
    }
    for (const n of wanted) if (!stock.has(n)) stock.set(n, 0);
    return stock;
  }

  /** Keyed by BC item number (upper-cased). */
  async getItemCategories(itemNumbers: string[], opts: Opts = {}): Promise<Map<string, string>> {
    const wanted = [...new Set(itemNumbers.map(normaliseCode))];
    const categories = new Map<string, string>();
    for (let i = 0; i < wanted.length; i += ITEM_BATCH) {
      const filter = wanted
        .slice(i, i + ITEM_BATCH)
        .map((n) => `number eq ${odataString(n)}`)
        .join(' or ');
      for (const item of await this.getAll('items', filter, itemCategorySchema, opts.signal, {
        select: 'number,itemCategoryCode',
      })) {
        if (item.itemCategoryCode) categories.set(item.number, item.itemCategoryCode);
      }
    }
    return categories;
  }

  async findStockAdjustment(externalDocumentNumber: string, opts: Opts = {}): Promise<ErpStockAdjustment | undefined> {
    const ext = externalDocumentNumberOf(externalDocumentNumber);
    const found = await this.getAll(
      'stockAdjustments',
      `externalDocumentNumber eq ${odataString(ext)}`,
      stockAdjustmentSchema,
      opts.signal,
      { root: this.stockApiUrl() },
    );
    const first = found[0];
    return first && { id: first.id, number: first.number, externalDocumentNumber: first.externalDocumentNumber };
  }

  async createStockAdjustment(input: ErpStockAdjustmentInput, opts: Opts = {}): Promise<ErpStockAdjustment> {
    const body = stockAdjustmentBody(input);
    try {
      const res = await this.request('POST', `${this.stockApiUrl()}/stockAdjustments`, { body, signal: opts.signal });
      const created = parseBody(BUSINESS_CENTRAL, res.text, stockAdjustmentSchema);
      return { id: created.id, number: created.number, externalDocumentNumber: created.externalDocumentNumber };
    } catch (err) {
      // The extension keeps the number unique: an earlier attempt (or one that committed after we
      // gave up on it) already posted this change, which is what we wanted.
      if (!(err instanceof PermanentError && err.status === 409)) throw err;
      const existing = await this.findStockAdjustment(input.externalDocumentNumber, opts);
      if (!existing) throw err;
      return existing;
    }
  }

  /** Location id per normalised code; an unknown code is refused before anything is written. */
  private async locationIdsFor(codes: string[], doc: string, opts: Opts): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const code of new Set(codes.map(normaliseCode))) {
      const id = await this.findLocationId(code, opts);
      if (!id)
        throw new PermanentError(
          `Business Central has no location with code '${code}' (${doc}); map the store to an existing location`,
          BUSINESS_CENTRAL,
          0,
          'LocationNotFound',
        );
      ids.set(code, id);
    }
    return ids;
  }

  /** Lines carry only a locationId; the code is what callers map stores by. */
  private async locationCodeOf(id: string | undefined, opts: Opts): Promise<string | undefined> {
    if (!id || id === EMPTY_GUID) return undefined;
    const wanted = id.toLowerCase();
    const cached = [...this.locationIds].find(([, v]) => v.toLowerCase() === wanted)?.[0];
    if (cached) return cached;
    const found = (await this.getAll('locations', `id eq ${wanted}`, locationSchema, opts.signal))[0];
    if (found) this.locationIds.set(found.code, found.id);
    return found?.code;
  }

  /** DELETE needs If-Match; `*` because the caller decided on what it read, and a 404 means already gone. */
  private async deleteDocument(entitySet: string, what: string, id: string, opts: Opts): Promise<void> {
    if (!GUID.test(id))
      throw new PermanentError(
        `Business Central ${what} id must be a GUID, got '${id}'`,
        BUSINESS_CENTRAL,
        0,
        'InvalidId',
      );
    try {
      await this.request('DELETE', `${this.companyUrl}/${entitySet}(${id})`, {
        headers: { 'if-match': '*' },
        signal: opts.signal,
      });
    } catch (err) {
      if (!(err instanceof PermanentError && err.status === 404)) throw err;
    }
  }

  private async creditMemoOf(m: SalesCreditMemoWire, opts: Opts): Promise<ErpCreditMemo> {
    const lines = [];
    for (const l of m.salesCreditMemoLines) {
      if (l.lineType !== 'Item') continue;
      lines.push({
        itemNumber: l.lineObjectNumber,
        quantity: l.quantity,
        locationCode: await this.locationCodeOf(l.locationId, opts),
        description: l.description,
      });
    }
    return {
      id: m.id,
      number: m.number,
      externalDocumentNumber: m.externalDocumentNumber,
      customerNumber: m.customerNumber,
      pricesIncludeTax: m.pricesIncludeTax,
      status: m.status,
      posted: isPostedCreditMemoStatus(m.status),
      totalCents: bcCents(m.totalAmountIncludingTax, 'a credit memo total'),
      lines,
    };
  }

  private stockApiUrl(): string {
    if (!this.stockCompanyUrl) {
      throw new PermanentError(
        `Business Central apiBaseUrl '${this.opts.apiBaseUrl}' does not end in /api/v2.0, so the stock API root cannot be derived`,
        BUSINESS_CENTRAL,
        0,
        'InvalidConfiguration',
      );
    }
    return this.stockCompanyUrl;
  }

  /** Reads every page: BC pages server-side and signals more with `@odata.nextLink`. */
  private async getAll<T extends z.ZodType>(
    entitySet: string,
    filter: string,
    item: T,
    signal?: AbortSignal,
    o: { root?: string; select?: string; expand?: string } = {},
  ): Promise<z.output<T>[]> {
    const select = o.select ? `&$select=${o.select}` : '';
    const expand = o.expand ? `&$expand=${o.expand}` : '';
    return this.getPages(
      entitySet,
      `${o.root ?? this.companyUrl}/${entitySet}?$filter=${encodeURIComponent(filter)}${select}${expand}`,
      item,
      signal,
    );
  }

  /** Follows `@odata.nextLink` until it is absent or `limit` rows are in hand. */
  private async getPages<T extends z.ZodType>(
    entitySet: string,
    first: string,
    item: T,
    signal?: AbortSignal,
    o: { limit?: number; pageSize?: number } = {},
  ): Promise<z.output<T>[]> {
    const schema = collectionSchema(item);
    const rows: z.output<T>[] = [];
    let url: string | undefined = first;
    const pageSize = o.pageSize ?? this.opts.pageSize;
    const headers: Record<string, string> = pageSize ? { prefer: `odata.maxpagesize=${pageSize}` } : {};
    for (let page = 0; url && rows.length < (o.limit ?? Infinity); page++) {
      if (page >= MAX_PAGES)
        throw new PermanentError(
          `Business Central kept returning next links for ${entitySet} after ${MAX_PAGES} pages`,
          BUSINESS_CENTRAL,
          200,
          'PagingLoop',
        );
      const res = await this.request('GET', url, { headers, signal });
      const body = parseBody(BUSINESS_CENTRAL, res.text, schema);
      rows.push(...(body.value as z.output<T>[]));
      url = body['@odata.nextLink'];
      // The bearer token goes with every request, so only follow links back to the same server.
      if (url && new URL(url, this.origin).origin !== this.origin) {
        throw new PermanentError(
          `Business Central returned a next link to another host (${new URL(url).origin}); refusing to send credentials there`,
          BUSINESS_CENTRAL,
          200,
          'UnexpectedNextLink',
        );
      }
      if (url) url = new URL(url, this.origin).toString();
    }
    return rows;
  }

  /**
   * One authenticated request. A 401 is retried once with a fresh token (it may have been revoked
   * or the clocks disagree about expiry); a second 401 is a real credentials problem.
   */
  private async request(
    method: HttpCall['method'],
    url: string,
    o: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal },
  ): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token.get();
      const call: HttpCall = {
        system: BUSINESS_CENTRAL,
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...o.headers },
        body: o.body,
        timeoutMs: this.opts.timeoutMs,
        signal: o.signal,
        dispatcher: this.opts.dispatcher,
      };
      const res = await this.inFlight.run(() => send(call), o.signal);
      if (res.status === 401 && attempt === 0) {
        this.token.invalidate(token);
        continue;
      }
      if (res.status >= 400) this.fail(call, res, token);
      return res;
    }
  }

  private fail(call: HttpCall, res: HttpResponse, token: string): never {
    let detail: { code?: string; message?: string } = {};
    try {
      const parsed = odataErrorSchema.safeParse(JSON.parse(res.text));
      if (parsed.success)
        detail = {
          code: parsed.data.error.code,
          message: redact(parsed.data.error.message, token, this.opts.clientSecret),
        };
    } catch {
      detail = { message: redact(res.text.slice(0, 200), token, this.opts.clientSecret) };
    }
    throwForStatus(call, res, detail);
  }
}
