import type { Client } from '@temporalio/client';
import { sitooPollScheduleId } from '../domain/ids';
import type { SitooPollInput } from '../workflows/sitoo-poll';
import { TASK_QUEUES } from '../workflows/task-queues';
import { ensureIntervalSchedule, updateScheduleArgs } from './interval-schedule';

/**
 * The polling fallback runs as a Temporal Schedule per Sitoo account. Its action's arguments hold
 * the order-id cursor: each run reads from there and moves it forward.
 */
export interface PollScheduleOptions {
  accountId: number;
  every: string;
  fromOrderId: number;
  pageSize?: number;
  maxPages?: number;
}

export async function ensureSitooPollSchedule(client: Client, opts: PollScheduleOptions): Promise<string> {
  const scheduleId = sitooPollScheduleId(opts.accountId);
  const args: SitooPollInput = { scheduleId, fromOrderId: opts.fromOrderId, pageSize: opts.pageSize ?? 100, maxPages: opts.maxPages ?? 20 };
  return ensureIntervalSchedule(client, { scheduleId, workflowType: 'sitooPollWorkflow', taskQueue: TASK_QUEUES.main, every: opts.every, args, note: 'Sitoo orders polling fallback; the cursor is in the action arguments' });
}

/** Moves the cursor forward, never back (an older run finishing late must not rewind it). */
export async function saveSitooPollCursor(client: Client, scheduleId: string, nextOrderId: number): Promise<void> {
  await updateScheduleArgs<SitooPollInput>(client, scheduleId, (current) => ({ ...current, fromOrderId: Math.max(current.fromOrderId, nextOrderId) }));
}
