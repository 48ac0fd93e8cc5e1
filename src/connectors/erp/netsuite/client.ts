import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { LedgerEntry } from '../../../domain/stock';
import { ConcurrencyLimit } from '../../concurrency-limit';
import {
  parseBody,
  parseRetryAfter,
  PermanentError,
  send,
  throwForStatus,
  TransientError,
  type HttpCall,
  type HttpResponse,
} from '../../http';
import type {
  ErpCreditMemo,
  ErpCreditMemoInput,
  ErpCreditMemoLineTotal,
  ErpGlEntry,
  ErpJournalPosting,
  ErpLookupOptions,
  ErpPort,
  ErpSalesDocument,
  ErpSalesDocumentTotal,
  ErpSalesOrderInput,
  ErpStockAdjustment,
} from '../port';
import { M2mToken, tbaHeader, type NetSuiteAuthConfig } from './auth';
import {
  errorDetail,
  externalIdOf,
  NETSUITE,
  normaliseCode,
  nsAmount,
  nsCents,
  returnRecordSchema,
  suiteqlPageSchema,
  transactionRowSchema,
  type ReturnRecord,
  type TransactionRow,
} from './wire';

export { NETSUITE } from './wire';
export { netSuiteAuthFromEnv, type NetSuiteAuthConfig } from './auth';

/**
 * What the retailer's NetSuite account calls things, by internal id (reference §8.9: never by
 * name). Given as options for now; the mapping file, validated at load, comes later (issue 16).
 */
export interface NetSuiteMapping {
  /** The port's location code (the store's ERP location, upper-cased) -> NetSuite location internal id. */
  locations: Record<string, string>;
  /** OneWorld: the subsidiary every transaction is booked in. */
  subsidiaryId?: string;
  /** ISO currency code -> currency internal id; a sale in an unmapped currency is refused. */
  currencies?: Record<string, string>;
  /** SuiteTax tax code for item lines; absent: NetSuite's item/customer defaults apply. */
  taxCodeId?: string;
  /** The account a cash sale's proceeds go to (with undeposited funds off), e.g. the card clearing account. */
  cashSaleAccountId?: string;
  /** The account a cash refund is paid from (returns as cash refunds only). */
  cashRefundAccountId?: string;
}

export interface NetSuiteClientOptions {
  /** `https://{accountId}.suitetalk.api.netsuite.com` (Company Information > Company URLs). */
  baseUrl: string;
  /** The account id as the realm spells it, e.g. `1234567_SB1`. */
  accountId: string;
  auth: NetSuiteAuthConfig;
  mapping: NetSuiteMapping;
  /** Default `{baseUrl}/services/rest/auth/oauth2/v1/token`. */
  tokenUrl?: string;
  /** Returns as credit memos (default, reduce A/R) or cash refunds (money paid back at once). */
  returnRecord?: 'creditMemo' | 'cashRefund';
  /** Starts every external id this integration writes, so another connector's ids cannot collide (default `RI`). */
  externalIdPrefix?: string;
  /**
   * Requests in flight at once from this client. NetSuite caps concurrency per account, across
   * every integration (5 on a standard account, reference §7); the reference's advice is 2-3
   * slots per integration when shared: default 3.
   */
  maxConcurrentRequests?: number;
  /**
   * Times a request refused with 429 (over the account's concurrency cap, refused before anything
   * was done) is sent again here, after a jittered backoff, before a TransientError hands it to
   * Temporal. Default 3.
   */
  concurrencyRetries?: number;
  /** SuiteQL page size (`limit`), at most 1000. */
  pageSize?: number;
  timeoutMs?: number;
  now?: () => number;
  /** Backoff sleeps go through it so tests can shorten them. */
  backoffMs?: (attempt: number) => number;
  dispatcher?: Dispatcher;
}

