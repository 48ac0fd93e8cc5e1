import type { LedgerEntry } from '../../domain/stock';
/** The ERP as the sale flow needs it. Business Central implements it first; NetSuite later. */
export interface ErpSalesOrderLine {
  itemNumber: string;
  quantity: number;
  /** VAT-inclusive unit price, in cents. */
  unitPriceCents: number;
  /**
   * VAT-inclusive discount taken off quantity x unit price (BC's Line Discount Amount), in cents:
   * how a line carries its share of a receipt discount, and the cents that make quantity x a
   * whole-cent unit price equal the till's row total exactly.
   */
  discountCents?: number;
  /** The ERP location code the line is recorded at (mapped from the Sitoo warehouse). */
  locationCode: string;
}

export interface ErpSalesOrderInput {
  /** The business key (saleErpDocumentNumber, webOrderErpDocumentNumber): looked up, with the customer, before create. */
  externalDocumentNumber: string;
  customerNumber: string;
  /** YYYY-MM-DD, the store's business day (businessDate): the order's and its invoice's posting date too. */
  orderDate: string;
  currencyCode?: string;
  lines: ErpSalesOrderLine[];
}

export interface ErpSalesDocument {
  kind: 'order' | 'invoice';
  id: string;
  number: string;
  externalDocumentNumber: string;
  customerNumber: string;
  /** For an order: whether it is still open (not yet shipped and invoiced). */
  status: string;
  /** Amount including VAT, in cents: what the document books, to compare with what was sold. */
  totalCents: number;
}

/** Narrows a look-up by business key to one customer: BC's own duplicate notion is per customer. */
export interface ErpLookupOptions {
  signal?: AbortSignal;
  customerNumber?: string;
}

/** A stock adjustment at one location (custom API, see docs/erp-extension.md): the store stock changes the ERP must book. */
export interface ErpStockAdjustmentInput {
  /** `WT-<sitoo warehouse transaction id>`: the key looked up before creating. */
  externalDocumentNumber: string;
  locationCode: string;
  /** YYYY-MM-DD */
  postingDate: string;
  description?: string;
  /** Signed: positive adds stock at the location, negative removes it. */
  lines: Array<{ itemNumber: string; quantity: number }>;
}

export interface ErpStockAdjustment {
  id: string;
  number: string;
  externalDocumentNumber: string;
}

/** A return as a sales credit memo: returned goods come back in at each line's location when it is posted. */
export interface ErpCreditMemoInput {
  /** The original sales order id. Several returns against one order share it, so it is not unique. */
  externalDocumentNumber: string;
  customerNumber: string;
  /** YYYY-MM-DD, the store's business day (businessDate): the memo's posting date too. */
  creditMemoDate: string;
  lines: Array<{
    itemNumber: string;
    /** Positive: units coming back. */
    quantity: number;
    /** VAT-inclusive unit price, in cents. */
    unitPriceCents: number;
    locationCode: string;
    /** Carries the return id: what tells one return against an order from another (max 100 characters). */
    description: string;
  }>;
}

export interface ErpCreditMemo {
  id: string;
  /** The draft number until posted, then the posted number; the id stays the same. */
  number: string;
  externalDocumentNumber: string;
  customerNumber: string;
  /** The customer card's "Prices Including VAT", which a credit memo cannot override. */
  pricesIncludeTax: boolean;
  status: string;
  posted: boolean;
  /** Amount including VAT, in cents. */
  totalCents: number;
  /** Item lines only. */
  lines: Array<{ itemNumber: string; quantity: number; locationCode: string | undefined; description: string }>;
}

/**
 * One line of a general journal. The signs follow BC: positive debits the account, negative
 * credits it, and a journal's lines must sum to zero.
 */
export interface ErpJournalLine {
  /** A G/L account number, or a customer number when accountType is 'Customer'. */
  accountNumber: string;
  /** 'G/L Account' when omitted. A Customer line posts to the customer's receivables account. */
  accountType?: 'G/L Account' | 'Customer';
  /** Signed, in the company currency, in cents: + debit, - credit. */
  amountCents: number;
  /** Max 100 characters (BC Text[100]); carries the store day so people can read the ledger. */
  description: string;
  /** Max 35 characters (Code[35]), e.g. the POS Z-report id. */
  externalDocumentNumber?: string;
}

/** A consolidated daily journal: one document, posted to a batch as one balanced transaction. */
export interface ErpJournalInput {
  /** The journal batch (Code[10]), one per store, e.g. POS01; created when absent. */
  journalCode: string;
  /** The key that makes posting idempotent (Code[20]), e.g. Z-STORE01-250501. */
  documentNumber: string;
  /** YYYY-MM-DD, the business day. */
  postingDate: string;
  lines: ErpJournalLine[];
}

/** Where a journal document stands: posted (in the G/L) or still a draft in a batch. */
export interface ErpJournalPosting {
  posted: boolean;
  /** The batch holding the draft lines; absent once posted. */
  journalId?: string;
  /** G/L entries when posted, draft journal lines otherwise. */
  lines: number;
}

/** A posted sales invoice's gross, for matching till sales against what the ERP booked. */
export interface ErpSalesDocumentTotal {
  id: string;
  number: string;
  externalDocumentNumber: string;
  postingDate: string;
  /** Amount including VAT, in cents. */
  totalCents: number;
}

/** One line of a posted sales credit memo, for finding which return it books. */
export interface ErpCreditMemoLineTotal {
  creditMemoId: string;
  /** Returns put their Sitoo refund order here (see returnLineDescription). */
  description: string;
  /** Amount including VAT, in cents, positive. */
  grossCents: number;
}

