import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { END_OF_DAY_TASK_QUEUE, endOfDayScheduleId, type EndOfDayTriggerInput } from '../workflows/end-of-day-contract';

export interface EndOfDayScheduleOptions {
  accountId: number;
  /** Each store with its time zone from the mapping: the one that dates its documents and bounds its day. */
  stores: Array<{ storeId: string; timeZone: string }>;
  /** Local closing time, HH:MM. */
  closingTime: string;
  payoutRecheck: string;
  payoutMaxWait: string;
  /** ERP_LATE_COMMIT_WINDOW (see EndOfDayInput). */
  erpLateCommitWindow?: string;
  catchUpDays?: number;
}

/**
 * One schedule per store, at its local closing time in its own time zone (DST included). A run
 * missed while Temporal was down is caught up (catchup window), and each run also starts the few
 * days before that never ran.
 */
export async function ensureEndOfDaySchedules(client: Client, opts: EndOfDayScheduleOptions): Promise<string[]> {
  const [hour, minute] = opts.closingTime.split(':').map(Number) as [number, number];
  const ids: string[] = [];
  for (const { storeId, timeZone } of opts.stores) {
    const scheduleId = endOfDayScheduleId(storeId);
    const args: EndOfDayTriggerInput = {
      accountId: opts.accountId,
      storeId,
      timeZone,
      payoutRecheck: opts.payoutRecheck,
      payoutMaxWait: opts.payoutMaxWait,
      catchUpDays: opts.catchUpDays ?? 3,
      ...(opts.erpLateCommitWindow ? { erpLateCommitWindow: opts.erpLateCommitWindow } : {}),
    };
    const spec = { calendars: [{ hour, minute, comment: `closing time in ${timeZone}` }], timezone: timeZone };
    try {
      await client.schedule.create({
        scheduleId,
        spec,
        action: {
          type: 'startWorkflow',
          workflowType: 'endOfDayTriggerWorkflow',
          taskQueue: END_OF_DAY_TASK_QUEUE,
          workflowId: scheduleId,
          args: [args],
        },
        policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: '3d' },
        state: { note: `End of day for store ${storeId}` },
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule
        .getHandle(scheduleId)
        .update((prev) => ({ ...prev, spec, action: { ...prev.action, args: [args] } }));
    }
    ids.push(scheduleId);
  }
  return ids;
}