type Opts = { signal?: AbortSignal };
const SUITEQL = '/services/rest/query/v1/suiteql';
const RECORDS = '/services/rest/record/v1';
const TRANSACTIONS =
  "SELECT t.id, t.recordtype, t.tranid, t.externalid, t.otherrefnum, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate, t.foreigntotal, c.entityid AS customer FROM transaction t JOIN customer c ON c.id = t.entity WHERE ";
const ITEM_BATCH = 200;
const MAX_PAGES = 100;
/** "Record has been changed": a script or user saved the record under us; our writes carry the whole record, so sending again is the re-read and merge. */
const RECORD_CHANGED = /record has been changed/i;
const CHANGED_RETRIES = 3;

/**
 * The ERP port on NetSuite's SuiteTalk REST record service and SuiteQL.
 *
 * A store sale is a **cash sale** (the retailer's configured choice): paid at once, posted when
 * saved, stock out at each line's location. So `createSalesOrder` returns a posted document
 * (`kind: 'invoice'`), and the flow's "ship and invoice" has nothing left to do. The other
 * configuration, "sales order then invoice", would map onto `salesOrder` for createSalesOrder
 * (kind 'order'), `salesOrder/{id}/!transform/invoice` (after `!transform/itemFulfillment`) for
 * shipAndInvoice, and DELETE of the open sales order for deleteSalesOrder; it is not built yet.
 *
 * Exactly once by NetSuite's own means: every document is written by upsert on a deterministic
 * external id (`PUT …/eid:{id}?replace=item`), so a retry after a lost response, or a create that
 * commits late, updates the one record instead of making a twin, and `replace=item` keeps its
 * lines from being appended a second time. Look-ups are SuiteQL (GET loads records in edit mode).
 */
export class NetSuiteClient implements ErpPort {
  readonly system = NETSUITE;
  private readonly base: string;
  private readonly inFlight: ConcurrencyLimit;
  private readonly token?: M2mToken;
  private readonly now: () => number;
  private readonly customerIds = new Map<string, string>();
  private readonly locationIds = new Map<string, string>();
  private readonly locationCodes: Map<string, string>;
  private readonly returnRecord: 'creditMemo' | 'cashRefund';
  private readonly prefix: string;

  constructor(private readonly opts: NetSuiteClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.now = opts.now ?? Date.now;
    this.inFlight = new ConcurrencyLimit(opts.maxConcurrentRequests ?? 3);
    this.returnRecord = opts.returnRecord ?? 'creditMemo';
    this.prefix = opts.externalIdPrefix ?? 'RI';
    externalIdOf(this.prefix, 'cashSale', 'X');
    const pageSize = opts.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
      throw new PermanentError(
        `NetSuite pageSize must be 1-1000, got ${pageSize}`,
        NETSUITE,
        0,
        'InvalidConfiguration',
      );
    const mapped = Object.entries(opts.mapping.locations).map(([code, id]) => [normaliseCode(code), id] as const);
    for (const [code, id] of mapped)
      if (!/^\d+$/.test(id))
        throw new PermanentError(
          `NetSuite mapping: location ${code} must map to an internal id (digits), got '${id}'`,
          NETSUITE,
          0,
          'InvalidConfiguration',
        );
    this.locationCodes = new Map(mapped.map(([code, id]) => [id, code]));
    if (opts.auth.kind === 'oauth2-m2m')
      this.token = new M2mToken({
        tokenUrl: opts.tokenUrl ?? `${this.base}/services/rest/auth/oauth2/v1/token`,
        clientId: opts.auth.clientId,
        certificateId: opts.auth.certificateId,
        privateKeyPem: opts.auth.privateKeyPem,
        timeoutMs: opts.timeoutMs,
        now: this.now,
        dispatcher: opts.dispatcher,
      });
  }

  /** The external id a sale is written under: what makes its create an idempotent upsert. */
  saleExternalId(externalDocumentNumber: string): string {
    return externalIdOf(this.prefix, 'cashSale', externalDocumentNumber);
  }

