import type { VatRate } from './ledger';

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
  /** The VAT rate of the item's VAT Prod. Posting Group; sales lines copy it. */
  vatPercent: VatRate;
  /** Code[14]; '' when none. */
  gtin: string;
  blocked: boolean;
  baseUnitOfMeasureCode: string;
}
/** A variant is code + description on API v2.0; changing one does not bump its item. */
export interface BcItemVariant extends Versioned {
  itemId: string;
  itemNumber: string;
  /** Code[10], upper case. */
  code: string;
  description: string;
}
/**
 * A line of a sales price list (BaseApp Price List Line), as the retailer's catalogue API serves
 * it (docs/erp-extension.md). Dates are BC dates: '' here, `0001-01-01` on the wire, for none.
 */
export interface BcPriceListLine extends Versioned {
  /** Code[20], upper case. */
  priceListCode: string;
  assetType: 'Item' | 'Item Discount Group' | 'Resource';
  /** The item number for an Item line, upper case. */
  assetNo: string;
  /** Code[10]; '' for every variant. */
  variantCode: string;
  /** Code[10]; '' for any unit. */
  unitOfMeasureCode: string;
  unitPrice: number;
  priceIncludesTax: boolean;
  startingDate: string;
  endingDate: string;
  /** HH:MM of the extension's Starting Time field; '' from midnight. */
  startingTime: string;
  status: 'Draft' | 'Active' | 'Inactive';
}
export interface BcCustomer extends Versioned {
  number: string;
  displayName: string;
  /** The card's "Prices Including VAT": documents take it unless they set their own (orders can, credit memos cannot). */
  pricesIncludeTax: boolean;
  /** The card's Blocked field; only "All" is modelled: it refuses every new sales document for the customer. */
  blocked: ' ' | 'All';
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
  /** Line Discount Amount (BC's `discountAmount`), in the document's price basis. */
  discountAmount?: number;
  locationId?: string;
  /** Copied from the item when the line is created, as BC copies the VAT setup; absent on comment lines. */
  taxPercent?: VatRate;
}

interface BcSalesHeader extends Versioned {
  number: string;
  externalDocumentNumber: string;
  postingDate: string;
  customerId: string;
  customerNumber: string;
  customerName: string;
  currencyCode: string;
  /** "Prices Including VAT": whether unit prices and discounts hold the VAT. */
  pricesIncludeTax: boolean;
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
  lines: {
    itemNumber: string;
    quantity: number;
    unitPrice: number;
    locationCode: string | undefined;
    description: string;
  }[];
}

/** A G/L account of the fixed chart in ledger.ts. */
export interface BcGlAccount extends Versioned {
  number: string;
  displayName: string;
  category: 'Assets' | 'Liabilities' | 'Equity' | 'Income' | 'Cost of Goods Sold' | 'Expense';
  subCategory: string;
}

/** BC's blank option value is a single space; general journal lines post with it. */
export type GlDocumentType = ' ' | 'Payment' | 'Invoice' | 'Credit Memo' | 'Refund';

export interface BcGlEntry {
  id: string;
  seq: number;
  entryNumber: number;
  postingDate: string;
  documentNumber: string;
  documentType: GlDocumentType;
  accountId: string;
  accountNumber: string;
  description: string;
  /** Signed, debit positive, in integer cents so sums over a day never drift. */
  amountCents: number;
  lastModified: number;
  /** Not in the public shape (generalLedgerEntries has no externalDocumentNumber); kept for verification. */
  externalDocumentNumber: string;
  sourceCode: string;
}

/** A general journal batch (`journals`) under the simulator's one template, GENERAL. */
export interface BcJournal extends Versioned {
  /** Code[10], the batch name. */
  code: string;
  displayName: string;
  templateName: string;
  /** Default balancing G/L account copied onto new lines; '' for none. */
  balancingAccountNumber: string;
  /** Last number handed out for lines created without a documentNumber. */
  lastDocumentNumber: string;
  lines: BcJournalLine[];
}

export interface BcJournalLine extends Versioned {
  journalId: string;
  lineNumber: number;
  accountType: 'G/L Account' | 'Customer';
  /** A G/L account number, or a customer number for Customer lines. */
  accountNumber: string;
  postingDate: string;
  documentNumber: string;
  externalDocumentNumber: string;
  /** Signed, debit positive. */
  amountCents: number;
  description: string;
  comment: string;
  /** '' for none; a line with a balancing account balances itself. */
  balancingAccountNumber: string;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
}
