import type { Dispatcher } from 'undici';
import { formatCents } from '../../../domain/money';
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
  ErpGlEntryFilter,
  ErpJournalInput,
  ErpJournalPosting,
  ErpLookupOptions,
  ErpPort,
  ErpSalesDocument,
  ErpSalesDocumentTotal,
  ErpSalesOrderInput,
  ErpStockAdjustment,
  ErpStockAdjustmentInput,
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
  /** The inventory adjustment account (an expense or COGS account) store stock changes are booked against. */
  adjustmentAccountId?: string;
  /** The A/R account a day journal's customer line posts to (the customer goes on the line as `entity`). */
  receivablesAccountId?: string;
  /**
   * Where an item's category lives: `class` (the standard Class segment, default) or a custom item
   * field's script id (`custitem_…`) for accounts that use classes for something else.
   */
  itemCategoryField?: 'class' | `custitem_${string}`;
  /** Per day-journal code (one per store): the location and department its lines carry. */
  journals?: Record<string, { locationId?: string; departmentId?: string }>;
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
/** Ledger entry types in Business Central's words, which the stock flows read, by SuiteQL `transaction.type`. */
const ENTRY_TYPE: Record<string, string> = {
  CashSale: 'Sale',
  CustInvc: 'Sale',
  CustCred: 'Sale',
  CashRfnd: 'Sale',
  ItemRcpt: 'Purchase',
};
const MAX_PAGES = 100;
/** "Record has been changed": a script or user saved the record under us; our writes carry the whole record, so sending again is the re-read and merge. */
const RECORD_CHANGED = /record has been changed/i;
const CHANGED_RETRIES = 3;
const MAX_HELD_RETRY_AFTER_MS = 1_000;

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
    const categoryField = opts.mapping.itemCategoryField ?? 'class';
    if (categoryField !== 'class' && !/^custitem_[a-z0-9_]+$/.test(categoryField))
      throw new PermanentError(
        `NetSuite mapping: itemCategoryField must be 'class' or a custom item field id (custitem_…), got '${categoryField}'`,
        NETSUITE,
        0,
        'InvalidConfiguration',
      );
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

  /**
   * The external id a sale is written under: what makes its create an idempotent upsert. The
   * customer is part of it, as the business key is unique per customer only (the port's notion).
   */
  saleExternalId(externalDocumentNumber: string, customerNumber: string): string {
    return externalIdOf(this.prefix, 'cashSale', customerNumber, externalDocumentNumber);
  }

  /** A return's: several returns share the order's document number, so the lines' descriptions (the return id) join it. */
  returnExternalId(input: Pick<ErpCreditMemoInput, 'externalDocumentNumber' | 'lines'>): string {
    const descriptions = [...new Set(input.lines.map((l) => l.description))].sort();
    return externalIdOf(this.prefix, this.returnRecord, input.externalDocumentNumber, descriptions.join('|'));
  }

  /** Cash sales carrying this document number (kept in `otherRefNum`), of any customer unless one is given. */
  async findSalesDocuments(externalDocumentNumber: string, opts: ErpLookupOptions = {}): Promise<ErpSalesDocument[]> {
    const where = ['t.recordtype = ?', 't.otherrefnum = ?'];
    const params = ['cashsale', externalDocumentNumber];
    if (opts.customerNumber !== undefined) {
      where.push('c.entityid = ?');
      params.push(opts.customerNumber);
    }
    const rows = await this.transactions(where, params, opts.signal);
    return rows.map((r) => this.saleOf(r));
  }

  async createSalesOrder(input: ErpSalesOrderInput, opts: Opts = {}): Promise<ErpSalesDocument> {
    const externalId = this.saleExternalId(input.externalDocumentNumber, input.customerNumber);
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
    const [created] = await this.findSalesDocuments(input.externalDocumentNumber, {
      ...opts,
      customerNumber: input.customerNumber,
    });
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

  /**
   * Inventory-affecting transaction lines after `afterEntryNumber`, by `transactionline.uniquekey`:
   * unique across every transaction line and handed out as lines are saved, so "greater than the
   * last one read" is an incremental read (keyset paging, reference §5.2) where the transaction id
   * is not (a transaction's lines can change after it got its id). The quantity is the line's
   * signed stock effect.
   */
  async listItemLedgerEntries(afterEntryNumber: number, max: number, opts: Opts = {}): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    let after = afterEntryNumber;
    while (entries.length < max) {
      const limit = Math.min(max - entries.length, this.opts.pageSize ?? 1000);
      const rows = await this.suiteqlPage(
        "SELECT tl.uniquekey, t.type, t.tranid, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate, i.itemid, tl.quantity FROM transactionline tl JOIN transaction t ON t.id = tl.transaction JOIN item i ON i.id = tl.item WHERE tl.uniquekey > ? AND tl.isinventoryaffecting = 'T' ORDER BY tl.uniquekey",
        [String(after)],
        limit,
        z.object({
          uniquekey: z.string(),
          type: z.string(),
          tranid: z.string().optional(),
          trandate: z.string(),
          itemid: z.string(),
          quantity: z.string(),
        }),
        opts.signal,
      );
      for (const r of rows) {
        const quantity = Number(r.quantity);
        entries.push({
          entryNumber: Number(r.uniquekey),
          itemNumber: r.itemid,
          quantity,
          entryType: ENTRY_TYPE[r.type] ?? (quantity < 0 ? 'Negative Adjmt.' : 'Positive Adjmt.'),
          documentNumber: r.tranid ?? '',
          postingDate: r.trandate,
        });
      }
      if (rows.length < limit) break;
      after = entries[entries.length - 1]!.entryNumber;
    }
    return entries;
  }

  /** The item's class name (BUILTIN.DF) or the mapped custom item field; items without one are absent. */
  async getItemCategories(itemNumbers: string[], opts: Opts = {}): Promise<Map<string, string>> {
    const field = this.opts.mapping.itemCategoryField ?? 'class';
    const column = field === 'class' ? 'BUILTIN.DF(i.class)' : `i.${field}`;
    const wanted = [...new Set(itemNumbers)];
    const categories = new Map<string, string>();
    for (let i = 0; i < wanted.length; i += ITEM_BATCH) {
      const batch = wanted.slice(i, i + ITEM_BATCH);
      const rows = await this.suiteql(
        `SELECT i.itemid, ${column} AS category FROM item i WHERE i.itemid IN (${batch.map(() => '?').join(', ')}) ORDER BY i.id`,
        batch,
        z.object({ itemid: z.string(), category: z.string().optional() }),
        opts.signal,
      );
      for (const r of rows) if (r.category) categories.set(r.itemid, r.category);
    }
    return categories;
  }

  /** The external id a store stock change is written under. */
  adjustmentExternalId(externalDocumentNumber: string): string {
    return externalIdOf(this.prefix, 'inventoryAdjustment', externalDocumentNumber);
  }

  /** The external id a day journal is written under. */
  journalExternalId(documentNumber: string): string {
    return externalIdOf(this.prefix, 'journalEntry', documentNumber);
  }

  async findStockAdjustment(externalDocumentNumber: string, opts: Opts = {}): Promise<ErpStockAdjustment | undefined> {
    const found = await this.byExternalId(this.adjustmentExternalId(externalDocumentNumber), opts);
    if (!found) return undefined;
    if (found.type !== 'InvAdjst')
      throw this.refusal(
        `NetSuite external id ${this.adjustmentExternalId(externalDocumentNumber)} is held by a ${found.type}, not an inventory adjustment`,
        'ExternalIdTaken',
      );
    return { id: found.id, number: found.tranid ?? found.id, externalDocumentNumber };
  }

  /**
   * An inventory adjustment with a location per line and the signed change as `adjustQtyBy`,
   * upserted on its external id with `replace=inventory`: a retry after a lost response, or a
   * create that commits late, rewrites the one record with the same lines instead of adding a
   * second adjustment. It looks first, so a plain retry sends nothing.
   */
  async createStockAdjustment(input: ErpStockAdjustmentInput, opts: Opts = {}): Promise<ErpStockAdjustment> {
    const what = `stock adjustment ${input.externalDocumentNumber}`;
    if (input.lines.length === 0) throw this.refusal(`${what} has no lines`, 'InvalidStockAdjustment');
    for (const l of input.lines)
      if (!Number.isInteger(l.quantity) || l.quantity === 0)
        throw this.refusal(`${what}: item ${l.itemNumber} has quantity ${l.quantity}`, 'InvalidStockAdjustment');
    const location = this.mappedLocation(input.locationCode);
    const account = this.opts.mapping.adjustmentAccountId;
    if (!account)
      throw this.refusal('NetSuite mapping has no adjustmentAccountId for stock adjustments', 'AccountNotMapped');
    const itemIds = await this.itemIds(
      input.lines.map((l) => l.itemNumber),
      what,
      opts,
    );
    const existing = await this.findStockAdjustment(input.externalDocumentNumber, opts);
    if (existing) return existing;
    const { subsidiaryId } = this.opts.mapping;
    await this.upsert(
      'inventoryAdjustment',
      this.adjustmentExternalId(input.externalDocumentNumber),
      {
        tranDate: input.postingDate,
        account: { id: account },
        adjLocation: { id: location },
        ...(subsidiaryId ? { subsidiary: { id: subsidiaryId } } : {}),
        memo: (input.description ?? input.externalDocumentNumber).slice(0, 999),
        inventory: {
          items: input.lines.map((l) => ({
            item: { id: itemIds.get(l.itemNumber)! },
            location: { id: location },
            adjustQtyBy: l.quantity,
          })),
        },
      },
      opts,
      'inventory',
    );
    const created = await this.findStockAdjustment(input.externalDocumentNumber, opts);
    if (!created) throw new TransientError(`NetSuite accepted ${what} but SuiteQL does not show it yet`, NETSUITE);
    return created;
  }

  /**
   * A journal entry is posted when saved (this adapter requires JE approvals off, see
   * docs/erp-netsuite.md), so a journal found by its external id is posted, with its GL lines.
   */
  async findJournalPosting(documentNumber: string, opts: Opts = {}): Promise<ErpJournalPosting | undefined> {
    const found = await this.byExternalId(this.journalExternalId(documentNumber), opts);
    if (!found) return undefined;
    const [count] = await this.suiteql(
      "SELECT COUNT(*) AS lines FROM transactionaccountingline tal WHERE tal.transaction = ? AND tal.posting = 'T'",
      [found.id],
      z.object({ lines: z.string() }),
      opts.signal,
    );
    const lines = Number(count?.lines ?? 0);
    return { posted: lines > 0, lines };
  }

  /**
   * The day's journal as one balanced journal entry: debits and credits as positive amounts on
   * their lines, a customer line on the mapped A/R account with the customer as `entity`, the
   * store's location and department on every line, `tranId` the document number. Upserted on its
   * external id with `replace=line`, so two workers, a lost response or a late commit all land on
   * one entry with one set of lines; looked up first, so posting it again sends nothing.
   */
  async postDailyJournal(input: ErpJournalInput, opts: Opts = {}): Promise<void> {
    const what = `journal ${input.documentNumber}`;
    if (input.lines.length === 0) throw this.refusal(`${what} has no lines`, 'InvalidJournal');
    const balance = input.lines.reduce((n, l) => n + l.amountCents, 0);
    if (balance !== 0)
      throw this.refusal(
        `${what} does not balance: the ${balance > 0 ? 'debits' : 'credits'} exceed by ${formatCents(Math.abs(balance))}`,
        'JournalNotBalanced',
      );
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.postingDate))
      throw this.refusal(`${what}: posting date ${input.postingDate} is not YYYY-MM-DD`, 'InvalidJournal');
    const { mapping } = this.opts;
    const lines = [];
    for (const l of input.lines) {
      if (l.amountCents === 0) continue;
      const customer = l.accountType === 'Customer';
      if (customer && !mapping.receivablesAccountId)
        throw this.refusal(`NetSuite mapping has no receivablesAccountId for ${what}`, 'AccountNotMapped');
      if (!customer && !/^\d+$/.test(l.accountNumber))
        throw this.refusal(
          `${what}: account '${l.accountNumber}' is not a NetSuite account internal id`,
          'AccountNotMapped',
        );
      lines.push({
        account: { id: customer ? mapping.receivablesAccountId! : l.accountNumber },
        [l.amountCents > 0 ? 'debit' : 'credit']: nsAmount(Math.abs(l.amountCents)),
        memo: l.externalDocumentNumber ? `${l.description} ${l.externalDocumentNumber}` : l.description,
        ...(customer ? { entity: { id: await this.customerId(l.accountNumber, opts) } } : {}),
        ...this.journalDimensions(input.journalCode),
      });
    }
    if (await this.findJournalPosting(input.documentNumber, opts)) return;
    await this.upsert(
      'journalEntry',
      this.journalExternalId(input.documentNumber),
      {
        tranId: input.documentNumber,
        tranDate: input.postingDate,
        memo: `${input.journalCode} ${input.documentNumber}`,
        ...(mapping.subsidiaryId ? { subsidiary: { id: mapping.subsidiaryId } } : {}),
        line: { items: lines },
      },
      opts,
      'line',
    );
  }

  /**
   * NetSuite has no journal batches: a journal entry is saved posted, and a write that lands late
   * lands on the same entry (external id, `replace=line`) instead of leaving draft lines behind.
   * So there is never anything to sweep; this sends nothing and answers 0.
   */
  async sweepJournalDrafts(
    documentNumber: string,
    opts: { journalCode: string; signal?: AbortSignal },
  ): Promise<number> {
    void documentNumber;
    opts.signal?.throwIfAborted();
    return 0;
  }

  /**
   * Posting GL lines (`transactionaccountingline`, primary book) of transactions dated in the range,
   * ascending by their transaction line's `uniquekey`; the document number is the `tranid`.
   */
  async listGeneralLedgerEntries(filter: ErpGlEntryFilter, opts: Opts = {}): Promise<ErpGlEntry[]> {
    const { postingDateFrom: from, postingDateTo: to } = filter;
    if (![from, to].every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)) || from > to)
      throw this.refusal(`posting date range ${from}..${to} must be two YYYY-MM-DD dates, from <= to`, 'InvalidFilter');
    const byDocument = filter.documentNumber !== undefined;
    const rows = await this.suiteql(
      `SELECT tl.uniquekey, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate, t.tranid, t.type, tal.account, tl.memo, tal.debit, tal.credit FROM transactionaccountingline tal JOIN transaction t ON t.id = tal.transaction JOIN transactionline tl ON tl.transaction = tal.transaction AND tl.id = tal.transactionline WHERE tal.posting = 'T' AND t.trandate BETWEEN TO_DATE(?, 'YYYY-MM-DD') AND TO_DATE(?, 'YYYY-MM-DD')${byDocument ? ' AND t.tranid = ?' : ''} ORDER BY tl.uniquekey`,
      byDocument ? [from, to, filter.documentNumber!] : [from, to],
      z.object({
        uniquekey: z.string(),
        trandate: z.string(),
        tranid: z.string().optional(),
        type: z.string(),
        account: z.string(),
        memo: z.string().optional(),
        debit: z.string().optional(),
        credit: z.string().optional(),
      }),
      opts.signal,
    );
    return rows.map((r) => ({
      entryNumber: Number(r.uniquekey),
      postingDate: r.trandate,
      documentNumber: r.tranid ?? '',
      documentType: r.type,
      accountNumber: r.account,
      description: r.memo ?? '',
      debitCents: r.debit ? nsCents(r.debit, 'a GL debit') : 0,
      creditCents: r.credit ? nsCents(r.credit, 'a GL credit') : 0,
    }));
  }

  private journalDimensions(journalCode: string): { location?: { id: string }; department?: { id: string } } {
    const dims = this.opts.mapping.journals?.[normaliseCode(journalCode)] ?? this.opts.mapping.journals?.[journalCode];
    return {
      ...(dims?.locationId ? { location: { id: dims.locationId } } : {}),
      ...(dims?.departmentId ? { department: { id: dims.departmentId } } : {}),
    };
  }

  /** The transaction holding an external id, of any type (they share one namespace). */
  private async byExternalId(
    externalId: string,
    opts: Opts,
  ): Promise<{ id: string; tranid?: string; type: string } | undefined> {
    const rows = await this.suiteql(
      'SELECT t.id, t.tranid, t.type FROM transaction t WHERE t.externalid = ?',
      [externalId],
      z.object({ id: z.string(), tranid: z.string().optional(), type: z.string() }),
      opts.signal,
    );
    return rows[0];
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
      'SELECT id, entityid, isinactive FROM customer WHERE entityid = ?',
      [entityId],
      z.object({ id: z.string(), isinactive: z.string().optional() }),
      opts.signal,
    );
    const id = rows[0]?.id;
    if (!id) throw this.refusal(`NetSuite has no customer with ID '${entityId}'`, 'CustomerNotFound');
    // Not cached: an inactive customer may be reactivated while we run.
    if (rows[0]!.isinactive === 'T')
      throw this.refusal(
        `NetSuite customer '${entityId}' is inactive and takes no new transactions`,
        'CustomerBlocked',
      );
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
  private async upsert(
    type: string,
    externalId: string,
    body: object,
    opts: Opts,
    sublist: 'item' | 'inventory' | 'line' = 'item',
  ): Promise<string> {
    const res = await this.request('PUT', `${RECORDS}/${type}/eid:${externalId}`, {
      query: { replace: sublist },
      body,
      signal: opts.signal,
      retryChanged: true,
    });
    const location = res.headers.location;
    const id = /\/(\d+)$/.exec(Array.isArray(location) ? (location[0] ?? '') : (location ?? ''))?.[1];
    if (id) return id;
    // The reference does not find Location documented on upsert: read the id by external id instead.
    const found = await this.byExternalId(externalId, opts);
    if (!found)
      throw new TransientError(`NetSuite accepted ${type} ${externalId} but SuiteQL does not show it yet`, NETSUITE);
    return found.id;
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

  /** One page of a SuiteQL query from offset 0: for keyset reads that page by their own key. */
  private async suiteqlPage<T extends z.ZodType>(
    q: string,
    params: string[],
    limit: number,
    row: T,
    signal?: AbortSignal,
  ): Promise<z.output<T>[]> {
    const res = await this.request('POST', SUITEQL, {
      query: { limit: String(limit), offset: '0' },
      headers: { prefer: 'transient' },
      body: { q, params },
      signal,
    });
    return parseBody(NETSUITE, lowerKeys(res.text), suiteqlPageSchema(row)).items as z.output<T>[];
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
      const retryAfter = parseRetryAfter(res.headers['retry-after']);
      // A wait the server asks for beyond a moment is Temporal's to keep, not a held worker slot's.
      const shortWait = retryAfter === undefined || retryAfter <= MAX_HELD_RETRY_AFTER_MS;
      if (res.status === 429 && shortWait && throttled < (this.opts.concurrencyRetries ?? 3)) {
        await this.sleep(retryAfter ?? this.backoff(++throttled), o.signal);
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
