import { defineQuery } from '@temporalio/workflow';
import type { DayTotals } from '../domain/day-journal';
import type { JournalResult } from '../domain/end-of-day';
import type { ParkedException } from '../domain/exceptions';
import type { PayoutMatch } from '../domain/reconciliation';
import type { ResolutionRecord, ResolveRefusal } from './parking';
import { TASK_QUEUES } from './task-queues';

/**
 * End of day's contract: the per-store schedule's trigger (`endOfDayTriggerWorkflow`) and the
 * day's reconciliation (`endOfDayWorkflow`): ids, task queue, inputs, the day as the activities
 * hand it over, the report and how finance reads it, the status.
 */
export { endOfDayScheduleId, endOfDayWorkflowId } from '../domain/ids';
export { resolveSignal, resolveUpdate } from './parking';
export { reconciliationLines, renderReconciliation } from './end-of-day-report';

export const END_OF_DAY_TASK_QUEUE = TASK_QUEUES.main;

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

export type { DaySummary, JournalResult, StoreDay } from '../domain/end-of-day';

export interface ReconciliationGap {
  kind:
    | 'z-report-vs-journal'
    | 'sale-never-posted'
    | 'sale-posted-twice'
    | 'sale-amount-differs'
    | 'card-payment-unmatched';
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

export type EndOfDayStep =
  | 'reading-day'
  | 'posting-journal'
  | 'sweeping-journal'
  | 'awaiting-payout'
  | 'parked'
  | 'reconciled'
  | 'gaps-accepted';

export interface EndOfDayStatus {
  storeId: string;
  date: string;
  step: EndOfDayStep;
  report?: ReconciliationReport;
  exception?: ParkedException;
  resolutions: ResolutionRecord[];
  lastRefusal?: ResolveRefusal;
}

export const endOfDayStatusQuery = defineQuery<EndOfDayStatus>('status');
/** The reconciliation as a table, one line per element (a list reads better than one string in the CLI). */
export const endOfDayReportQuery = defineQuery<string[]>('report');

/** What each store's schedule starts at closing time; it starts the day's `endOfDayWorkflow`. */
export interface EndOfDayTriggerInput extends Omit<EndOfDayInput, 'date'> {
  /** The store's IANA time zone (Sitoo site settings), in which the closing time and the date are local. */
  timeZone: string;
  /** Earlier days to start too if their end of day never ran (a worker outage, a paused schedule). */
  catchUpDays: number;
}