  /** A return's: several returns share the order's document number, so the lines' descriptions (the return id) join it. */
  returnExternalId(input: Pick<ErpCreditMemoInput, 'externalDocumentNumber' | 'lines'>): string {
    const descriptions = [...new Set(input.lines.map((l) => l.description))].sort();
    return externalIdOf(this.prefix, this.returnRecord, input.externalDocumentNumber, descriptions.join('|'));
  }

  async findSalesDocuments(externalDocumentNumber: string, opts: ErpLookupOptions = {}): Promise<ErpSalesDocument[]> {
    const where = ['t.externalid = ?'];
    const params = [this.saleExternalId(externalDocumentNumber)];
    if (opts.customerNumber !== undefined) {
      where.push('c.entityid = ?');
      params.push(opts.customerNumber);
    }
    const rows = await this.transactions(where, params, opts.signal);
    return rows.filter((r) => r.recordtype === 'cashsale').map((r) => this.saleOf(r));
  }

  async createSalesOrder(input: ErpSalesOrderInput, opts: Opts = {}): Promise<ErpSalesDocument> {
    const externalId = this.saleExternalId(input.externalDocumentNumber);
    if (input.lines.length === 0)
      throw this.refusal(`sale ${input.externalDocumentNumber} has no lines`, 'InvalidSale');
    const entity = await this.customerId(input.customerNumber, opts);
    const itemIds = await this.itemIds(
      input.lines.map((l) => l.itemNumber),
      `sale ${input.externalDocumentNumber}`,
      opts,
    );
    const { mapping } = this.opts;
    const body = {
      entity: { id: entity },
      // The store's business day as given: a date field, no time-zone conversion (reference §3).
      tranDate: input.orderDate,
      otherRefNum: input.externalDocumentNumber,
      ...this.currency(input.currencyCode),
      ...(mapping.subsidiaryId ? { subsidiary: { id: mapping.subsidiaryId } } : {}),
      location: { id: this.mappedLocation(input.lines[0]!.locationCode) },
      ...(mapping.cashSaleAccountId ? { undepFunds: false, account: { id: mapping.cashSaleAccountId } } : {}),
      item: {
        items: input.lines.map((l) => ({
          item: { id: itemIds.get(l.itemNumber)! },
          quantity: l.quantity,
          // VAT-inclusive line total, to the cent, as the till took it (grossAmt, reference §8.11).
          grossAmt: nsAmount(l.quantity * l.unitPriceCents - (l.discountCents ?? 0)),
          location: { id: this.mappedLocation(l.locationCode) },
          ...(mapping.taxCodeId ? { taxCode: { id: mapping.taxCodeId } } : {}),
        })),
      },
    };
    await this.upsert('cashSale', externalId, body, opts);
    const [created] = await this.findSalesDocuments(input.externalDocumentNumber, opts);
    if (!created)
      throw new TransientError(`NetSuite accepted cash sale ${externalId} but SuiteQL does not show it yet`, NETSUITE);
    return created;
  }

  /**
   * Takes a cash sale back (DELETE), reversing its booking and its stock. The flows call this only
   * for a document that books another total than the till took (a cash sale is never an open order,
   * and the external-id upsert leaves no twins to delete). Gone already is success.
   */
  async deleteSalesOrder(orderId: string, opts: Opts = {}): Promise<void> {
    await this.deleteRecord('cashSale', orderId, opts);
  }

  /** A cash sale is shipped and paid when saved: nothing to post. A sale that is gone answers 404, as BC does for an order it deleted on posting. */
  async shipAndInvoice(orderId: string, opts: Opts = {}): Promise<void> {
    await this.request('GET', `${RECORDS}/cashSale/${this.internalId(orderId)}`, { signal: opts.signal });
  }