export interface ErpGlEntry {
  entryNumber: number;
  postingDate: string;
  documentNumber: string;
  documentType: string;
  accountNumber: string;
  description: string;
  /** In cents. */
  debitCents: number;
  creditCents: number;
}

export interface ErpGlEntryFilter {
  /** YYYY-MM-DD, inclusive. */
  postingDateFrom: string;
  /** YYYY-MM-DD, inclusive. */
  postingDateTo: string;
  documentNumber?: string;
}

export interface ErpPort {
  /**
   * Every sales order and posted sales invoice carrying this external document number. The ERP
   * does not enforce uniqueness, so callers look here before creating.
   */
  findSalesDocuments(externalDocumentNumber: string, opts?: ErpLookupOptions): Promise<ErpSalesDocument[]>;
  /**
   * Creates the order with its lines in one request (deep insert), prices including VAT whatever
   * the customer card says. Not idempotent by itself: callers look before and after (twins).
   */
  createSalesOrder(input: ErpSalesOrderInput, opts?: { signal?: AbortSignal }): Promise<ErpSalesDocument>;
  /** Deletes an open (unposted) sales order: how a twin left by a retry is taken back. Gone already is success. */
  deleteSalesOrder(orderId: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Ships and invoices the order (posts it), which moves stock out at each line's location. */
  shipAndInvoice(orderId: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Location id for a location code; undefined when the ERP has no such location. */
  findLocationId(code: string, opts?: { signal?: AbortSignal }): Promise<string | undefined>;
  /** Item numbers from the list that the ERP does not know. */
  findUnknownItems(itemNumbers: string[], opts?: { signal?: AbortSignal }): Promise<string[]>;
  /** Item ledger entries with entryNumber > afterEntryNumber, ascending, at most `max` (paged inside). */
  listItemLedgerEntries(afterEntryNumber: number, max: number, opts?: { signal?: AbortSignal }): Promise<LedgerEntry[]>;
  /** Stock on hand per item at one location (custom API); all items when itemNumbers is omitted. */
  getLocationStock(
    locationCode: string,
    itemNumbers?: string[],
    opts?: { signal?: AbortSignal },
  ): Promise<Map<string, number>>;
  /** Item category code per item number; items without a category are absent. */
  getItemCategories(itemNumbers: string[], opts?: { signal?: AbortSignal }): Promise<Map<string, string>>;
  /** Every credit memo, draft or posted, with this external document number, with its lines. */
  findSalesCreditMemos(externalDocumentNumber: string, opts?: ErpLookupOptions): Promise<ErpCreditMemo[]>;
  /** Deletes a draft credit memo (a twin, or one that would book the wrong amount). Gone already is success. */
  deleteSalesCreditMemo(creditMemoId: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Creates a draft credit memo with its lines in one request (deep insert). Not idempotent by itself. */
  createSalesCreditMemo(input: ErpCreditMemoInput, opts?: { signal?: AbortSignal }): Promise<ErpCreditMemo>;
  /** Posts a draft credit memo; one that is already posted counts as success, so a retry is safe. */
  postSalesCreditMemo(creditMemoId: string, opts?: { signal?: AbortSignal }): Promise<void>;
  findStockAdjustment(
    externalDocumentNumber: string,
    opts?: { signal?: AbortSignal },
  ): Promise<ErpStockAdjustment | undefined>;
  /**
   * Creates and posts the adjustment (ledger entries at the location). The extension keeps the
   * external document number unique, so a second create returns the adjustment already posted.
   */
  createStockAdjustment(input: ErpStockAdjustmentInput, opts?: { signal?: AbortSignal }): Promise<ErpStockAdjustment>;
  /**
   * Looks a journal document up before anything is created: posted when the G/L has entries with
   * this document number, a draft when a batch holds lines with it (only `journalCode`'s batch
   * when given, otherwise every batch of the default template), undefined when neither.
   */
  findJournalPosting(
    documentNumber: string,
    opts?: { signal?: AbortSignal; journalCode?: string },
  ): Promise<ErpJournalPosting | undefined>;
  /**
   * Creates the lines in the batch (and the batch when absent) and posts it. Refuses, before
   * sending anything, lines that do not balance to zero. Safe to call again after a lost
   * response: it looks first, completes a partly created draft, and treats "already posted" as done.
   */
  postDailyJournal(input: ErpJournalInput, opts?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Once the journal is posted, deletes draft lines of its document number left in its batch (a
   * line created late would ride along with the next journal, or block it). Returns how many.
   */
  sweepJournalDrafts(documentNumber: string, opts: { journalCode: string; signal?: AbortSignal }): Promise<number>;
  /**
   * Posted sales invoices of one customer with a posting date in the range (inclusive), paged
   * inside. Drafts, open orders and credit memos are left out: a return shares its order's
   * externalDocumentNumber and would read as a second posting of the sale.
   */
  listSalesDocumentTotals(
    filter: { customerNumber: string; postingDateFrom: string; postingDateTo: string },
    opts?: { signal?: AbortSignal },
  ): Promise<ErpSalesDocumentTotal[]>;
  /** The lines of one customer's posted sales credit memos with a posting date in the range (inclusive), paged inside. */
  listCreditMemoLineTotals(
    filter: { customerNumber: string; postingDateFrom: string; postingDateTo: string },
    opts?: { signal?: AbortSignal },
  ): Promise<ErpCreditMemoLineTotal[]>;
  /** G/L entries posted in the date range (optionally one document), ascending by entry number, paged inside. */
  listGeneralLedgerEntries(filter: ErpGlEntryFilter, opts?: { signal?: AbortSignal }): Promise<ErpGlEntry[]>;
}
