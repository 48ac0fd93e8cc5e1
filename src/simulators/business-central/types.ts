/**
 * Internal records of the simulated company. These are not the wire shapes (see entities.ts):
 * they also hold what the API hides, such as the item ledger's location code.
 */
export interface Versioned {
  id: string;
  /** Insertion order, the stable key behind paging. */
  seq: number;
  version: number;
  lastModified: number;
}

export interface BcLocation extends Versioned {
  code: string;
  displayName: string;
}
export interface BcItem extends Versioned {
  number: string;
  displayName: string;
  unitPrice: number;
  /** Code[20]; '' when the item has no category. */
  itemCategoryCode: string;
}
export interface BcCustomer extends Versioned {
  number: string;
  displayName: string;
}

export interface BcSalesLine {
  id: string;
  documentId: string;
  sequence: number;
  lineType: 'Item' | 'Comment';
  itemId?: string;
  lineObjectNumber: string;
  description: string;
  quantity: number;
  unitPrice: number;
  locationId?: string;
}

interface BcSalesHeader extends Versioned {
  number: string;
  externalDocumentNumber: string;
  postingDate: string;
  customerId: string;
  customerNumber: string;
  customerName: string;
  currencyCode: string;
  lines: BcSalesLine[];
}
export interface BcSalesOrder extends BcSalesHeader {
  orderDate: string;
  status: 'Draft' | 'Open';
}
export interface BcSalesInvoice extends BcSalesHeader {
  invoiceDate: string;
  dueDate: string;
  orderId: string;
  orderNumber: string;
  status: 'Open';
}
/**
 * One entity set holds drafts and posted credit memos: posting keeps the id, replaces the draft
 * number with the posted one and moves the status on, as BC's credit memo aggregator does.
 */
export interface BcSalesCreditMemo extends BcSalesHeader {
  creditMemoDate: string;
  dueDate: string;
  status: 'Draft' | 'Open';
  /** The draft number, which BC keeps on the posted header as "Pre-Assigned No.". */
  preAssignedNumber: string;
}

export interface BcItemLedgerEntry {
  id: string;
  seq: number;
  entryNumber: number;
  itemNumber: string;
  postingDate: string;
  entryType: 'Sale' | 'Purchase' | 'Positive Adjmt.' | 'Negative Adjmt.' | 'Transfer';
  sourceNumber: string;
  /** BC's blank option value is a single space. */
  sourceType: 'Customer' | 'Vendor' | ' ';
  documentNumber: string;
  documentType: 'Sales Shipment' | 'Sales Credit Memo' | 'Purchase Receipt' | ' ';
  description: string;
  quantity: number;
  salesAmountActual: number;
  costAmountActual: number;
  lastModified: number;
  /** Not in the public shape (BC's itemLedgerEntries page has no location); kept for verification. */
  locationCode: string;
  orderNumber: string;
  invoiceNumber: string;
  externalDocumentNumber: string;
}

/** A posted stock adjustment of the custom API (docs/erp-extension.md). */
export interface BcStockAdjustment extends Versioned {
  number: string;
  externalDocumentNumber: string;
  postingDate: string;
  locationCode: string;
  description: string;
  status: 'Posted';
  lines: BcStockAdjustmentLine[];
}
export interface BcStockAdjustmentLine {
  id: string;
  documentId: string;
  lineNumber: number;
  itemNumber: string;
  quantity: number;
}

/** What a test needs to assert about a sales document without knowing the wire shape. */
export interface SalesDocumentView {
  kind: 'order' | 'invoice';
  id: string;
  number: string;
  externalDocumentNumber: string;
  customerNumber: string;
  status: string;
  orderNumber?: string;
  lines: { itemNumber: string; quantity: number; unitPrice: number; locationCode: string | undefined }[];
}

/** A credit memo as tests and the demo's end-state check see it. */
export interface CreditMemoView {
  id: string;
  number: string;
  externalDocumentNumber: string;
  customerNumber: string;
  status: 'Draft' | 'Open';
  posted: boolean;
  postingDate: string;
  lines: { itemNumber: string; quantity: number; unitPrice: number; locationCode: string | undefined; description: string }[];
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
}
