import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { sitooPollScheduleId } from '../domain/ids';
import type { SitooPollInput, sitooPollWorkflow } from '../workflows/sitoo-poll';
import { TASK_QUEUES } from '../workflows/task-queues';

/**
 * The polling fallback runs as a Temporal Schedule per Sitoo account. Its action's arguments hold
 * the order-id cursor: each run reads from there and moves it forward, so the cursor is as durable
 * as the schedule itself and visible with `temporal schedule describe`.
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
  const input: SitooPollInput = { scheduleId, fromOrderId: opts.fromOrderId, pageSize: opts.pageSize ?? 100, maxPages: opts.maxPages ?? 20 };
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: opts.every }] },
      action: { type: 'startWorkflow', workflowType: 'sitooPollWorkflow' as unknown as typeof sitooPollWorkflow, taskQueue: TASK_QUEUES.main, workflowId: scheduleId, args: [input] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
      state: { note: 'Sitoo orders polling fallback; the cursor is in the action arguments' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    // Keep the stored cursor; only the interval follows configuration.
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec: { intervals: [{ every: opts.every }] } }));
  }
  return scheduleId;
}

/** Moves the cursor forward, never back (an older run finishing late must not rewind it). */
export async function saveSitooPollCursor(client: Client, scheduleId: string, nextOrderId: number): Promise<void> {
  await client.schedule.getHandle(scheduleId).update((prev) => {
    const current = prev.action.args?.[0] as SitooPollInput;
    const next: SitooPollInput = { ...current, fromOrderId: Math.max(current.fromOrderId, nextOrderId) };
    return { ...prev, action: { ...prev.action, args: [next] } };
  });
}
