import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { END_OF_DAY_TASK_QUEUE, endOfDayScheduleId, type EndOfDayTriggerInput } from '../workflows/end-of-day-contract';

export interface EndOfDayScheduleOptions {
  accountId: number;
  /** Each store with its time zone from the mapping: the one that dates its documents and bounds its day. */
  stores: Array<{ storeId: string; timeZone: string; name?: string }>;
  /** Local closing time, HH:MM. */
  closingTime: string;
  payoutRecheck: string;
  payoutMaxWait: string;
  /** ERP_LATE_COMMIT_WINDOW (see EndOfDayInput). */
  erpLateCommitWindow?: string;
  catchUpDays?: number;
  /**
   * Schedules this process paused because their store left the mapping (filled by
   * pauseEndOfDaySchedulesOfRemovedStores). A pause is a signal the schedule applies a moment
   * later, so a describe just after it can still show the schedule running: a store that comes
   * back soon after is unpaused from this memory, not only from what describe shows.
   */
  pausedHere?: Set<string>;
}

/**
 * One schedule per store, at its local closing time in its own time zone (DST included). A run
 * missed while Temporal was down is caught up (catchup window), and each run also starts the few
 * days before that never ran.
 */
export async function ensureEndOfDaySchedules(client: Client, opts: EndOfDayScheduleOptions): Promise<string[]> {
  const [hour, minute] = opts.closingTime.split(':').map(Number) as [number, number];
  const ids: string[] = [];
  for (const { storeId, timeZone, name } of opts.stores) {
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
    const staticSummary = `End-of-day trigger of store ${storeId}${name ? ` (${name})` : ''}`;
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
          staticSummary,
        },
        policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: '3d' },
        state: { note: `End of day for store ${storeId}` },
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      // The unpause rides in the update itself: a full update carries the schedule's whole
      // state, and the scheduler applies a pause or unpause request before an update it receives
      // in the same batch, so a separate unpause could be undone by this update's stale
      // "paused". Only our own pause is lifted: one an operator set stays.
      await client.schedule.getHandle(scheduleId).update((prev) => {
        const back =
          (prev.state.paused && prev.state.note === STORE_LEFT_MAPPING) || opts.pausedHere?.has(scheduleId) === true;
        const state = back
          ? { ...prev.state, paused: false, note: `store ${storeId} is back in the mapping` }
          : prev.state;
        return { ...prev, spec, action: { ...prev.action, args: [args], staticSummary }, state };
      });
      opts.pausedHere?.delete(scheduleId);
    }
    ids.push(scheduleId);
  }
  return ids;
}

/** The note on the schedule of a store that left the mapping. */
export const STORE_LEFT_MAPPING = 'paused: the store left the mapping';

/**
 * Pauses the end-of-day schedule of every store no longer in the mapping. Its runs could only
 * fail (end of day refuses a store it cannot find) and park an exception each day; a paused
 * schedule keeps its history, comes back if the store does, and is deleted by hand once the
 * store's last day is closed.
 */
export async function pauseEndOfDaySchedulesOfRemovedStores(
  client: Client,
  storeIds: string[],
  pausedHere?: Set<string>,
): Promise<string[]> {
  const prefix = endOfDayScheduleId('');
  const kept = new Set(storeIds.map(endOfDayScheduleId));
  const paused: string[] = [];
  for await (const schedule of client.schedule.list()) {
    if (!schedule.scheduleId.startsWith(prefix) || kept.has(schedule.scheduleId)) continue;
    const handle = client.schedule.getHandle(schedule.scheduleId);
    try {
      // The list comes from visibility, which trails the schedule: a store that came back a
      // moment ago can still be listed as paused. Its own description is current.
      if ((await handle.describe()).state.paused) continue;
      await handle.pause(STORE_LEFT_MAPPING);
    } catch (err) {
      // The list trails deletions too: a schedule deleted a moment ago may still be in it.
      if (err instanceof ScheduleNotFoundError) continue;
      throw err;
    }
    paused.push(schedule.scheduleId);
    pausedHere?.add(schedule.scheduleId);
  }
  return paused;
}
