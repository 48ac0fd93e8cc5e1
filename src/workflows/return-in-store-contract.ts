import { defineQuery } from '@temporalio/workflow';
import type { RefundedLine } from '../activities/return-activities';
import type { ParkedException } from '../domain/exceptions';
import type { ReturnLine } from '../domain/returns';
import type { ResolutionRecord, ResolveRefusal } from './parking';
import { TASK_QUEUES } from './task-queues';

/** Return in store's contract: id, task queue, input, status and result, for the workflow, the sale that hands a refund over, and tests. */
export { returnInStoreWorkflowId } from '../domain/ids';
export { resolveSignal, resolveUpdate } from './parking';

export const RETURN_IN_STORE_TASK_QUEUE = TASK_QUEUES.main;

export interface ReturnInStoreInput {
  accountId: number;
  eshopId: number;
  /** The Sitoo refund order. */
  sitooOrderId: number;
  /** ERP_LATE_COMMIT_WINDOW: how long after a retried credit memo the return sweeps for a twin (default 20m). */
  erpLateCommitWindow?: string;
}

export type ReturnStep =
  | 'reading-return'
  | 'finding-original'
  | 'refunding'
  | 'booking-in-erp'
  | 'parked'
  | 'refunded'
  | 'store-refund-booked'
  | 'not-a-web-order'
  | 'skipped';

export interface ReturnStatus {
  sitooOrderId: number;
  step: ReturnStep;
  storeId?: string;
  webOrderId?: string;
  returned: ReturnLine[];
  refund?: { refundId: string; amountCents: number; lines: RefundedLine[] };
  creditMemoNumber?: string;
  exception?: ParkedException;
  resolutions: ResolutionRecord[];
  lastRefusal?: ResolveRefusal;
}

export interface ReturnResult {
  outcome: 'refunded' | 'store-refund-booked' | 'not-a-web-order' | 'skipped';
  sitooOrderId: number;
  webOrderId?: string;
  /** What went back to the customer; results recorded before issue 12 carry `refundAmount`, a 2-decimal string. */
  refundCents?: number;
  creditMemoNumber?: string;
  reason?: string;
}

export const returnStatusQuery = defineQuery<ReturnStatus>('status');
