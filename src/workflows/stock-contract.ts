import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { StockAdjustmentOutcome } from '../activities/stock-adjustment-activities';
import type { ExceptionType, ParkedException } from '../domain/exceptions';
import type { RefusedStockWork, StockChange, StockFlushSummary, StockLevelChange } from '../domain/stock-flush';
import type { ResolutionRecord, ResolveRefusal } from './parking';
import { TASK_QUEUES } from './task-queues';

/**
 * The stock flow's contract: the coalescer (`stockSyncWorkflow`), the stock adjustment that books
 * a store stock change other than a sale or refund in the ERP (`stockAdjustmentWorkflow`), the ERP
 * stock poll and the drift check. Ids, task queues, inputs, messages and status, for the
 * workflows, the starters and the tests.
 */
export {
  erpStockPollScheduleId,
  stockAdjustmentWorkflowId,
  stockDriftReportWorkflowId,
  stockDriftScheduleId,
  stockSyncWorkflowId,
} from '../domain/ids';
export { resolveSignal, resolveUpdate } from './parking';

/** Web stock first: the coalescer, the ERP stock poll and the drift check run on the inventory queue. */
export const STOCK_TASK_QUEUE = TASK_QUEUES.inventory;
/** The ERP may lag while the web must not: stock adjustments run on the main queue. */
export const STOCK_ADJUSTMENT_TASK_QUEUE = TASK_QUEUES.main;
/**
 * The stock adjustment workflow's registered type name: the name it first had, kept because
 * running workflows, recorded histories and operators' queries use it (ids stay `stock-move-…`).
 */
export const STOCK_ADJUSTMENT_WORKFLOW_TYPE = 'stockMoveWorkflow';

/** The Temporal UI's summaries of the stock flow's workflows. */
export const stockSyncSummary = (accountId: number) => `Stock coalescer of Sitoo account ${accountId}`;
export const stockAdjustmentSummary = (accountId: number, transactionId: number) =>
  `Stock adjustment: Sitoo warehouse transaction ${accountId}-${transactionId} to the ERP`;

export type {
  RefusedStockWork,
  StockChange,
  StockFlushInput,
  StockFlushSummary,
  StockKey,
  StockLevelChange,
} from '../domain/stock-flush';
import type { PageLimits } from '../domain/poll-cursor';

export const stockChangedSignal = defineSignal<[StockChange]>('stockChanged');

/** Refused work the coalescer holds, carried over continue-as-new; times are workflow time in ms. */
export interface HeldStockWork extends RefusedStockWork {
  since: number;
  /** Refusals in a row; the retry interval doubles with each, up to the maximum. */
  attempts: number;
  retryAt: number;
  /** The recorded exception that makes the refusal visible, and when it was recorded. */
  exceptionId: string;
  recordedAt: number;
}

export interface StockSyncTotals {
  flushes: number;
  transactions: number;
  written: number;
  ecommerceCalls: number;
  staleRetries: number;
  mirrored: number;
  erpRecordsStarted: number;
}

export interface StockSyncInput {
  accountId: number;
  /** Work carried over continue-as-new. */
  pending?: StockChange;
  flushSeq?: number;
  totals?: StockSyncTotals;
  /** Continue-as-new after this many history events (default 3,000); tests set it low. */
  maxHistoryEvents?: number;
  /** Refused work carried over continue-as-new. */
  held?: HeldStockWork[];
  /** When held work is tried again: after `first`, doubling per refusal up to `max` (default 1m and 30m); tests set them low. */
  heldRetry?: { first: string; max: string };
}

export interface StockSyncStatus {
  accountId: number;
  pendingTransactions: number;
  pendingKeys: number;
  flushing: boolean;
  totals: StockSyncTotals;
  lastFlush?: StockFlushSummary & { at: string };
  unmappedWarehouses: number[];
  /** Refused work waiting for its next try, one entry per standing refusal. */
  held?: Array<{
    part: string;
    exceptionType: ExceptionType;
    message: string;
    keys: number;
    transactions: number;
    attempts: number;
    since: string;
    nextRetryAt: string;
    exceptionId: string;
  }>;
}

export const stockStatusQuery = defineQuery<StockSyncStatus>('status');

export const EMPTY_TOTALS: StockSyncTotals = {
  flushes: 0,
  transactions: 0,
  written: 0,
  ecommerceCalls: 0,
  staleRetries: 0,
  mirrored: 0,
  erpRecordsStarted: 0,
};

export interface StockAdjustmentInput {
  accountId: number;
  transactionId: number;
}

export interface StockAdjustmentStatus {
  transactionId: number;
  step: 'recording' | 'parked' | 'recorded' | 'skipped' | 'not-for-erp';
  outcome?: StockAdjustmentOutcome;
  exception?: ParkedException;
  resolutions: ResolutionRecord[];
  lastRefusal?: ResolveRefusal;
}

export const stockAdjustmentStatusQuery = defineQuery<StockAdjustmentStatus>('status');

/** Started by a Temporal Schedule; the schedule's arguments carry the item-ledger cursor. */
export interface ErpStockPollInput extends PageLimits {
  scheduleId: string;
  afterEntryNumber: number;
}

/** The scheduled drift check (see the workflow). */
export interface StockDriftInput {
  /** How long a difference must persist to count as drift, e.g. "5s". */
  settle: string;
}

export interface StockDriftResult {
  locations: Array<{ locationId: string; checked: number; corrected: StockLevelChange[]; reportId?: string }>;
}

/** The coalescer's signature, for typed signal-with-start through the client (type name `stockSyncWorkflow`). */
export type StockSyncWorkflow = (input: StockSyncInput) => Promise<void>;
