import { defineQuery } from '@temporalio/workflow';
import type { DayTotals, JournalLine } from '../domain/day-journal';
import type { ParkedException } from '../domain/exceptions';
import type { PayoutMatch, SaleGap, TotalsDifference } from '../domain/reconciliation';
import type { ResolutionRecord } from './parking';

export { resolveUpdate } from './parking';

/** End of day's contract: input, the day as the activities hand it over, the report, the status. */
export interface EndOfDayInput {
  accountId: number;
  storeId: string;
  /** The store's business day, yyyy-mm-dd in its local time zone. */
  date: string;
  /** How often to look for the card payout again, and for how long in all ('1d', '5d' style). */
  payoutRecheck: string;
  payoutMaxWait: string;
  /** ERP_LATE_COMMIT_WINDOW: how long after a retried journal post the store's batch is swept (default 20m). */
  erpLateCommitWindow?: string;
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

export interface ReconciliationGap {
  kind: 'z-report-vs-journal' | 'sale-never-posted' | 'sale-posted-twice' | 'sale-amount-differs' | 'card-payment-unmatched';
  orderId?: number;
  what: string;
  expectedCents: number;
  actualCents?: number;
  owner: 'finance';
}

export interface ReconciliationReport {
  storeId: string;
  date: string;
  timeZone: string;
  currency: string | null;
  transactions: number;
  journal: JournalResult;
  vat: Array<{ vatPercent: number; grossCents: number; netCents: number; vatCents: number }>;
  paymentsByTender: DayTotals['paymentsByTender'];
  zReports: number;
  erpDocuments: number;
  /** Sitoo pages read for this report: the day's pass and the card payments' pass. */
  sitooPagesRead: number;
  payout: Omit<PayoutMatch, 'unmatchedPos'> & { unmatched: number; checkedAt: string };
  gaps: ReconciliationGap[];
  /** How many gaps there were in all, when the list is capped. */
  gapCount: number;
  status: 'reconciled' | 'gaps-accepted' | 'gaps';
}

export type EndOfDayStep = 'reading-day' | 'posting-journal' | 'sweeping-journal' | 'awaiting-payout' | 'parked' | 'reconciled' | 'gaps-accepted';

export interface EndOfDayStatus {
  storeId: string;
  date: string;
  step: EndOfDayStep;
  report?: ReconciliationReport;
  exception?: ParkedException;
  resolutions: ResolutionRecord[];
}

export const endOfDayStatusQuery = defineQuery<EndOfDayStatus>('status');
export const endOfDayReportQuery = defineQuery<string>('report');
