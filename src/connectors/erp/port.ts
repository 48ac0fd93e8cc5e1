import type { LedgerEntry } from '../../domain/stock';
/** The ERP as the sale flow needs it. Business Central implements it first; NetSuite later. */
export interface ErpSalesOrderLine {
  itemNumber: string;
  quantity: number;
  /** VAT-inclusive unit price. */
  unitPrice: number;
  /** The ERP location code the line is recorded at (mapped from the Sitoo warehouse). */
  locationCode: string;
}

export interface ErpSalesOrderInput {
  /** The Sitoo order id: the key that makes creation idempotent (looked up before create). */
  externalDocumentNumber: string;
  customerNumber: string;
  /** YYYY-MM-DD */
  orderDate: string;
  currencyCode?: string;
  lines: ErpSalesOrderLine[];
}

export interface ErpSalesDocument {
  kind: 'order' | 'invoice';
  id: string;
  number: string;
  externalDocumentNumber: string;
  /** For an order: whether it is still open (not yet shipped and invoiced). */
  status: string;
}

/** A stock adjustment at one location (custom API, see docs/erp-extension.md): store stock moves the ERP must record. */
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
  /** YYYY-MM-DD */
  creditMemoDate: string;
  lines: Array<{
    itemNumber: string;
    /** Positive: units coming back. */
    quantity: number;
    /** VAT-inclusive unit price. */
    unitPrice: number;
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
  status: string;
  posted: boolean;
  totalAmountIncludingTax: number;
  /** Item lines only. */
  lines: Array<{ itemNumber: string; quantity: number; locationCode: string | undefined; description: string }>;
}

export interface ErpPort {
  /**
   * Every sales order and posted sales invoice carrying this external document number. The ERP
   * does not enforce uniqueness, so callers look here before creating.
   */
  findSalesDocuments(externalDocumentNumber: string, opts?: { signal?: AbortSignal }): Promise<ErpSalesDocument[]>;
  /** Creates the order with its lines in one request (deep insert). Not idempotent by itself. */
  createSalesOrder(input: ErpSalesOrderInput, opts?: { signal?: AbortSignal }): Promise<ErpSalesDocument>;
  /** Ships and invoices the order (posts it), which moves stock out at each line's location. */
  shipAndInvoice(orderId: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Location id for a location code; undefined when the ERP has no such location. */
  findLocationId(code: string, opts?: { signal?: AbortSignal }): Promise<string | undefined>;
  /** Item numbers from the list that the ERP does not know. */
  findUnknownItems(itemNumbers: string[], opts?: { signal?: AbortSignal }): Promise<string[]>;
  /** Item ledger entries with entryNumber > afterEntryNumber, ascending, at most `max` (paged inside). */
  listItemLedgerEntries(afterEntryNumber: number, max: number, opts?: { signal?: AbortSignal }): Promise<LedgerEntry[]>;
  /** Stock on hand per item at one location (custom API); all items when itemNumbers is omitted. */
  getLocationStock(locationCode: string, itemNumbers?: string[], opts?: { signal?: AbortSignal }): Promise<Map<string, number>>;
  /** Item category code per item number; items without a category are absent. */
  getItemCategories(itemNumbers: string[], opts?: { signal?: AbortSignal }): Promise<Map<string, string>>;
  /** Every credit memo, draft or posted, with this external document number, with its lines. */
  findSalesCreditMemos(externalDocumentNumber: string, opts?: { signal?: AbortSignal }): Promise<ErpCreditMemo[]>;
  /** Creates a draft credit memo with its lines in one request (deep insert). Not idempotent by itself. */
  createSalesCreditMemo(input: ErpCreditMemoInput, opts?: { signal?: AbortSignal }): Promise<ErpCreditMemo>;
  /** Posts a draft credit memo; one that is already posted counts as success, so a retry is safe. */
  postSalesCreditMemo(creditMemoId: string, opts?: { signal?: AbortSignal }): Promise<void>;
  findStockAdjustment(externalDocumentNumber: string, opts?: { signal?: AbortSignal }): Promise<ErpStockAdjustment | undefined>;
  /** Creates and posts the adjustment (ledger entries at the location). Not idempotent by itself. */
  createStockAdjustment(input: ErpStockAdjustmentInput, opts?: { signal?: AbortSignal }): Promise<ErpStockAdjustment>;
}