  async findLocationId(code: string, opts: Opts = {}): Promise<string | undefined> {
    const normalised = normaliseCode(code);
    const cached = this.locationIds.get(normalised);
    if (cached) return cached;
    const mapped = this.opts.mapping.locations[normalised] ?? this.opts.mapping.locations[code];
    const rows = await this.suiteql(
      `SELECT id, name, externalid, isinactive FROM location WHERE ${mapped ? 'id' : 'externalid'} = ?`,
      [mapped ?? normalised],
      z.object({ id: z.string(), isinactive: z.string().optional() }),
      opts.signal,
    );
    const id = rows.find((r) => r.isinactive !== 'T')?.id;
    // Misses are not cached: the location may be set up while we run.
    if (id) this.locationIds.set(normalised, id);
    return id;
  }

  async findUnknownItems(itemNumbers: string[], opts: Opts = {}): Promise<string[]> {
    const known = await this.itemIdMap(itemNumbers, opts);
    return [...new Set(itemNumbers.filter((n) => !known.has(n)))];
  }

  async listSalesDocumentTotals(
    filter: { customerNumber: string; postingDateFrom: string; postingDateTo: string },
    opts: Opts = {},
  ): Promise<ErpSalesDocumentTotal[]> {
    const rows = await this.dayRows('cashsale', filter, opts);
    return rows.map((r) => ({
      id: r.id,
      number: r.tranid ?? r.id,
      externalDocumentNumber: r.otherrefnum ?? '',
      postingDate: r.trandate,
      totalCents: nsCents(r.foreigntotal, 'a cash sale total'),
    }));
  }

  async listCreditMemoLineTotals(
    filter: { customerNumber: string; postingDateFrom: string; postingDateTo: string },
    opts: Opts = {},
  ): Promise<ErpCreditMemoLineTotal[]> {
    const rows = await this.dayRows(this.returnRecord.toLowerCase(), filter, opts);
    const lines: ErpCreditMemoLineTotal[] = [];
    for (const r of rows) {
      const memo = await this.readReturn(r.id, opts);
      for (const l of memo.item.items)
        lines.push({
          creditMemoId: memo.id,
          description: l.description ?? '',
          grossCents: nsCents(l.grossAmt ?? 0, 'a return line amount'),
        });
    }
    return lines;
  }

  /** Returns carrying this document number (kept in `otherRefNum`), read with their lines. */
  async findSalesCreditMemos(externalDocumentNumber: string, opts: ErpLookupOptions = {}): Promise<ErpCreditMemo[]> {
    const where = ['t.recordtype = ?', 't.otherrefnum = ?'];
    const params = [this.returnRecord.toLowerCase(), externalDocumentNumber];
    if (opts.customerNumber !== undefined) {
      where.push('c.entityid = ?');
      params.push(opts.customerNumber);
    }
    const memos: ErpCreditMemo[] = [];
    for (const row of await this.transactions(where, params, opts.signal))
      memos.push(this.creditMemoOf(await this.readReturn(row.id, opts), row));
    return memos;
  }

