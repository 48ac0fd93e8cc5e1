import type { IdGap } from '../domain/poll-cursor';
import { TASK_QUEUES } from './task-queues';
import type { PageLimits } from '../domain/poll-cursor';

/**
 * The Sitoo polling fallback's contract: started by the per-account Temporal Schedule, whose
 * action arguments carry the cursors. It starts the same sale workflows the events would have.
 */
export { sitooPollScheduleId } from '../domain/ids';
export type { SitooPollCursors } from '../domain/poll-cursor';

export const SITOO_POLL_TASK_QUEUE = TASK_QUEUES.main;

export interface SitooPollInput extends PageLimits {
  scheduleId: string;
  fromOrderId: number;
  /** Absent in schedules made before stock transactions were polled; set-up fills it in. */
  fromTransactionId?: number;
  /** Ids earlier runs jumped over that may still commit (writes commit out of id order). */
  orderGaps?: IdGap[];
  transactionGaps?: IdGap[];
}
