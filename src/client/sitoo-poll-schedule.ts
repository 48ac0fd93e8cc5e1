import type { Client } from '@temporalio/client';
import {
  SITOO_POLL_TASK_QUEUE,
  sitooPollScheduleId,
  type SitooPollCursors,
  type SitooPollInput,
} from '../workflows/sitoo-poll-contract';
import { ensureIntervalSchedule, updateScheduleArgs } from './interval-schedule';

/**
 * The polling fallback runs as a Temporal Schedule per Sitoo account. Its action's arguments hold
 * the order-id cursor: each run reads from there and moves it forward.
 */
export interface PollScheduleOptions {
  accountId: number;
  every: string;
  fromOrderId: number;
  fromTransactionId?: number;
  pageSize?: number;
  maxPages?: number;
}

export async function ensureSitooPollSchedule(client: Client, opts: PollScheduleOptions): Promise<string> {
  const scheduleId = sitooPollScheduleId(opts.accountId);
  const fromTransactionId = opts.fromTransactionId ?? 1;
  const args: SitooPollInput = {
    scheduleId,
    fromOrderId: opts.fromOrderId,
    fromTransactionId,
    pageSize: opts.pageSize ?? 100,
    maxPages: opts.maxPages ?? 20,
  };
  return ensureIntervalSchedule(client, {
    scheduleId,
    workflowType: 'sitooPollWorkflow',
    taskQueue: SITOO_POLL_TASK_QUEUE,
    every: opts.every,
    args,
    note: 'Sitoo polling fallback (orders and stock transactions); the cursors are in the action arguments',
    summary: `Sitoo poll of account ${opts.accountId}`,
    // A schedule made before stock transactions were polled starts following them from the configured id.
    upgradeArgs: (stored) => ({ ...stored, fromTransactionId: stored.fromTransactionId ?? fromTransactionId }),
  });
}

/** Moves the cursors forward, never back (an older run finishing late must not rewind them). */
export async function saveSitooPollCursor(client: Client, scheduleId: string, next: SitooPollCursors): Promise<void> {
  await updateScheduleArgs<SitooPollInput>(client, scheduleId, (current) => ({
    ...current,
    fromOrderId: Math.max(current.fromOrderId, next.nextOrderId),
    fromTransactionId:
      next.nextTransactionId === undefined
        ? current.fromTransactionId
        : Math.max(current.fromTransactionId ?? 1, next.nextTransactionId),
    // The run's view of what is still missing replaces the stored one (it read them all again).
    ...(next.orderGaps ? { orderGaps: next.orderGaps } : {}),
    ...(next.transactionGaps ? { transactionGaps: next.transactionGaps } : {}),
  }));
}