  /**
   * Writes the return by upsert on its external id and reads it back. NetSuite posts a credit memo
   * (or cash refund) when it is saved, so there is no draft for the flow to check before posting:
   * the check that it books what was refunded is made here, and a record that books otherwise is
   * deleted and refused.
   */
  async createSalesCreditMemo(input: ErpCreditMemoInput, opts: Opts = {}): Promise<ErpCreditMemo> {
    const what = `return ${input.externalDocumentNumber}`;
    if (input.lines.length === 0) throw this.refusal(`${what} has no lines`, 'InvalidCreditMemo');
    for (const l of input.lines) {
      if (!(l.quantity > 0))
        throw this.refusal(`${what}: item ${l.itemNumber} has quantity ${l.quantity}`, 'InvalidCreditMemo');
      if (l.description.length > 100)
        throw this.refusal(`${what}: a line description is over 100 characters`, 'InvalidCreditMemo');
    }
    const externalId = this.returnExternalId(input);
    const entity = await this.customerId(input.customerNumber, opts);
    const itemIds = await this.itemIds(
      input.lines.map((l) => l.itemNumber),
      what,
      opts,
    );
    const { mapping } = this.opts;
    const body = {
      entity: { id: entity },
      tranDate: input.creditMemoDate,
      otherRefNum: input.externalDocumentNumber,
      ...(mapping.subsidiaryId ? { subsidiary: { id: mapping.subsidiaryId } } : {}),
      location: { id: this.mappedLocation(input.lines[0]!.locationCode) },
      ...(this.returnRecord === 'cashRefund' && mapping.cashRefundAccountId
        ? { account: { id: mapping.cashRefundAccountId } }
        : {}),
      item: {
        items: input.lines.map((l) => ({
          item: { id: itemIds.get(l.itemNumber)! },
          quantity: l.quantity,
          grossAmt: nsAmount(l.quantity * l.unitPriceCents),
          location: { id: this.mappedLocation(l.locationCode) },
          description: l.description,
          ...(mapping.taxCodeId ? { taxCode: { id: mapping.taxCodeId } } : {}),
        })),
      },
    };
    const id = await this.upsert(this.returnRecord, externalId, body, opts);
    const memo = this.creditMemoOf(await this.readReturn(id, opts));
    const expected = input.lines.reduce((n, l) => n + l.quantity * l.unitPriceCents, 0);
    if (memo.totalCents !== expected) {
      await this.deleteRecord(this.returnRecord, memo.id, opts);
      throw new PermanentError(
        `NetSuite would book ${this.returnRecord} ${memo.number} for ${input.externalDocumentNumber} at ${nsAmount(memo.totalCents)} where the return refunded ${nsAmount(expected)}; it was deleted. Check the tax setup of the items and customer ${input.customerNumber}`,
        NETSUITE,
        0,
        'ErpTotalDiffers',
      );
    }
    return memo;
  }

  /** Saved is posted in NetSuite: this only confirms the record is there (a retry is safe). */
  async postSalesCreditMemo(creditMemoId: string, opts: Opts = {}): Promise<void> {
    await this.request('GET', `${RECORDS}/${this.returnRecord}/${this.internalId(creditMemoId)}`, {
      signal: opts.signal,
    });
  }

  async deleteSalesCreditMemo(creditMemoId: string, opts: Opts = {}): Promise<void> {
    await this.deleteRecord(this.returnRecord, creditMemoId, opts);
  }

  /** On hand per item number at the mapped location (inventoryitemlocations); requested items without a row are 0. */
  async getLocationStock(locationCode: string, itemNumbers?: string[], opts: Opts = {}): Promise<Map<string, number>> {
    const id = await this.findLocationId(locationCode, opts);
    if (!id)
      throw this.refusal(
        `NetSuite has no active location for '${locationCode}'; map the store to an existing location`,
        'LocationNotFound',
      );
    const rows = await this.suiteql(
      'SELECT i.itemid, iil.quantityonhand FROM inventoryitemlocations iil JOIN item i ON i.id = iil.item WHERE iil.location = ? ORDER BY i.id',
      [id],
      z.object({ itemid: z.string(), quantityonhand: z.string().optional() }),
      opts.signal,
    );
    const all = new Map(rows.map((r) => [r.itemid, Number(r.quantityonhand ?? 0)]));
    if (itemNumbers === undefined) return all;
    return new Map(itemNumbers.map((n) => [n, all.get(n) ?? 0]));
  }

  async listItemLedgerEntries(): Promise<LedgerEntry[]> {
    this.notYet('listItemLedgerEntries');
  }
  async getItemCategories(): Promise<Map<string, string>> {
    this.notYet('getItemCategories');
  }
  async findStockAdjustment(): Promise<ErpStockAdjustment | undefined> {
    this.notYet('findStockAdjustment');
  }
  async createStockAdjustment(): Promise<ErpStockAdjustment> {
    this.notYet('createStockAdjustment');
  }
  async findJournalPosting(): Promise<ErpJournalPosting | undefined> {
    this.notYet('findJournalPosting');
  }
  async postDailyJournal(): Promise<void> {
    this.notYet('postDailyJournal');
  }
  async sweepJournalDrafts(): Promise<number> {
    this.notYet('sweepJournalDrafts');
  }
  async listGeneralLedgerEntries(): Promise<ErpGlEntry[]> {
    this.notYet('listGeneralLedgerEntries');
  }

