/**
 * In-memory Business Central company. Holds what the API exposes plus what it hides (the item
 * ledger's location code) so tests can verify where stock moved.
 */
import { seededUint32 } from '../random';
import { GeneralLedger, isVatRate, salesDocumentPostings, STANDARD_VAT, type VatRate } from './ledger';
import type {
  Versioned,
  BcLocation,
  BcItem,
  BcItemVariant,
  BcPriceListLine,
  BcCustomer,
  BcSalesLine,
  BcSalesOrder,
  BcSalesInvoice,
  BcSalesCreditMemo,
  BcItemLedgerEntry,
  BcStockAdjustment,
  BcGlEntry,
  BcJournal,
  SalesDocumentView,
  CreditMemoView,
  RequestLogEntry,
} from './types';

export type {
  Versioned,
  BcLocation,
  BcItem,
  BcPriceListLine,
  BcCustomer,
  BcSalesLine,
  BcSalesOrder,
  BcSalesInvoice,
  BcSalesCreditMemo,
  BcItemLedgerEntry,
  BcStockAdjustment,
  BcStockAdjustmentLine,
  BcGlAccount,
  BcGlEntry,
  BcJournal,
  BcJournalLine,
  GlDocumentType,
  SalesDocumentView,
  CreditMemoView,
  RequestLogEntry,
} from './types';

type NewLedgerEntry = Omit<
  BcItemLedgerEntry,
  'id' | 'seq' | 'entryNumber' | 'lastModified' | 'orderNumber' | 'invoiceNumber' | 'externalDocumentNumber'
> &
  Partial<Pick<BcItemLedgerEntry, 'orderNumber' | 'invoiceNumber' | 'externalDocumentNumber'>>;

/** One row of the custom API's per-location stock: an (item, location) pair with any ledger history. */
export interface LocationStockRow {
  /** Sequence of the pair's first ledger entry: stable while new pairs appear, so paging stays stable. */
  seq: number;
  itemNumber: string;
  locationCode: string;
  inventory: number;
  lastModified: number;
}

