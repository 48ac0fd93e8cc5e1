import type { DayTotals, JournalLine } from './day-journal';
import type { SaleGap, TotalsDifference } from './reconciliation';

/**
 * A store's business day as the end-of-day flow reads it from the POS: the day's transactions
 * (sales and refunds, page by page) and the registers' Z-reports to check them against. Money is
 * in integer cents, signed: refunds are negative, so summing everything gives the day's net.
 */

/**
 * How a payment was settled, which decides where it is reconciled: card against the processor's
 * payout, cash against the counted drawer, gift cards and vouchers against their liability
 * accounts; `other` (invoice, Klarna, Swish, custom) is listed for a person to place.
 */
export type Tender = 'card' | 'cash' | 'gift-card' | 'voucher' | 'other';

export interface DayPayment {
  tender: Tender;
  /** The POS payment type's display name, as the receipt shows it. */
  name: string;
  /** Signed: negative when money went back to the customer. */
  amountCents: number;
  /** The reference the card processor knows (Sitoo payment `refid`, else `externalid`), to match its payout lines. */
  reference?: string;
}

export interface DayLine {
  /** Empty for lines with no product behind them (e.g. a discount row). */
  sku: string;
  /** Negative on refunds. */
  quantity: number;
  /** Signed row total including VAT, after discounts. */
  grossCents: number;
  vatPercent: number;
}

export interface DayTransaction {
  orderId: number;
  warehouseId: number;
  /** The register that rang it up (a GUID string), or null for orders not made at a till. */
  registerId: string | null;
  /** Unix seconds: the time at the till, even when an offline register synced it later. */
  orderDate: number;
  currencyCode: string;
  /** The sale this one refunds; null for a sale. */
  creditOrderId: number | null;
  /** Set for a web order handed over in the store (click & collect): the ERP knows it by this id. */
  webOrderId?: string;
  /** Cash rounding (Sitoo `moneytotal_gross_roundoff`): payments add up to the lines plus this. */
  roundingCents: number;
  lines: DayLine[];
  payments: DayPayment[];
}

/** One page of a day; pass nextCursor back to read the next, absent when the day is done. */
export interface DayTransactionPage {
  transactions: DayTransaction[];
  nextCursor?: number;
}

export interface ZReportVatGroup {
  vatPercent: number;
  /** Signed: sales minus refunds at this rate. */
  netCents: number;
  vatCents: number;
}

/**
 * One register closing (Sitoo `PosZReport`, sitoo-api.md §8), reduced to what reconciliation
 * compares. All totals are sales minus refunds, so they line up with the signed transactions.
 */
export interface ZReport {
  /** Numbered per register, so only (registerId, zReportId) identifies a report. */
  zReportId: number;
  registerId: string;
  /** The register's warehouse, from the register list; absent when the register is unknown there. */
  warehouseId?: number;
  eshopId: number;
  /** The store's externalid (Sitoo `store_id`), when the register belongs to a store. */
  storeId?: string;
  /** Unix seconds the register was opened (`dateopened`); null on legacy POS versions that do not record it. */
  dateFrom: number | null;
  /** Unix seconds the register was closed and the report produced (`datecreated`). */
  dateTo: number;
  /** Unix seconds the report reached Sitoo's backend (`dateadded`); late when the register was offline. */
  dateAdded: number;
  currencyCode: string;
  totals: {
    /** Sales minus refunds incl. VAT, before rounding (`moneysummarysubtotal`). */
    salesGrossCents: number;
    /** The refunds within that, as a negative amount (`moneyrefundtotal`). */
    refundsGrossCents: number;
    vatByRate: ZReportVatGroup[];
    /** Sales minus refunds per tender; every tender present, 0 when unused. */
    paymentsByTender: Record<Tender, number>;
    roundingCents: number;
    /** What the register took in: subtotal plus rounding (`moneysummarytotal`). */
    totalCents: number;
    /** Counted minus expected cash (`moneycash_diff`), when the drawer was counted. */
    cashDifferenceCents?: number;
    /** Sales plus refund receipts (`numsales + numrefund`). */
    transactionCount: number;
  };
}

/** Where and when the store's day is, resolved once from the mapping and Sitoo's site settings. */
export interface StoreDay {
  storeId: string;
  date: string;
  timeZone: string;
  warehouseId: number;
  erpCustomerNumber: string;
  /** [from, to) in Unix seconds: local midnight to local midnight. */
  from: number;
  to: number;
}

/** What one pass over the day found; lists are capped so the history stays small at any volume. */
export interface DaySummary {
  totals: DayTotals;
  pagesRead: number;
  zReports: number;
  zDifferences: TotalsDifference[];
  saleGaps: SaleGap[];
  saleGapCount: number;
  erpDocuments: number;
  cashDifferenceCents: number;
}

export interface JournalResult {
  documentNumber: string;
  posted: 'now' | 'already';
  lines: JournalLine[];
  /** The post took more than one attempt: a line created late may still land in the batch. */
  lateDraftPossible?: boolean;
  /** Such late lines found and deleted from the batch after the window. */
  draftsSwept?: number;
}