  /** Operations of the port this adapter does not do yet refuse loudly rather than answer wrongly. */
  private notYet(operation: string): never {
    throw new PermanentError(
      `${operation} is not implemented for NetSuite yet (issue 16)`,
      NETSUITE,
      0,
      'NotImplemented',
    );
  }

  private refusal(message: string, code: string): PermanentError {
    return new PermanentError(message, NETSUITE, 0, code);
  }

  private saleOf(r: TransactionRow): ErpSalesDocument {
    return {
      kind: 'invoice',
      id: r.id,
      number: r.tranid ?? r.id,
      externalDocumentNumber: r.otherrefnum ?? '',
      customerNumber: r.customer ?? '',
      status: 'Posted',
      totalCents: nsCents(r.foreigntotal, 'a cash sale total'),
    };
  }

  private creditMemoOf(m: ReturnRecord, row?: TransactionRow): ErpCreditMemo {
    return {
      id: m.id,
      number: m.tranId ?? row?.tranid ?? m.id,
      externalDocumentNumber: m.otherRefNum ?? row?.otherrefnum ?? '',
      customerNumber: row?.customer ?? m.entity.refName ?? '',
      // The amounts are the gross ones sent: no customer setting re-prices them.
      pricesIncludeTax: true,
      status: 'Posted',
      posted: true,
      totalCents: Math.abs(nsCents(m.total, 'a return total')),
      lines: m.item.items.map((l) => ({
        itemNumber: l.item.refName ?? l.item.id,
        quantity: l.quantity,
        locationCode: l.location && (this.locationCodes.get(l.location.id) ?? l.location.refName),
        description: l.description ?? '',
      })),
    };
  }

  private readReturn(id: string, opts: Opts): Promise<ReturnRecord> {
    return this.request('GET', `${RECORDS}/${this.returnRecord}/${this.internalId(id)}`, {
      query: { expandSubResources: 'true' },
      signal: opts.signal,
    }).then((res) => parseBody(NETSUITE, res.text, returnRecordSchema));
  }