/** Deterministic GUIDs, so a seeded demo run produces the same ids every time. */
function guidFactory(seed: number): () => string {
  const next = seededUint32(seed);
  return () => {
    const h = [next(), next(), next(), next()].map((n) => n.toString(16).padStart(8, '0')).join('');
    const variant = ((parseInt(h[16]!, 16) & 3) | 8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
}

export interface StateOptions {
  companyId: string;
  companyName?: string;
  seed?: number;
  now?: () => number;
}

export class BusinessCentralState {
  readonly company: { id: string; name: string; displayName: string; systemVersion: string; businessProfileId: string };
  readonly locations = new Map<string, BcLocation>();
  readonly items = new Map<string, BcItem>();
  readonly itemVariants = new Map<string, BcItemVariant>();
  /** By number, and by item number and variant code: a catalogue of 20,000 items is looked up per line. */
  private readonly itemsByNumber = new Map<string, BcItem>();
  private readonly variantsByKey = new Map<string, BcItemVariant>();
  /** Sales price list lines by id, served by the catalogue API (catalogue-api.ts). */
  readonly priceListLines = new Map<string, BcPriceListLine>();
  /**
   * Switchable (off by default): how long before it becomes visible a change made through
   * changeItem/changeVariant/seedPriceLine/changePriceLine is stamped. BC takes SystemModifiedAt before the transaction commits,
   * so a reader polling by lastModifiedDateTime can see a later-stamped change first.
   */
  commitLagMs = 0;
  readonly customers = new Map<string, BcCustomer>();
  readonly salesOrders = new Map<string, BcSalesOrder>();
  readonly salesInvoices = new Map<string, BcSalesInvoice>();
  readonly salesCreditMemos = new Map<string, BcSalesCreditMemo>();
  readonly itemLedger: BcItemLedgerEntry[] = [];
  readonly adjustments = new Map<string, BcStockAdjustment>();
  /** The chart of accounts and every G/L entry; all postings below write through it. */
  readonly gl: GeneralLedger;
  /** General journal batches by id, each holding its unposted lines. */
  readonly journals = new Map<string, BcJournal>();
  /** Item category code -> id, so items can report `itemCategoryId` as BC does. */
  readonly itemCategoryIds = new Map<string, string>();
  /** Every API request (not token requests), newest last; tests use it to see what a client asked. */
  readonly requestLog: RequestLogEntry[] = [];
  /** Every API request counted by method and path (ids as `:id`), uncapped: the benchmarks count calls with it. */
  readonly requestCounts = new Map<string, number>();
  readonly now: () => number;
  private readonly guid: () => string;
  private seqCounter = 0;
  private numbers = {
    order: 1000,
    invoice: 1000,
    shipment: 1000,
    receipt: 1000,
    creditMemo: 1000,
    postedCreditMemo: 1000,
    adjustment: 0,
    entry: 0,
  };

  constructor(opts: StateOptions) {
    this.now = opts.now ?? Date.now;
    this.guid = guidFactory(opts.seed ?? 42);
    const name = opts.companyName ?? 'CRONUS Retail';
    this.company = {
      id: opts.companyId.toLowerCase(),
      name,
      displayName: name,
      systemVersion: '26.0.0.0',
      businessProfileId: '',
    };
    this.gl = new GeneralLedger({ newId: guidFactory((opts.seed ?? 42) + 1), now: () => this.now() });
  }

  newId(): string {
    return this.guid();
  }
  nextSeq(): number {
    return ++this.seqCounter;
  }
  today(): string {
    return new Date(this.now()).toISOString().slice(0, 10);
  }
  nextNumber(series: 'order' | 'invoice' | 'shipment' | 'receipt' | 'creditMemo' | 'postedCreditMemo'): string {
    const prefix = {
      order: 'SO',
      invoice: 'PSI',
      shipment: 'PSS',
      receipt: 'PPR',
      creditMemo: 'SCM',
      postedCreditMemo: 'PSCM',
    }[series];
    return `${prefix}${++this.numbers[series]}`;
  }
  private base(): Versioned {
    return { id: this.newId(), seq: this.nextSeq(), version: 1, lastModified: this.now() };
  }
  touch(entity: Versioned): void {
    entity.version++;
    entity.lastModified = this.now();
  }

  seedLocation(input: { code: string; displayName: string }): BcLocation {
    const code = input.code.trim().toUpperCase();
    if (this.locationByCode(code)) throw new Error(`location ${code} already seeded`);
    const location = { ...this.base(), code, displayName: input.displayName };
    this.locations.set(location.id, location);
    return location;
  }
  /** `category` is an alias of `itemCategoryCode`; `vatPercent` defaults to the standard 25 %. */
  seedItem(input: {
    number: string;
    displayName: string;
    unitPrice?: number;
    itemCategoryCode?: string;
    category?: string;
    vatPercent?: VatRate;
    gtin?: string;
    blocked?: boolean;
    baseUnitOfMeasureCode?: string;
  }): BcItem {
    const number = input.number.trim().toUpperCase();
    if (this.itemByNumber(number)) throw new Error(`item ${number} already seeded`);
    const itemCategoryCode = (input.itemCategoryCode ?? input.category ?? '').trim().toUpperCase();
    if (itemCategoryCode && !this.itemCategoryIds.has(itemCategoryCode))
      this.itemCategoryIds.set(itemCategoryCode, this.newId());
    const vatPercent = input.vatPercent ?? STANDARD_VAT;
    if (!isVatRate(vatPercent)) throw new Error(`item ${number}: no VAT posting setup for ${String(vatPercent)} %`);
    const item: BcItem = {
      ...this.base(),
      number,
      displayName: input.displayName,
      unitPrice: input.unitPrice ?? 0,
      itemCategoryCode,
      vatPercent,
      gtin: input.gtin ?? '',
      blocked: input.blocked ?? false,
      baseUnitOfMeasureCode: input.baseUnitOfMeasureCode ?? 'PCS',
    };
    this.items.set(item.id, item);
    this.itemsByNumber.set(item.number, item);
    return item;
  }
  /** A change made by a BC user on the item card: bumps the item's version and lastModifiedDateTime. */
  changeItem(
    number: string,
    patch: Partial<Pick<BcItem, 'displayName' | 'unitPrice' | 'blocked' | 'gtin' | 'itemCategoryCode'>>,
  ): BcItem {
    const item = this.itemByNumber(number.trim().toUpperCase());
    if (!item) throw new Error(`no item ${number} seeded`);
    if (patch.itemCategoryCode !== undefined) {
      patch = { ...patch, itemCategoryCode: patch.itemCategoryCode.trim().toUpperCase() };
      if (patch.itemCategoryCode && !this.itemCategoryIds.has(patch.itemCategoryCode))
        this.itemCategoryIds.set(patch.itemCategoryCode, this.newId());
    }
    Object.assign(item, patch);
    this.stamp(item);
    return item;
  }
  /** Adds a variant to an item; like any variant change it leaves the item's timestamp alone. */
  seedVariant(itemNumber: string, input: { code: string; description: string }): BcItemVariant {
    const item = this.itemByNumber(itemNumber.trim().toUpperCase());
    if (!item) throw new Error(`no item ${itemNumber} seeded`);
    const code = input.code.trim().toUpperCase();
    if (this.variantOf(item.number, code)) throw new Error(`variant ${item.number}/${code} already seeded`);
    const variant = { ...this.base(), itemId: item.id, itemNumber: item.number, code, description: input.description };
    this.stamp(variant, false);
    this.itemVariants.set(variant.id, variant);
    this.variantsByKey.set(`${variant.itemNumber}|${variant.code}`, variant);
    return variant;
  }
  changeVariant(itemNumber: string, code: string, patch: { description: string }): BcItemVariant {
    const variant = this.variantOf(itemNumber.trim().toUpperCase(), code.trim().toUpperCase());
    if (!variant) throw new Error(`no variant ${itemNumber}/${code} seeded`);
    variant.description = patch.description;
    this.stamp(variant);
    return variant;
  }
  /**
   * A new line on a sales price list (Draft unless `status` says otherwise, as BC creates lines when
   * "Allow Editing Active Price" is off). Lines of items the company lacks are refused, as BC's
   * Asset No. table relation refuses them.
   */
  seedPriceLine(input: {
    priceListCode: string;
    itemNumber: string;
    unitPrice: number;
    variantCode?: string;
    unitOfMeasureCode?: string;
    priceIncludesTax?: boolean;
    startingDate?: string;
    endingDate?: string;
    startingTime?: string;
    status?: BcPriceListLine['status'];
    assetType?: BcPriceListLine['assetType'];
  }): BcPriceListLine {
    const assetType = input.assetType ?? 'Item';
    const assetNo = input.itemNumber.trim().toUpperCase();
    if (assetType === 'Item' && !this.itemByNumber(assetNo)) throw new Error(`no item ${input.itemNumber} seeded`);
    const line: BcPriceListLine = {
      ...this.base(),
      priceListCode: input.priceListCode.trim().toUpperCase(),
      assetType,
      assetNo,
      variantCode: (input.variantCode ?? '').trim().toUpperCase(),
      unitOfMeasureCode: (input.unitOfMeasureCode ?? '').trim().toUpperCase(),
      unitPrice: input.unitPrice,
      priceIncludesTax: input.priceIncludesTax ?? true,
      startingDate: input.startingDate ?? '',
      endingDate: input.endingDate ?? '',
      startingTime: input.startingTime ?? '',
      status: input.status ?? 'Draft',
    };
    checkPriceLine(line);
    this.stamp(line, false);
    this.priceListLines.set(line.id, line);
    return line;
  }
  /** A change made on the price list page: a new price, dates, or the status (Draft -> Active). */
  changePriceLine(
    id: string,
    patch: Partial<
      Pick<
        BcPriceListLine,
        'unitPrice' | 'priceIncludesTax' | 'startingDate' | 'endingDate' | 'startingTime' | 'status' | 'variantCode'
      >
    >,
  ): BcPriceListLine {
    const line = this.priceListLines.get(id);
    if (!line) throw new Error(`no price list line ${id} seeded`);
    const next = { ...line, ...patch };
    checkPriceLine(next);
    Object.assign(line, next);
    this.stamp(line);
    return line;
  }
  variantOf(itemNumber: string, code: string): BcItemVariant | undefined {
    return this.variantsByKey.get(`${itemNumber}|${code}`);
  }
  private stamp(entity: Versioned, bump = true): void {
    if (bump) entity.version++;
    entity.lastModified = this.now() - this.commitLagMs;
  }
  /** `pricesIncludeTax` is the card's "Prices Including VAT" (default on, what walk-in customers need). */
  seedCustomer(input: {
    number: string;
    displayName: string;
    pricesIncludeTax?: boolean;
    blocked?: BcCustomer['blocked'];
  }): BcCustomer {
    const number = input.number.trim().toUpperCase();
    if (this.customerByNumber(number)) throw new Error(`customer ${number} already seeded`);
    const customer: BcCustomer = {
      ...this.base(),
      number,
      displayName: input.displayName,
      pricesIncludeTax: input.pricesIncludeTax ?? true,
      blocked: input.blocked ?? ' ',
    };
    this.customers.set(customer.id, customer);
    return customer;
  }

  locationByCode(code: string): BcLocation | undefined {
    return [...this.locations.values()].find((l) => l.code === code);
  }
  itemByNumber(number: string): BcItem | undefined {
    return this.itemsByNumber.get(number);
  }
  customerByNumber(number: string): BcCustomer | undefined {
    return [...this.customers.values()].find((c) => c.number === number);
  }
  lineLocationCode(line: BcSalesLine): string | undefined {
    return line.locationId ? this.locations.get(line.locationId)?.code : undefined;
  }

  createOrder(
    header: Omit<BcSalesOrder, keyof Versioned | 'number' | 'lines' | 'status'>,
    lines: Omit<BcSalesLine, 'id' | 'documentId'>[],
  ): BcSalesOrder {
    const order: BcSalesOrder = {
      ...this.base(),
      ...header,
      number: this.nextNumber('order'),
      status: 'Open',
      lines: [],
    };
    order.lines = lines.map((l) => ({ ...l, id: this.newId(), documentId: order.id }));
    this.salesOrders.set(order.id, order);
    return order;
  }

  /**
   * Ships and invoices every line in full, as BC's Sales-Post does for `shipAndInvoice`: item
   * ledger entries per item line, G/L entries for receivables, revenue and VAT, a posted invoice
   * carrying the order's number, and the fully shipped order deleted. Everything is dated with
   * the order's posting date, so a store day's sales land on that day in the ledger.
   */
  postOrder(order: BcSalesOrder): BcSalesInvoice {
    const postingDate = order.postingDate;
    const shipmentNumber = this.nextNumber('shipment');
    const invoice: BcSalesInvoice = {
      ...this.base(),
      number: this.nextNumber('invoice'),
      externalDocumentNumber: order.externalDocumentNumber,
      postingDate,
      invoiceDate: order.orderDate,
      dueDate: postingDate,
      customerId: order.customerId,
      customerNumber: order.customerNumber,
      customerName: order.customerName,
      currencyCode: order.currencyCode,
      pricesIncludeTax: order.pricesIncludeTax,
      orderId: order.id,
      orderNumber: order.number,
      status: 'Open',
      lines: [],
    };
    invoice.lines = order.lines.map((l) => ({ ...l, id: this.newId(), documentId: invoice.id }));
    for (const line of order.lines) {
      if (line.lineType !== 'Item' || line.quantity === 0) continue;
      this.postLedgerEntry({
        itemNumber: line.lineObjectNumber,
        postingDate,
        entryType: 'Sale',
        sourceNumber: order.customerNumber,
        sourceType: 'Customer',
        documentNumber: shipmentNumber,
        documentType: 'Sales Shipment',
        description: line.description,
        quantity: -line.quantity,
        salesAmountActual: round2(line.quantity * line.unitPrice - (line.discountAmount ?? 0)),
        costAmountActual: 0,
        locationCode: this.lineLocationCode(line) ?? '',
        orderNumber: order.number,
        invoiceNumber: invoice.number,
        externalDocumentNumber: order.externalDocumentNumber,
      });
    }
    this.postSalesGl(invoice.number, 'Invoice', invoice, 1, `Order ${order.number}`);
    this.salesInvoices.set(invoice.id, invoice);
    this.salesOrders.delete(order.id);
    return invoice;
  }

  createCreditMemo(
    header: Omit<BcSalesCreditMemo, keyof Versioned | 'number' | 'preAssignedNumber' | 'lines' | 'status'>,
    lines: Omit<BcSalesLine, 'id' | 'documentId'>[],
  ): BcSalesCreditMemo {
    const number = this.nextNumber('creditMemo');
    const memo: BcSalesCreditMemo = {
      ...this.base(),
      ...header,
      number,
      preAssignedNumber: number,
      status: 'Draft',
      lines: [],
    };
    memo.lines = lines.map((l) => ({ ...l, id: this.newId(), documentId: memo.id }));
    this.salesCreditMemos.set(memo.id, memo);
    return memo;
  }

  /**
   * Posts a draft the way Sales-Post posts a credit memo without a return receipt: returned goods
   * come back in as Sale entries with a positive quantity at each line's location, under the
   * posted credit memo's number. The caller has checked that it is a draft with lines.
   */
  postCreditMemo(memo: BcSalesCreditMemo): void {
    memo.number = this.nextNumber('postedCreditMemo');
    memo.status = 'Open';
    this.touch(memo);
    for (const line of memo.lines) {
      if (line.lineType !== 'Item' || line.quantity === 0) continue;
      this.postLedgerEntry({
        itemNumber: line.lineObjectNumber,
        postingDate: memo.postingDate,
        entryType: 'Sale',
        sourceNumber: memo.customerNumber,
        sourceType: 'Customer',
        documentNumber: memo.number,
        documentType: 'Sales Credit Memo',
        description: line.description,
        quantity: line.quantity,
        salesAmountActual: -round2(line.quantity * line.unitPrice - (line.discountAmount ?? 0)),
        costAmountActual: 0,
        locationCode: this.lineLocationCode(line) ?? '',
        externalDocumentNumber: memo.externalDocumentNumber,
      });
    }
    this.postSalesGl(memo.number, 'Credit Memo', memo, -1, `Credit Memo ${memo.preAssignedNumber}`);
  }

  /** A line without a VAT rate (created before items had one) posts at the standard rate. */
  private postSalesGl(
    documentNumber: string,
    documentType: 'Invoice' | 'Credit Memo',
    doc: BcSalesInvoice | BcSalesCreditMemo,
    sign: 1 | -1,
    description: string,
  ): void {
    const lines = doc.lines
      .filter((l) => l.lineType === 'Item')
      .map((l) => ({
        quantity: l.quantity,
        unitPrice: l.unitPrice,
        discountAmount: l.discountAmount,
        rate: l.taxPercent ?? STANDARD_VAT,
      }));
    const tx = {
      postingDate: doc.postingDate,
      documentNumber,
      documentType,
      externalDocumentNumber: doc.externalDocumentNumber,
      sourceCode: 'SALES',
    };
    this.gl.post(tx, salesDocumentPostings(lines, sign, description, doc.pricesIncludeTax));
  }

  /** Entry numbers follow posting order with no gaps, which is what makes them a usable cursor. */
  postLedgerEntry(entry: NewLedgerEntry): BcItemLedgerEntry {
    const posted: BcItemLedgerEntry = {
      orderNumber: '',
      invoiceNumber: '',
      externalDocumentNumber: '',
      ...entry,
      id: this.newId(),
      seq: this.nextSeq(),
      entryNumber: ++this.numbers.entry,
      lastModified: this.now(),
    };
    this.itemLedger.push(posted);
    return posted;
  }

  /** Goods arriving at a warehouse from a vendor: the test/demo stand-in for a posted purchase receipt. */
  postPurchaseReceipt(locationCode: string, itemNumber: string, quantity: number): BcItemLedgerEntry {
    const location = this.locationByCode(locationCode.trim().toUpperCase());
    const item = this.itemByNumber(itemNumber.trim().toUpperCase());
    if (!location) throw new Error(`no location ${locationCode} seeded`);
    if (!item) throw new Error(`no item ${itemNumber} seeded`);
    if (!(quantity > 0)) throw new Error(`a purchase receipt needs a positive quantity, got ${quantity}`);
    const entry = this.postLedgerEntry({
      itemNumber: item.number,
      postingDate: this.today(),
      entryType: 'Purchase',
      sourceNumber: 'SIM-VENDOR',
      sourceType: 'Vendor',
      documentNumber: this.nextNumber('receipt'),
      documentType: 'Purchase Receipt',
      description: item.displayName,
      quantity,
      salesAmountActual: 0,
      costAmountActual: 0,
      locationCode: location.code,
    });
    return { ...entry };
  }

  /** Posts the adjustment's lines to the item ledger at its location; the caller has validated everything. */
  postStockAdjustment(
    header: Pick<BcStockAdjustment, 'externalDocumentNumber' | 'postingDate' | 'locationCode' | 'description'>,
    lines: Array<{ itemNumber: string; quantity: number }>,
  ): BcStockAdjustment {
    const adjustment: BcStockAdjustment = {
      ...this.base(),
      ...header,
      number: `ADJ-${String(++this.numbers.adjustment).padStart(4, '0')}`,
      status: 'Posted',
      lines: [],
    };
    adjustment.lines = lines.map((l, i) => ({
      ...l,
      id: this.newId(),
      documentId: adjustment.id,
      lineNumber: (i + 1) * 10_000,
    }));
    for (const line of adjustment.lines) {
      this.postLedgerEntry({
        itemNumber: line.itemNumber,
        postingDate: adjustment.postingDate,
        entryType: line.quantity > 0 ? 'Positive Adjmt.' : 'Negative Adjmt.',
        sourceNumber: '',
        sourceType: ' ',
        documentNumber: adjustment.number,
        documentType: ' ',
        description: adjustment.description || (this.itemByNumber(line.itemNumber)?.displayName ?? ''),
        quantity: line.quantity,
        salesAmountActual: 0,
        costAmountActual: 0,
        locationCode: adjustment.locationCode,
        externalDocumentNumber: adjustment.externalDocumentNumber,
      });
    }
    this.adjustments.set(adjustment.id, adjustment);
    return adjustment;
  }

  /** Company-wide stock, as BC's `items.inventory` reports it: every location summed. */
  inventory(itemNumber: string): number {
    return round5(this.itemLedger.filter((e) => e.itemNumber === itemNumber).reduce((sum, e) => sum + e.quantity, 0));
  }

  /** Stock of one item at one location: what the standard API cannot tell and the custom API can. */
  stockAt(locationCode: string, itemNumber: string): number {
    const [loc, item] = [locationCode.trim().toUpperCase(), itemNumber.trim().toUpperCase()];
    return round5(
      this.itemLedger
        .filter((e) => e.locationCode === loc && e.itemNumber === item)
        .reduce((sum, e) => sum + e.quantity, 0),
    );
  }

  locationStock(): LocationStockRow[] {
    const rows = new Map<string, LocationStockRow>();
    for (const e of this.itemLedger) {
      const key = JSON.stringify([e.itemNumber, e.locationCode]);
      const row = rows.get(key) ?? {
        seq: e.seq,
        itemNumber: e.itemNumber,
        locationCode: e.locationCode,
        inventory: 0,
        lastModified: e.lastModified,
      };
      row.inventory = round5(row.inventory + e.quantity);
      row.lastModified = Math.max(row.lastModified, e.lastModified);
      rows.set(key, row);
    }
    return [...rows.values()].sort((a, b) => a.seq - b.seq);
  }

  stockAdjustments(): BcStockAdjustment[] {
    return [...this.adjustments.values()].map((a) => ({ ...a, lines: a.lines.map((l) => ({ ...l })) }));
  }

  salesDocuments(): SalesDocumentView[] {
    const view = (kind: 'order' | 'invoice', d: BcSalesOrder | BcSalesInvoice): SalesDocumentView => ({
      kind,
      id: d.id,
      number: d.number,
      externalDocumentNumber: d.externalDocumentNumber,
      customerNumber: d.customerNumber,
      status: d.status,
      ...('orderNumber' in d ? { orderNumber: d.orderNumber } : {}),
      lines: d.lines
        .filter((l) => l.lineType === 'Item')
        .map((l) => ({
          itemNumber: l.lineObjectNumber,
          quantity: l.quantity,
          unitPrice: l.unitPrice,
          locationCode: this.lineLocationCode(l),
        })),
    });
    return [
      ...[...this.salesOrders.values()].map((o) => view('order', o)),
      ...[...this.salesInvoices.values()].map((i) => view('invoice', i)),
    ];
  }

  /** Kept apart from salesDocuments(): a return shares its original order's externalDocumentNumber. */
  creditMemos(): CreditMemoView[] {
    return [...this.salesCreditMemos.values()].map((m) => ({
      id: m.id,
      number: m.number,
      externalDocumentNumber: m.externalDocumentNumber,
      customerNumber: m.customerNumber,
      status: m.status,
      posted: m.status !== 'Draft',
      postingDate: m.postingDate,
      lines: m.lines
        .filter((l) => l.lineType === 'Item')
        .map((l) => ({
          itemNumber: l.lineObjectNumber,
          quantity: l.quantity,
          unitPrice: l.unitPrice,
          locationCode: this.lineLocationCode(l),
          description: l.description,
        })),
    }));
  }

  /** Normalises the argument as BC stores Code fields, so callers may pass the raw POS value. */
  countByExternalDocumentNumber(externalDocumentNumber: string): number {
    const ext = externalDocumentNumber.trim().toUpperCase();
    return this.salesDocuments().filter((d) => d.externalDocumentNumber === ext).length;
  }

  ledgerEntries(): BcItemLedgerEntry[] {
    return this.itemLedger.map((e) => ({ ...e }));
  }

  /** Every G/L entry in posting order (copies), amounts in signed cents. */
  glEntries(): BcGlEntry[] {
    return this.gl.entries.map((e) => ({ ...e }));
  }

  /** Net change per G/L account, in cents, over posting dates fromDate..toDate inclusive; sums to zero when the books balance. */
  trialBalance(fromDate: string, toDate: string): Map<string, number> {
    return this.gl.trialBalance(fromDate, toDate);
  }

  /** Unposted journal lines per batch code, so a test can see what a failed run left behind. */
  journalDrafts(): Array<{
    code: string;
    lines: Array<{
      lineNumber: number;
      accountNumber: string;
      documentNumber: string;
      amountCents: number;
      description: string;
    }>;
  }> {
    return [...this.journals.values()].map((j) => ({
      code: j.code,
      lines: j.lines.map((l) => ({
        lineNumber: l.lineNumber,
        accountNumber: l.accountNumber,
        documentNumber: l.documentNumber,
        amountCents: l.amountCents,
        description: l.description,
      })),
    }));
  }
}

/** What the Price List Line table's validation refuses (the ending date before the starting date). */
function checkPriceLine(l: BcPriceListLine): void {
  for (const [name, d] of [
    ['startingDate', l.startingDate],
    ['endingDate', l.endingDate],
  ] as const)
    if (d && !/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new Error(`price line ${name} '${d}' is not YYYY-MM-DD`);
  if (l.startingTime && !/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/.test(l.startingTime))
    throw new Error(`price line startingTime '${l.startingTime}' is not HH:MM or HH:MM:SS`);
  if (l.startingDate && l.endingDate && l.endingDate < l.startingDate)
    throw new Error(`price line ending date ${l.endingDate} is before its starting date ${l.startingDate}`);
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** BC stores quantities with five decimals; rounding keeps float noise out of sums. */
function round5(n: number): number {
  return Math.round(n * 100_000) / 100_000;
}
