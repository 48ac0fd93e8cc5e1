import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';

/**
 * The project's scheduled flows (polling fallbacks, drift checks) are Temporal Schedules whose
 * action arguments may carry a cursor: as durable as the schedule and visible with
 * `temporal schedule describe`. Re-running set-up keeps the stored arguments and only applies the
 * configured interval.
 */
export interface IntervalScheduleSpec<A> {
  scheduleId: string;
  workflowType: string;
  taskQueue: string;
  every: string;
  args: A;
  note: string;
  /** What the Temporal UI shows first about each run (business ids, no personal data). */
  summary: string;
  /** Brings arguments stored by an older version up to date (cursors are kept). */
  upgradeArgs?: (stored: A) => A;
}

export async function ensureIntervalSchedule<A>(client: Client, spec: IntervalScheduleSpec<A>): Promise<string> {
  try {
    await client.schedule.create({
      scheduleId: spec.scheduleId,
      spec: { intervals: [{ every: spec.every }] },
      action: {
        type: 'startWorkflow',
        workflowType: spec.workflowType,
        taskQueue: spec.taskQueue,
        workflowId: spec.scheduleId,
        args: [spec.args],
        staticSummary: spec.summary,
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
      state: { note: spec.note },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(spec.scheduleId).update((prev) => {
      const upgrade = spec.upgradeArgs;
      const args = upgrade ? [upgrade(prev.action.args?.[0] as A)] : prev.action.args;
      const action = { ...prev.action, args, staticSummary: spec.summary };
      return { ...prev, action, spec: { intervals: [{ every: spec.every }] } };
    });
  }
  return spec.scheduleId;
}

/** Rewrites the schedule's stored argument (a cursor); `next` decides from the current one, so it can refuse to go back. */
export async function updateScheduleArgs<A>(
  client: Client,
  scheduleId: string,
  next: (current: A) => A,
): Promise<void> {
  await client.schedule
    .getHandle(scheduleId)
    .update((prev) => ({ ...prev, action: { ...prev.action, args: [next(prev.action.args?.[0] as A)] } }));
}