  private dayRows(
    recordtype: string,
    filter: { customerNumber: string; postingDateFrom: string; postingDateTo: string },
    opts: Opts,
  ): Promise<TransactionRow[]> {
    const { postingDateFrom: from, postingDateTo: to } = filter;
    if (![from, to].every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)) || from > to)
      throw this.refusal(`posting date range ${from}..${to} must be two YYYY-MM-DD dates, from <= to`, 'InvalidFilter');
    return this.transactions(
      [
        't.recordtype = ?',
        'c.entityid = ?',
        "t.trandate BETWEEN TO_DATE(?, 'YYYY-MM-DD') AND TO_DATE(?, 'YYYY-MM-DD')",
      ],
      [recordtype, filter.customerNumber, from, to],
      opts.signal,
    );
  }

  private transactions(where: string[], params: string[], signal?: AbortSignal): Promise<TransactionRow[]> {
    return this.suiteql(`${TRANSACTIONS}${where.join(' AND ')} ORDER BY t.id`, params, transactionRowSchema, signal);
  }

  private currency(code: string | undefined): { currency?: { id: string } } {
    if (code === undefined) return {};
    const id = this.opts.mapping.currencies?.[code.toUpperCase()];
    if (!id) throw this.refusal(`NetSuite mapping has no currency for ${code}`, 'CurrencyNotMapped');
    return { currency: { id } };
  }

  private mappedLocation(code: string): string {
    const id = this.opts.mapping.locations[normaliseCode(code)] ?? this.opts.mapping.locations[code];
    if (!id)
      throw this.refusal(
        `NetSuite mapping has no location for '${code}'; map the store to its location's internal id`,
        'LocationNotMapped',
      );
    return id;
  }

  private async customerId(entityId: string, opts: Opts): Promise<string> {
    const cached = this.customerIds.get(entityId);
    if (cached) return cached;
    const rows = await this.suiteql(
      'SELECT id, entityid FROM customer WHERE entityid = ?',
      [entityId],
      z.object({ id: z.string() }),
      opts.signal,
    );
    const id = rows[0]?.id;
    if (!id) throw this.refusal(`NetSuite has no customer with ID '${entityId}'`, 'CustomerNotFound');
    this.customerIds.set(entityId, id);
    return id;
  }

  private async itemIdMap(itemNumbers: string[], opts: Opts): Promise<Map<string, string>> {
    const wanted = [...new Set(itemNumbers)];
    const ids = new Map<string, string>();
    for (let i = 0; i < wanted.length; i += ITEM_BATCH) {
      const batch = wanted.slice(i, i + ITEM_BATCH);
      const rows = await this.suiteql(
        `SELECT id, itemid FROM item WHERE itemid IN (${batch.map(() => '?').join(', ')}) ORDER BY id`,
        batch,
        z.object({ id: z.string(), itemid: z.string() }),
        opts.signal,
      );
      for (const r of rows) ids.set(r.itemid, r.id);
    }
    return ids;
  }

  private async itemIds(itemNumbers: string[], what: string, opts: Opts): Promise<Map<string, string>> {
    const ids = await this.itemIdMap(itemNumbers, opts);
    const unknown = [...new Set(itemNumbers.filter((n) => !ids.has(n)))];
    if (unknown.length) throw this.refusal(`NetSuite has no item ${unknown.join(', ')} (${what})`, 'ItemNotFound');
    return ids;
  }

  private internalId(id: string): string {
    if (!/^\d+$/.test(id)) throw this.refusal(`NetSuite internal ids are digits, got '${id}'`, 'InvalidId');
    return id;
  }

  /**
   * `PUT …/{type}/eid:{externalId}?replace=item`: creates the record or, when a retry or a late
   * commit got there first, replaces its lines with the same ones (without `replace=item` NetSuite
   * would append them). Returns the internal id from `Location`.
   */
  private async upsert(type: string, externalId: string, body: object, opts: Opts): Promise<string> {
    const res = await this.request('PUT', `${RECORDS}/${type}/eid:${externalId}`, {
      query: { replace: 'item' },
      body,
      signal: opts.signal,
      retryChanged: true,
    });
    const location = res.headers.location;
    const id = /\/(\d+)$/.exec(Array.isArray(location) ? (location[0] ?? '') : (location ?? ''))?.[1];
    if (id) return id;
    // The reference does not find Location documented on upsert: read the id by external id instead.
    const rows = await this.transactions(['t.externalid = ?'], [externalId], opts.signal);
    if (!rows[0])
      throw new TransientError(`NetSuite accepted ${type} ${externalId} but SuiteQL does not show it yet`, NETSUITE);
    return rows[0].id;
  }

  private async deleteRecord(type: string, id: string, opts: Opts): Promise<void> {
    try {
      await this.request('DELETE', `${RECORDS}/${type}/${this.internalId(id)}`, {
        signal: opts.signal,
        retryChanged: true,
      });
    } catch (err) {
      if (!(err instanceof PermanentError && err.status === 404)) throw err;
    }
  }

  /** Every page of a SuiteQL query (`limit`/`offset`, offset a multiple of limit), values as strings. */
  private async suiteql<T extends z.ZodType>(
    q: string,
    params: string[],
    row: T,
    signal?: AbortSignal,
  ): Promise<z.output<T>[]> {
    const limit = this.opts.pageSize ?? 1000;
    const schema = suiteqlPageSchema(row);
    const rows: z.output<T>[] = [];
    for (let page = 0; ; page++) {
      if (page >= MAX_PAGES)
        throw new PermanentError(
          `NetSuite SuiteQL kept saying hasMore after ${MAX_PAGES} pages`,
          NETSUITE,
          200,
          'PagingLoop',
        );
      const res = await this.request('POST', SUITEQL, {
        query: { limit: String(limit), offset: String(page * limit) },
        headers: { prefer: 'transient' },
        body: { q, params },
        signal,
      });
      const body = parseBody(NETSUITE, lowerKeys(res.text), schema);
      rows.push(...(body.items as z.output<T>[]));
      if (!body.hasMore) return rows;
    }
  }

  /**
   * One signed request under the worker's concurrency limit. 401: once more with a new token.
   * 429 (over the account's cap: refused before anything was done): again after a backoff, a few
   * times, then TransientError with the server's Retry-After. "Record has been changed" on an
   * idempotent write: again, a few times.
   */
  private async request(
    method: HttpCall['method'],
    path: string,
    o: {
      query?: Record<string, string>;
      body?: unknown;
      headers?: Record<string, string>;
      signal?: AbortSignal;
      retryChanged?: boolean;
    },
  ): Promise<HttpResponse> {
    const url = new URL(`${this.base}${path}`);
    for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
    let refreshed = false;
    let throttled = 0;
    let changed = 0;
    for (;;) {
      const { authorization, token } = await this.authorization(method, url);
      const call: HttpCall = {
        system: NETSUITE,
        method,
        url: url.toString(),
        headers: { authorization, 'x-netsuite-propertynamevalidation': 'error', ...o.headers },
        body: o.body,
        timeoutMs: this.opts.timeoutMs,
        signal: o.signal,
        dispatcher: this.opts.dispatcher,
      };
      const res = await this.inFlight.run(() => send(call), o.signal);
      if (res.status < 400) return res;
      if (res.status === 401 && token && !refreshed) {
        refreshed = true;
        this.token!.invalidate(token);
        continue;
      }
      const detail = errorDetail(res.text);
      if (res.status === 429 && throttled < (this.opts.concurrencyRetries ?? 3)) {
        await this.sleep(parseRetryAfter(res.headers['retry-after']) ?? this.backoff(++throttled), o.signal);
        continue;
      }
      if (
        o.retryChanged &&
        res.status === 400 &&
        RECORD_CHANGED.test(detail.message ?? '') &&
        changed < CHANGED_RETRIES
      ) {
        await this.sleep(this.backoff(++changed), o.signal);
        continue;
      }
      if (res.status === 400 && RECORD_CHANGED.test(detail.message ?? ''))
        throw new TransientError(`${NETSUITE} ${method} ${path} -> 400: ${detail.message}`, NETSUITE, 400);
      throwForStatus(call, res, detail);
    }
  }

  private async authorization(method: string, url: URL): Promise<{ authorization: string; token?: string }> {
    if (this.token) {
      const token = await this.token.get();
      return { authorization: `Bearer ${token}`, token };
    }
    if (this.opts.auth.kind !== 'tba') throw new Error('unreachable');
    return { authorization: tbaHeader(this.opts.auth, this.opts.accountId, method, url, this.now) };
  }

  /** Exponential with full jitter, so workers refused together do not come back together. */
  private backoff(attempt: number): number {
    if (this.opts.backoffMs) return this.opts.backoffMs(attempt);
    return Math.round(Math.random() * Math.min(5_000, 250 * 2 ** attempt));
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      signal?.throwIfAborted();
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** SuiteQL's column-name casing is not guaranteed (reference §5.2): lower-case the row keys before parsing. */
function lowerKeys(text: string): string {
  try {
    const body = JSON.parse(text) as { items?: Array<Record<string, unknown>> };
    if (Array.isArray(body.items))
      body.items = body.items.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])));
    return JSON.stringify(body);
  } catch {
    return text;
  }
}
